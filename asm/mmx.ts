// MMX: the 64-bit integer SIMD registers mm0-mm7, and the MMX-register forms that SSE, SSE2 and
// SSSE3 added (PSHUFW, PMINUB…, PMULUDQ, MOVQ2DQ, CVTPI2PS…, PSHUFB…, PALIGNR).
//
// mm0-mm7 are the x87 registers' mantissas: mmi is physical register i (fpu_st[i], bytes 0-7).
// Every MMX instruction except EMMS sets TOP to 0 and tags all eight registers valid, and one that
// writes mmi also sets that register's sign/exponent word to 0xFFFF, so an FLD after MMX code sees
// a NaN (or infinity) and a full stack, exactly as on hardware; EMMS tags all registers empty.
// That transition is committed only after the instruction's memory accesses succeeded: a
// faulting instruction leaves the FPU state as it was.
//
// The lane arithmetic runs on Wasm SIMD: the 64-bit operands sit in the low half of a v128 (the
// high half is don't-care unless a comment says otherwise) and the result is its low half.
import { S_FPU_ST, S_FPU_TOP, S_FPU_TAG, S_FS_BASE, S_GS_BASE } from "./gen/layout";
import { xmmAddr, getReg, writeGpr, RDI } from "./cpu";
import { dReg, dRm, dImm, dFlags, dSeg, isReg, ea, readE, writeE, F_REXW, F_ASIZE32 } from "./operand";
import { rd16, rd32, rd64, wr8, wr64, faulted, translate, ACCESS_WRITE } from "./mmu";
import { xmmSrcAligned } from "./sse_move";
import { begin as fpBegin, commit as fpCommit, toIntElem, fromIntElem } from "./sse_fp";

// ---- the register file and the x87 transition -------------------------------------------------

@inline function mmAddr(i: u32): usize { return S_FPU_ST + ((i & 7) << 4); }
@inline function mmGet(i: u32): u64 { return load<u64>(mmAddr(i)); }

/** The x87-to-MMX transition: TOP = 0, every tag valid. */
@inline function enterMmx(): void {
  store<u32>(S_FPU_TOP, 0);
  store<u32>(S_FPU_TAG, 0);
}

/** Writes mmi: the mantissa, an all-ones sign/exponent, and the transition. */
@inline function mmSet(i: u32, v: u64): void {
  const a = mmAddr(i);
  store<u64>(a, v);
  store<u16>(a, 0xFFFF, 8);
  enterMmx();
}

/** The Q operand: mm (ModRM.rm) or an 8-byte memory read with no alignment rule. */
@inline function mmSrc(d: usize): u64 { return isReg(d) ? mmGet(dRm(d)) : rd64(ea(d)); }

@inline function vec(x: u64): v128 { return i64x2.splat(<i64>x); }
@inline function low(v: v128): u64 { return <u64>i64x2.extract_lane(v, 0); }
/** a in the low half, b in the high half: the 16-byte view the horizontal ops and PACKs need. */
@inline function pair(a: u64, b: u64): v128 { return i64x2(<i64>a, <i64>b); }

/** 0F 77: EMMS — every x87 register empty, and TOP 0 like every MMX instruction (the host agrees). */
export function emms(d: usize): void {
  store<u32>(S_FPU_TOP, 0);
  store<u32>(S_FPU_TAG, 0xFF);
}

// ---- moves ------------------------------------------------------------------------------------

/** 0F 6E: MOVD mm, r/m32 (zero-extended) / MOVQ mm, r/m64 with REX.W. */
export function mmx_movd_load(d: usize): void {
  const v = readE(d, (dFlags(d) & F_REXW) != 0 ? 8 : 4);
  if (faulted()) return;
  mmSet(dReg(d), v);
}

/** 0F 7E: MOVD r/m32, mm / MOVQ r/m64, mm with REX.W. */
export function mmx_movd_store(d: usize): void {
  writeE(d, (dFlags(d) & F_REXW) != 0 ? 8 : 4, mmGet(dReg(d)));
  if (faulted()) return;
  enterMmx();
}

