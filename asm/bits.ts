// Bit instructions and the flags word: BT BTS BTR BTC, BSF BSR (also TZCNT/LZCNT encodings, run as
// BSF/BSR since CPUID leaves BMI1/ABM out), POPCNT, BSWAP, SETcc, CMOVcc, LAHF SAHF, CLC STC CMC,
// CLD STD, PUSHF POPF.
import { RAX, RSP, getReg, setReg, readGpr, writeGpr, sext } from "./cpu";
import { dSize, dImm, dOpcode, dRm, dRm8, isReg, ea, readG, writeG } from "./operand";
import { rdN, wrN, faulted } from "./mmu";
import { setFlagsEager, readFlags, writeFlags, cond, getCF } from "./flags";
import {
  S_FLAGS, FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF, FLAG_SF, FLAG_OF, FLAG_DF, FLAG_ID,
} from "./gen/layout";

// What BT* does to the selected bit.
export const BT_TEST: u32 = 0;
export const BT_SET: u32 = 1;
export const BT_RESET: u32 = 2;
export const BT_COMPLEMENT: u32 = 3;

const ALL_ARITH: u32 = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;

@inline function log2Bits(size: u32): u32 { return size == 8 ? 6 : size == 4 ? 5 : 4; }

@inline function btUpdate(kind: u32, v: u64, bit: u64): u64 {
  if (kind == BT_SET) return v | bit;
  if (kind == BT_RESET) return v & ~bit;
  return v ^ bit;
}

/** Tests (and updates) bit idx of the operand at addr, or of the r/m register. */
function bitOp(d: usize, kind: u32, size: u32, isMem: bool, addr: u64, idx: u32): void {
  const bit = <u64>1 << <u64>idx;
  if (!isMem) {
    const r = dRm(d);
    const v = readGpr(r, size);
    if (kind != BT_TEST) writeGpr(r, size, btUpdate(kind, v, bit));
    setFlagsEager(FLAG_CF, (v & bit) != 0 ? FLAG_CF : 0);
    return;
  }
  const v = rdN(addr, size);
  if (faulted()) return;
  if (kind != BT_TEST) { wrN(addr, size, btUpdate(kind, v, bit)); if (faulted()) return; }
  setFlagsEager(FLAG_CF, (v & bit) != 0 ? FLAG_CF : 0);
}

/**
 * BT* Ev,Gv: with a memory operand the register is a signed bit offset from the operand's
 * address, so it can select a bit anywhere within ±2^63 bits of it.
 */
export function bt_EG(d: usize, kind: u32): void {
  const size = dSize(d);
  const off = readG(d, size);
  const lg = log2Bits(size);
  const idx = <u32>off & ((1 << lg) - 1);
  if (isReg(d)) { bitOp(d, kind, size, false, 0, idx); return; }
  const words = <i64>sext(off, size) >> <i64>lg;
  bitOp(d, kind, size, true, ea(d) + <u64>(words * <i64>size), idx);
}

/** BT* Ev,Ib: the immediate is masked to the operand's width. */
export function bt_EI(d: usize, kind: u32): void {
  const size = dSize(d);
  const idx = <u32>dImm(d) & ((1 << log2Bits(size)) - 1);
  if (isReg(d)) bitOp(d, kind, size, false, 0, idx);
  else bitOp(d, kind, size, true, ea(d), idx);
}

@inline function readSrc(d: usize, size: u32): u64 {
  return isReg(d) ? readGpr(size == 1 ? dRm8(d) : dRm(d), size) : rdN(ea(d), size);
}

/** BSF: index of the lowest set bit; a zero source sets ZF and leaves the destination unchanged. */
export function bsf_GE(d: usize): void {
  const size = dSize(d);
  const v = readSrc(d, size);
  if (faulted()) return;
  if (v == 0) { setFlagsEager(FLAG_ZF, FLAG_ZF); return; }
  writeG(d, size, ctz<u64>(v));
  setFlagsEager(FLAG_ZF, 0);
}

