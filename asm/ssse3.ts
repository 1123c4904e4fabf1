// SSSE3 integer SIMD on XMM registers: byte shuffle, horizontal add/subtract, multiply-add of
// unsigned by signed bytes, rounded high multiply, sign transfer, absolute value, byte align.
// Each is dst = op(dst, src) with src the r/m operand (16-byte aligned when in memory).
import { dReg, dImm } from "./operand";
import { faulted } from "./mmu";
import { xmmGet, xmmSet, xmmSrcAligned } from "./sse_move";

// Scratch for PALIGNR's byte window: source, destination, then zeros.
const WIN: usize = memory.data(48, 16);

// The even and odd elements of the concatenation dst:src (dst's first), as horizontal ops pair them.
@inline function evenW(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29); }
@inline function oddW(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31); }
@inline function evenD(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 0, 2, 4, 6); }
@inline function oddD(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 1, 3, 5, 7); }

/** PSHUFB: byte i = dst[src[i] & 15], or 0 when src[i] has its top bit set (swizzle zeroes indices >= 16). */
export function pshufb(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d);
  xmmSet(r, i8x16.swizzle(xmmGet(r), v128.and(b, i8x16.splat(<i8>0x8F))));
}

export function phaddw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r); xmmSet(r, i16x8.add(evenW(a, b), oddW(a, b))); }
export function phaddd(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r); xmmSet(r, i32x4.add(evenD(a, b), oddD(a, b))); }
export function phaddsw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r); xmmSet(r, i16x8.add_sat_s(evenW(a, b), oddW(a, b))); }
export function phsubw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r); xmmSet(r, i16x8.sub(evenW(a, b), oddW(a, b))); }
export function phsubd(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r); xmmSet(r, i32x4.sub(evenD(a, b), oddD(a, b))); }
export function phsubsw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r); xmmSet(r, i16x8.sub_sat_s(evenW(a, b), oddW(a, b))); }

/**
 * PMADDUBSW: unsigned dst bytes times signed src bytes, adjacent products summed with signed
 * saturation. Each product fits in 16 bits (255 · -128 = -32640), so only the sum saturates.
 */
export function pmaddubsw(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return;
  const r = dReg(d), a = xmmGet(r);
  const aEven = v128.and(a, i16x8.splat(0xFF)), aOdd = i16x8.shr_u(a, 8);
  const bEven = i16x8.shr_s(i16x8.shl(b, 8), 8), bOdd = i16x8.shr_s(b, 8);
  xmmSet(r, i16x8.add_sat_s(i16x8.mul(aEven, bEven), i16x8.mul(aOdd, bOdd)));
}

/**
 * PMULHRSW: (a·b + 2^14) >> 15, which is Wasm's Q15 rounding multiply; but where Wasm saturates
 * (-32768 · -32768) x86 wraps to 0x8000.
 */
export function pmulhrsw(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return;
  const r = dReg(d), a = xmmGet(r);
  const min = i16x8.splat(-32768);
  const both = v128.and(i16x8.eq(a, min), i16x8.eq(b, min));
  xmmSet(r, v128.bitselect(min, i16x8.q15mulr_sat_s(a, b), both));
}

/** PSIGN: dst negated where src < 0, zeroed where src = 0, kept where src > 0. */
export function psignb(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r);
  const z = i8x16.splat(0);
  xmmSet(r, v128.andnot(v128.bitselect(i8x16.neg(a), a, i8x16.lt_s(b, z)), i8x16.eq(b, z)));
}
export function psignw(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r);
  const z = i16x8.splat(0);
  xmmSet(r, v128.andnot(v128.bitselect(i16x8.neg(a), a, i16x8.lt_s(b, z)), i16x8.eq(b, z)));
}
export function psignd(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d), a = xmmGet(r);
  const z = i32x4.splat(0);
  xmmSet(r, v128.andnot(v128.bitselect(i32x4.neg(a), a, i32x4.lt_s(b, z)), i32x4.eq(b, z)));
}

// PABS: the most negative value stays as it is (its unsigned reading is the right magnitude), as Wasm's abs does.
export function pabsb(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; xmmSet(dReg(d), i8x16.abs(b)); }
export function pabsw(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; xmmSet(dReg(d), i16x8.abs(b)); }
export function pabsd(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; xmmSet(dReg(d), i32x4.abs(b)); }

/** PALIGNR: the 32-byte dst:src (src low) shifted right by imm8 bytes; the low 16 remain. */
export function palignr(d: usize): void {
  const b = xmmSrcAligned(d); if (faulted()) return;
  const r = dReg(d), n = <u32>dImm(d) & 0xFF;
  if (n >= 32) { xmmSet(r, i8x16.splat(0)); return; }
  v128.store(WIN, b);
  v128.store(WIN + 16, xmmGet(r));
  v128.store(WIN + 32, i8x16.splat(0));
  xmmSet(r, v128.load(WIN + n));
}
