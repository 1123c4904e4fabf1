// Multiply and divide: MUL, IMUL (one, two and three operands), DIV, IDIV. 64-bit operands use
// 128-bit arithmetic on u64 halves. Divide by zero or a quotient that does not fit raises #DE
// before anything is written.
import { RAX, RDX, getReg, readGpr, writeGpr, sext, setExit } from "./cpu";
import { dSize, dImm, dRm, dRm8, isReg, ea, readG, writeG } from "./operand";
import { rdN, faulted } from "./mmu";
import { setLazy, LAZY_MUL, LAZY_IMUL, ARITH_FLAGS } from "./flags";
import { EXIT_DE, FLAG_CF, FLAG_OF } from "./gen/layout";

/** The r/m source operand; the caller checks faulted() when it came from memory. */
@inline function readSrc(d: usize, size: u32): u64 {
  return isReg(d) ? readGpr(size == 1 ? dRm8(d) : dRm(d), size) : rdN(ea(d), size);
}

/**
 * MUL and IMUL define CF = OF = "the result did not fit the destination"; SF ZF AF PF are
 * undefined, and recording them lazily from the low result costs nothing until one is read.
 */
@inline function setMulFlags(overflow: bool): void {
  setLazy(LAZY_MUL, 8, 0, <u64>overflow, 0, ARITH_FLAGS);
}

