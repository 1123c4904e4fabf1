// SSE/SSE2 floating-point arithmetic, comparisons and conversions (ADDPS…SQRTSD, MINPS…MAXSD,
// RCP/RSQRT, CMPPS…CMPSD, COMISS/UCOMISS, CVT*).
//
// Wasm arithmetic rounds to nearest and gives positive canonical NaNs; x86 honours MXCSR (rounding
// control, DAZ, FTZ), propagates the first operand's NaN, returns the negative "default NaN" for
// invalid operations and records exception flags. So each element goes through a scalar routine
// that handles the special operands itself and, for finite operands, computes the round-to-nearest
// result plus the sign of its exact error (TwoSum, Dekker's product, division/sqrt residuals on
// operands scaled into [1,4)); roundPack then rounds that to the target format under MXCSR.RC,
// detecting overflow, underflow (tininess after rounding, as x86 does) and inexactness.
// A fast path uses Wasm's own result when it provably equals the hardware's: nearest rounding, no
// DAZ/FTZ, PE already set, every operand and result normal or zero, and no product or quotient
// underflowed to zero.
//
// Exceptions are always treated as masked: unmasking them in MXCSR does not raise #XM (not
// supported); the flags are still recorded.
import { xmmAddr, setExit, readGpr, writeGpr } from "./cpu";
import { dReg, dRm, dFlags, dImm, isReg, ea, F_REXW } from "./operand";
import { rd32, rd64, rd128, faulted } from "./mmu";
import { setFlagsEager } from "./flags";
import { EXIT_GP, S_MXCSR, FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF, FLAG_SF, FLAG_OF } from "./gen/layout";

// Operations (table arguments).
export const FP_ADD: u32 = 0;
export const FP_SUB: u32 = 1;
export const FP_MUL: u32 = 2;
export const FP_DIV: u32 = 3;
export const FP_MIN: u32 = 4;
export const FP_MAX: u32 = 5;
export const FP_SQRT: u32 = 6;
export const FP_RCP: u32 = 7;
export const FP_RSQRT: u32 = 8;

// MXCSR bits.
const MX_IE: u32 = 1, MX_DE: u32 = 2, MX_ZE: u32 = 4, MX_OE: u32 = 8, MX_UE: u32 = 16, MX_PE: u32 = 32;
const MX_DAZ: u32 = 0x40, MX_FTZ: u32 = 0x8000, MX_RC: u32 = 0x6000;
const RC_NEAREST: u32 = 0, RC_DOWN: u32 = 1, RC_UP: u32 = 2, RC_ZERO: u32 = 3;

// Per-instruction state: the MXCSR controls in force and the exception flags raised so far.
let rc: u32 = 0;
let daz: bool = false;
let ftz: bool = false;
let exc: u32 = 0;

export function begin(): void {
  const m = load<u32>(S_MXCSR);
  rc = (m >> 13) & 3; daz = (m & MX_DAZ) != 0; ftz = (m & MX_FTZ) != 0; exc = 0;
}
@inline export function commit(): void { if (exc != 0) store<u32>(S_MXCSR, load<u32>(S_MXCSR) | exc); }

/** True when Wasm's round-to-nearest results are the hardware's and only PE could be new. */
@inline function fastMode(): bool {
  return (load<u32>(S_MXCSR) & (MX_RC | MX_DAZ | MX_FTZ | MX_PE)) == MX_PE;
}

// ---- format helpers (sp = single precision; values travel as raw bits in a u64) --------------

@inline function fSign(sp: bool): u64 { return sp ? 0x80000000 : 0x8000000000000000; }
@inline function fInf(sp: bool): u64 { return sp ? 0x7F800000 : 0x7FF0000000000000; }
@inline function fQuiet(sp: bool): u64 { return sp ? 0x400000 : 0x8000000000000; }
@inline function fMant(sp: bool): u64 { return sp ? 0x7FFFFF : 0xFFFFFFFFFFFFF; }
@inline function fMax(sp: bool): u64 { return sp ? 0x7F7FFFFF : 0x7FEFFFFFFFFFFFFF; }
/** The "QNaN floating-point indefinite" of invalid operations. */
@inline function defaultNaN(sp: bool): u64 { return sp ? 0xFFC00000 : 0xFFF8000000000000; }
@inline function absBits(b: u64, sp: bool): u64 { return b & ~fSign(sp) & (sp ? 0xFFFFFFFF : 0xFFFFFFFFFFFFFFFF); }
@inline function isNaNB(b: u64, sp: bool): bool { return absBits(b, sp) > fInf(sp); }
@inline function isSNaNB(b: u64, sp: bool): bool { return isNaNB(b, sp) && (b & fQuiet(sp)) == 0; }
@inline function isInfB(b: u64, sp: bool): bool { return absBits(b, sp) == fInf(sp); }
@inline function isZeroB(b: u64, sp: bool): bool { return absBits(b, sp) == 0; }
@inline function isDenB(b: u64, sp: bool): bool { return (b & fInf(sp)) == 0 && (b & fMant(sp)) != 0; }
@inline function isNegB(b: u64, sp: bool): bool { return (b & fSign(sp)) != 0; }
/** A non-NaN value widened exactly to f64. */
@inline function toF64(b: u64, sp: bool): f64 {
  return sp ? <f64>reinterpret<f32>(<u32>b) : reinterpret<f64>(b);
}

