// Software 80-bit extended-precision arithmetic, as the x87 does it: a 64-bit significand with an
// explicit integer bit (bit 63), a 15-bit exponent biased by 16383, correctly rounded results at
// the precision (24/53/64 bits) and rounding mode of the control word, gradual underflow, and the
// masked responses to exceptions (the default NaN, infinities or the largest finite value).
//
// Values travel as (m: u64, se: u32 = sign << 15 | exponent). Operations leave their result in
// rM/rSE and OR the exceptions they raise into fExc; fUp tells whether the last rounding
// increased the magnitude (the x87 reports it in C1). The caller sets fRC/fPC first (setRounding).

export const EX_IE: u32 = 1;   // invalid operation
export const EX_DE: u32 = 2;   // denormal operand
export const EX_ZE: u32 = 4;   // divide by zero
export const EX_OE: u32 = 8;   // overflow
export const EX_UE: u32 = 16;  // underflow
export const EX_PE: u32 = 32;  // precision (inexact)

export const RC_NEAREST: u32 = 0;
export const RC_DOWN: u32 = 1;
export const RC_UP: u32 = 2;
export const RC_ZERO: u32 = 3;

export const BIAS: i32 = 16383;
export const EXP_MAX: u32 = 0x7FFF;
export const INT_BIT: u64 = 0x8000000000000000;
// The x87 "real indefinite": the negative quiet NaN every masked invalid operation produces.
export const NAN_M: u64 = 0xC000000000000000;
export const NAN_SE: u32 = 0xFFFF;

export let rM: u64 = 0;
export let rSE: u32 = 0;
export let fExc: u32 = 0;
export let fUp: bool = false;
let fRC: u32 = 0;
let fPC: u32 = 64;

/** Sets the rounding mode (RC_*) and the significand precision in bits (24, 53 or 64). */
export function setRounding(rc: u32, pcBits: u32): void { fRC = rc; fPC = pcBits; }
export function getRC(): u32 { return fRC; }
export function clearExc(): void { fExc = 0; fUp = false; denormalSource = false; }

// A memory operand was a binary32/64 denormal: it is normal once extended, but the operation
// still reports DE (only when it gets as far as using the value, as the hardware does).
let denormalSource: bool = false;
export function takeDenormalSource(): bool { const d = denormalSource; denormalSource = false; return d; }
function checkDE(ac: u32, bc: u32): void {
  if (ac == CLASS_DENORMAL || bc == CLASS_DENORMAL || denormalSource) fExc |= EX_DE;
}
export function raise(e: u32): void { fExc |= e; }

@inline function setR(m: u64, se: u32): void { rM = m; rSE = se; }
export function setDefaultNaN(): void { rM = NAN_M; rSE = NAN_SE; }

// ---- classification -------------------------------------------------------------------------

export const CLASS_ZERO: u32 = 0;
export const CLASS_NORMAL: u32 = 1;
export const CLASS_DENORMAL: u32 = 2;   // also pseudo-denormals (exponent 0, integer bit set)
export const CLASS_INF: u32 = 3;
export const CLASS_QNAN: u32 = 4;
export const CLASS_SNAN: u32 = 5;
export const CLASS_UNSUPPORTED: u32 = 6; // unnormals, pseudo-NaNs, pseudo-infinities

export function classify(m: u64, se: u32): u32 {
  const e = se & EXP_MAX;
  if (e == 0) return m == 0 ? CLASS_ZERO : CLASS_DENORMAL;
  if ((m & INT_BIT) == 0) return CLASS_UNSUPPORTED;
  if (e == EXP_MAX) {
    if ((m << 1) == 0) return CLASS_INF;
    return (m & 0x4000000000000000) != 0 ? CLASS_QNAN : CLASS_SNAN;
  }
  return CLASS_NORMAL;
}
@inline function isNaNClass(c: u32): bool { return c == CLASS_QNAN || c == CLASS_SNAN; }

// Unpacked operand: the significand normalised to bit 63 and a biased exponent that may go below
// 1 for denormals (so every finite nonzero value is uM * 2^(uE - BIAS - 63)).
let uM: u64 = 0;
let uE: i32 = 0;
function unpack(m: u64, se: u32): void {
  const e = <i32>(se & EXP_MAX);
  if (e == 0) {
    // Denormals and pseudo-denormals both use the exponent of the smallest normal.
    const lz = <i32>clz(m);
    uM = m << lz; uE = 1 - lz;
  } else { uM = m; uE = e; }
}

// ---- rounding -------------------------------------------------------------------------------

let sInexact: bool = false;
let sUp: bool = false;
const HALF: u64 = 0x8000000000000000;

/**
 * Shifts the 128-bit (hi, lo) right by n bits and rounds the kept part by rc; every bit shifted
 * out counts. The increment can carry out of the kept width; callers check.
 */
function shiftRound(hi: u64, lo: u64, n: i32, sign: u32, rc: u32): u64 {
  let kept: u64, frac: u64;
  if (n <= 0) { kept = hi; frac = lo; }
  else if (n < 64) { kept = hi >> n; frac = (hi << (64 - n)) | (lo != 0 ? 1 : 0); }
  else if (n == 64) { kept = 0; frac = hi | (lo != 0 ? 1 : 0); }
  else if (n < 128) { const s = n - 64; kept = 0; frac = (hi >> s) | (((hi << (64 - s)) | lo) != 0 ? 1 : 0); }
  else { kept = 0; frac = (hi | lo) != 0 ? 1 : 0; }
  sInexact = frac != 0;
  sUp = false;
  if (sInexact) {
    if (rc == RC_NEAREST) sUp = frac > HALF || (frac == HALF && (kept & 1) != 0);
    else if (rc == RC_DOWN) sUp = sign != 0;
    else if (rc == RC_UP) sUp = sign == 0;
  }
  if (sUp) kept++;
  return kept;
}

/** The masked overflow response: infinity, or the largest finite value the rounding allows. */
function overflow(sign: u32, pc: u32, rc: u32): void {
  fExc |= EX_OE | EX_PE;
  const toInf = rc == RC_NEAREST || (rc == RC_UP && sign == 0) || (rc == RC_DOWN && sign != 0);
  if (toInf) { setR(INT_BIT, (sign << 15) | EXP_MAX); fUp = true; }
  else { setR(pc == 64 ? 0xFFFFFFFFFFFFFFFF : (0xFFFFFFFFFFFFFFFF << (64 - pc)), (sign << 15) | 0x7FFE); fUp = false; }
}

