// SSE/SSE2 integer SIMD and bitwise logic on XMM registers: add/sub (wrapping and saturating),
// multiplies, averages, min/max, compares, shifts, shuffles, unpacks, packs, word insert/extract.
// Each handler is dst = op(dst, src) with src the r/m operand (16-byte aligned when in memory);
// most map straight onto one Wasm SIMD instruction.
import { xmmAddr, getReg, writeGpr } from "./cpu";
import { dReg, dRm, dImm, isReg, ea } from "./operand";
import { rd16, faulted } from "./mmu";
import { xmmGet, xmmSet, xmmSrcAligned } from "./sse_move";

// Scratch for lane shuffles with run-time indices and for the byte shifts: 48 bytes, 16-aligned.
const TMP: usize = memory.data(48, 16);

@inline function zero(): v128 { return i64x2.splat(0); }

// The source operand; it may have faulted (#GP, page fault), so callers check faulted() first.
@inline function srcOf(d: usize): v128 { return xmmSrcAligned(d); }

// ---- logic (also ANDPS/ANDPD/…: bitwise ops do not care about lane types) -----------------------

export function pand(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, v128.and(xmmGet(r), b)); }
/** PANDN/ANDNPS: dst = ~dst & src. */
export function pandn(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, v128.andnot(b, xmmGet(r))); }
export function por(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, v128.or(xmmGet(r), b)); }
export function pxor(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, v128.xor(xmmGet(r), b)); }

// ---- add / subtract -------------------------------------------------------------------------

export function paddb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.add(xmmGet(r), b)); }
export function paddw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.add(xmmGet(r), b)); }
export function paddd(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.add(xmmGet(r), b)); }
export function paddq(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i64x2.add(xmmGet(r), b)); }
export function psubb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.sub(xmmGet(r), b)); }
export function psubw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.sub(xmmGet(r), b)); }
export function psubd(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.sub(xmmGet(r), b)); }
export function psubq(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i64x2.sub(xmmGet(r), b)); }
export function paddsb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.add_sat_s(xmmGet(r), b)); }
export function paddsw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.add_sat_s(xmmGet(r), b)); }
export function paddusb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.add_sat_u(xmmGet(r), b)); }
export function paddusw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.add_sat_u(xmmGet(r), b)); }
export function psubsb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.sub_sat_s(xmmGet(r), b)); }
export function psubsw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.sub_sat_s(xmmGet(r), b)); }
export function psubusb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.sub_sat_u(xmmGet(r), b)); }
export function psubusw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.sub_sat_u(xmmGet(r), b)); }

// ---- multiply, average, sum of absolute differences -----------------------------------------

export function pmullw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.mul(xmmGet(r), b)); }

// The high 16 bits of each 32-bit product are bytes 2-3 of each lane of the widened products.
@inline function high16(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(lo, hi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
}

export function pmulhw(d: usize): void {
  const b = srcOf(d); if (faulted()) return;
  const r = dReg(d), a = xmmGet(r);
  xmmSet(r, high16(i32x4.extmul_low_i16x8_s(a, b), i32x4.extmul_high_i16x8_s(a, b)));
}

export function pmulhuw(d: usize): void {
  const b = srcOf(d); if (faulted()) return;
  const r = dReg(d), a = xmmGet(r);
  xmmSet(r, high16(i32x4.extmul_low_i16x8_u(a, b), i32x4.extmul_high_i16x8_u(a, b)));
}

/** PMULUDQ: the unsigned 64-bit products of dwords 0 and 2. */
export function pmuludq(d: usize): void {
  const b = srcOf(d); if (faulted()) return;
  const r = dReg(d), lo32 = i64x2.splat(0xFFFFFFFF);
  xmmSet(r, i64x2.mul(v128.and(xmmGet(r), lo32), v128.and(b, lo32)));
}

/** PMADDWD: Wasm's dot product wraps the one overflowing case (-32768² · 2) exactly as x86 does. */
export function pmaddwd(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.dot_i16x8_s(xmmGet(r), b)); }

export function pavgb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.avgr_u(xmmGet(r), b)); }
export function pavgw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.avgr_u(xmmGet(r), b)); }

/** PSADBW: per 8-byte half, the sum of |a - b| over unsigned bytes, in the low word of the qword. */
export function psadbw(d: usize): void {
  const b = srcOf(d); if (faulted()) return;
  const r = dReg(d), a = xmmGet(r);
  const diff = i8x16.sub(i8x16.max_u(a, b), i8x16.min_u(a, b));
  const s32 = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(diff));
  xmmSet(r, i64x2.add(v128.and(s32, i64x2.splat(0xFFFFFFFF)), i64x2.shr_u(s32, 32)));
}