/** 0F 6F: MOVQ mm, mm/m64. */
export function mmx_movq_load(d: usize): void {
  const v = mmSrc(d);
  if (faulted()) return;
  mmSet(dReg(d), v);
}

/** 0F 7F: MOVQ mm/m64, mm; also 0F E7 MOVNTQ m64, mm (the hint means nothing here). */
export function mmx_movq_store(d: usize): void {
  const v = mmGet(dReg(d));
  if (isReg(d)) { mmSet(dRm(d), v); return; }
  wr64(ea(d), v);
  if (faulted()) return;
  enterMmx();
}

/** F3 0F D6: MOVQ2DQ xmm, mm — the upper half of xmm is zeroed. */
export function movq2dq(d: usize): void {
  v128.store(xmmAddr(dReg(d)), pair(mmGet(dRm(d)), 0));
  enterMmx();
}

/** F2 0F D6: MOVDQ2Q mm, xmm — the low half of xmm. */
export function movdq2q(d: usize): void { mmSet(dReg(d), load<u64>(xmmAddr(dRm(d)))); }

// ---- logic, add, subtract, multiply, average, min/max, compare --------------------------------

export function mmx_pand(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, mmGet(r) & b); }
/** PANDN: dst = ~dst & src. */
export function mmx_pandn(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, ~mmGet(r) & b); }
export function mmx_por(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, mmGet(r) | b); }
export function mmx_pxor(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, mmGet(r) ^ b); }

export function mmx_paddb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.add(vec(mmGet(r)), vec(b)))); }
export function mmx_paddw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.add(vec(mmGet(r)), vec(b)))); }
export function mmx_paddd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i32x4.add(vec(mmGet(r)), vec(b)))); }
export function mmx_paddq(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, mmGet(r) + b); }
export function mmx_psubb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.sub(vec(mmGet(r)), vec(b)))); }
export function mmx_psubw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.sub(vec(mmGet(r)), vec(b)))); }
export function mmx_psubd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i32x4.sub(vec(mmGet(r)), vec(b)))); }
export function mmx_psubq(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, mmGet(r) - b); }
export function mmx_paddsb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.add_sat_s(vec(mmGet(r)), vec(b)))); }
export function mmx_paddsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.add_sat_s(vec(mmGet(r)), vec(b)))); }
export function mmx_paddusb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.add_sat_u(vec(mmGet(r)), vec(b)))); }
export function mmx_paddusw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.add_sat_u(vec(mmGet(r)), vec(b)))); }
export function mmx_psubsb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.sub_sat_s(vec(mmGet(r)), vec(b)))); }
export function mmx_psubsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.sub_sat_s(vec(mmGet(r)), vec(b)))); }
export function mmx_psubusb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.sub_sat_u(vec(mmGet(r)), vec(b)))); }
export function mmx_psubusw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.sub_sat_u(vec(mmGet(r)), vec(b)))); }

export function mmx_pmullw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.mul(vec(mmGet(r)), vec(b)))); }

// The high 16 bits of each of the four 32-bit products (bytes 2-3 of each widened lane).
@inline function high16(p: v128): v128 { return i8x16.shuffle(p, p, 2, 3, 6, 7, 10, 11, 14, 15, 2, 3, 6, 7, 10, 11, 14, 15); }
export function mmx_pmulhw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(high16(i32x4.extmul_low_i16x8_s(vec(mmGet(r)), vec(b))))); }
export function mmx_pmulhuw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(high16(i32x4.extmul_low_i16x8_u(vec(mmGet(r)), vec(b))))); }
/** PMULUDQ mm: the unsigned 64-bit product of the low dwords. */
export function mmx_pmuludq(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, (mmGet(r) & 0xFFFFFFFF) * (b & 0xFFFFFFFF)); }
/** PMADDWD: Wasm's dot product wraps the one overflowing case (-32768² · 2) as x86 does. */
export function mmx_pmaddwd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i32x4.dot_i16x8_s(vec(mmGet(r)), vec(b)))); }