// DE of the current element: ZE and IE outrank it, so it is kept apart until the element is done.
let pendDE: bool = false;

/** A denormal operand becomes a signed zero under DAZ, else raises DE. */
function denormIn(b: u64, sp: bool): u64 {
  if (!isDenB(b, sp)) return b;
  if (daz) return b & fSign(sp);
  pendDE = true;
  return b;
}
@inline function elemStart(): void { pendDE = false; }
@inline function elemEnd(): void { if (pendDE) exc |= MX_DE; }

/** NaN propagation of two-operand arithmetic: the first NaN operand, quieted; IE for an SNaN. */
function propagateNaN(a: u64, b: u64, sp: bool): u64 {
  if (isSNaNB(a, sp) || isSNaNB(b, sp)) exc |= MX_IE;
  return (isNaNB(a, sp) ? a : b) | fQuiet(sp);
}

// ---- exact rounding ----------------------------------------------------------------------------

/**
 * Rounds (hi + lo)·2^k to the target format under MXCSR.RC and returns its bits. hi is a finite
 * nonzero f64; lo is known only by loMag: +1 if |exact| > |hi|, -1 if smaller, 0 if hi is exact;
 * |lo| is at most half an ulp of hi. Raises OE, UE (tiny after rounding and inexact) and PE.
 */
function roundPack(hi: f64, loMag: i32, k: i32, sp: bool): u64 {
  const hb = reinterpret<u64>(hi);
  const neg = (hb >> 63) != 0;
  let e = <i32>((hb >> 52) & 0x7FF);
  let m = hb & 0xFFFFFFFFFFFFF;
  if (e == 0) { const sh = <i32>clz(m) - 11; m <<= sh; e = 1 - sh; } else m |= <u64>1 << 52;
  // The exact value is w·2^lsb, w in quarter ulps of hi; w stands for any point strictly between
  // hi and the half-ulp boundary on lo's side, which no coarser grid or midpoint can separate.
  let ebin = e - 1023 + k;
  let lsb = ebin - 54;
  if (m == (<u64>1 << 52) && loMag < 0) { m <<= 1; ebin--; lsb--; } // just below a power of two
  const w: u64 = (m << 2) + <u64>(<i64>loMag);
  const p: i32 = sp ? 24 : 53, emin: i32 = sp ? -126 : -1022, emax: i32 = sp ? 127 : 1023;
  const bias: i32 = sp ? 127 : 1023;
  if (ebin > emax) return overflowResult(neg, sp);
  const ulpExp = (ebin >= emin ? ebin : emin) - (p - 1);
  const drop = ulpExp - lsb;
  let q = roundShift(w, drop, neg);
  const inexact = roundInexact;
  let bits: u64;
  let tiny = false;
  if (ebin >= emin) bits = (<u64>(ebin + bias - 1) << (p - 1)) + q;
  else {
    bits = q;
    // Tininess after rounding: would rounding to p bits with an unbounded exponent reach 2^emin?
    tiny = ebin < emin - 1 || roundShift(w, (ebin - (p - 1)) - lsb, neg) < (<u64>1 << p);
  }
  if (bits >= fInf(sp)) return overflowResult(neg, sp);
  if (tiny && ftz) { exc |= MX_UE | MX_PE; return neg ? fSign(sp) : 0; }
  if (inexact) { exc |= MX_PE; if (tiny) exc |= MX_UE; }
  return neg ? bits | fSign(sp) : bits;
}

let roundInexact: bool = false;

/** w >> drop rounded under rc (magnitude of a value whose sign is neg); sets roundInexact. */
function roundShift(w: u64, drop: i32, neg: bool): u64 {
  let q: u64, rem: u64, half: u64;
  if (drop <= 0) { roundInexact = false; return w << <u64>(-drop); }
  // w < 2^57, so from 64 dropped bits on the value is a nonzero amount below half an ulp.
  if (drop >= 64) { q = 0; rem = 1; half = <u64>1 << 63; }
  else { q = w >> <u64>drop; rem = w & ((<u64>1 << <u64>drop) - 1); half = <u64>1 << <u64>(drop - 1); }
  roundInexact = rem != 0;
  if (rem == 0) return q;
  if (rc == RC_NEAREST) { if (rem > half || (rem == half && (q & 1) != 0)) q++; }
  else if (rc == RC_UP) { if (!neg) q++; }
  else if (rc == RC_DOWN) { if (neg) q++; }
  return q;
}