/**
 * Rounds sign * (hi:lo) * 2^(e - BIAS - 127) — bit 127 of hi:lo is the integer bit, e is the biased
 * exponent and may be out of range — to pc significand bits and packs it into rM/rSE.
 */
export function roundPack(sign: u32, e: i32, hi: u64, lo: u64, pc: u32): void {
  const rc = fRC;
  const drop = <i32>(64 - pc);
  if (e <= 0) {
    // Tininess is judged after rounding with an unbounded exponent (SDM vol. 1, 4.9.1.5).
    let tiny = true;
    if (e == 0) { const k = shiftRound(hi, lo, drop, sign, rc); tiny = !(sUp && (pc == 64 ? k == 0 : (k >> pc) != 0)); }
    const kept = shiftRound(hi, lo, drop + 1 - e, sign, rc);
    const m = kept << drop;
    if (sInexact) { fExc |= EX_PE; if (tiny) fExc |= EX_UE; }
    fUp = sUp;
    setR(m, (sign << 15) | ((m >> 63) != 0 ? 1 : 0));
    return;
  }
  let kept = shiftRound(hi, lo, drop, sign, rc);
  if (sUp && (pc == 64 ? kept == 0 : (kept >> pc) != 0)) { kept = <u64>1 << (pc - 1); e++; }
  if (e >= <i32>EXP_MAX) { overflow(sign, pc, rc); return; }
  if (sInexact) fExc |= EX_PE;
  fUp = sUp;
  setR(kept << drop, (sign << 15) | <u32>e);
}

/** Packs an exact value given as a 64-bit significand (any normalisation) and biased exponent e of bit 63. */
function packExact(sign: u32, e: i32, m: u64, pc: u32): void {
  if (m == 0) { setR(0, sign << 15); fUp = false; return; }
  const lz = <i32>clz(m);
  roundPack(sign, e - lz, m << lz, 0, pc);
}

// ---- NaN handling ---------------------------------------------------------------------------

/** The result of an operation with at least one NaN operand (SDM vol. 1, table 4-7). */
function nanResult(am: u64, ase: u32, ac: u32, bm: u64, bse: u32, bc: u32): void {
  if (ac == CLASS_SNAN || bc == CLASS_SNAN) fExc |= EX_IE;
  const QB: u64 = 0x4000000000000000;
  if (isNaNClass(ac) && isNaNClass(bc)) {
    if (ac == CLASS_SNAN && bc == CLASS_QNAN) { setR(bm, bse); return; }
    if (bc == CLASS_SNAN && ac == CLASS_QNAN) { setR(am, ase); return; }
    const ma = am | QB, mb = bm | QB;
    if (ma > mb) setR(ma, ase);
    else if (mb > ma) setR(mb, bse);
    else setR(ma, (ase & 0x8000) != 0 && (bse & 0x8000) != 0 ? ase : (ase & 0x7FFF));
    return;
  }
  if (isNaNClass(ac)) setR(am | QB, ase); else setR(bm | QB, bse);
}

/** Handles the operands no arithmetic applies to; returns true when the result is already set. */
function specialOperands(am: u64, ase: u32, ac: u32, bm: u64, bse: u32, bc: u32): bool {
  if (ac == CLASS_UNSUPPORTED || bc == CLASS_UNSUPPORTED) { fExc |= EX_IE; setDefaultNaN(); return true; }
  if (isNaNClass(ac) || isNaNClass(bc)) { nanResult(am, ase, ac, bm, bse, bc); return true; }
  return false;
}

// ---- arithmetic -----------------------------------------------------------------------------

/** a + b, or a - b when negB. */
export function f80add(am: u64, ase: u32, bm: u64, bse: u32, negB: bool): void {
  fUp = false;
  const ac = classify(am, ase), bc = classify(bm, bse);
  if (specialOperands(am, ase, ac, bm, bse, bc)) return;
  if (negB) bse ^= 0x8000;
  checkDE(ac, bc);
  const sa = ase >> 15, sb = bse >> 15;
  if (ac == CLASS_INF || bc == CLASS_INF) {
    if (ac == CLASS_INF && bc == CLASS_INF && sa != sb) { fExc |= EX_IE; setDefaultNaN(); return; }
    if (ac == CLASS_INF) setR(am, ase); else setR(bm, bse);
    return;
  }
  if (ac == CLASS_ZERO && bc == CLASS_ZERO) {
    setR(0, sa == sb ? ase & 0x8000 : (fRC == RC_DOWN ? 0x8000 : 0));
    return;
  }
  if (ac == CLASS_ZERO) { unpack(bm, bse); roundPack(sb, uE, uM, 0, fPC); return; }
  if (bc == CLASS_ZERO) { unpack(am, ase); roundPack(sa, uE, uM, 0, fPC); return; }
  unpack(am, ase); let ea = uE, ma = uM, signA = sa;
  unpack(bm, bse); let eb = uE, mb = uM, signB = sb;
  if (eb > ea || (eb == ea && mb > ma)) {
    let t = ea; ea = eb; eb = t;
    let tm = ma; ma = mb; mb = tm;
    let ts = signA; signA = signB; signB = ts;
  }
  // Align b to a within 128 bits; whatever falls below becomes a sticky bit.
  const diff = ea - eb;
  let bh: u64, bl: u64;
  if (diff == 0) { bh = mb; bl = 0; }
  else if (diff < 64) { bh = mb >> diff; bl = mb << (64 - diff); }
  else if (diff == 64) { bh = 0; bl = mb; }
  else if (diff < 127) { bh = 0; const s = diff - 64; bl = (mb >> s) | ((mb << (64 - s)) != 0 ? 1 : 0); }
  else { bh = 0; bl = 1; }
  let hi: u64, lo: u64, e = ea;
  if (signA == signB) {
    lo = bl; hi = ma + bh;
    if (hi < ma) {
      // Carry out of bit 127: shift right one, keeping the lost bit sticky.
      const sticky = lo & 1;
      lo = (lo >> 1) | (hi << 63) | sticky; hi = (hi >> 1) | INT_BIT; e++;
    }
  } else {
    lo = 0 - bl;
    hi = ma - bh - (bl != 0 ? 1 : 0);
    if (hi == 0 && lo == 0) { setR(0, fRC == RC_DOWN ? 0x8000 : 0); return; }
    if (hi == 0) { hi = lo; lo = 0; e -= 64; }
    const lz = <i32>clz(hi);
    if (lz != 0) { hi = (hi << lz) | (lo >> (64 - lz)); lo <<= lz; e -= lz; }
  }
  roundPack(signA, e, hi, lo, fPC);
}