/** PSADBW mm: the sum of |a - b| over the eight unsigned bytes, in the low word. */
export function mmx_psadbw(d: usize): void {
  const b = mmSrc(d); if (faulted()) return;
  const r = dReg(d), a = vec(mmGet(r)), bv = vec(b);
  const diff = i8x16.sub(i8x16.max_u(a, bv), i8x16.min_u(a, bv));
  const s32 = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(diff));
  mmSet(r, <u64>(i32x4.extract_lane(s32, 0) + i32x4.extract_lane(s32, 1)));
}

export function mmx_pavgb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.avgr_u(vec(mmGet(r)), vec(b)))); }
export function mmx_pavgw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.avgr_u(vec(mmGet(r)), vec(b)))); }
export function mmx_pminub(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.min_u(vec(mmGet(r)), vec(b)))); }
export function mmx_pmaxub(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.max_u(vec(mmGet(r)), vec(b)))); }
export function mmx_pminsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.min_s(vec(mmGet(r)), vec(b)))); }
export function mmx_pmaxsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.max_s(vec(mmGet(r)), vec(b)))); }
export function mmx_pcmpeqb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.eq(vec(mmGet(r)), vec(b)))); }
export function mmx_pcmpeqw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.eq(vec(mmGet(r)), vec(b)))); }
export function mmx_pcmpeqd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i32x4.eq(vec(mmGet(r)), vec(b)))); }
export function mmx_pcmpgtb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i8x16.gt_s(vec(mmGet(r)), vec(b)))); }
export function mmx_pcmpgtw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i16x8.gt_s(vec(mmGet(r)), vec(b)))); }
export function mmx_pcmpgtd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d); mmSet(r, low(i32x4.gt_s(vec(mmGet(r)), vec(b)))); }

// ---- pack and unpack --------------------------------------------------------------------------
// Wasm's narrowing saturates exactly as the x86 packs do; the destination's lanes come first.

export function mmx_packsswb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i8x16.narrow_i16x8_s(p, p))); }
export function mmx_packssdw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i16x8.narrow_i32x4_s(p, p))); }
export function mmx_packuswb(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i8x16.narrow_i16x8_u(p, p))); }

/** The low-half unpacks read only 4 bytes from memory (mm/m32). */
@inline function mmSrcLow(d: usize): u64 { return isReg(d) ? mmGet(dRm(d)) : <u64>rd32(ea(d)); }

export function mmx_punpcklbw(d: usize): void {
  const b = mmSrcLow(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, low(i8x16.shuffle(vec(mmGet(r)), vec(b), 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0)));
}
export function mmx_punpcklwd(d: usize): void {
  const b = mmSrcLow(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, low(i8x16.shuffle(vec(mmGet(r)), vec(b), 0, 1, 16, 17, 2, 3, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0)));
}
export function mmx_punpckldq(d: usize): void {
  const b = mmSrcLow(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, (mmGet(r) & 0xFFFFFFFF) | (b << 32));
}
export function mmx_punpckhbw(d: usize): void {
  const b = mmSrc(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, low(i8x16.shuffle(vec(mmGet(r)), vec(b), 4, 20, 5, 21, 6, 22, 7, 23, 0, 0, 0, 0, 0, 0, 0, 0)));
}
export function mmx_punpckhwd(d: usize): void {
  const b = mmSrc(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, low(i8x16.shuffle(vec(mmGet(r)), vec(b), 4, 5, 20, 21, 6, 7, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0)));
}
export function mmx_punpckhdq(d: usize): void {
  const b = mmSrc(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, (mmGet(r) >> 32) | (b & 0xFFFFFFFF00000000));
}

// ---- shifts -----------------------------------------------------------------------------------
// The count is the whole 64-bit source: past the lane width a logical shift gives 0 and an
// arithmetic one fills with the sign (Wasm would take the count modulo the width).

export const MM_SRLW: u32 = 0;
export const MM_SRLD: u32 = 1;
export const MM_SRLQ: u32 = 2;
export const MM_SRAW: u32 = 3;
export const MM_SRAD: u32 = 4;
export const MM_SLLW: u32 = 5;
export const MM_SLLD: u32 = 6;
export const MM_SLLQ: u32 = 7;