function overflowResult(neg: bool, sp: bool): u64 {
  exc |= MX_OE | MX_PE;
  const toInf = rc == RC_NEAREST || (rc == RC_UP && !neg) || (rc == RC_DOWN && neg);
  const mag = toInf ? fInf(sp) : fMax(sp);
  return neg ? mag | fSign(sp) : mag;
}

// Scaling into [1,2) so that the error-free transformations below never overflow or underflow.
let splitExp: i32 = 0;
/** |x| = result·2^splitExp with result in [1,2); x finite and nonzero. */
function splitMant(x: f64): f64 {
  let b = reinterpret<u64>(x) & 0x7FFFFFFFFFFFFFFF;
  let e = <i32>(b >> 52);
  if (e == 0) { const sh = <i32>clz(b) - 11; b <<= sh; e = 1 - sh; }
  splitExp = e - 1023;
  return reinterpret<f64>((<u64>1023 << 52) | (b & 0xFFFFFFFFFFFFF));
}

let prodErr: f64 = 0;
/** Dekker's exact product: returns fl(a·b) and leaves a·b − fl(a·b) in prodErr (|a|,|b| < 4). */
function twoProduct(a: f64, b: f64): f64 {
  const p = a * b;
  const ca = 134217729.0 * a, cb = 134217729.0 * b;
  const ah = ca - (ca - a), al = a - ah;
  const bh = cb - (cb - b), bl = b - bh;
  prodErr = (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
  return p;
}

@inline function signOf(x: f64): i32 { return x > 0 ? 1 : x < 0 ? -1 : 0; }
@inline function zeroBits(neg: bool, sp: bool): u64 { return neg ? fSign(sp) : 0; }
@inline function infBits(neg: bool, sp: bool): u64 { return neg ? fInf(sp) | fSign(sp) : fInf(sp); }

// ---- one element of each operation -------------------------------------------------------------

function addElem(a: u64, b: u64, sp: bool, sub: bool): u64 {
  if (isNaNB(a, sp) || isNaNB(b, sp)) return propagateNaN(a, b, sp);
  a = denormIn(a, sp); b = denormIn(b, sp);
  if (sub) b ^= fSign(sp);
  const aInf = isInfB(a, sp), bInf = isInfB(b, sp);
  if (aInf || bInf) {
    if (aInf && bInf && isNegB(a, sp) != isNegB(b, sp)) { exc |= MX_IE; return defaultNaN(sp); }
    return aInf ? a : b;
  }
  let x = toF64(a, sp), y = toF64(b, sp);
  let s = x + y;
  if (s == 0) {
    // Exact zero: x + (−x) is −0 only when rounding down; (±0) + (±0) follows the signs.
    if (x == 0 && y == 0) {
      const na = isNegB(a, sp), nb = isNegB(b, sp);
      return zeroBits(rc == RC_DOWN ? na || nb : na && nb, sp);
    }
    return zeroBits(rc == RC_DOWN, sp);
  }
  let k: i32 = 0;
  if (isFinite(s) == false) { x *= 0.5; y *= 0.5; s = x + y; k = 1; }
  // TwoSum: the exact error of s.
  const bv = s - x;
  const err = (x - (s - bv)) + (y - bv);
  return roundPack(s, s > 0 ? signOf(err) : -signOf(err), k, sp);
}

function mulElem(a: u64, b: u64, sp: bool): u64 {
  if (isNaNB(a, sp) || isNaNB(b, sp)) return propagateNaN(a, b, sp);
  a = denormIn(a, sp); b = denormIn(b, sp);
  const neg = isNegB(a, sp) != isNegB(b, sp);
  const aInf = isInfB(a, sp), bInf = isInfB(b, sp), aZero = isZeroB(a, sp), bZero = isZeroB(b, sp);
  if (aInf || bInf) {
    if (aZero || bZero) { exc |= MX_IE; return defaultNaN(sp); }
    return infBits(neg, sp);
  }
  if (aZero || bZero) return zeroBits(neg, sp);
  const ma = splitMant(toF64(a, sp)); const ea_ = splitExp;
  const mb = splitMant(toF64(b, sp)); const eb = splitExp;
  const p = twoProduct(ma, mb);
  return roundPack(neg ? -p : p, signOf(prodErr), ea_ + eb, sp);
}

function divElem(a: u64, b: u64, sp: bool): u64 {
  if (isNaNB(a, sp) || isNaNB(b, sp)) return propagateNaN(a, b, sp);
  a = denormIn(a, sp); b = denormIn(b, sp);
  const neg = isNegB(a, sp) != isNegB(b, sp);
  const aInf = isInfB(a, sp), bInf = isInfB(b, sp), aZero = isZeroB(a, sp), bZero = isZeroB(b, sp);
  if ((aInf && bInf) || (aZero && bZero)) { exc |= MX_IE; return defaultNaN(sp); }
  if (aInf) return infBits(neg, sp);
  if (bInf || aZero) return zeroBits(neg, sp);
  // Divide-by-zero outranks the denormal-operand exception: only ZE is reported.
  if (bZero) { pendDE = false; exc |= MX_ZE; return infBits(neg, sp); }
  const ma = splitMant(toF64(a, sp)); const ea_ = splitExp;
  const mb = splitMant(toF64(b, sp)); const eb = splitExp;
  const q = ma / mb;
  // The residual ma − q·mb is exact (Sterbenz for ma − p, then an exact remainder).
  const p = twoProduct(q, mb);
  const r = (ma - p) - prodErr;
  return roundPack(neg ? -q : q, signOf(r), ea_ - eb, sp);
}

function sqrtElem(a: u64, sp: bool): u64 {
  if (isNaNB(a, sp)) { if (isSNaNB(a, sp)) exc |= MX_IE; return a | fQuiet(sp); }
  a = denormIn(a, sp);
  if (isZeroB(a, sp)) return a;
  // An invalid operation outranks the denormal-operand exception.
  if (isNegB(a, sp)) { pendDE = false; exc |= MX_IE; return defaultNaN(sp); }
  if (isInfB(a, sp)) return a;
  let ma = splitMant(toF64(a, sp)); let e = splitExp;
  if ((e & 1) != 0) { ma *= 2; e--; }
  const q = Math.sqrt(ma);
  const p = twoProduct(q, q);
  const r = (ma - p) - prodErr;
  return roundPack(q, signOf(r), e >> 1, sp);
}

/** MIN/MAX: the second operand when either is NaN or both are zero (x86, not IEEE minNum). */
function minMaxElem(a: u64, b: u64, sp: bool, isMax: bool): u64 {
  // DAZ applies even to the source returned beside a NaN.
  if (daz) { if (isDenB(a, sp)) a &= fSign(sp); if (isDenB(b, sp)) b &= fSign(sp); }
  if (isNaNB(a, sp) || isNaNB(b, sp)) { exc |= MX_IE; return b; }
  a = denormIn(a, sp); b = denormIn(b, sp);
  const x = toF64(a, sp), y = toF64(b, sp);
  return (isMax ? x > y : x < y) ? a : b;
}

/**
 * RCP/RSQRT: the hardware returns 12-bit approximations; we return the exactly rounded value,
 * which lies within the documented error bound (tests mask the low bits). Like the hardware,
 * denormal inputs count as zero, tiny results flush to zero, and no MXCSR flag changes.
 */
function approxElem(a: u32, rsqrt: bool): u32 {
  const sp = true;
  if (isNaNB(a, sp)) return a | 0x400000;
  const neg = (a & 0x80000000) != 0;
  if (isZeroB(a, sp) || isDenB(a, sp)) return neg ? 0xFF800000 : 0x7F800000;
  if (rsqrt && neg) return 0xFFC00000;
  const x = <f64>reinterpret<f32>(a);
  const r = <f32>(rsqrt ? 1.0 / Math.sqrt(x) : 1.0 / x);
  // Reciprocals of |x| >= 2^126 are tiny or nearly so; the hardware flushes them (Intel leaves the
  // border region to the implementation; AMD flushes 1/2^126 too).
  if (!rsqrt && Math.abs(x) >= 8.507059173023462e37) return a & 0x80000000;
  return reinterpret<u32>(r);
}

export function arithElem(op: u32, a: u64, b: u64, sp: bool): u64 {
  elemStart();
  const r = arithElem1(op, a, b, sp);
  elemEnd();
  return r;
}

function arithElem1(op: u32, a: u64, b: u64, sp: bool): u64 {
  switch (op) {
    case FP_ADD: return addElem(a, b, sp, false);
    case FP_SUB: return addElem(a, b, sp, true);
    case FP_MUL: return mulElem(a, b, sp);
    case FP_DIV: return divElem(a, b, sp);
    case FP_MIN: return minMaxElem(a, b, sp, false);
    case FP_MAX: return minMaxElem(a, b, sp, true);
    case FP_SQRT: return sqrtElem(b, sp);
    case FP_RCP: return <u64>approxElem(<u32>b, false);
    default: return <u64>approxElem(<u32>b, true);
  }
}

// ---- operands ----------------------------------------------------------------------------------

const srcBuf = memory.data(16, 16);

/** The 16-byte r/m operand: legacy SSE memory operands must be 16-byte aligned, else #GP. */
function srcAligned(d: usize): v128 {
  if (isReg(d)) return v128.load(xmmAddr(dRm(d)));
  const a = ea(d);
  if ((a & 15) != 0) { setExit(EXIT_GP); return i64x2.splat(0); }
  return rd128(a);
}
/** The low 8 bytes of the r/m operand (no alignment rule). */
function src64(d: usize): u64 { return isReg(d) ? load<u64>(xmmAddr(dRm(d))) : rd64(ea(d)); }
/** The low 4 bytes of the r/m operand (no alignment rule). */
function src32(d: usize): u32 { return isReg(d) ? load<u32>(xmmAddr(dRm(d))) : rd32(ea(d)); }

const MIN_NORMAL64: f64 = 2.2250738585072014e-308;
const MIN_NORMAL32: f32 = 1.1754943508222875e-38;

/**
 * Lanes that are zero or normal finite, above the smallest normal (a tiny result can round up to it
 * and must raise UE).
 */
@inline function ordinary64(v: v128): v128 {
  const av = f64x2.abs(v);
  return v128.or(f64x2.eq(av, f64x2.splat(0)),
    v128.and(f64x2.gt(av, f64x2.splat(MIN_NORMAL64)), f64x2.le(av, f64x2.splat(f64.MAX_VALUE))));
}
@inline function ordinary32(v: v128): v128 {
  const av = f32x4.abs(v);
  return v128.or(f32x4.eq(av, f32x4.splat(0)),
    v128.and(f32x4.gt(av, f32x4.splat(MIN_NORMAL32)), f32x4.le(av, f32x4.splat(f32.MAX_VALUE))));
}
@inline function ordinaryF64(x: f64): bool { const a = Math.abs(x); return a == 0 || (a > MIN_NORMAL64 && a <= f64.MAX_VALUE); }
@inline function ordinaryF32(x: f32): bool { const a = Mathf.abs(x); return a == 0 || (a > MIN_NORMAL32 && a <= f32.MAX_VALUE); }

// ---- arithmetic handlers -------------------------------------------------------------------------

/** ADDPS, SUBPS, MULPS, DIVPS, MINPS, MAXPS, SQRTPS, RCPPS, RSQRTPS. */
export function sse_arith_ps(d: usize, op: u32): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  if (op <= FP_DIV || op == FP_SQRT) {
    if (fastMode()) {
      const a = v128.load(dst);
      let r: v128;
      if (op == FP_ADD) r = f32x4.add(a, s);
      else if (op == FP_SUB) r = f32x4.sub(a, s);
      else if (op == FP_MUL) r = f32x4.mul(a, s);
      else if (op == FP_DIV) r = f32x4.div(a, s);
      else r = f32x4.sqrt(s);
      let ok = v128.and(v128.and(op == FP_SQRT ? ordinary32(r) : ordinary32(a), ordinary32(s)), ordinary32(r));
      // A zero product or quotient of nonzero operands underflowed.
      if (op == FP_MUL || op == FP_DIV)
        ok = v128.and(ok, v128.or(f32x4.ne(r, f32x4.splat(0)), v128.or(f32x4.eq(a, f32x4.splat(0)), f32x4.eq(s, f32x4.splat(0)))));
      if (i32x4.all_true(ok)) { v128.store(dst, r); return; }
    }
  }
  v128.store(srcBuf, s);
  begin();
  for (let i: usize = 0; i < 16; i += 4)
    store<u32>(dst + i, <u32>arithElem(op, <u64>load<u32>(dst + i), <u64>load<u32>(srcBuf + i), true));
  if (op < FP_RCP) commit();
}