let mulHi: u64 = 0;
let mulLo: u64 = 0;
/** The full 128-bit product of two u64. */
export function mul128(a: u64, b: u64): void {
  const a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);
  mulLo = (mid << 32) | (p00 & 0xFFFFFFFF);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

export function f80mul(am: u64, ase: u32, bm: u64, bse: u32): void {
  fUp = false;
  const ac = classify(am, ase), bc = classify(bm, bse);
  if (specialOperands(am, ase, ac, bm, bse, bc)) return;
  const sign = (ase ^ bse) >> 15;
  checkDE(ac, bc);
  if (ac == CLASS_INF || bc == CLASS_INF) {
    if (ac == CLASS_ZERO || bc == CLASS_ZERO) { fExc |= EX_IE; setDefaultNaN(); return; }
    setR(INT_BIT, (sign << 15) | EXP_MAX); return;
  }
  if (ac == CLASS_ZERO || bc == CLASS_ZERO) { setR(0, sign << 15); return; }
  unpack(am, ase); const ea = uE, ma = uM;
  unpack(bm, bse);
  mul128(ma, uM);
  let hi = mulHi, lo = mulLo, e = ea + uE - BIAS;
  if ((hi & INT_BIT) != 0) e++;
  else { hi = (hi << 1) | (lo >> 63); lo <<= 1; }
  roundPack(sign, e, hi, lo, fPC);
}

export function f80div(am: u64, ase: u32, bm: u64, bse: u32): void {
  fUp = false;
  const ac = classify(am, ase), bc = classify(bm, bse);
  if (specialOperands(am, ase, ac, bm, bse, bc)) return;
  const sign = (ase ^ bse) >> 15;
  // A zero divisor's ZE outranks DE.
  if (bc != CLASS_ZERO) checkDE(ac, bc);
  if (ac == CLASS_INF) {
    if (bc == CLASS_INF) { fExc |= EX_IE; setDefaultNaN(); return; }
    setR(INT_BIT, (sign << 15) | EXP_MAX); return;
  }
  if (bc == CLASS_INF) { setR(0, sign << 15); return; }
  if (bc == CLASS_ZERO) {
    if (ac == CLASS_ZERO) { fExc |= EX_IE; setDefaultNaN(); return; }
    fExc |= EX_ZE; setR(INT_BIT, (sign << 15) | EXP_MAX); return;
  }
  if (ac == CLASS_ZERO) { setR(0, sign << 15); return; }
  unpack(am, ase); const ea = uE; let r = uM;
  unpack(bm, bse); const mb = uM;
  let e = ea - uE + BIAS;
  // Restoring long division, one quotient bit per step; carry is bit 64 of the remainder.
  let carry: bool = false;
  if (r < mb) { e--; carry = (r >> 63) != 0; r <<= 1; }
  let q: u64 = 0;
  for (let i = 0; i < 64; i++) {
    const bit = carry || r >= mb;
    if (bit) r -= mb;
    q = (q << 1) | (bit ? 1 : 0);
    carry = (r >> 63) != 0; r <<= 1;
  }
  const guard = carry || r >= mb;
  if (guard) r -= mb;
  const lo: u64 = (guard ? HALF : 0) | (r != 0 ? 1 : 0);
  roundPack(sign, e, q, lo, fPC);
}

export function f80sqrt(am: u64, ase: u32): void {
  fUp = false;
  const ac = classify(am, ase);
  if (specialOperands(am, ase, ac, 0, 0, CLASS_ZERO)) return;
  if (ac == CLASS_ZERO) { setR(am, ase); return; }
  if ((ase & 0x8000) != 0) { fExc |= EX_IE; setDefaultNaN(); return; }
  if (ac == CLASS_INF) { setR(am, ase); return; }
  checkDE(ac, CLASS_ZERO);
  unpack(am, ase);
  const E = uE - BIAS;
  // N = m * 2^64 for odd E, m * 2^63 for even E: its square root has exactly 64 bits.
  let nh: u64, nl: u64, k: i32;
  if ((E & 1) != 0) { nh = uM; nl = 0; k = (E - 127) >> 1; }
  else { nh = uM >> 1; nl = uM << 63; k = (E - 126) >> 1; }
  let remH: u64 = 0, remL: u64 = 0, root: u64 = 0;
  for (let i = 0; i < 64; i++) {
    remH = (remH << 2) | (remL >> 62);
    remL = (remL << 2) | (nh >> 62);
    nh = (nh << 2) | (nl >> 62); nl <<= 2;
    const tH = root >> 62, tL = (root << 2) | 1;
    if (remH > tH || (remH == tH && remL >= tL)) {
      const borrow: u64 = remL < tL ? 1 : 0;
      remL -= tL; remH = remH - tH - borrow;
      root = (root << 1) | 1;
    } else root <<= 1;
  }
  // The next root bit is 1 exactly when rem > root; an exact half cannot happen.
  const more = remH != 0 || remL > root;
  const lo: u64 = (more ? HALF : 0) | ((remH | remL) != 0 ? 1 : 0);
  roundPack(0, k + 63 + BIAS, root, lo, fPC);
}

/** Rounds to an integral value by the rounding mode (FRNDINT); exact values pass unchanged. */
export function f80round(am: u64, ase: u32, rc: u32): void {
  fUp = false;
  const ac = classify(am, ase);
  if (specialOperands(am, ase, ac, 0, 0, CLASS_ZERO)) return;
  if (ac == CLASS_ZERO || ac == CLASS_INF) { setR(am, ase); return; }
  checkDE(ac, CLASS_ZERO);
  unpack(am, ase);
  const E = uE - BIAS, sign = ase >> 15;
  if (E >= 63) { setR(am, ase); return; }
  const kept = shiftRound(uM, 0, 63 - E, sign, rc);
  if (sInexact) fExc |= EX_PE;
  fUp = sUp;
  if (kept == 0) { setR(0, sign << 15); return; }
  const lz = <i32>clz(kept);
  setR(kept << lz, (sign << 15) | <u32>(BIAS + 63 - lz));
}

// ---- comparison -----------------------------------------------------------------------------

export const CMP_GT: u32 = 0;
export const CMP_LT: u32 = 1;
export const CMP_EQ: u32 = 2;
export const CMP_UNORDERED: u32 = 3;