// ---- min / max / compare --------------------------------------------------------------------

export function pminub(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.min_u(xmmGet(r), b)); }
export function pmaxub(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.max_u(xmmGet(r), b)); }
export function pminsw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.min_s(xmmGet(r), b)); }
export function pmaxsw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.max_s(xmmGet(r), b)); }
export function pcmpeqb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.eq(xmmGet(r), b)); }
export function pcmpeqw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.eq(xmmGet(r), b)); }
export function pcmpeqd(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.eq(xmmGet(r), b)); }
export function pcmpgtb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.gt_s(xmmGet(r), b)); }
export function pcmpgtw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.gt_s(xmmGet(r), b)); }
export function pcmpgtd(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i32x4.gt_s(xmmGet(r), b)); }

// ---- shifts ---------------------------------------------------------------------------------
// x86 takes the whole 64-bit count: past the lane width a logical shift gives 0 and an
// arithmetic one fills with the sign. Wasm takes the count modulo the width, hence the clamps.

export const SHIFT_SRLW: u32 = 0;
export const SHIFT_SRLD: u32 = 1;
export const SHIFT_SRLQ: u32 = 2;
export const SHIFT_SRAW: u32 = 3;
export const SHIFT_SRAD: u32 = 4;
export const SHIFT_SLLW: u32 = 5;
export const SHIFT_SLLD: u32 = 6;
export const SHIFT_SLLQ: u32 = 7;

@inline function shiftLanes(v: v128, kind: u32, c: u64): v128 {
  switch (kind) {
    case SHIFT_SRLW: return c > 15 ? zero() : i16x8.shr_u(v, <i32>c);
    case SHIFT_SRLD: return c > 31 ? zero() : i32x4.shr_u(v, <i32>c);
    case SHIFT_SRLQ: return c > 63 ? zero() : i64x2.shr_u(v, <i32>c);
    case SHIFT_SRAW: return i16x8.shr_s(v, <i32>min<u64>(c, 15));
    case SHIFT_SRAD: return i32x4.shr_s(v, <i32>min<u64>(c, 31));
    case SHIFT_SLLW: return c > 15 ? zero() : i16x8.shl(v, <i32>c);
    case SHIFT_SLLD: return c > 31 ? zero() : i32x4.shl(v, <i32>c);
    default: return c > 63 ? zero() : i64x2.shl(v, <i32>c);
  }
}

/** PSxxW/D/Q xmm, xmm/m128: the count is the low qword of the source. */
export function pshift_x(d: usize, kind: u32): void {
  const s = srcOf(d); if (faulted()) return;
  const r = dReg(d);
  xmmSet(r, shiftLanes(xmmGet(r), kind, <u64>i64x2.extract_lane(s, 0)));
}

/** PSxxW/D/Q xmm, imm8 (groups 0F 71/72/73): the register is in ModRM.rm. */
export function pshift_i(d: usize, kind: u32): void {
  const r = dRm(d);
  xmmSet(r, shiftLanes(xmmGet(r), kind, dImm(d) & 0xFF));
}

/** PSRLDQ xmm, imm8: whole-register right shift by bytes, through a zero-padded window. */
export function psrldq(d: usize): void {
  const r = dRm(d), n = <u32>dImm(d) & 0xFF;
  if (n > 15) { xmmSet(r, zero()); return; }
  v128.store(TMP, xmmGet(r));
  v128.store(TMP + 16, zero());
  xmmSet(r, v128.load(TMP + n));
}

/** PSLLDQ xmm, imm8: whole-register left shift by bytes. */
export function pslldq(d: usize): void {
  const r = dRm(d), n = <u32>dImm(d) & 0xFF;
  if (n > 15) { xmmSet(r, zero()); return; }
  v128.store(TMP, zero());
  v128.store(TMP + 16, xmmGet(r));
  xmmSet(r, v128.load(TMP + 16 - n));
}

// ---- shuffles with an immediate selector ----------------------------------------------------

/** PSHUFD: each dword of the result picks a source dword by two bits of imm8. */
export function pshufd(d: usize): void {
  const s = srcOf(d); if (faulted()) return;
  v128.store(TMP, s);
  const imm = <u32>dImm(d);
  xmmSet(dReg(d), i32x4(
    load<i32>(TMP + ((imm & 3) << 2)), load<i32>(TMP + (((imm >> 2) & 3) << 2)),
    load<i32>(TMP + (((imm >> 4) & 3) << 2)), load<i32>(TMP + (((imm >> 6) & 3) << 2))));
}

