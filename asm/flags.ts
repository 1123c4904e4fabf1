// Lazy RFLAGS: arithmetic records its operands and result; a flag is computed when read.
import {
  S_FLAGS, S_LAZY_MASK, S_LAZY_RES, S_LAZY_SRC1, S_LAZY_SRC2, S_LAZY_OP, S_LAZY_SIZE,
  FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF, FLAG_SF, FLAG_OF,
} from "./gen/layout";
import { sizeMask, signBit } from "./cpu";

// Kinds of lazily evaluated operations.
export const LAZY_ADD: u32 = 1;  // res = a + b
export const LAZY_ADC: u32 = 2;  // res = a + b + 1 (ADC with carry in; without it is ADD)
export const LAZY_SUB: u32 = 3;  // res = a - b
export const LAZY_SBB: u32 = 4;  // res = a - b - 1
export const LAZY_LOGIC: u32 = 5; // CF = OF = 0, AF = 0

export const ARITH_FLAGS: u32 = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

/** Records a flag-setting operation; only the flags in mask become lazy (INC/DEC leave CF). */
@inline export function setLazy(op: u32, size: u32, res: u64, a: u64, b: u64, mask: u32): void {
  if (mask != ARITH_FLAGS) {
    // Materialise the flags that stay, then overwrite the rest lazily.
    const keep = readFlags();
    store<u64>(S_FLAGS, keep);
  }
  store<u32>(S_LAZY_OP, op);
  store<u32>(S_LAZY_SIZE, size);
  store<u64>(S_LAZY_RES, res & sizeMask(size));
  store<u64>(S_LAZY_SRC1, a & sizeMask(size));
  store<u64>(S_LAZY_SRC2, b & sizeMask(size));
  store<u64>(S_LAZY_MASK, mask);
}

/** Sets the arithmetic flags eagerly: bits in mask take their value from bits. */
export function setFlagsEager(mask: u32, bits: u32): void {
  const f = readFlags();
  store<u64>(S_FLAGS, (f & ~(<u64>mask)) | (bits & mask));
  store<u64>(S_LAZY_MASK, 0);
}

function lazyCF(): bool {
  const op = load<u32>(S_LAZY_OP);
  const a = load<u64>(S_LAZY_SRC1), b = load<u64>(S_LAZY_SRC2), r = load<u64>(S_LAZY_RES);
  if (op == LAZY_ADD) return r < a;
  if (op == LAZY_ADC) return r <= a;
  if (op == LAZY_SUB) return a < b;
  if (op == LAZY_SBB) return a <= b;
  return false;
}

function lazyOF(): bool {
  const op = load<u32>(S_LAZY_OP);
  const a = load<u64>(S_LAZY_SRC1), b = load<u64>(S_LAZY_SRC2), r = load<u64>(S_LAZY_RES);
  const sb = signBit(load<u32>(S_LAZY_SIZE));
  if (op == LAZY_ADD || op == LAZY_ADC) return ((a ^ r) & (b ^ r) & sb) != 0;
  if (op == LAZY_SUB || op == LAZY_SBB) return ((a ^ b) & (a ^ r) & sb) != 0;
  return false;
}

@inline export function parity(v: u64): bool { return (popcnt<u32>(<u32>v & 0xFF) & 1) == 0; }

export function getCF(): bool { return (load<u64>(S_LAZY_MASK) & FLAG_CF) != 0 ? lazyCF() : (load<u64>(S_FLAGS) & FLAG_CF) != 0; }
export function getZF(): bool { return (load<u64>(S_LAZY_MASK) & FLAG_ZF) != 0 ? load<u64>(S_LAZY_RES) == 0 : (load<u64>(S_FLAGS) & FLAG_ZF) != 0; }
export function getSF(): bool {
  return (load<u64>(S_LAZY_MASK) & FLAG_SF) != 0 ? (load<u64>(S_LAZY_RES) & signBit(load<u32>(S_LAZY_SIZE))) != 0 : (load<u64>(S_FLAGS) & FLAG_SF) != 0;
}
export function getOF(): bool { return (load<u64>(S_LAZY_MASK) & FLAG_OF) != 0 ? lazyOF() : (load<u64>(S_FLAGS) & FLAG_OF) != 0; }
export function getPF(): bool { return (load<u64>(S_LAZY_MASK) & FLAG_PF) != 0 ? parity(load<u64>(S_LAZY_RES)) : (load<u64>(S_FLAGS) & FLAG_PF) != 0; }
export function getAF(): bool {
  if ((load<u64>(S_LAZY_MASK) & FLAG_AF) == 0) return (load<u64>(S_FLAGS) & FLAG_AF) != 0;
  if (load<u32>(S_LAZY_OP) == LAZY_LOGIC) return false;
  return ((load<u64>(S_LAZY_SRC1) ^ load<u64>(S_LAZY_SRC2) ^ load<u64>(S_LAZY_RES)) & 0x10) != 0;
}

/** RFLAGS with every lazy bit computed. */
export function readFlags(): u64 {
  const m = load<u64>(S_LAZY_MASK);
  let f = load<u64>(S_FLAGS);
  if (m == 0) return f | 2;
  f &= ~m;
  if ((m & FLAG_CF) && getCF()) f |= FLAG_CF;
  if ((m & FLAG_PF) && getPF()) f |= FLAG_PF;
  if ((m & FLAG_AF) && getAF()) f |= FLAG_AF;
  if ((m & FLAG_ZF) && getZF()) f |= FLAG_ZF;
  if ((m & FLAG_SF) && getSF()) f |= FLAG_SF;
  if ((m & FLAG_OF) && getOF()) f |= FLAG_OF;
  return f | 2;
}

export function writeFlags(v: u64): void {
  store<u64>(S_FLAGS, v | 2);
  store<u64>(S_LAZY_MASK, 0);
}

/** Evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc). */
export function cond(cc: u32): bool {
  let r: bool;
  switch (cc >> 1) {
    case 0: r = getOF(); break;
    case 1: r = getCF(); break;
    case 2: r = getZF(); break;
    case 3: r = getCF() || getZF(); break;
    case 4: r = getSF(); break;
    case 5: r = getPF(); break;
    case 6: r = getSF() != getOF(); break;
    default: r = getZF() || (getSF() != getOF()); break;
  }
  return (cc & 1) != 0 ? !r : r;
}
