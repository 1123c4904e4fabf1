// SSE/SSE2 data movement: whole-register, scalar and half-register moves between XMM registers,
// memory and general registers; sign-mask extraction; MXCSR load/store.
// Also the XMM operand helpers the SSE families share (xmmSrc*, xmmDst*).
import { xmmAddr, setExit, getReg, writeGpr, RDI } from "./cpu";
import { dReg, dRm, dFlags, dSeg, isReg, ea, readE, writeE, F_REXW, F_ASIZE32 } from "./operand";
import { rd32, rd64, rd128, wr8, wr32, wr64, wr128, faulted } from "./mmu";
import { EXIT_GP, S_MXCSR, S_FS_BASE, S_GS_BASE } from "./gen/layout";

// ---- shared operand helpers -----------------------------------------------------------------

@inline export function xmmGet(i: u32): v128 { return v128.load(xmmAddr(i)); }
@inline export function xmmSet(i: u32, v: v128): void { v128.store(xmmAddr(i), v); }
@inline export function xmmLo64(i: u32): u64 { return load<u64>(xmmAddr(i)); }

/**
 * The 16-byte r/m operand of a legacy SSE instruction: memory must be 16-byte aligned, or the
 * instruction raises #GP (the kernel turns that into SIGSEGV, as Linux does).
 */
export function xmmSrcAligned(d: usize): v128 {
  if (isReg(d)) return v128.load(xmmAddr(dRm(d)));
  const a = ea(d);
  if ((a & 15) != 0) { setExit(EXIT_GP); return i64x2.splat(0); }
  return rd128(a);
}

/** The 16-byte r/m operand of the forms that allow any alignment (MOVUPS, MOVDQU, …). */
export function xmmSrcUnaligned(d: usize): v128 {
  if (isReg(d)) return v128.load(xmmAddr(dRm(d)));
  return rd128(ea(d));
}

/** The low 8 bytes of the r/m operand (register, or an 8-byte read with no alignment rule). */
export function xmmSrc64(d: usize): u64 {
  if (isReg(d)) return load<u64>(xmmAddr(dRm(d)));
  return rd64(ea(d));
}

/** The low 4 bytes of the r/m operand. */
export function xmmSrc32(d: usize): u32 {
  if (isReg(d)) return load<u32>(xmmAddr(dRm(d)));
  return rd32(ea(d));
}

// ---- full-register moves --------------------------------------------------------------------

/** MOVAPS/MOVAPD/MOVDQA load (and their register-to-register form). */
export function mov128_load_a(d: usize): void {
  const v = xmmSrcAligned(d);
  if (faulted()) return;
  xmmSet(dReg(d), v);
}

/** MOVUPS/MOVUPD/MOVDQU load. */
export function mov128_load_u(d: usize): void {
  const v = xmmSrcUnaligned(d);
  if (faulted()) return;
  xmmSet(dReg(d), v);
}

/** MOVAPS/MOVAPD/MOVDQA/MOVNTPS/MOVNTPD/MOVNTDQ store (r/m is the destination). */
export function mov128_store_a(d: usize): void {
  const v = xmmGet(dReg(d));
  if (isReg(d)) { xmmSet(dRm(d), v); return; }
  const a = ea(d);
  if ((a & 15) != 0) { setExit(EXIT_GP); return; }
  wr128(a, v);
}

/** MOVUPS/MOVUPD/MOVDQU store. */
export function mov128_store_u(d: usize): void {
  const v = xmmGet(dReg(d));
  if (isReg(d)) { xmmSet(dRm(d), v); return; }
  wr128(ea(d), v);
}

// ---- scalar and half-register moves ---------------------------------------------------------

/** MOVSS xmm, xmm/m32: a register source replaces only the low lane; memory zeroes the rest. */
export function movss_load(d: usize): void {
  if (isReg(d)) { store<u32>(xmmAddr(dReg(d)), load<u32>(xmmAddr(dRm(d)))); return; }
  const v = rd32(ea(d));
  if (faulted()) return;
  xmmSet(dReg(d), i32x4(<i32>v, 0, 0, 0));
}

export function movss_store(d: usize): void {
  const v = load<u32>(xmmAddr(dReg(d)));
  if (isReg(d)) store<u32>(xmmAddr(dRm(d)), v);
  else wr32(ea(d), v);
}

/** MOVSD xmm, xmm/m64 (the SSE2 scalar-double move, not the string instruction). */
export function movsd_load(d: usize): void {
  if (isReg(d)) { store<u64>(xmmAddr(dReg(d)), load<u64>(xmmAddr(dRm(d)))); return; }
  const v = rd64(ea(d));
  if (faulted()) return;
  xmmSet(dReg(d), i64x2(<i64>v, 0));
}

export function movsd_store(d: usize): void {
  const v = load<u64>(xmmAddr(dReg(d)));
  if (isReg(d)) store<u64>(xmmAddr(dRm(d)), v);
  else wr64(ea(d), v);
}