function shiftLanes(a: u64, kind: u32, c: u64): u64 {
  const v = vec(a);
  switch (kind) {
    case MM_SRLW: return c > 15 ? 0 : low(i16x8.shr_u(v, <i32>c));
    case MM_SRLD: return c > 31 ? 0 : low(i32x4.shr_u(v, <i32>c));
    case MM_SRLQ: return c > 63 ? 0 : a >> c;
    case MM_SRAW: return low(i16x8.shr_s(v, <i32>min<u64>(c, 15)));
    case MM_SRAD: return low(i32x4.shr_s(v, <i32>min<u64>(c, 31)));
    case MM_SLLW: return c > 15 ? 0 : low(i16x8.shl(v, <i32>c));
    case MM_SLLD: return c > 31 ? 0 : low(i32x4.shl(v, <i32>c));
    default: return c > 63 ? 0 : a << c;
  }
}

/** PSxx mm, mm/m64. */
export function mmx_pshift(d: usize, kind: u32): void {
  const c = mmSrc(d); if (faulted()) return;
  const r = dReg(d);
  mmSet(r, shiftLanes(mmGet(r), kind, c));
}

/** PSxx mm, imm8 (groups 0F 71/72/73): the register is in ModRM.rm. */
export function mmx_pshift_i(d: usize, kind: u32): void {
  const r = dRm(d);
  mmSet(r, shiftLanes(mmGet(r), kind, dImm(d) & 0xFF));
}

// ---- word shuffle, insert, extract; byte mask; masked store -----------------------------------

/** PSHUFW mm, mm/m64, imm8: word i of the result is source word (imm8 >> 2i) & 3. */
export function pshufw(d: usize): void {
  const s = mmSrc(d); if (faulted()) return;
  const imm = <u32>dImm(d);
  let v: u64 = 0;
  for (let i: u32 = 0; i < 4; i++) v |= ((s >> (<u64>((imm >> (i * 2)) & 3) << 4)) & 0xFFFF) << (<u64>i << 4);
  mmSet(dReg(d), v);
}

/** PINSRW mm, r32/m16, imm8: the word lane is imm8 & 3. */
export function mmx_pinsrw(d: usize): void {
  const w: u64 = isReg(d) ? getReg(dRm(d)) & 0xFFFF : <u64>rd16(ea(d));
  if (faulted()) return;
  const r = dReg(d), sh = <u64>(<u32>dImm(d) & 3) << 4;
  mmSet(r, (mmGet(r) & ~(<u64>0xFFFF << sh)) | (w << sh));
}

/** PEXTRW r32/r64, mm, imm8: zero-extended into the general register. */
export function mmx_pextrw(d: usize): void {
  writeGpr(dReg(d), 8, (mmGet(dRm(d)) >> (<u64>(<u32>dImm(d) & 3) << 4)) & 0xFFFF);
  enterMmx();
}

/** PMOVMSKB r32/r64, mm: the eight byte sign bits. */
export function mmx_pmovmskb(d: usize): void {
  writeGpr(dReg(d), 8, <u64>(i8x16.bitmask(vec(mmGet(dRm(d)))) & 0xFF));
  enterMmx();
}

/**
 * MASKMOVQ mm1, mm2: stores the bytes of mm1 whose mask byte in mm2 has its top bit set, to
 * DS:rDI. The hardware checks all 8 bytes as one write, whatever the mask (even an all-zero
 * one): a fault on either page comes before any byte is written, at the first byte of the
 * inaccessible page.
 */
export function maskmovq(d: usize): void {
  let a = getReg(RDI);
  if ((dFlags(d) & F_ASIZE32) != 0) a &= 0xFFFFFFFF;
  const seg = dSeg(d);
  if (seg == 1) a += load<u64>(S_FS_BASE);
  else if (seg == 2) a += load<u64>(S_GS_BASE);
  if (translate(a, ACCESS_WRITE, false) < 0) return;
  if (((a + 7) >> 12) != (a >> 12) && translate((a + 7) & ~<u64>0xFFF, ACCESS_WRITE, false) < 0) return;
  const src = mmGet(dReg(d)), mask = mmGet(dRm(d));
  for (let i: u64 = 0; i < 8; i++)
    if (((mask >> (i * 8)) & 0x80) != 0) wr8(a + i, <u32>(src >> (i * 8)) & 0xFF);
  enterMmx();
}

