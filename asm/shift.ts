// Shifts and rotates: ROL ROR RCL RCR SHL SHR SAL SAR (C0 C1 D0-D3), SHLD, SHRD. Flags are
// computed eagerly; a masked count of 0 changes neither the operand nor a flag.
import { RCX, readGpr, writeGpr, sizeMask, signBit, sext } from "./cpu";
import { dSize, dImm, dRm, dRm8, isReg, ea, readG } from "./operand";
import { rdN, wrN, faulted } from "./mmu";
import { setLazy, setCarryOverflow, getCF, LAZY_SHIFT, ARITH_FLAGS } from "./flags";
import { FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF, FLAG_SF, FLAG_OF } from "./gen/layout";

// The ModRM reg field of the shift group.
export const SH_ROL: u32 = 0;
export const SH_ROR: u32 = 1;
export const SH_RCL: u32 = 2;
export const SH_RCR: u32 = 3;
export const SH_SHL: u32 = 4;
export const SH_SHR: u32 = 5;
export const SH_SAR: u32 = 7;

const SHIFT_FLAGS: u32 = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;
const ROTATE_FLAGS: u32 = FLAG_OF | FLAG_CF;

// Wasm masks shift amounts to 6 bits; the rotate formulas need x >> 64 == 0.
@inline function shl(x: u64, n: u32): u64 { return n >= 64 ? 0 : x << <u64>n; }
@inline function shr(x: u64, n: u32): u64 { return n >= 64 ? 0 : x >> <u64>n; }

/**
 * Shifts define SF ZF PF from the result plus CF and OF (AF is undefined and left clear): they
 * are recorded lazily, CF and OF as operands, so nothing is computed unless a flag is read.
 */
@inline function resultFlags(cf: bool, ovf: bool): u32 {
  return (cf ? FLAG_CF : 0) | (ovf ? FLAG_OF : 0);
}
@inline function recordShiftFlags(size: u32, res: u64, flags: u32): void {
  setLazy(LAZY_SHIFT, size, res, <u64>(flags & FLAG_CF), <u64>((flags >> 11) & 1), ARITH_FLAGS);
}

/** Computes kind on a (size bytes) by count (already masked, non-zero); writes the flags to flagsOut. */
let flagsOut: u32 = 0;
let flagsMask: u32 = 0;
function shiftValue(kind: u32, size: u32, a: u64, count: u32): u64 {
  const bits = size << 3, mask = sizeMask(size), top = signBit(size);
  let res: u64, cf: bool;
  switch (kind) {
    case SH_ROL: {
      const c = count & (bits - 1);
      res = c == 0 ? a : ((a << <u64>c) | (a >> <u64>(bits - c))) & mask;
      cf = (res & 1) != 0;
      flagsMask = ROTATE_FLAGS;
      flagsOut = (cf ? FLAG_CF : 0) | (((res & top) != 0) != cf ? FLAG_OF : 0);
      return res;
    }
    case SH_ROR: {
      const c = count & (bits - 1);
      res = c == 0 ? a : ((a >> <u64>c) | (a << <u64>(bits - c))) & mask;
      cf = (res & top) != 0;
      flagsMask = ROTATE_FLAGS;
      flagsOut = (cf ? FLAG_CF : 0) | (cf != ((res & (top >> 1)) != 0) ? FLAG_OF : 0);
      return res;
    }
    case SH_RCL: {
      // Rotation through CF: a (bits + 1)-bit rotate, so 8- and 16-bit counts are taken mod 9, 17.
      const c = size <= 2 ? count % (bits + 1) : count;
      const cin = <u64>getCF();
      if (c == 0) { flagsMask = 0; return a; }
      res = (shl(a, c) | (cin << <u64>(c - 1)) | shr(a, bits - c + 1)) & mask;
      cf = ((a >> <u64>(bits - c)) & 1) != 0;
      flagsMask = ROTATE_FLAGS;
      flagsOut = (cf ? FLAG_CF : 0) | (((res & top) != 0) != cf ? FLAG_OF : 0);
      return res;
    }
    case SH_RCR: {
      const c = size <= 2 ? count % (bits + 1) : count;
      const cin = <u64>getCF();
      if (c == 0) { flagsMask = 0; return a; }
      res = ((a >> <u64>c) | shl(cin, bits - c) | shl(a, bits - c + 1)) & mask;
      cf = ((a >> <u64>(c - 1)) & 1) != 0;
      flagsMask = ROTATE_FLAGS;
      flagsOut = (cf ? FLAG_CF : 0) | (((res & top) != 0) != ((res & (top >> 1)) != 0) ? FLAG_OF : 0);
      return res;
    }
    case SH_SHL: {
      res = shl(a, count) & mask;
      cf = ((shl(a, count - 1) >> <u64>(bits - 1)) & 1) != 0;
      flagsMask = SHIFT_FLAGS;
      flagsOut = resultFlags(cf, ((res & top) != 0) != cf);
      return res;
    }
    case SH_SHR: {
      res = shr(a, count);
      cf = (shr(a, count - 1) & 1) != 0;
      flagsMask = SHIFT_FLAGS;
      flagsOut = resultFlags(cf, (a & top) != 0 && count == 1);
      return res;
    }
    default: { // SAR
      const s = <i64>sext(a, size);
      const n = <i64>(count > 63 ? 63 : count);
      res = <u64>(s >> n) & mask;
      cf = ((s >> (n - 1)) & 1) != 0;
      flagsMask = SHIFT_FLAGS;
      flagsOut = resultFlags(cf, false);
      return res;
    }
  }
}