/** Compares a with b. A quiet NaN raises IE only when signalQuiet (FCOM vs FUCOM). */
export function f80cmp(am: u64, ase: u32, bm: u64, bse: u32, signalQuiet: bool): u32 {
  const ac = classify(am, ase), bc = classify(bm, bse);
  if (ac == CLASS_UNSUPPORTED || bc == CLASS_UNSUPPORTED || ac == CLASS_SNAN || bc == CLASS_SNAN) { fExc |= EX_IE; return CMP_UNORDERED; }
  if (ac == CLASS_QNAN || bc == CLASS_QNAN) { if (signalQuiet) fExc |= EX_IE; return CMP_UNORDERED; }
  checkDE(ac, bc);
  if (ac == CLASS_ZERO && bc == CLASS_ZERO) return CMP_EQ;
  const sa = ase >> 15, sb = bse >> 15;
  if (ac == CLASS_ZERO) return sb != 0 ? CMP_GT : CMP_LT;
  if (bc == CLASS_ZERO) return sa != 0 ? CMP_LT : CMP_GT;
  if (sa != sb) return sa != 0 ? CMP_LT : CMP_GT;
  unpack(am, ase); const ea = uE, ma = uM;
  unpack(bm, bse);
  if (ea == uE && ma == uM) return CMP_EQ;
  const aBigger = ea > uE || (ea == uE && ma > uM);
  return aBigger != (sa != 0) ? CMP_GT : CMP_LT;
}

// ---- conversions ----------------------------------------------------------------------------

/** An IEEE binary32/binary64 (bits) to extended; exact. SNaNs stay signalling (the user decides). */
export function f80fromIeee(bits: u64, fracBits: u32, expBits: u32): void {
  fUp = false;
  const sign = <u32>(bits >> (fracBits + expBits)) & 1;
  const emax = (<u32>1 << expBits) - 1;
  const e = <u32>(bits >> fracBits) & emax;
  const frac = bits & ((<u64>1 << fracBits) - 1);
  const bias = <i32>(emax >> 1);
  if (e == emax) {
    if (frac == 0) { setR(INT_BIT, (sign << 15) | EXP_MAX); return; }
    setR(INT_BIT | (frac << (63 - fracBits)), (sign << 15) | EXP_MAX);
    return;
  }
  if (e == 0) {
    if (frac == 0) { setR(0, sign << 15); return; }
    denormalSource = true;
    const lz = <i32>clz(frac);
    // frac * 2^(1 - bias - fracBits) with its top bit moved to bit 63.
    setR(frac << lz, (sign << 15) | <u32>(BIAS + 1 - bias - <i32>fracBits + 63 - lz));
    return;
  }
  setR(INT_BIT | (frac << (63 - fracBits)), (sign << 15) | <u32>(<i32>e - bias + BIAS));
}

/**
 * Extended to IEEE binary32/binary64 bits with rounding by the control word (FST m32/m64).
 * Tiny results are denormalised; overflow gives infinity or the largest finite value.
 */
export function f80toIeee(am: u64, ase: u32, fracBits: u32, expBits: u32): u64 {
  fUp = false;
  const sign = <u64>(ase >> 15);
  const emax = (<u32>1 << expBits) - 1;
  const bias = <i32>(emax >> 1);
  const signBit = sign << (fracBits + expBits);
  const expInf = <u64>emax << fracBits;
  const ac = classify(am, ase);
  if (ac == CLASS_UNSUPPORTED) { fExc |= EX_IE; return (<u64>1 << (fracBits + expBits)) | expInf | (<u64>1 << (fracBits - 1)); }
  if (isNaNClass(ac)) {
    if (ac == CLASS_SNAN) fExc |= EX_IE;
    return signBit | expInf | (<u64>1 << (fracBits - 1)) | ((am << 1) >> (64 - fracBits));
  }
  if (ac == CLASS_INF) return signBit | expInf;
  if (ac == CLASS_ZERO) return signBit;
  unpack(am, ase);
  let e = uE - BIAS + bias;
  const drop = <i32>(63 - fracBits);
  const rc = fRC;
  if (e <= 0) {
    let tiny = true;
    if (e == 0) { const k = shiftRound(uM, 0, drop, <u32>sign, rc); tiny = !(sUp && (k >> (fracBits + 1)) != 0); }
    const kept = shiftRound(uM, 0, drop + 1 - e, <u32>sign, rc);
    if (sInexact) { fExc |= EX_PE; if (tiny) fExc |= EX_UE; }
    fUp = sUp;
    return signBit | kept; // a carry into the hidden bit's place is exponent 1
  }
  let kept = shiftRound(uM, 0, drop, <u32>sign, rc);
  if ((kept >> (fracBits + 1)) != 0) { kept >>= 1; e++; }
  if (e >= <i32>emax) {
    fExc |= EX_OE | EX_PE;
    const toInf = rc == RC_NEAREST || (rc == RC_UP && sign == 0) || (rc == RC_DOWN && sign != 0);
    fUp = toInf;
    return toInf ? signBit | expInf : signBit | (expInf - 1);
  }
  if (sInexact) fExc |= EX_PE;
  fUp = sUp;
  return signBit | (<u64>e << fracBits) | (kept & ((<u64>1 << fracBits) - 1));
}

/** A signed 64-bit integer to extended; exact. */
export function f80fromInt(v: i64): void {
  fUp = false;
  if (v == 0) { setR(0, 0); return; }
  const sign: u32 = v < 0 ? 1 : 0;
  const mag: u64 = v < 0 ? <u64>(0 - v) : <u64>v;
  const lz = <i32>clz(mag);
  setR(mag << lz, (sign << 15) | <u32>(BIAS + 63 - lz));
}

/**
 * Extended to a signed integer of bits width, rounded by rc. NaN, infinity and values out of range
 * raise IE and give the integer indefinite (only the sign bit set).
 */
export function f80toInt(am: u64, ase: u32, bits: u32, rc: u32): u64 {
  fUp = false;
  const indefinite = <u64>1 << (bits - 1);
  const ac = classify(am, ase);
  if (ac == CLASS_UNSUPPORTED || isNaNClass(ac) || ac == CLASS_INF) { fExc |= EX_IE; return indefinite; }
  if (ac == CLASS_ZERO) return 0;
  unpack(am, ase);
  const E = uE - BIAS, sign = ase >> 15;
  if (E >= 63) {
    if (sign != 0 && E == 63 && uM == INT_BIT && bits == 64) return INT_BIT;
    fExc |= EX_IE; return indefinite;
  }
  const kept = shiftRound(uM, 0, 63 - E, sign, rc);
  const limit = sign != 0 ? indefinite : indefinite - 1;
  if (kept > limit) { fExc |= EX_IE; return indefinite; }
  if (sInexact) fExc |= EX_PE;
  fUp = sUp;
  const v = sign != 0 ? 0 - kept : kept;
  return bits == 64 ? v : v & ((<u64>1 << bits) - 1);
}