// ---- conversions between packed floats and MMX integers ---------------------------------------
// Rounding, the integer indefinite and the MXCSR flags are sse_fp.ts's. Only an mm operand makes
// the MMX transition: CVTPI2PS/CVTPI2PD from memory leave the x87 state alone.

/** NP 0F 2A: CVTPI2PS xmm, mm/m64 — two singles into the low half; the high half is kept. */
export function cvtpi2ps(d: usize): void {
  const s = mmSrc(d); if (faulted()) return;
  fpBegin();
  const lo = fromIntElem(<i64><i32>s, true), hi = fromIntElem(<i64><i32>(s >> 32), true);
  store<u64>(xmmAddr(dReg(d)), (lo & 0xFFFFFFFF) | (hi << 32));
  fpCommit();
  if (isReg(d)) enterMmx();
}

/** 66 0F 2A: CVTPI2PD xmm, mm/m64 — exact. */
export function cvtpi2pd(d: usize): void {
  const s = mmSrc(d); if (faulted()) return;
  v128.store(xmmAddr(dReg(d)), f64x2(<f64><i32>s, <f64><i32>(s >> 32)));
  if (isReg(d)) enterMmx();
}

/** NP 0F 2D / 2C: CVT(T)PS2PI mm, xmm/m64. */
export function cvtps2pi(d: usize, truncate: u32): void {
  const s: u64 = isReg(d) ? load<u64>(xmmAddr(dRm(d))) : rd64(ea(d));
  if (faulted()) return;
  fpBegin();
  const t = truncate != 0;
  const lo = toIntElem(s & 0xFFFFFFFF, true, false, t), hi = toIntElem(s >> 32, true, false, t);
  fpCommit();
  mmSet(dReg(d), (lo & 0xFFFFFFFF) | (hi << 32));
}

/** 66 0F 2D / 2C: CVT(T)PD2PI mm, xmm/m128 (16-byte aligned, else #GP). */
export function cvtpd2pi(d: usize, truncate: u32): void {
  const s = xmmSrcAligned(d);
  if (faulted()) return;
  fpBegin();
  const t = truncate != 0;
  const lo = toIntElem(<u64>i64x2.extract_lane(s, 0), false, false, t), hi = toIntElem(<u64>i64x2.extract_lane(s, 1), false, false, t);
  fpCommit();
  mmSet(dReg(d), (lo & 0xFFFFFFFF) | (hi << 32));
}

// ---- SSSE3 on mm ------------------------------------------------------------------------------
// The horizontal ops pair adjacent elements of dst:src (dst first): with dst in the low half and
// src in the high half of one vector, the XMM formula's low half is the MMX result.

@inline function evenW(p: v128): v128 { return i8x16.shuffle(p, p, 0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13); }
@inline function oddW(p: v128): v128 { return i8x16.shuffle(p, p, 2, 3, 6, 7, 10, 11, 14, 15, 2, 3, 6, 7, 10, 11, 14, 15); }
@inline function evenD(p: v128): v128 { return i32x4.shuffle(p, p, 0, 2, 0, 2); }
@inline function oddD(p: v128): v128 { return i32x4.shuffle(p, p, 1, 3, 1, 3); }

/** PSHUFB mm: byte i = dst[src[i] & 7], or 0 when src[i] has its top bit set. */
export function mmx_pshufb(d: usize): void {
  const b = mmSrc(d); if (faulted()) return; const r = dReg(d);
  mmSet(r, low(i8x16.swizzle(pair(mmGet(r), 0), v128.and(vec(b), i8x16.splat(<i8>0x87)))));
}