/** ADDPD, SUBPD, MULPD, DIVPD, MINPD, MAXPD, SQRTPD. */
export function sse_arith_pd(d: usize, op: u32): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  if (op <= FP_DIV || op == FP_SQRT) {
    if (fastMode()) {
      const a = v128.load(dst);
      let r: v128;
      if (op == FP_ADD) r = f64x2.add(a, s);
      else if (op == FP_SUB) r = f64x2.sub(a, s);
      else if (op == FP_MUL) r = f64x2.mul(a, s);
      else if (op == FP_DIV) r = f64x2.div(a, s);
      else r = f64x2.sqrt(s);
      let ok = v128.and(v128.and(op == FP_SQRT ? ordinary64(r) : ordinary64(a), ordinary64(s)), ordinary64(r));
      if (op == FP_MUL || op == FP_DIV)
        ok = v128.and(ok, v128.or(f64x2.ne(r, f64x2.splat(0)), v128.or(f64x2.eq(a, f64x2.splat(0)), f64x2.eq(s, f64x2.splat(0)))));
      if (i64x2.all_true(ok)) { v128.store(dst, r); return; }
    }
  }
  v128.store(srcBuf, s);
  begin();
  for (let i: usize = 0; i < 16; i += 8)
    store<u64>(dst + i, arithElem(op, load<u64>(dst + i), load<u64>(srcBuf + i), false));
  commit();
}