// ---- FSCALE, FPREM, FXTRACT -----------------------------------------------------------------

/** a * 2^trunc(b). */
export function f80scale(am: u64, ase: u32, bm: u64, bse: u32): void {
  fUp = false;
  const ac = classify(am, ase), bc = classify(bm, bse);
  if (specialOperands(am, ase, ac, bm, bse, bc)) return;
  checkDE(ac, bc);
  if (bc == CLASS_INF) {
    const negB = (bse & 0x8000) != 0;
    if (negB) {
      if (ac == CLASS_INF) { fExc |= EX_IE; setDefaultNaN(); return; }
      setR(0, ase & 0x8000); return;
    }
    if (ac == CLASS_ZERO) { fExc |= EX_IE; setDefaultNaN(); return; }
    setR(INT_BIT, (ase & 0x8000) | EXP_MAX); return;
  }
  if (ac == CLASS_ZERO || ac == CLASS_INF) { setR(am, ase); return; }
  let n: i32 = 0;
  if (bc != CLASS_ZERO) {
    unpack(bm, bse);
    const E = uE - BIAS;
    if (E >= 20) n = 1 << 20;
    else if (E >= 0) n = <i32>(uM >> (63 - E));
    if ((bse & 0x8000) != 0) n = -n;
  }
  unpack(am, ase);
  roundPack(ase >> 15, uE + n, uM, 0, 64);
}

export let fQuot: u32 = 0;     // low three bits of the quotient of the last FPREM/FPREM1
export let fPartial: bool = false; // the last FPREM/FPREM1 reduced only partially (C2)

/**
 * The partial remainder of a / b: truncated quotient (FPREM) or nearest (FPREM1). When the
 * exponents differ by 64 or more, only a partial reduction is made and fPartial is set.
 */
export function f80rem(am: u64, ase: u32, bm: u64, bse: u32, nearest: bool): void {
  fUp = false; fQuot = 0; fPartial = false;
  const ac = classify(am, ase), bc = classify(bm, bse);
  if (specialOperands(am, ase, ac, bm, bse, bc)) return;
  if (ac == CLASS_INF || bc == CLASS_ZERO) { fExc |= EX_IE; setDefaultNaN(); return; }
  checkDE(ac, bc);
  if (ac == CLASS_ZERO) { setR(am, ase); return; }
  // A result that is a itself comes out normalised (a pseudo-denormal gets exponent 1).
  if (bc == CLASS_INF) { unpack(am, ase); packExact(ase >> 15, uE, uM, 64); return; }
  unpack(am, ase); const ea = uE, ma = uM;
  unpack(bm, bse); let eb = uE; const mb = uM;
  const sign = ase >> 15;
  let d = ea - eb;
  if (d >= 64) {
    // Partial reduction: the hardware takes 32 + (d mod 32) quotient bits (as measured on the
    // host CPU, an AMD EPYC; the SDM only says "between 32 and 63").
    fPartial = true;
    const n = (d & 31) | 32;
    eb = ea - n; d = n;
  }
  if (d < 0) {
    // |a| < |b|: the quotient is 0, or 1 for FPREM1 when |a| is more than half of |b|.
    if (nearest && d == -1 && ma > mb) {
      // |a| - |b| with |b| = 2mb and |a| = ma in units of a's exponent: the remainder is 2mb - ma.
      fQuot = 1;
      packExact(sign ^ 1, eb - 1, mb - (ma - mb), 64);
      return;
    }
    // The result is a itself, normalised (a pseudo-denormal gets exponent 1).
    unpack(am, ase);
    packExact(sign, uE, uM, 64);
    return;
  }
  // Long division of the significands: d + 1 quotient bits.
  let r = ma, q: u64 = 0;
  let carry: bool = false;
  for (let i = 0; i <= d; i++) {
    const bit = carry || r >= mb;
    if (bit) r -= mb;
    q = (q << 1) | (bit ? 1 : 0);
    if (i < d) { carry = (r >> 63) != 0; r <<= 1; }
  }
  let rs = sign;
  if (nearest && !fPartial) {
    // Round the quotient to nearest (ties to even): take b once more and flip the sign.
    const twice = (r >> 63) != 0 || (r << 1) > mb;
    const tie = (r >> 63) == 0 && (r << 1) == mb;
    if (twice || (tie && (q & 1) != 0)) { r = mb - r; q++; rs ^= 1; }
  }
  fQuot = <u32>(q & 7);
  if (r == 0) { setR(0, sign << 15); return; }
  packExact(rs, eb, r, 64);
}

// ---- transcendental functions ---------------------------------------------------------------
// Computed in a 128-bit-significand format (Q) and rounded once to extended, so results are
// accurate to well under an extended ulp. Q values live in slots of static memory (no
// allocation): slot i holds hi, lo (bit 127 = integer bit), exponent (value = hi:lo * 2^(e-127))
// and sign; hi == 0 means zero.

const QS: usize = memory.data(32 * 16, 16);
@inline function qp(i: u32): usize { return QS + (<usize>i << 5); }
@inline function qhi(i: u32): u64 { return load<u64>(qp(i)); }
@inline function qlo(i: u32): u64 { return load<u64>(qp(i), 8); }
@inline function qexp(i: u32): i32 { return load<i32>(qp(i), 16); }
@inline function qsign(i: u32): u32 { return load<u32>(qp(i), 20); }
@inline function qzero(i: u32): bool { return load<u64>(qp(i)) == 0; }