export function mmx_phaddw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i16x8.add(evenW(p), oddW(p)))); }
export function mmx_phaddd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i32x4.add(evenD(p), oddD(p)))); }
export function mmx_phaddsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i16x8.add_sat_s(evenW(p), oddW(p)))); }
export function mmx_phsubw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i16x8.sub(evenW(p), oddW(p)))); }
export function mmx_phsubd(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i32x4.sub(evenD(p), oddD(p)))); }
export function mmx_phsubsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; const r = dReg(d), p = pair(mmGet(r), b); mmSet(r, low(i16x8.sub_sat_s(evenW(p), oddW(p)))); }

/** PMADDUBSW: unsigned dst bytes times signed src bytes, pairs summed with signed saturation. */
export function mmx_pmaddubsw(d: usize): void {
  const bq = mmSrc(d); if (faulted()) return;
  const r = dReg(d), a = vec(mmGet(r)), b = vec(bq);
  const aEven = v128.and(a, i16x8.splat(0xFF)), aOdd = i16x8.shr_u(a, 8);
  const bEven = i16x8.shr_s(i16x8.shl(b, 8), 8), bOdd = i16x8.shr_s(b, 8);
  mmSet(r, low(i16x8.add_sat_s(i16x8.mul(aEven, bEven), i16x8.mul(aOdd, bOdd))));
}

/** PMULHRSW: Wasm's Q15 rounding multiply, except that -32768 · -32768 wraps to 0x8000 on x86. */
export function mmx_pmulhrsw(d: usize): void {
  const bq = mmSrc(d); if (faulted()) return;
  const r = dReg(d), a = vec(mmGet(r)), b = vec(bq);
  const min = i16x8.splat(-32768);
  const both = v128.and(i16x8.eq(a, min), i16x8.eq(b, min));
  mmSet(r, low(v128.bitselect(min, i16x8.q15mulr_sat_s(a, b), both)));
}

/** PSIGN: dst negated where src < 0, zeroed where src = 0, kept where src > 0. */
export function mmx_psignb(d: usize): void {
  const bq = mmSrc(d); if (faulted()) return; const r = dReg(d), a = vec(mmGet(r)), b = vec(bq), z = i8x16.splat(0);
  mmSet(r, low(v128.andnot(v128.bitselect(i8x16.neg(a), a, i8x16.lt_s(b, z)), i8x16.eq(b, z))));
}
export function mmx_psignw(d: usize): void {
  const bq = mmSrc(d); if (faulted()) return; const r = dReg(d), a = vec(mmGet(r)), b = vec(bq), z = i16x8.splat(0);
  mmSet(r, low(v128.andnot(v128.bitselect(i16x8.neg(a), a, i16x8.lt_s(b, z)), i16x8.eq(b, z))));
}
export function mmx_psignd(d: usize): void {
  const bq = mmSrc(d); if (faulted()) return; const r = dReg(d), a = vec(mmGet(r)), b = vec(bq), z = i32x4.splat(0);
  mmSet(r, low(v128.andnot(v128.bitselect(i32x4.neg(a), a, i32x4.lt_s(b, z)), i32x4.eq(b, z))));
}

// PABS: the most negative value stays as it is, as Wasm's abs does.
export function mmx_pabsb(d: usize): void { const b = mmSrc(d); if (faulted()) return; mmSet(dReg(d), low(i8x16.abs(vec(b)))); }
export function mmx_pabsw(d: usize): void { const b = mmSrc(d); if (faulted()) return; mmSet(dReg(d), low(i16x8.abs(vec(b)))); }
export function mmx_pabsd(d: usize): void { const b = mmSrc(d); if (faulted()) return; mmSet(dReg(d), low(i32x4.abs(vec(b)))); }

/** PALIGNR mm: the 16-byte dst:src (src low) shifted right by imm8 bytes; the low 8 remain. */
export function mmx_palignr(d: usize): void {
  const b = mmSrc(d); if (faulted()) return;
  const r = dReg(d), a = mmGet(r), n = <u64>(<u32>dImm(d) & 0xFF);
  let v: u64;
  if (n == 0) v = b;
  else if (n < 8) v = (b >> (n * 8)) | (a << (64 - n * 8));
  else if (n < 16) v = a >> ((n - 8) * 8);
  else v = 0;
  mmSet(r, v);
}