/** ADDSS … RSQRTSS: the low element only; the rest of the destination is kept. */
export function sse_arith_ss(d: usize, op: u32): void {
  const b = src32(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  const a = load<u32>(dst);
  if ((op <= FP_DIV || op == FP_SQRT) && fastMode()) {
    const x = reinterpret<f32>(a), y = reinterpret<f32>(b);
    let r: f32;
    if (op == FP_ADD) r = x + y;
    else if (op == FP_SUB) r = x - y;
    else if (op == FP_MUL) r = x * y;
    else if (op == FP_DIV) r = x / y;
    else r = Mathf.sqrt(y);
    if ((op == FP_SQRT || ordinaryF32(x)) && ordinaryF32(y) && ordinaryF32(r) &&
        (r != 0 || op == FP_ADD || op == FP_SUB || x == 0 || y == 0)) { store<f32>(dst, r); return; }
  }
  begin();
  store<u32>(dst, <u32>arithElem(op, <u64>a, <u64>b, true));
  if (op < FP_RCP) commit();
}

/** ADDSD … SQRTSD: the low element only; the upper half of the destination is kept. */
export function sse_arith_sd(d: usize, op: u32): void {
  const b = src64(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  const a = load<u64>(dst);
  if ((op <= FP_DIV || op == FP_SQRT) && fastMode()) {
    const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
    let r: f64;
    if (op == FP_ADD) r = x + y;
    else if (op == FP_SUB) r = x - y;
    else if (op == FP_MUL) r = x * y;
    else if (op == FP_DIV) r = x / y;
    else r = Math.sqrt(y);
    if ((op == FP_SQRT || ordinaryF64(x)) && ordinaryF64(y) && ordinaryF64(r) &&
        (r != 0 || op == FP_ADD || op == FP_SUB || x == 0 || y == 0)) { store<f64>(dst, r); return; }
  }
  begin();
  store<u64>(dst, arithElem(op, a, b, false));
  commit();
}

// ---- comparisons ---------------------------------------------------------------------------------

// Relations of two operands.
const REL_LT: u32 = 1, REL_EQ: u32 = 2, REL_GT: u32 = 4, REL_UN: u32 = 8;

/** Compares a with b; IE for an SNaN, or for any NaN when signalling. */
function relation(a: u64, b: u64, sp: bool, signalling: bool): u32 {
  elemStart();
  const r = relation1(a, b, sp, signalling);
  elemEnd();
  return r;
}

function relation1(a: u64, b: u64, sp: bool, signalling: bool): u32 {
  if (isNaNB(a, sp) || isNaNB(b, sp)) {
    if (signalling || isSNaNB(a, sp) || isSNaNB(b, sp)) exc |= MX_IE;
    return REL_UN;
  }
  a = denormIn(a, sp); b = denormIn(b, sp);
  const x = toF64(a, sp), y = toF64(b, sp);
  return x < y ? REL_LT : x > y ? REL_GT : REL_EQ;
}

/** CMPccPS/PD/SS/SD predicate imm8[2:0] (EQ LT LE UNORD NEQ NLT NLE ORD): true relations. */
function cmpElem(a: u64, b: u64, sp: bool, pred: u32): bool {
  // LT, LE and their negations are the signalling predicates.
  const rel = relation(a, b, sp, (pred & 3) == 1 || (pred & 3) == 2);
  let t: bool;
  switch (pred & 3) {
    case 0: t = rel == REL_EQ; break;
    case 1: t = rel == REL_LT; break;
    case 2: t = rel == REL_LT || rel == REL_EQ; break;
    default: t = rel == REL_UN; break;
  }
  return (pred & 4) != 0 ? !t : t;
}

/** CMPPS Vps,Wps,Ib. */
export function sse_cmpps(d: usize): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  const pred = <u32>dImm(d) & 7;
  v128.store(srcBuf, s);
  begin();
  for (let i: usize = 0; i < 16; i += 4)
    store<u32>(dst + i, cmpElem(<u64>load<u32>(dst + i), <u64>load<u32>(srcBuf + i), true, pred) ? 0xFFFFFFFF : 0);
  commit();
}

/** CMPPD Vpd,Wpd,Ib. */
export function sse_cmppd(d: usize): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  const pred = <u32>dImm(d) & 7;
  v128.store(srcBuf, s);
  begin();
  for (let i: usize = 0; i < 16; i += 8)
    store<u64>(dst + i, cmpElem(load<u64>(dst + i), load<u64>(srcBuf + i), false, pred) ? 0xFFFFFFFFFFFFFFFF : 0);
  commit();
}