/** High 64 bits of the unsigned 128-bit product a*b. */
export function mulHiU64(a: u64, b: u64): u64 {
  const a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** High 64 bits of the signed 128-bit product a*b. */
export function mulHiS64(a: u64, b: u64): u64 {
  let hi = mulHiU64(a, b);
  if (<i64>a < 0) hi -= b;
  if (<i64>b < 0) hi -= a;
  return hi;
}

/** MUL Eb/Ev: unsigned rDX:rAX = rAX * src (AX = AL * src for bytes). */
export function mul_E(d: usize): void {
  const size = dSize(d);
  const src = readSrc(d, size);
  if (faulted()) return;
  const a = readGpr(RAX, size);
  if (size == 1) {
    const p = a * src;
    writeGpr(RAX, 2, p);
    setMulFlags((p >> 8) != 0);
  } else if (size == 8) {
    const hi = mulHiU64(a, src);
    writeGpr(RAX, 8, a * src);
    writeGpr(RDX, 8, hi);
    setMulFlags(hi != 0);
  } else {
    const p = a * src, bits = size << 3;
    writeGpr(RAX, size, p);
    writeGpr(RDX, size, p >> bits);
    setMulFlags((p >> bits) != 0);
  }
}

/** IMUL Eb/Ev: signed rDX:rAX = rAX * src. */
export function imul_E(d: usize): void {
  const size = dSize(d);
  const src = readSrc(d, size);
  if (faulted()) return;
  const a = readGpr(RAX, size);
  if (size == 8) {
    const lo = a * src, hi = mulHiS64(a, src);
    writeGpr(RAX, 8, lo);
    writeGpr(RDX, 8, hi);
    setMulFlags(hi != <u64>(<i64>lo >> 63));
    return;
  }
  const p = <u64>(<i64>sext(a, size) * <i64>sext(src, size));
  if (size == 1) writeGpr(RAX, 2, p);
  else { writeGpr(RAX, size, p); writeGpr(RDX, size, p >> (size << 3)); }
  setMulFlags(sext(p, size) != p);
}

/** Truncated signed product for the two- and three-operand forms, with CF = OF = overflow. */
function imulTrunc(d: usize, size: u32, a: u64, b: u64): void {
  // The overflow (CF = OF) is rarely read: it is computed from the operands only when it is.
  const res = a * b;
  writeG(d, size, res);
  setLazy(LAZY_IMUL, size, res, a, b, ARITH_FLAGS);
}

/** IMUL Gv,Ev (0F AF) */
export function imul_GE(d: usize): void {
  const size = dSize(d);
  const src = readSrc(d, size);
  if (faulted()) return;
  imulTrunc(d, size, readG(d, size), src);
}

/** IMUL Gv,Ev,Iz / Gv,Ev,Ib (69, 6B): the immediate is already sign-extended. */
export function imul_GEI(d: usize): void {
  const size = dSize(d);
  const src = readSrc(d, size);
  if (faulted()) return;
  imulTrunc(d, size, src, dImm(d));
}

/** Unsigned 128/64 division; the caller guarantees hi < div, so the quotient fits 64 bits. */
let divRem: u64 = 0;
function divU128(hi: u64, lo: u64, div: u64): u64 {
  if (hi == 0) { divRem = lo % div; return lo / div; }
  let rem = hi, q: u64 = 0;
  for (let i: i32 = 63; i >= 0; i--) {
    const top = rem >> 63;
    rem = (rem << 1) | ((lo >> <u64>i) & 1);
    q <<= 1;
    if (top != 0 || rem >= div) { rem -= div; q |= 1; }
  }
  divRem = rem;
  return q;
}

/** DIV Eb/Ev: unsigned rDX:rAX / src → quotient in rAX, remainder in rDX (AL, AH for bytes). */
export function div_E(d: usize): void {
  const size = dSize(d);
  const src = readSrc(d, size);
  if (faulted()) return;
  if (src == 0) { setExit(EXIT_DE); return; }
  if (size == 8) {
    const hi = getReg(RDX), lo = getReg(RAX);
    if (hi >= src) { setExit(EXIT_DE); return; }
    const q = divU128(hi, lo, src);
    writeGpr(RAX, 8, q);
    writeGpr(RDX, 8, divRem);
    return;
  }
  const bits = size << 3;
  const n = size == 1 ? readGpr(RAX, 2) : (readGpr(RDX, size) << bits) | readGpr(RAX, size);
  const q = n / src, r = n % src;
  if ((q >> bits) != 0) { setExit(EXIT_DE); return; }
  if (size == 1) writeGpr(RAX, 2, (r << 8) | q);
  else { writeGpr(RAX, size, q); writeGpr(RDX, size, r); }
}

/** IDIV Eb/Ev: signed division, quotient truncated toward zero, remainder has the dividend's sign. */
export function idiv_E(d: usize): void {
  const size = dSize(d);
  const src = readSrc(d, size);
  if (faulted()) return;
  if (src == 0) { setExit(EXIT_DE); return; }
  if (size == 8) {
    let hi = getReg(RDX), lo = getReg(RAX);
    const nneg = (<i64>hi) < 0, dneg = (<i64>src) < 0;
    if (nneg) { lo = 0 - lo; hi = ~hi + <u64>(lo == 0); }
    const div = dneg ? 0 - src : src;
    if (hi >= div) { setExit(EXIT_DE); return; }
    const uq = divU128(hi, lo, div);
    const qneg = nneg != dneg;
    if (qneg ? uq > 0x8000000000000000 : uq > 0x7FFFFFFFFFFFFFFF) { setExit(EXIT_DE); return; }
    writeGpr(RAX, 8, qneg ? 0 - uq : uq);
    writeGpr(RDX, 8, nneg ? 0 - divRem : divRem);
    return;
  }
  const bits = size << 3;
  // The dividend has twice the operand's width, at most 64 bits: it fits an i64.
  const n: i64 = size == 1 ? <i64>sext(readGpr(RAX, 2), 2)
    : size == 2 ? <i64>sext((readGpr(RDX, 2) << 16) | readGpr(RAX, 2), 4)
    : <i64>((readGpr(RDX, 4) << 32) | readGpr(RAX, 4));
  const v = <i64>sext(src, size);
  // i64 division traps on MIN / -1 in Wasm; negation wraps instead and the range check fails.
  const q: i64 = v == -1 ? 0 - n : n / v;
  const r: i64 = v == -1 ? 0 : n % v;
  const lim: i64 = <i64>1 << (bits - 1);
  if (q >= lim || q < -lim) { setExit(EXIT_DE); return; }
  if (size == 1) writeGpr(RAX, 2, ((<u64>r & 0xFF) << 8) | (<u64>q & 0xFF));
  else { writeGpr(RAX, size, <u64>q); writeGpr(RDX, size, <u64>r); }
}