/** Stores a value, normalising the significand; a zero significand stores zero. */
function qput(i: u32, sign: u32, e: i32, hi: u64, lo: u64): void {
  if (hi == 0) {
    if (lo == 0) { store<u64>(qp(i), 0); store<u64>(qp(i), 0, 8); store<i32>(qp(i), 0, 16); store<u32>(qp(i), sign, 20); return; }
    hi = lo; lo = 0; e -= 64;
  }
  const lz = <i32>clz(hi);
  if (lz != 0) { hi = (hi << lz) | (lo >> (64 - lz)); lo <<= lz; e -= lz; }
  store<u64>(qp(i), hi); store<u64>(qp(i), lo, 8); store<i32>(qp(i), e, 16); store<u32>(qp(i), sign, 20);
}
function qcopy(d: u32, a: u32): void { memory.copy(qp(d), qp(a), 32); }
function qneg(i: u32): void { store<u32>(qp(i), qsign(i) ^ 1, 20); }
function qfromF80(i: u32, m: u64, se: u32): void {
  if ((se & EXP_MAX) == 0 && m == 0) { qput(i, se >> 15, 0, 0, 0); return; }
  unpack(m, se);
  qput(i, se >> 15, uE - BIAS, uM, 0);
}
function qfromInt(i: u32, v: i64): void {
  const mag: u64 = v < 0 ? <u64>(0 - v) : <u64>v;
  qput(i, v < 0 ? 1 : 0, 63, mag, 0);
}
/** Rounds slot i to extended into rM/rSE (by the rounding mode, at 64 bits). */
function qtoF80(i: u32): void {
  if (qzero(i)) { setR(0, qsign(i) << 15); fUp = false; return; }
  roundPack(qsign(i), qexp(i) + BIAS, qhi(i), qlo(i), 64);
}
/** Loads constant k of the Q tables. */
function qconst(i: u32, k: u32): void { qput(i, 0, QK_EXP[k], QK_HI[k], QK_LO[k]); }
const QK_LN2: u32 = 0, QK_LOG2E: u32 = 1, QK_PI: u32 = 2, QK_PI_2: u32 = 3, QK_ATAN: u32 = 3; // QK_ATAN + k = atan(k/16)
const QK_HI: StaticArray<u64> = [0xB17217F7D1CF79AB, 0xB8AA3B295C17F0BB, 0xC90FDAA22168C234, 0xC90FDAA22168C234,
  0xFFAADDB967EF4E36, 0xFEADD4D5617B6E32, 0xBDCBDA5E72D81134, 0xFADBAFC96406EB15, 0x9B13B9B83F5E5E69,
  0xB7B0CA0F26F78473, 0xD327761E611FE5B6, 0xED63382B0DDA7B45, 0x832BF4A6D9867E2A, 0x8F005D5EF7F59F9B,
  0x9A2F80E671BDDA20, 0xA4BC7D1934F70924, 0xAEAC4C38B4D8C080, 0xB8053E2BC2319E73, 0xC0CE85B8AC526640,
  0xC90FDAA22168C234];
const QK_LO: StaticArray<u64> = [0xC9E3B39803F2F6AF, 0xBE87FED0691D3E88, 0xC4C6628B80DC1CD1, 0xC4C6628B80DC1CD1,
  0xCB2792DC0E2E0D51, 0xC897989F3E888EF7, 0x7B0B4F881C9C7487, 0x6DC79EF5F7A217E5, 0xC5ABB498D27AF328,
  0x8AA32122DCFE4483, 0x427C95E9001E7136, 0x6FE445ECBC3A8D03, 0x4B6A09CB61A515C0, 0x5C835E1665C43747,
  0x4226F8E2204FF3BC, 0x19A87F2A457DAC9E, 0x14725E2F3E52070A, 0xCB2DA55210A4443D, 0x89DD62C46E92FA24,
  0xC4C6628B80DC1CD1];
const QK_EXP: StaticArray<i32> = [-1, 0, 1, 0, -5, -4, -3, -3, -2, -2, -2, -2, -1, -1, -1, -1, -1, -1, -1, -1];

/** d = a + b (b negated when negB). Bits shifted out below 128 are dropped. */
function qadd(d: u32, a: u32, b: u32, negB: bool): void {
  let sa = qsign(a), ea = qexp(a), ah = qhi(a), al = qlo(a);
  let sb = qsign(b) ^ (negB ? 1 : 0), eb = qexp(b), bh = qhi(b), bl = qlo(b);
  if (bh == 0) { qput(d, sa, ea, ah, al); return; }
  if (ah == 0) { qput(d, sb, eb, bh, bl); return; }
  if (eb > ea || (eb == ea && (bh > ah || (bh == ah && bl > al)))) {
    let t = sa; sa = sb; sb = t;
    let te = ea; ea = eb; eb = te;
    let th = ah; ah = bh; bh = th;
    let tl = al; al = bl; bl = tl;
  }
  const sh = ea - eb;
  if (sh >= 128) { bh = 0; bl = 0; }
  else if (sh >= 64) { bl = bh >> (sh - 64); bh = 0; }
  else if (sh > 0) { bl = (bl >> sh) | (bh << (64 - sh)); bh >>= sh; }
  if (sa == sb) {
    const lo = al + bl;
    const c: u64 = lo < al ? 1 : 0;
    const h1 = ah + bh;
    const hi = h1 + c;
    if (h1 < ah || hi < h1) qput(d, sa, ea + 1, (hi >> 1) | INT_BIT, (lo >> 1) | (hi << 63));
    else qput(d, sa, ea, hi, lo);
  } else {
    const lo = al - bl;
    const bw: u64 = al < bl ? 1 : 0;
    qput(d, sa, ea, ah - bh - bw, lo);
  }
}

/** d = a * b, the top 128 bits of the 256-bit product. */
function qmul(d: u32, a: u32, b: u32): void {
  const s = qsign(a) ^ qsign(b);
  if (qzero(a) || qzero(b)) { qput(d, s, 0, 0, 0); return; }
  const ah = qhi(a), al = qlo(a), bh = qhi(b), bl = qlo(b);
  mul128(ah, bh); let hi = mulHi, lo = mulLo;
  mul128(ah, bl); const x = mulHi;
  mul128(al, bh); const y = mulHi;
  let t = lo + x; if (t < lo) hi++;
  lo = t; t = lo + y; if (t < lo) hi++;
  lo = t;
  // top/2^126 is the product of two values in [1, 2); qput normalises.
  qput(d, s, qexp(a) + qexp(b) + 1, hi, lo);
}