/** MOVQ xmm, xmm/m64 (F3 0F 7E): the upper half of the destination is zeroed in both forms. */
export function movq_load(d: usize): void {
  const v = xmmSrc64(d);
  if (faulted()) return;
  xmmSet(dReg(d), i64x2(<i64>v, 0));
}

/** MOVQ xmm/m64, xmm (66 0F D6): a register destination gets its upper half zeroed. */
export function movq_store(d: usize): void {
  const v = load<u64>(xmmAddr(dReg(d)));
  if (isReg(d)) xmmSet(dRm(d), i64x2(<i64>v, 0));
  else wr64(ea(d), v);
}

/** MOVLPS/MOVLPD xmm, m64: replaces the low half, keeps the high. */
export function movlps_load(d: usize): void {
  const v = rd64(ea(d));
  if (faulted()) return;
  store<u64>(xmmAddr(dReg(d)), v);
}

export function movlps_store(d: usize): void { wr64(ea(d), load<u64>(xmmAddr(dReg(d)))); }

/** MOVHPS/MOVHPD xmm, m64: replaces the high half, keeps the low. */
export function movhps_load(d: usize): void {
  const v = rd64(ea(d));
  if (faulted()) return;
  store<u64>(xmmAddr(dReg(d)) + 8, v);
}

export function movhps_store(d: usize): void { wr64(ea(d), load<u64>(xmmAddr(dReg(d)) + 8)); }

/** MOVHLPS: the high half of the source into the low half of the destination. */
export function movhlps(d: usize): void { store<u64>(xmmAddr(dReg(d)), load<u64>(xmmAddr(dRm(d)) + 8)); }

/** MOVLHPS: the low half of the source into the high half of the destination. */
export function movlhps(d: usize): void { store<u64>(xmmAddr(dReg(d)) + 8, load<u64>(xmmAddr(dRm(d)))); }

// ---- general registers ----------------------------------------------------------------------

/** MOVD/MOVQ xmm, r/m32|r/m64 (66 0F 6E): REX.W selects 64 bits; the rest of xmm is zeroed. */
export function movd_load(d: usize): void {
  const size: u32 = (dFlags(d) & F_REXW) != 0 ? 8 : 4;
  const v = readE(d, size);
  if (faulted()) return;
  xmmSet(dReg(d), i64x2(<i64>v, 0));
}

/** MOVD/MOVQ r/m32|r/m64, xmm (66 0F 7E). */
export function movd_store(d: usize): void {
  const size: u32 = (dFlags(d) & F_REXW) != 0 ? 8 : 4;
  writeE(d, size, load<u64>(xmmAddr(dReg(d))));
}

/** MOVNTI m32|m64, r: the non-temporal hint has no meaning here. */
export function movnti(d: usize): void {
  const size: u32 = (dFlags(d) & F_REXW) != 0 ? 8 : 4;
  const v = getReg(dReg(d));
  if (size == 8) wr64(ea(d), v); else wr32(ea(d), <u32>v);
}

/** MOVMSKPS r, xmm: the four sign bits; the register is zero-extended to 64 bits. */
export function movmskps(d: usize): void { writeGpr(dReg(d), 8, <u64>i32x4.bitmask(xmmGet(dRm(d)))); }
export function movmskpd(d: usize): void { writeGpr(dReg(d), 8, <u64>i64x2.bitmask(xmmGet(dRm(d)))); }
export function pmovmskb(d: usize): void { writeGpr(dReg(d), 8, <u64>i8x16.bitmask(xmmGet(dRm(d)))); }

/**
 * MASKMOVDQU xmm1, xmm2: stores the bytes of xmm1 whose mask byte in xmm2 has its top bit set,
 * to DS:rDI. Byte by byte, so a fault part way leaves earlier bytes written; the restarted
 * instruction writes the same values again.
 */
export function maskmovdqu(d: usize): void {
  let a = getReg(RDI);
  if ((dFlags(d) & F_ASIZE32) != 0) a &= 0xFFFFFFFF;
  const seg = dSeg(d);
  if (seg == 1) a += load<u64>(S_FS_BASE);
  else if (seg == 2) a += load<u64>(S_GS_BASE);
  const src = xmmAddr(dReg(d)), mask = xmmAddr(dRm(d));
  for (let i: u32 = 0; i < 16; i++) {
    if ((load<u8>(mask + i) & 0x80) != 0) {
      wr8(a + i, load<u8>(src + i));
      if (faulted()) return;
    }
  }
}

// ---- MXCSR ----------------------------------------------------------------------------------

// MXCSR bits a program may set (MXCSR_MASK as FXSAVE reports it): flags, masks, rounding,
// flush-to-zero and denormals-are-zero. Setting any other bit is #GP.
const MXCSR_WRITABLE: u32 = 0xFFFF;

export function ldmxcsr(d: usize): void {
  const v = rd32(ea(d));
  if (faulted()) return;
  if ((v & ~MXCSR_WRITABLE) != 0) { setExit(EXIT_GP); return; }
  store<u32>(S_MXCSR, v);
}

export function stmxcsr(d: usize): void { wr32(ea(d), load<u32>(S_MXCSR)); }
