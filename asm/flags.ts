// Lazy RFLAGS: arithmetic records its operands and result; a flag is computed when read.
import {
  S_FLAGS, S_LAZY_MASK, S_LAZY_RES, S_LAZY_SRC1, S_LAZY_SRC2, S_LAZY_OP, S_LAZY_SIZE,
  FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF, FLAG_SF, FLAG_OF,
} from "./gen/layout";
import { sizeMask, signBit, sext } from "./cpu";
import { mulHiS64 } from "./muldiv";

// Kinds of lazily evaluated operations.
export const LAZY_ADD: u32 = 1;  // res = a + b
export const LAZY_ADC: u32 = 2;  // res = a + b + 1 (ADC with carry in; without it is ADD)
export const LAZY_SUB: u32 = 3;  // res = a - b
export const LAZY_SBB: u32 = 4;  // res = a - b - 1
export const LAZY_LOGIC: u32 = 5; // CF = OF = 0, AF = 0
export const LAZY_MUL: u32 = 6;   // CF = OF = (src1 != 0): the product overflowed; AF = 0
export const LAZY_SHIFT: u32 = 7; // CF = src1 & 1, AF = src1 & 0x10, OF = src2 & 1
export const LAZY_IMUL: u32 = 8;  // res = a * b truncated, CF = OF = the signed product did not fit; AF = 0

export const ARITH_FLAGS: u32 = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