/** CMPSS Vss,Wss,Ib. */
export function sse_cmpss(d: usize): void {
  const b = src32(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  begin();
  store<u32>(dst, cmpElem(<u64>load<u32>(dst), <u64>b, true, <u32>dImm(d) & 7) ? 0xFFFFFFFF : 0);
  commit();
}

/** CMPSD Vsd,Wsd,Ib. */
export function sse_cmpsd(d: usize): void {
  const b = src64(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  begin();
  store<u64>(dst, cmpElem(load<u64>(dst), b, false, <u32>dImm(d) & 7) ? 0xFFFFFFFFFFFFFFFF : 0);
  commit();
}

function comisFlags(rel: u32): void {
  const bits = rel == REL_UN ? FLAG_ZF | FLAG_PF | FLAG_CF : rel == REL_LT ? FLAG_CF : rel == REL_EQ ? FLAG_ZF : 0;
  setFlagsEager(FLAG_ZF | FLAG_PF | FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF, bits);
}

/** COMISS (signalling on any NaN) and UCOMISS (only on SNaN): ZF PF CF from the relation. */
export function sse_comiss(d: usize, signalling: u32): void {
  const b = src32(d);
  if (faulted()) return;
  begin();
  comisFlags(relation(<u64>load<u32>(xmmAddr(dReg(d))), <u64>b, true, signalling != 0));
  commit();
}

/** COMISD and UCOMISD. */
export function sse_comisd(d: usize, signalling: u32): void {
  const b = src64(d);
  if (faulted()) return;
  begin();
  comisFlags(relation(load<u64>(xmmAddr(dReg(d))), b, false, signalling != 0));
  commit();
}

// ---- conversions ---------------------------------------------------------------------------------

/**
 * A float (raw bits, sp selects the format) to a signed 32- or 64-bit integer, truncating or under
 * MXCSR.RC; NaN and out-of-range values give the "integer indefinite" (the sign bit alone) and IE.
 */
export function toIntElem(a: u64, sp: bool, is64: bool, truncate: bool): u64 {
  const indefinite: u64 = is64 ? 0x8000000000000000 : 0x80000000;
  if (isNaNB(a, sp)) { exc |= MX_IE; return indefinite; }
  if (daz && isDenB(a, sp)) a &= fSign(sp);
  const x = toF64(a, sp);
  const mode = truncate ? RC_ZERO : rc;
  const r = mode == RC_NEAREST ? nearest<f64>(x) : mode == RC_DOWN ? Math.floor(x) : mode == RC_UP ? Math.ceil(x) : Math.trunc(x);
  const inRange = is64 ? r >= -9223372036854775808.0 && r < 9223372036854775808.0 : r >= -2147483648.0 && r <= 2147483647.0;
  if (!inRange) { exc |= MX_IE; return indefinite; }
  if (r != x) exc |= MX_PE;
  return is64 ? <u64><i64>r : <u64><u32><i32>r;
}

/** A signed 64-bit integer to a float of the format, rounded under MXCSR.RC. */
export function fromIntElem(v: i64, sp: bool): u64 {
  if (v == 0) return 0;
  const hi = <f64>v;
  let loMag: i32;
  if (hi == 9223372036854775808.0) loMag = -1; // v < 2^63 always
  else if (hi == -9223372036854775808.0) loMag = v == i64.MIN_VALUE ? 0 : -1;
  else { const diff = v - <i64>hi; loMag = diff == 0 ? 0 : (diff > 0) == (v > 0) ? 1 : -1; }
  if (!sp && loMag == 0) return reinterpret<u64>(hi);
  return roundPack(hi, loMag, 0, sp);
}

/** Single to double: exact; an SNaN is quieted (IE); payload bits move to the top. */
function widenElem(a: u32): u64 {
  elemStart();
  const r = widenElem1(a);
  elemEnd();
  return r;
}

function widenElem1(a: u32): u64 {
  const s = <u64>(a & 0x80000000) << 32;
  if (isNaNB(<u64>a, true)) {
    if ((a & 0x400000) == 0) exc |= MX_IE;
    return s | 0x7FF8000000000000 | (<u64>(a & 0x7FFFFF) << 29);
  }
  const b = denormIn(<u64>a, true);
  return reinterpret<u64>(<f64>reinterpret<f32>(<u32>b));
}

/** Double to single under MXCSR.RC; a NaN keeps the top of its payload, quieted. */
function narrowElem(a: u64): u32 {
  elemStart();
  const r = narrowElem1(a);
  elemEnd();
  return r;
}

function narrowElem1(a: u64): u32 {
  if (isNaNB(a, false)) {
    if ((a & 0x8000000000000) == 0) exc |= MX_IE;
    return <u32>((a >> 32) & 0x80000000) | 0x7FC00000 | <u32>((a >> 29) & 0x7FFFFF);
  }
  a = denormIn(a, false);
  if (isZeroB(a, false)) return <u32>(a >> 32);
  if (isInfB(a, false)) return <u32>((a >> 32) & 0x80000000) | 0x7F800000;
  return <u32>roundPack(reinterpret<f64>(a), 0, 0, true);
}

@inline function is64(d: usize): bool { return (dFlags(d) & F_REXW) != 0; }

/** CVTSI2SS Vss, Ey (single) and CVTSI2SD Vsd, Ey: the rest of the destination is kept. */
export function sse_cvtsi2s(d: usize, double: u32): void {
  const w = is64(d);
  let v: i64;
  if (isReg(d)) v = w ? <i64>readGpr(dRm(d), 8) : <i64><i32>readGpr(dRm(d), 4);
  else v = w ? <i64>rd64(ea(d)) : <i64><i32>rd32(ea(d));
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  begin();
  if (double != 0) store<u64>(dst, fromIntElem(v, false));
  else store<u32>(dst, <u32>fromIntElem(v, true));
  commit();
}

/** CVT(T)SS2SI Gy, Wss. */
export function sse_cvtss2si(d: usize, truncate: u32): void {
  const a = src32(d);
  if (faulted()) return;
  begin();
  const w = is64(d);
  writeGpr(dReg(d), w ? 8 : 4, toIntElem(<u64>a, true, w, truncate != 0));
  commit();
}

/** CVT(T)SD2SI Gy, Wsd. */
export function sse_cvtsd2si(d: usize, truncate: u32): void {
  const a = src64(d);
  if (faulted()) return;
  begin();
  const w = is64(d);
  writeGpr(dReg(d), w ? 8 : 4, toIntElem(a, false, w, truncate != 0));
  commit();
}

/** CVTSS2SD Vsd, Wss. */
export function sse_cvtss2sd(d: usize): void {
  const a = src32(d);
  if (faulted()) return;
  begin();
  store<u64>(xmmAddr(dReg(d)), widenElem(a));
  commit();
}

/** CVTSD2SS Vss, Wsd. */
export function sse_cvtsd2ss(d: usize): void {
  const a = src64(d);
  if (faulted()) return;
  begin();
  store<u32>(xmmAddr(dReg(d)), narrowElem(a));
  commit();
}

/** CVTPS2PD Vpd, Wq (the low two singles; a memory operand is 8 bytes). */
export function sse_cvtps2pd(d: usize): void {
  const a = src64(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  begin();
  const lo = widenElem(<u32>a), hi = widenElem(<u32>(a >> 32));
  store<u64>(dst, lo); store<u64>(dst + 8, hi);
  commit();
}

/** CVTPD2PS Vps, Wpd: two singles in the low half, the upper half zeroed. */
export function sse_cvtpd2ps(d: usize): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  begin();
  const lo = narrowElem(<u64>i64x2.extract_lane(s, 0)), hi = narrowElem(<u64>i64x2.extract_lane(s, 1));
  store<u64>(dst, <u64>lo | (<u64>hi << 32)); store<u64>(dst + 8, 0);
  commit();
}

/** CVTDQ2PS Vps, Wdq. */
export function sse_cvtdq2ps(d: usize): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  v128.store(srcBuf, s);
  begin();
  for (let i: usize = 0; i < 16; i += 4) store<u32>(dst + i, <u32>fromIntElem(<i64>load<i32>(srcBuf + i), true));
  commit();
}

/** CVTPS2DQ (truncate = 0, MXCSR.RC) and CVTTPS2DQ Vdq, Wps. */
export function sse_cvtps2dq(d: usize, truncate: u32): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  v128.store(srcBuf, s);
  begin();
  for (let i: usize = 0; i < 16; i += 4) store<u32>(dst + i, <u32>toIntElem(<u64>load<u32>(srcBuf + i), true, false, truncate != 0));
  commit();
}

/** CVTDQ2PD Vpd, Wq: the low two integers, exactly. */
export function sse_cvtdq2pd(d: usize): void {
  const a = src64(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  store<f64>(dst, <f64><i32>a); store<f64>(dst + 8, <f64><i32>(a >> 32));
}

/** CVTPD2DQ (MXCSR.RC) and CVTTPD2DQ Vdq, Wpd: two integers in the low half, the upper half zeroed. */
export function sse_cvtpd2dq(d: usize, truncate: u32): void {
  const s = srcAligned(d);
  if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  begin();
  const t = truncate != 0;
  const lo = toIntElem(<u64>i64x2.extract_lane(s, 0), false, false, t), hi = toIntElem(<u64>i64x2.extract_lane(s, 1), false, false, t);
  store<u64>(dst, (lo & 0xFFFFFFFF) | (hi << 32)); store<u64>(dst + 8, 0);
  commit();
}