/** A count of 0 still writes a 32-bit register destination, which clears its upper half. */
@inline function zeroCountWrite(d: usize, size: u32): void {
  if (size == 4 && isReg(d)) writeGpr(dRm(d), 4, readGpr(dRm(d), 4));
}

function shiftE(d: usize, kind: u32, rawCount: u32): void {
  const size = dSize(d);
  const count = rawCount & (size == 8 ? 63 : 31);
  if (count == 0) { zeroCountWrite(d, size); return; }
  let res: u64;
  if (isReg(d)) {
    const r = size == 1 ? dRm8(d) : dRm(d);
    res = shiftValue(kind, size, readGpr(r, size), count);
    writeGpr(r, size, res);
  } else {
    const addr = ea(d);
    const a = rdN(addr, size);
    if (faulted()) return;
    res = shiftValue(kind, size, a, count);
    wrN(addr, size, res);
    if (faulted()) return;
  }
  if (flagsMask == SHIFT_FLAGS) recordShiftFlags(size, res, flagsOut);
  else if (flagsMask == ROTATE_FLAGS) setCarryOverflow((flagsOut & FLAG_CF) != 0, (flagsOut & FLAG_OF) != 0);
}

/** Group 2 with an immediate count (C0, C1). */
export function shift_EI(d: usize, kind: u32): void { shiftE(d, kind, <u32>dImm(d) & 0xFF); }
/** Group 2 by one (D0, D1). */
export function shift_E1(d: usize, kind: u32): void { shiftE(d, kind, 1); }
/** Group 2 by CL (D2, D3). */
export function shift_ECL(d: usize, kind: u32): void { shiftE(d, kind, <u32>readGpr(RCX, 1)); }

// ---- SHLD / SHRD --------------------------------------------------------------------------

/**
 * Double-precision shift of dest by count, filling from src. A 16-bit count above 16 leaves the
 * result and flags undefined (Intel and AMD processors disagree); here the bits shifted in past
 * src come from dest again, as if dest:src:dest were one 48-bit value.
 */
function doubleShift(d: usize, left: bool, rawCount: u32): void {
  const size = dSize(d);
  const count = rawCount & (size == 8 ? 63 : 31);
  if (count == 0) { zeroCountWrite(d, size); return; }
  let addr: u64 = 0, a: u64;
  if (isReg(d)) a = readGpr(size == 1 ? dRm8(d) : dRm(d), size);
  else { addr = ea(d); a = rdN(addr, size); if (faulted()) return; }
  const src = readG(d, size);
  const bits = size << 3, mask = sizeMask(size), top = signBit(size);
  let res: u64, cf: bool;
  if (size == 8) {
    if (left) { res = (a << <u64>count) | (src >> <u64>(64 - count)); cf = ((a >> <u64>(64 - count)) & 1) != 0; }
    else { res = (a >> <u64>count) | (src << <u64>(64 - count)); cf = ((a >> <u64>(count - 1)) & 1) != 0; }
  } else if (size == 4) {
    if (left) { const v = (a << 32) | src; res = (v << <u64>count) >> 32; cf = ((v >> <u64>(64 - count)) & 1) != 0; }
    else { const v = (src << 32) | a; res = v >> <u64>count; cf = ((v >> <u64>(count - 1)) & 1) != 0; }
    res &= mask;
  } else {
    // 16-bit: a 48-bit value dest:src:dest (left) or dest:src:dest read from the low end (right).
    if (left) {
      const v = (a << 32) | (src << 16) | a;
      res = (v >> <u64>(32 - count)) & mask; // count <= 31
      cf = ((v >> <u64>(48 - count)) & 1) != 0;
    } else {
      const v = (a << 32) | (src << 16) | a;
      res = (v >> <u64>count) & mask;
      cf = ((v >> <u64>(count - 1)) & 1) != 0;
    }
  }
  if (isReg(d)) writeGpr(size == 1 ? dRm8(d) : dRm(d), size, res);
  else { wrN(addr, size, res); if (faulted()) return; }
  recordShiftFlags(size, res, resultFlags(cf, ((res ^ a) & top) != 0));
}

export function shld_EGI(d: usize): void { doubleShift(d, true, <u32>dImm(d) & 0xFF); }
export function shld_EGCL(d: usize): void { doubleShift(d, true, <u32>readGpr(RCX, 1)); }
export function shrd_EGI(d: usize): void { doubleShift(d, false, <u32>dImm(d) & 0xFF); }
export function shrd_EGCL(d: usize): void { doubleShift(d, false, <u32>readGpr(RCX, 1)); }
