// SSE4.1: blends (immediate and XMM0-controlled), sign/zero-extending moves, the new integer
// min/max/multiply/compare/pack forms, PHMINPOSUW, PTEST, element insert/extract, ROUNDxx,
// dot products, MPSADBW. MOVNTDQA is the aligned load MOVDQA (sse_move.ts).
import { xmmAddr, getReg, writeGpr } from "./cpu";
import { dReg, dRm, dImm, dFlags, isReg, ea, readE, writeE, F_REXW } from "./operand";
import { rd8, rd16, rd32, rd64, wr8, wr16, wr32, faulted } from "./mmu";
import { setFlagsEager, ARITH_FLAGS } from "./flags";
import { xmmGet, xmmSet, xmmSrcAligned, xmmSrc32, xmmSrc64 } from "./sse_move";
import { arithElem, begin as fpBegin, commit as fpCommit, FP_ADD, FP_MUL } from "./sse_fp";
import { S_MXCSR, FLAG_ZF, FLAG_CF } from "./gen/layout";

const SRC: usize = memory.data(16, 16);
const DST: usize = memory.data(16, 16);

@inline function imm8(d: usize): u32 { return <u32>dImm(d) & 0xFF; }

// ---- blends ---------------------------------------------------------------------------------

/** PBLENDVB: bytes of src where the byte of XMM0 has its top bit set. */
export function pblendvb(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, v128.bitselect(b, xmmGet(r), i8x16.shr_s(xmmGet(0), 7)));
}
export function blendvps(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, v128.bitselect(b, xmmGet(r), i32x4.shr_s(xmmGet(0), 31)));
}
export function blendvpd(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, v128.bitselect(b, xmmGet(r), i64x2.shr_s(xmmGet(0), 63)));
}

/** Spreads imm8 bit i over element i (n elements of 16/n bytes) as an all-ones/zero mask. */
function immMask(imm: u32, n: u32): v128 {
  const w: u32 = 16 / n;
  for (let i: u32 = 0; i < n; i++) {
    const on = ((imm >> i) & 1) != 0;
    for (let k: u32 = 0; k < w; k++) store<u8>(SRC + i * w + k, on ? 0xFF : 0);
  }
  return v128.load(SRC);
}

export function blendps(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, v128.bitselect(b, xmmGet(r), immMask(imm8(d), 4)));
}
export function blendpd(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, v128.bitselect(b, xmmGet(r), immMask(imm8(d), 2)));
}
export function pblendw(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, v128.bitselect(b, xmmGet(r), immMask(imm8(d), 8)));
}

// ---- sign / zero extension ------------------------------------------------------------------

// PMOVSX/PMOVZX kinds (table arguments): source element width to destination width; +8 = zero-extend.
export const PMOV_BW_S: u32 = 0;
export const PMOV_BD_S: u32 = 1;
export const PMOV_BQ_S: u32 = 2;
export const PMOV_WD_S: u32 = 3;
export const PMOV_WQ_S: u32 = 4;
export const PMOV_DQ_S: u32 = 5;
export const PMOV_BW_Z: u32 = 8;
export const PMOV_BD_Z: u32 = 9;
export const PMOV_BQ_Z: u32 = 10;
export const PMOV_WD_Z: u32 = 11;
export const PMOV_WQ_Z: u32 = 12;
export const PMOV_DQ_Z: u32 = 13;

/** PMOVSX and PMOVZX: the memory form reads only the bytes it widens (8, 4 or 2), unaligned. */
export function pmovx(d: usize, kind: u32): void {
  let v: v128;
  if (isReg(d)) v = xmmGet(dRm(d));
  else {
    const k = kind & 7, a = ea(d);
    const n: u64 = k == PMOV_BD_S || k == PMOV_WQ_S ? <u64>rd32(a) : k == PMOV_BQ_S ? <u64>rd16(a) : rd64(a);
    if (faulted()) return;
    v = i64x2(<i64>n, 0);
  }
  let r: v128;
  switch (kind) {
    case PMOV_BW_S: r = i16x8.extend_low_i8x16_s(v); break;
    case PMOV_BD_S: r = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v)); break;
    case PMOV_BQ_S: r = i64x2.extend_low_i32x4_s(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v))); break;
    case PMOV_WD_S: r = i32x4.extend_low_i16x8_s(v); break;
    case PMOV_WQ_S: r = i64x2.extend_low_i32x4_s(i32x4.extend_low_i16x8_s(v)); break;
    case PMOV_DQ_S: r = i64x2.extend_low_i32x4_s(v); break;
    case PMOV_BW_Z: r = i16x8.extend_low_i8x16_u(v); break;
    case PMOV_BD_Z: r = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v)); break;
    case PMOV_BQ_Z: r = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v))); break;
    case PMOV_WD_Z: r = i32x4.extend_low_i16x8_u(v); break;
    case PMOV_WQ_Z: r = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(v)); break;
    default: r = i64x2.extend_low_i32x4_u(v); break;
  }
  xmmSet(dReg(d), r);
}