/** d = a / b by restoring division, 128 quotient bits. */
function qdiv(d: u32, a: u32, b: u32): void {
  const s = qsign(a) ^ qsign(b);
  if (qzero(a)) { qput(d, s, 0, 0, 0); return; }
  let rh = qhi(a), rl = qlo(a);
  const bh = qhi(b), bl = qlo(b);
  let e = qexp(a) - qexp(b);
  let carry = false;
  if (rh < bh || (rh == bh && rl < bl)) { e--; carry = (rh >> 63) != 0; rh = (rh << 1) | (rl >> 63); rl <<= 1; }
  let qh: u64 = 0, ql: u64 = 0;
  for (let i = 0; i < 128; i++) {
    const bit = carry || rh > bh || (rh == bh && rl >= bl);
    if (bit) { const bw: u64 = rl < bl ? 1 : 0; rl -= bl; rh = rh - bh - bw; }
    qh = (qh << 1) | (ql >> 63); ql = (ql << 1) | (bit ? 1 : 0);
    carry = (rh >> 63) != 0; rh = (rh << 1) | (rl >> 63); rl <<= 1;
  }
  qput(d, s, e, qh, ql);
}

/** Slot i = the integer v. */
function qsetInt(i: u32, v: i64): void { qfromInt(i, v); }
function qsmallerThan(i: u32, e: i32): bool { return qzero(i) || qexp(i) < e; }

// Scratch slots.
const T0: u32 = 8, T1: u32 = 9, T2: u32 = 10, T3: u32 = 11, T4: u32 = 12, T5: u32 = 13, T6: u32 = 14, T7: u32 = 15;

/** d = e^y - 1 (Taylor series; callers keep |y| below 1). */
function qexpm1(d: u32, y: u32): void {
  qcopy(T0, y);          // term
  qcopy(T1, y);          // sum
  for (let n = 2; n < 60; n++) {
    qmul(T0, T0, y);
    qsetInt(T2, n); qdiv(T0, T0, T2);
    if (qsmallerThan(T0, qexp(T1) - 130)) break;
    qadd(T1, T1, T0, false);
  }
  qcopy(d, T1);
}

/** d = 2 * atanh(s) = ln((1+s)/(1-s)) for small |s|. */
function qatanh2(d: u32, s: u32): void {
  qmul(T3, s, s);        // s^2
  qcopy(T4, s);          // s^(2k+1)
  qcopy(T5, s);          // sum
  for (let k = 1; k < 200; k++) {
    qmul(T4, T4, T3);
    qsetInt(T2, 2 * k + 1); qdiv(T6, T4, T2);
    if (qsmallerThan(T6, qexp(T5) - 130)) break;
    qadd(T5, T5, T6, false);
  }
  qcopy(d, T5);
  if (!qzero(d)) store<i32>(qp(d), qexp(d) + 1, 16);
}

/** d = atan(t) for 0 <= t <= 1: atan(k/16) from the table plus a short series. */
function qatan01(d: u32, t: u32): void {
  let k: i32 = 0;
  if (!qzero(t)) {
    const e = qexp(t);
    if (e >= -5) {
      // round(t * 16) from the top bits of t
      const sh = 59 - e; // t*16 = hi * 2^(e + 4 - 63); round to nearest
      k = <i32>(((qhi(t) >> (sh - 1)) + 1) >> 1);
    }
  }
  if (k > 16) k = 16;
  if (k == 0) qcopy(T7, t);
  else {
    // t' = (t - c) / (1 + t c), c = k/16
    qsetInt(T2, k); store<i32>(qp(T2), qexp(T2) - 4, 16);
    qadd(T6, t, T2, true);
    qmul(T7, t, T2); qsetInt(T5, 1); qadd(T7, T7, T5, false);
    qdiv(T7, T6, T7);
  }
  // series t' - t'^3/3 + t'^5/5 - ...
  qmul(T3, T7, T7);
  qcopy(T4, T7);
  qcopy(T5, T7);
  for (let n = 1; n < 100; n++) {
    qmul(T4, T4, T3);
    qsetInt(T2, 2 * n + 1); qdiv(T6, T4, T2);
    if (qzero(T5) || qsmallerThan(T6, qexp(T5) - 130)) break;
    qadd(T5, T5, T6, (n & 1) != 0);
  }
  if (k != 0) { qconst(T6, QK_ATAN + <u32>k); qadd(T5, T5, T6, false); }
  qcopy(d, T5);
}

/** Series for sin (cosine = false) or cos of slot r, |r| <= pi/4, into d. */
function qsincos(d: u32, r: u32, cosine: bool): void {
  qmul(T3, r, r);
  if (cosine) { qsetInt(T4, 1); } else qcopy(T4, r);
  qcopy(T5, T4);
  let n: i32 = cosine ? 0 : 1;
  for (let i = 1; i < 60; i++) {
    qmul(T4, T4, T3);
    qsetInt(T2, <i64>((n + 1) * (n + 2))); qdiv(T4, T4, T2);
    n += 2;
    if (qzero(T4) || qsmallerThan(T4, qexp(T5) - 130)) break;
    qadd(T5, T5, T4, (i & 1) != 0);
  }
  qcopy(d, T5);
}

// pi with the 66 significant bits the x87 uses for argument reduction: pi/2 = PI66 * 2^-65.
const PI66_HI: u64 = 0x3;
const PI66_LO: u64 = 0x243F6A8885A308D3;
let qQuadrant: u32 = 0;

/**
 * Reduces |x| (slot x) modulo pi/2 as the x87 does, by the 66-bit pi: slot d gets the remainder
 * in [-pi/4, pi/4] and qQuadrant the low bits of the quotient.
 */
function qreduce(d: u32, m: u64, se: u32): void {
  unpack(m, se);
  const E = uE - BIAS;
  qQuadrant = 0;
  if (E < -1) { qput(d, 0, E, uM, 0); return; }
  // D = m * 2^(E + 2), divided by PI66: r = (D mod PI66) * 2^-65.
  let rh: u64 = 0, rl: u64 = 0, q: u32 = 0;
  const bits = 64 + E + 2;
  for (let i = 0; i < bits; i++) {
    const bit: u64 = i < 64 ? (uM >> (63 - i)) & 1 : 0;
    rh = (rh << 1) | (rl >> 63); rl = (rl << 1) | bit;
    q <<= 1;
    if (rh > PI66_HI || (rh == PI66_HI && rl >= PI66_LO)) {
      const bw: u64 = rl < PI66_LO ? 1 : 0;
      rl -= PI66_LO; rh = rh - PI66_HI - bw;
      q |= 1;
    }
  }
  // Round the quotient to nearest: if 2R > PI66, take one more and negate.
  const th = (rh << 1) | (rl >> 63), tl = rl << 1;
  let sign: u32 = 0;
  if (th > PI66_HI || (th == PI66_HI && tl > PI66_LO)) {
    const bw: u64 = PI66_LO < rl ? 1 : 0;
    rl = PI66_LO - rl; rh = PI66_HI - rh - bw;
    q++; sign = 1;
  }
  qQuadrant = q & 3;
  qput(d, sign, 127 - 65, rh, rl);
}