/** Records a flag-setting operation; only the flags in mask become lazy (INC/DEC leave CF). */
@inline export function setLazy(op: u32, size: u32, res: u64, a: u64, b: u64, mask: u32): void {
  if (mask != ARITH_FLAGS) {
    // Materialise the lazy flags that stay (INC/DEC keep CF), then overwrite the rest lazily.
    const keep = <u32>load<u64>(S_LAZY_MASK) & ~mask;
    if (keep != 0) materialise(keep);
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
  // Only the lazy flags that survive need computing; the others are overwritten.
  const keep = <u32>load<u64>(S_LAZY_MASK) & ~mask;
  if (keep != 0) materialise(keep);
  store<u64>(S_FLAGS, (load<u64>(S_FLAGS) & ~(<u64>mask)) | (bits & mask));
  store<u64>(S_LAZY_MASK, 0);
}

/**
 * Sets CF and OF and keeps SZAP (the rotates). When every flag is lazy the state becomes a
 * LAZY_SHIFT record over the same result, AF carried along, so nothing is computed now.
 */
export function setCarryOverflow(cf: bool, ovf: bool): void {
  if (load<u64>(S_LAZY_MASK) == ARITH_FLAGS) {
    const op = load<u32>(S_LAZY_OP);
    const a = load<u64>(S_LAZY_SRC1);
    let af: u64 = 0;
    if (op < LAZY_LOGIC) af = (a ^ load<u64>(S_LAZY_SRC2) ^ load<u64>(S_LAZY_RES)) & 0x10;
    else if (op == LAZY_SHIFT) af = a & 0x10;
    store<u32>(S_LAZY_OP, LAZY_SHIFT);
    store<u64>(S_LAZY_SRC1, af | <u64>cf);
    store<u64>(S_LAZY_SRC2, <u64>ovf);
    return;
  }
  setFlagsEager(FLAG_CF | FLAG_OF, (cf ? FLAG_CF : 0) | (ovf ? FLAG_OF : 0));
}

/** Computes the lazy flags in bits into the materialised word (the lazy state stays as it is). */
function materialise(bits: u32): void {
  store<u64>(S_FLAGS, (load<u64>(S_FLAGS) & ~(<u64>bits)) | <u64>(lazyValues(bits) & bits));
}

/**
 * The lazily recorded flags among bits (which must all be lazy), computed in one pass; lazy_res
 * is stored truncated to lazy_size, so ZF SF PF need no operation-specific work.
 */
function lazyValues(bits: u32): u32 {
  const r = load<u64>(S_LAZY_RES);
  let v: u32 = 0;
  if (r == 0) v |= FLAG_ZF;
  if (((r >> <u64>((load<u32>(S_LAZY_SIZE) << 3) - 1)) & 1) != 0) v |= FLAG_SF;
  if (parity(r)) v |= FLAG_PF;
  if ((bits & FLAG_AF) != 0 && lazyAF()) v |= FLAG_AF;
  if ((bits & FLAG_CF) != 0 && lazyCF()) v |= FLAG_CF;
  if ((bits & FLAG_OF) != 0 && lazyOF()) v |= FLAG_OF;
  return v;
}

function lazyCF(): bool {
  const op = load<u32>(S_LAZY_OP);
  const a = load<u64>(S_LAZY_SRC1), b = load<u64>(S_LAZY_SRC2), r = load<u64>(S_LAZY_RES);
  if (op == LAZY_ADD) return r < a;
  if (op == LAZY_ADC) return r <= a;
  if (op == LAZY_SUB) return a < b;
  if (op == LAZY_SBB) return a <= b;
  if (op == LAZY_MUL) return a != 0;
  if (op == LAZY_SHIFT) return (a & 1) != 0;
  if (op == LAZY_IMUL) return imulOverflow(a, b, r);
  return false;
}

/** Whether the signed product of a and b (lazy_size bytes each) overflowed the truncated r. */
function imulOverflow(a: u64, b: u64, r: u64): bool {
  const size = load<u32>(S_LAZY_SIZE);
  const sa = sext(a, size), sb = sext(b, size);
  if (size == 8) return mulHiS64(sa, sb) != <u64>(<i64>r >> 63);
  const p = <u64>(<i64>sa * <i64>sb);
  return sext(p, size) != p;
}

function lazyOF(): bool {
  const op = load<u32>(S_LAZY_OP);
  const a = load<u64>(S_LAZY_SRC1), b = load<u64>(S_LAZY_SRC2), r = load<u64>(S_LAZY_RES);
  const sb = signBit(load<u32>(S_LAZY_SIZE));
  if (op == LAZY_ADD || op == LAZY_ADC) return ((a ^ r) & (b ^ r) & sb) != 0;
  if (op == LAZY_SUB || op == LAZY_SBB) return ((a ^ b) & (a ^ r) & sb) != 0;
  if (op == LAZY_MUL) return a != 0;
  if (op == LAZY_SHIFT) return (b & 1) != 0;
  if (op == LAZY_IMUL) return imulOverflow(a, b, r);
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
  return lazyAF();
}

function lazyAF(): bool {
  const op = load<u32>(S_LAZY_OP);
  if (op < LAZY_LOGIC) return ((load<u64>(S_LAZY_SRC1) ^ load<u64>(S_LAZY_SRC2) ^ load<u64>(S_LAZY_RES)) & 0x10) != 0;
  if (op == LAZY_SHIFT) return (load<u64>(S_LAZY_SRC1) & 0x10) != 0;
  return false;
}

/** RFLAGS with every lazy bit computed. */
export function readFlags(): u64 {
  const m = load<u64>(S_LAZY_MASK);
  let f = load<u64>(S_FLAGS);
  if (m == 0) return f | 2;
  return (f & ~m) | <u64>(lazyValues(<u32>m) & <u32>m) | 2;
}

export function writeFlags(v: u64): void {
  store<u64>(S_FLAGS, v | 2);
  store<u64>(S_LAZY_MASK, 0);
}

/** Evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc). */
export function cond(cc: u32): bool { return condFast(cc); }

/** cond(), for inlining where it is hot: after CMP/SUB and TEST/AND/OR/XOR (all flags lazy) the condition follows from the operands. */
@inline export function condFast(cc: u32): bool {
  if (load<u64>(S_LAZY_MASK) == ARITH_FLAGS) {
    const op = load<u32>(S_LAZY_OP);
    if (op == LAZY_SUB) return condAfterSub(cc);
    if (op == LAZY_LOGIC) return condAfterLogic(cc);
  }
  return condSlow(cc);
}

function condSlow(cc: u32): bool {
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

@inline function condAfterSub(cc: u32): bool {
  const a = load<u64>(S_LAZY_SRC1), b = load<u64>(S_LAZY_SRC2);
  const sh = <u64>(64 - (load<u32>(S_LAZY_SIZE) << 3));
  let r: bool;
  switch (cc >> 1) {
    case 0: r = lazyOF(); break;
    case 1: r = a < b; break;
    case 2: r = a == b; break;
    case 3: r = a <= b; break;
    case 4: r = (load<u64>(S_LAZY_RES) << sh) >> 63 != 0; break;
    case 5: r = parity(load<u64>(S_LAZY_RES)); break;
    case 6: r = <i64>(a << sh) < <i64>(b << sh); break;
    default: r = <i64>(a << sh) <= <i64>(b << sh); break;
  }
  return (cc & 1) != 0 ? !r : r;
}

@inline function condAfterLogic(cc: u32): bool {
  const res = load<u64>(S_LAZY_RES);
  const sh = <u64>(64 - (load<u32>(S_LAZY_SIZE) << 3));
  const neg = <i64>(res << sh) < 0;
  let r: bool;
  switch (cc >> 1) {
    case 0: r = false; break;            // OF
    case 1: r = false; break;            // CF
    case 2: r = res == 0; break;         // ZF
    case 3: r = res == 0; break;         // CF | ZF
    case 4: r = neg; break;              // SF
    case 5: r = parity(res); break;      // PF
    case 6: r = neg; break;              // SF != OF
    default: r = res == 0 || neg; break; // ZF | SF != OF
  }
  return (cc & 1) != 0 ? !r : r;
}