// ---- integer arithmetic, min/max, compare, pack -----------------------------------------------

/** PMULDQ: signed 64-bit products of dwords 0 and 2. */
export function pmuldq(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i64x2.mul(i64x2.shr_s(i64x2.shl(xmmGet(r), 32), 32), i64x2.shr_s(i64x2.shl(b, 32), 32)));
}
export function pmulld(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.mul(xmmGet(r), b)); }
export function pcmpeqq(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i64x2.eq(xmmGet(r), b)); }
/** PACKUSDW: signed dwords to unsigned words with saturation, which Wasm's narrow does. */
export function packusdw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.narrow_i32x4_u(xmmGet(r), b)); }
export function pminsb(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.min_s(xmmGet(r), b)); }
export function pminsd(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.min_s(xmmGet(r), b)); }
export function pminuw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.min_u(xmmGet(r), b)); }
export function pminud(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.min_u(xmmGet(r), b)); }
export function pmaxsb(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.max_s(xmmGet(r), b)); }
export function pmaxsd(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.max_s(xmmGet(r), b)); }
export function pmaxuw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.max_u(xmmGet(r), b)); }
export function pmaxud(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.max_u(xmmGet(r), b)); }

/** PHMINPOSUW: the smallest unsigned word (the lowest index on ties) in word 0, its index in bits 18:16. */
export function phminposuw(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return;
  v128.store(SRC, b);
  let best: u32 = load<u16>(SRC), at: u32 = 0;
  for (let i: u32 = 1; i < 8; i++) {
    const w = <u32>load<u16>(SRC + (i << 1));
    if (w < best) { best = w; at = i; }
  }
  xmmSet(dReg(d), i32x4(<i32>(best | (at << 16)), 0, 0, 0));
}

/** PTEST: ZF = (dst AND src) is zero, CF = (src AND NOT dst) is zero; the other flags are cleared. */
export function ptest(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return;
  const a = xmmGet(dReg(d));
  let bits: u32 = 0;
  if (!v128.any_true(v128.and(a, b))) bits |= FLAG_ZF;
  if (!v128.any_true(v128.andnot(b, a))) bits |= FLAG_CF;
  setFlagsEager(ARITH_FLAGS, bits);
}

// ---- insert / extract -------------------------------------------------------------------------

/** PEXTRB r32/r64/m8, xmm, imm8: a register gets the byte zero-extended. */
export function pextrb(d: usize): void {
  const v = <u32>load<u8>(xmmAddr(dReg(d)) + (imm8(d) & 15));
  if (isReg(d)) writeGpr(dRm(d), 8, <u64>v); else wr8(ea(d), v);
}

/** PEXTRW r32/r64/m16, xmm, imm8 (the SSE4.1 form, which may store to memory). */
export function pextrw_e(d: usize): void {
  const v = <u32>load<u16>(xmmAddr(dReg(d)) + ((imm8(d) & 7) << 1));
  if (isReg(d)) writeGpr(dRm(d), 8, <u64>v); else wr16(ea(d), v);
}

/** PEXTRD r/m32 and, with REX.W, PEXTRQ r/m64. */
export function pextrd(d: usize): void {
  const x = xmmAddr(dReg(d));
  if ((dFlags(d) & F_REXW) != 0) writeE(d, 8, load<u64>(x + ((imm8(d) & 1) << 3)));
  else writeE(d, 4, <u64>load<u32>(x + ((imm8(d) & 3) << 2)));
}