/**
 * FSIN (0), FCOS (1), FPTAN (2) of a finite value below 2^63: rM/rSE get the result; for
 * FSINCOS call twice.
 */
export function f80trig(m: u64, se: u32, which: u32): void {
  fUp = false;
  const c = classify(m, se);
  if (c == CLASS_ZERO) { if (which == 1) setR(INT_BIT, 0x3FFF); else setR(m, se); return; }
  if (c == CLASS_DENORMAL) fExc |= EX_DE;
  const neg = se >> 15;
  qreduce(0, m, se & EXP_MAX);
  const k = qQuadrant;
  if (which == 2) {
    qsincos(1, 0, false);
    qsincos(2, 0, true);
    if ((k & 1) != 0) { qdiv(3, 2, 1); qneg(3); } else qdiv(3, 1, 2);
    if (neg != 0) qneg(3);
  } else {
    const useCos = ((k & 1) != 0) != (which == 1);
    qsincos(3, 0, useCos);
    let flip = which == 0 ? (k & 2) != 0 : (k == 1 || k == 2);
    if (which == 0 && neg != 0) flip = !flip;
    if (flip) qneg(3);
  }
  qtoF80(3);
  fExc |= EX_PE;
}

/** F2XM1: 2^x - 1 for finite x with |x| <= 1 (larger x come back unchanged). */
export function f80f2xm1(m: u64, se: u32): void {
  fUp = false;
  const c = classify(m, se);
  if (c == CLASS_ZERO) { setR(m, se); return; }
  if (c == CLASS_DENORMAL) fExc |= EX_DE;
  if ((se & EXP_MAX) > 0x3FFF || ((se & EXP_MAX) == 0x3FFF && m != INT_BIT)) { setR(m, se); fExc |= EX_PE; return; }
  // x = -1 gives -0.5 exactly; x = +1 gives 1 less a trifle (the hardware rounds it down under
  // RD/RZ); both are flagged inexact.
  if ((se & EXP_MAX) == 0x3FFF) {
    fExc |= EX_PE;
    if ((se & 0x8000) != 0) setR(INT_BIT, 0xBFFE);
    else roundPack(0, BIAS - 1, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 64);
    return;
  }
  qfromF80(0, m, se);
  qconst(1, QK_LN2);
  qmul(0, 0, 1);
  qexpm1(2, 0);
  qtoF80(2);
  fExc |= EX_PE;
}

/** FYL2X: y * log2(x) for finite x > 0 and finite y. */
export function f80yl2x(xm: u64, xse: u32, ym: u64, yse: u32): void {
  fUp = false;
  if (classify(xm, xse) == CLASS_DENORMAL || classify(ym, yse) == CLASS_DENORMAL) fExc |= EX_DE;
  unpack(xm, xse);
  let E = uE - BIAS;
  // m in [1, 2); move it to [sqrt(2)/2, sqrt(2)) so the series converges fast.
  let me: i32 = 0;
  if (uM > 0xB504F333F9DE6484) { me = -1; E++; }
  qput(0, 0, me, uM, 0);
  qsetInt(1, 1);
  qadd(2, 0, 1, true);   // m - 1
  qadd(3, 0, 1, false);  // m + 1
  qdiv(4, 2, 3);
  qatanh2(5, 4);         // ln m
  qconst(6, QK_LOG2E);
  qmul(5, 5, 6);
  qsetInt(7, E);
  qadd(5, 5, 7, false);  // log2 x
  qfromF80(6, ym, yse);
  qmul(5, 5, 6);
  qtoF80(5);
}

/** FYL2XP1: y * log2(1 + x) for finite x (|x| < 1 - sqrt(2)/2) and y. */
export function f80yl2xp1(xm: u64, xse: u32, ym: u64, yse: u32): void {
  fUp = false;
  if (classify(xm, xse) == CLASS_DENORMAL || classify(ym, yse) == CLASS_DENORMAL) fExc |= EX_DE;
  qfromF80(0, xm, xse);
  qsetInt(1, 2);
  qadd(1, 0, 1, false);  // x + 2
  qdiv(2, 0, 1);         // s = x / (x + 2)
  qatanh2(3, 2);         // ln(1 + x)
  qconst(4, QK_LOG2E);
  qmul(3, 3, 4);
  qfromF80(5, ym, yse);
  qmul(3, 3, 5);
  qtoF80(3);
  fExc |= EX_PE;
}

/** FPATAN: atan2(y, x) for finite nonzero or zero operands (not both infinite/NaN). */
export function f80atan2(ym: u64, yse: u32, xm: u64, xse: u32): void {
  fUp = false;
  const yc = classify(ym, yse), xc = classify(xm, xse);
  if (yc == CLASS_DENORMAL || xc == CLASS_DENORMAL) fExc |= EX_DE;
  const ys = yse >> 15, xs = xse >> 15;
  if (yc == CLASS_ZERO || xc == CLASS_INF && yc != CLASS_INF) {
    if (xs == 0) { setR(0, ys << 15); return; }
    qconst(0, QK_PI); if (ys != 0) qneg(0); qtoF80(0); fExc |= EX_PE; return;
  }
  if (xc == CLASS_ZERO || (yc == CLASS_INF && xc != CLASS_INF)) {
    qconst(0, QK_PI_2); if (ys != 0) qneg(0); qtoF80(0); fExc |= EX_PE; return;
  }
  if (yc == CLASS_INF) {
    // both infinite: pi/4 or 3pi/4
    qconst(0, QK_ATAN + 16);
    if (xs != 0) { qconst(1, QK_PI); qadd(0, 1, 0, true); }
    if (ys != 0) qneg(0);
    qtoF80(0); fExc |= EX_PE; return;
  }
  qfromF80(0, ym, yse & EXP_MAX);
  qfromF80(1, xm, xse & EXP_MAX);
  const swap = qexp(0) > qexp(1) || (qexp(0) == qexp(1) && (qhi(0) > qhi(1)));
  if (swap) qdiv(2, 1, 0); else qdiv(2, 0, 1);
  qatan01(3, 2);
  if (swap) { qconst(4, QK_PI_2); qadd(3, 4, 3, true); }
  if (xs != 0) { qconst(4, QK_PI); qadd(3, 4, 3, true); }
  if (ys != 0) qneg(3);
  qtoF80(3);
  fExc |= EX_PE;
}