/** BSR: index of the highest set bit; a zero source sets ZF and leaves the destination unchanged. */
export function bsr_GE(d: usize): void {
  const size = dSize(d);
  const v = readSrc(d, size);
  if (faulted()) return;
  if (v == 0) { setFlagsEager(FLAG_ZF, FLAG_ZF); return; }
  writeG(d, size, 63 - clz<u64>(v));
  setFlagsEager(FLAG_ZF, 0);
}

/** POPCNT: ZF = (source == 0); OF SF AF CF PF are cleared. */
export function popcnt_GE(d: usize): void {
  const size = dSize(d);
  const v = readSrc(d, size);
  if (faulted()) return;
  writeG(d, size, popcnt<u64>(v));
  setFlagsEager(ALL_ARITH, v == 0 ? FLAG_ZF : 0);
}

/** BSWAP: with a 16-bit operand the result is undefined; processors clear the low word. */
export function bswap_R(d: usize): void {
  const size = dSize(d), r = dRm(d);
  if (size == 8) setReg(r, bswap<u64>(getReg(r)));
  else if (size == 4) writeGpr(r, 4, <u64>bswap<u32>(<u32>getReg(r)));
  else writeGpr(r, 2, 0);
}

// ---- conditions ---------------------------------------------------------------------------

/** SETcc Eb: the condition is the opcode's low nibble. */
export function setcc_E(d: usize): void {
  const v: u64 = cond(dOpcode(d) & 15) ? 1 : 0;
  if (isReg(d)) writeGpr(dRm8(d), 1, v);
  else wrN(ea(d), 1, v);
}

/**
 * CMOVcc Gv,Ev: the source is read (and may fault) whatever the condition; a 32-bit destination
 * has its upper half cleared even when nothing moves.
 */
export function cmovcc_GE(d: usize): void {
  const size = dSize(d);
  const v = readSrc(d, size);
  if (faulted()) return;
  if (cond(dOpcode(d) & 15)) writeG(d, size, v);
  else if (size == 4) writeG(d, 4, readG(d, 4));
}

// ---- the flags word -----------------------------------------------------------------------

/** LAHF: AH = SF ZF 0 AF 0 PF 1 CF. */
export function lahf(d: usize): void {
  writeGpr(16 + RAX, 1, (readFlags() & 0xD5) | 2);
}

/** SAHF: SF ZF AF PF CF from AH. */
export function sahf(d: usize): void {
  setFlagsEager(FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF, <u32>readGpr(16 + RAX, 1));
}

export function clc(d: usize): void { setFlagsEager(FLAG_CF, 0); }
export function stc(d: usize): void { setFlagsEager(FLAG_CF, FLAG_CF); }
export function cmc(d: usize): void { setFlagsEager(FLAG_CF, getCF() ? 0 : FLAG_CF); }
// DF is never lazy, so it is changed in the materialised word without evaluating the others.
export function cld(d: usize): void { store<u64>(S_FLAGS, load<u64>(S_FLAGS) & ~(<u64>FLAG_DF)); }
export function std(d: usize): void { store<u64>(S_FLAGS, load<u64>(S_FLAGS) | FLAG_DF); }

// RF (bit 16) and VM (bit 17) read as 0 in the pushed image.
const PUSHF_MASK: u64 = 0xFCFFFF;
// What POPF may change in user mode: arithmetic flags, DF, AC and ID. TF would need a trap, IF
// and IOPL need privilege.
const FLAG_AC: u64 = 0x40000;
const POPF_MASK: u64 = <u64>(ALL_ARITH | FLAG_DF | FLAG_ID) | FLAG_AC;

/** PUSHF (64-bit, or 16-bit with 66). */
export function pushf(d: usize): void {
  const size = dSize(d);
  const sp = getReg(RSP) - size;
  wrN(sp, size, readFlags() & PUSHF_MASK);
  if (faulted()) return;
  setReg(RSP, sp);
}

/** POPF (64-bit, or 16-bit with 66, which keeps the upper flag bits). */
export function popf(d: usize): void {
  const size = dSize(d);
  const sp = getReg(RSP);
  const v = rdN(sp, size);
  if (faulted()) return;
  const mask = size == 2 ? POPF_MASK & 0xFFFF : POPF_MASK;
  writeFlags((readFlags() & ~mask) | (v & mask));
  setReg(RSP, sp + size);
}