/** EXTRACTPS r32/m32, xmm, imm8: the raw bits of one single. */
export function extractps(d: usize): void {
  const v = load<u32>(xmmAddr(dReg(d)) + ((imm8(d) & 3) << 2));
  if (isReg(d)) writeGpr(dRm(d), 4, <u64>v); else wr32(ea(d), v);
}

/** PINSRB xmm, r32/m8, imm8: the low byte of the 32-bit register (never AH..BH). */
export function pinsrb(d: usize): void {
  const v: u32 = isReg(d) ? <u32>getReg(dRm(d)) & 0xFF : rd8(ea(d));
  if (faulted()) return;
  store<u8>(xmmAddr(dReg(d)) + (imm8(d) & 15), <u8>v);
}

/** PINSRD xmm, r/m32, imm8 and, with REX.W, PINSRQ xmm, r/m64, imm8. */
export function pinsrd(d: usize): void {
  const x = xmmAddr(dReg(d));
  if ((dFlags(d) & F_REXW) != 0) {
    const v = readE(d, 8); if (faulted()) return;
    store<u64>(x + ((imm8(d) & 1) << 3), v);
  } else {
    const v = readE(d, 4); if (faulted()) return;
    store<u32>(x + ((imm8(d) & 3) << 2), <u32>v);
  }
}

/**
 * INSERTPS xmm, xmm/m32, imm8: the source single (register: element imm[7:6]; memory: the m32)
 * goes to element imm[5:4], then the elements in imm[3:0] are zeroed.
 */
export function insertps(d: usize): void {
  const imm = imm8(d);
  const v: u32 = isReg(d) ? load<u32>(xmmAddr(dRm(d)) + ((imm >> 6) << 2)) : rd32(ea(d));
  if (faulted()) return;
  const x = xmmAddr(dReg(d));
  store<u32>(x + (((imm >> 4) & 3) << 2), v);
  for (let i: u32 = 0; i < 4; i++) if (((imm >> i) & 1) != 0) store<u32>(x + (i << 2), 0);
}

// ---- ROUNDPS/PD/SS/SD -------------------------------------------------------------------------
// imm8[1:0] is the rounding mode (nearest-even, down, up, toward zero), imm8[2] says to use
// MXCSR.RC instead, imm8[3] suppresses the precision exception. An SNaN is quieted (IE); no other
// exception is possible: every finite result is an integer of the operand's own format.

const MX_IE: u32 = 1, MX_PE: u32 = 32, MX_DAZ: u32 = 0x40;
let roundExc: u32 = 0;

@inline function roundMode(imm: u32): u32 { return (imm & 4) != 0 ? (load<u32>(S_MXCSR) >> 13) & 3 : imm & 3; }

@inline function roundF64(x: f64, mode: u32): f64 {
  return mode == 0 ? nearest<f64>(x) : mode == 1 ? Math.floor(x) : mode == 2 ? Math.ceil(x) : Math.trunc(x);
}

function roundElem32(a: u32, imm: u32): u32 {
  if ((a & 0x7FFFFFFF) > 0x7F800000) { if ((a & 0x400000) == 0) roundExc |= MX_IE; return a | 0x400000; }
  if ((a & 0x7F800000) == 0 && (load<u32>(S_MXCSR) & MX_DAZ) != 0) a &= 0x80000000;
  const x = <f64>reinterpret<f32>(a);
  const r = roundF64(x, roundMode(imm));
  if (r != x && (imm & 8) == 0) roundExc |= MX_PE;
  return reinterpret<u32>(<f32>r);
}

function roundElem64(a: u64, imm: u32): u64 {
  if ((a & 0x7FFFFFFFFFFFFFFF) > 0x7FF0000000000000) { if ((a & 0x8000000000000) == 0) roundExc |= MX_IE; return a | 0x8000000000000; }
  if ((a & 0x7FF0000000000000) == 0 && (load<u32>(S_MXCSR) & MX_DAZ) != 0) a &= 0x8000000000000000;
  const x = reinterpret<f64>(a);
  const r = roundF64(x, roundMode(imm));
  if (r != x && (imm & 8) == 0) roundExc |= MX_PE;
  return reinterpret<u64>(r);
}