// Shuffles the four words at TMP + base by imm8 into dst + base.
@inline function shuffleWords(dst: usize, base: u32, imm: u32): void {
  const w0 = load<u16>(TMP + base + ((imm & 3) << 1)), w1 = load<u16>(TMP + base + (((imm >> 2) & 3) << 1));
  const w2 = load<u16>(TMP + base + (((imm >> 4) & 3) << 1)), w3 = load<u16>(TMP + base + (((imm >> 6) & 3) << 1));
  store<u64>(dst + base, <u64>w0 | (<u64>w1 << 16) | (<u64>w2 << 32) | (<u64>w3 << 48));
}

/** PSHUFLW: shuffles the low four words; the high qword is copied. */
export function pshuflw(d: usize): void {
  const s = srcOf(d); if (faulted()) return;
  v128.store(TMP, s);
  const dst = xmmAddr(dReg(d));
  store<u64>(dst + 8, load<u64>(TMP + 8));
  shuffleWords(dst, 0, <u32>dImm(d));
}

/** PSHUFHW: shuffles the high four words; the low qword is copied. */
export function pshufhw(d: usize): void {
  const s = srcOf(d); if (faulted()) return;
  v128.store(TMP, s);
  const dst = xmmAddr(dReg(d));
  store<u64>(dst, load<u64>(TMP));
  shuffleWords(dst, 8, <u32>dImm(d));
}

/** SHUFPS: the low two dwords come from the destination, the high two from the source. */
export function shufps(d: usize): void {
  const s = srcOf(d); if (faulted()) return;
  const r = dReg(d), imm = <u32>dImm(d);
  v128.store(TMP, xmmGet(r));
  v128.store(TMP + 16, s);
  xmmSet(r, i32x4(
    load<i32>(TMP + ((imm & 3) << 2)), load<i32>(TMP + (((imm >> 2) & 3) << 2)),
    load<i32>(TMP + 16 + (((imm >> 4) & 3) << 2)), load<i32>(TMP + 16 + (((imm >> 6) & 3) << 2))));
}

/** SHUFPD: qword 0 from the destination by imm bit 0, qword 1 from the source by bit 1. */
export function shufpd(d: usize): void {
  const s = srcOf(d); if (faulted()) return;
  const r = dReg(d), imm = <u32>dImm(d);
  v128.store(TMP, xmmGet(r));
  v128.store(TMP + 16, s);
  xmmSet(r, i64x2(load<i64>(TMP + ((imm & 1) << 3)), load<i64>(TMP + 16 + (((imm >> 1) & 1) << 3))));
}

// ---- unpack (interleave) and pack -----------------------------------------------------------

export function punpcklbw(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
}
export function punpcklwd(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
}
/** PUNPCKLDQ and UNPCKLPS. */
export function punpckldq(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23));
}
/** PUNPCKLQDQ and UNPCKLPD. */
export function punpcklqdq(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
}
export function punpckhbw(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
}
export function punpckhwd(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
}
/** PUNPCKHDQ and UNPCKHPS. */
export function punpckhdq(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31));
}
/** PUNPCKHQDQ and UNPCKHPD. */
export function punpckhqdq(d: usize): void {
  const b = srcOf(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.shuffle(xmmGet(r), b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
}

// Wasm's narrowing ops saturate exactly as the x86 packs do (PACKUSWB: signed words to unsigned bytes).
export function packsswb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.narrow_i16x8_s(xmmGet(r), b)); }
export function packssdw(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i16x8.narrow_i32x4_s(xmmGet(r), b)); }
export function packuswb(d: usize): void { const b = srcOf(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i8x16.narrow_i16x8_u(xmmGet(r), b)); }

// ---- word insert / extract ------------------------------------------------------------------

/** PINSRW xmm, r32/m16, imm8: the word lane is imm8 & 7. */
export function pinsrw(d: usize): void {
  const w: u32 = isReg(d) ? <u32>getReg(dRm(d)) & 0xFFFF : rd16(ea(d));
  if (faulted()) return;
  store<u16>(xmmAddr(dReg(d)) + ((<u32>dImm(d) & 7) << 1), <u16>w);
}

/** PEXTRW r32/r64, xmm, imm8: zero-extended into the general register. */
export function pextrw(d: usize): void {
  writeGpr(dReg(d), 8, <u64>load<u16>(xmmAddr(dRm(d)) + ((<u32>dImm(d) & 7) << 1)));
}