@inline function roundCommit(): void { if (roundExc != 0) store<u32>(S_MXCSR, load<u32>(S_MXCSR) | roundExc); }

export function roundps(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  v128.store(SRC, s);
  const x = xmmAddr(dReg(d)), imm = imm8(d);
  roundExc = 0;
  for (let i: usize = 0; i < 16; i += 4) store<u32>(x + i, roundElem32(load<u32>(SRC + i), imm));
  roundCommit();
}

export function roundpd(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  v128.store(SRC, s);
  const x = xmmAddr(dReg(d)), imm = imm8(d);
  roundExc = 0;
  for (let i: usize = 0; i < 16; i += 8) store<u64>(x + i, roundElem64(load<u64>(SRC + i), imm));
  roundCommit();
}

/** ROUNDSS: the low single only; the rest of the destination is kept. */
export function roundss(d: usize): void {
  const v = xmmSrc32(d); if (faulted()) return;
  roundExc = 0;
  store<u32>(xmmAddr(dReg(d)), roundElem32(v, imm8(d)));
  roundCommit();
}

export function roundsd(d: usize): void {
  const v = xmmSrc64(d); if (faulted()) return;
  roundExc = 0;
  store<u64>(xmmAddr(dReg(d)), roundElem64(v, imm8(d)));
  roundCommit();
}

// ---- dot products -----------------------------------------------------------------------------

/**
 * DPPS: the products selected by imm[7:4] (others +0.0), summed pairwise ((0+1) + (2+3)), each step
 * rounded under MXCSR; the sum goes to the elements selected by imm[3:0], zeros elsewhere.
 */
export function dpps(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const x = xmmAddr(dReg(d)), imm = imm8(d);
  v128.store(SRC, s);
  v128.store(DST, v128.load(x));
  fpBegin();
  for (let i: u32 = 0; i < 4; i++) {
    const p: u64 = ((imm >> (4 + i)) & 1) != 0 ? arithElem(FP_MUL, <u64>load<u32>(DST + (i << 2)), <u64>load<u32>(SRC + (i << 2)), true) : 0;
    store<u32>(DST + (i << 2), <u32>p);
  }
  const lo = arithElem(FP_ADD, <u64>load<u32>(DST), <u64>load<u32>(DST + 4), true);
  const hi = arithElem(FP_ADD, <u64>load<u32>(DST + 8), <u64>load<u32>(DST + 12), true);
  const sum = <u32>arithElem(FP_ADD, lo, hi, true);
  for (let i: u32 = 0; i < 4; i++) store<u32>(x + (i << 2), ((imm >> i) & 1) != 0 ? sum : 0);
  fpCommit();
}

/** DPPD: the same over two doubles, selected by imm[5:4] and imm[1:0]. */
export function dppd(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const x = xmmAddr(dReg(d)), imm = imm8(d);
  v128.store(SRC, s);
  fpBegin();
  const p0: u64 = (imm & 0x10) != 0 ? arithElem(FP_MUL, load<u64>(x), load<u64>(SRC), false) : 0;
  const p1: u64 = (imm & 0x20) != 0 ? arithElem(FP_MUL, load<u64>(x + 8), load<u64>(SRC + 8), false) : 0;
  const sum = arithElem(FP_ADD, p0, p1, false);
  store<u64>(x, (imm & 1) != 0 ? sum : 0);
  store<u64>(x + 8, (imm & 2) != 0 ? sum : 0);
  fpCommit();
}

// ---- MPSADBW ----------------------------------------------------------------------------------

/**
 * MPSADBW: eight sums of absolute differences between the 4-byte block of src at imm[1:0]·4 and
 * the sliding 4-byte windows of dst starting at imm[2]·4 + i.
 */
export function mpsadbw(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const r = dReg(d), imm = imm8(d);
  v128.store(SRC, s);
  v128.store(DST, xmmGet(r));
  const x = xmmAddr(r);
  const so = (imm & 3) << 2, dOff = (imm & 4);
  for (let i: u32 = 0; i < 8; i++) {
    let sum: i32 = 0;
    for (let k: u32 = 0; k < 4; k++) sum += abs<i32>(<i32>load<u8>(DST + dOff + i + k) - <i32>load<u8>(SRC + so + k));
    store<u16>(x + (i << 1), <u16>sum);
  }
}
