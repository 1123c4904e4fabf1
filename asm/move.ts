// Data movement and the stack: MOV in all its encodings, MOVZX/MOVSX/MOVSXD, LEA, XCHG, the
// NOP/hint space, PUSH/POP, LEAVE and ENTER. The stack helpers here also serve CALL/RET.
import { getReg, setReg, readGpr, writeGpr, sext, setExit, RAX, RSP, RBP } from "./cpu";
import { rdN, wrN, faulted, translate, ACCESS_WRITE } from "./mmu";
import {
  dSize, dImm, dImm2, dRm, dRm8, dSeg, dFlags, dModrm, isReg, ea, leaAddr, readE, writeE, readG, writeG, F_ASIZE32,
} from "./operand";
import { S_FS_BASE, S_GS_BASE, EXIT_UD } from "./gen/layout";

// ---- stack helpers --------------------------------------------------------------------------

/**
 * Pushes size bytes. The memory write happens before RSP moves, so a push that faults leaves
 * RSP as it was and the instruction can be restarted. Returns false on a fault.
 */
export function stackPush(size: u32, v: u64): bool {
  const sp = getReg(RSP) - size;
  wrN(sp, size, v);
  if (faulted()) return false;
  setReg(RSP, sp);
  return true;
}

/** Reads the value at the top of the stack without moving RSP (check faulted() after). */
@inline export function stackPeek(size: u32): u64 { return rdN(getReg(RSP), size); }

// ---- MOV ------------------------------------------------------------------------------------

/** 88/89: MOV Eb/Ev, Gb/Gv. */
export function mov_EG(d: usize): void { const s = dSize(d); writeE(d, s, readG(d, s)); }

/** 8A/8B: MOV Gb/Gv, Eb/Ev. */
export function mov_GE(d: usize): void {
  const s = dSize(d);
  const v = readE(d, s);
  if (faulted()) return;
  writeG(d, s, v);
}

/**
 * 8C: MOV Ev, Sw. The selectors are the ones Linux gives 64-bit user code: CS __USER_CS (0x33),
 * SS __USER_DS (0x2B), ES DS FS GS null (the FS and GS bases are set by arch_prctl, not by
 * selector). A register gets the selector zero-extended to the operand size; memory takes 16 bits
 * whatever the operand size. ModRM.reg 6 and 7 name no segment register: #UD.
 */
export function mov_ES(d: usize): void {
  const sreg = (dModrm(d) >> 3) & 7;
  if (sreg > 5) { setExit(EXIT_UD); return; }
  const v: u64 = sreg == 1 ? 0x33 : sreg == 2 ? 0x2B : 0;
  if (isReg(d)) writeGpr(dRm(d), dSize(d), v); else wrN(ea(d), 2, v);
}

/** C6 /0, C7 /0: MOV Eb/Ev, Ib/Iz (the imm32 of the 64-bit form is sign-extended by the decoder). */
export function mov_EI(d: usize): void { writeE(d, dSize(d), dImm(d)); }

/** B0+r / B8+r: MOV Zb/Zv, Ib/Iv (imm64 with REX.W). */
export function mov_ZI(d: usize): void {
  const s = dSize(d);
  writeGpr(s == 1 ? dRm8(d) : dRm(d), s, dImm(d));
}

/** The moffs address of A0–A3: the immediate plus the FS/GS base of an override. */
function moffsAddr(d: usize): u64 {
  let a = dImm(d);
  if ((dFlags(d) & F_ASIZE32) != 0) a &= 0xFFFFFFFF;
  const seg = dSeg(d);
  if (seg == 1) a += load<u64>(S_FS_BASE);
  else if (seg == 2) a += load<u64>(S_GS_BASE);
  return a;
}

/** A0/A1: MOV AL/rAX, moffs. */
export function mov_AO(d: usize): void {
  const s = dSize(d);
  const v = rdN(moffsAddr(d), s);
  if (faulted()) return;
  writeGpr(RAX, s, v);
}

/** A2/A3: MOV moffs, AL/rAX. */
export function mov_OA(d: usize): void { const s = dSize(d); wrN(moffsAddr(d), s, readGpr(RAX, s)); }

/** 0F B6/B7: MOVZX Gv, Eb/Ew (srcSize is the source width). */
export function movzx_GE(d: usize, srcSize: u32): void {
  const v = srcSize == 1 ? (isReg(d) ? readGpr(dRm8(d), 1) : rdN(ea(d), 1)) : readE(d, 2);
  if (faulted()) return;
  writeG(d, dSize(d), v);
}

/** 0F BE/BF: MOVSX Gv, Eb/Ew. */
export function movsx_GE(d: usize, srcSize: u32): void {
  const v = srcSize == 1 ? (isReg(d) ? readGpr(dRm8(d), 1) : rdN(ea(d), 1)) : readE(d, 2);
  if (faulted()) return;
  writeG(d, dSize(d), sext(v, srcSize));
}

/** 63: MOVSXD Gv, Ed with REX.W; without it the encoding is a plain 32-bit (or 16-bit) move. */
export function movsxd_GE(d: usize): void {
  const s = dSize(d);
  const v = readE(d, s == 8 ? 4 : s);
  if (faulted()) return;
  writeG(d, s, s == 8 ? sext(v, 4) : v);
}

/** 8D: LEA Gv, M — the address without a segment base, truncated to the operand size. */
export function lea_GM(d: usize): void { writeG(d, dSize(d), leaAddr(d)); }

// ---- XCHG -----------------------------------------------------------------------------------

/** 86/87: XCHG Eb/Ev, Gb/Gv (with memory it is atomic; one guest thread runs at a time). */
export function xchg_EG(d: usize): void {
  const s = dSize(d);
  const g = readG(d, s);
  if (isReg(d)) {
    const r = s == 1 ? dRm8(d) : dRm(d);
    const e = readGpr(r, s);
    writeGpr(r, s, g);
    writeG(d, s, e);
    return;
  }
  const a = ea(d);
  const e = rdN(a, s);
  wrN(a, s, g);
  if (faulted()) return;
  writeG(d, s, e);
}

/**
 * 90+r: XCHG Zv, rAX. Encoding 90 with rm 0 (no REX.B) is NOP, and F3 90 is PAUSE: neither
 * touches EAX's upper half, unlike a real 32-bit exchange.
 */
export function xchg_ZA(d: usize): void {
  const r = dRm(d);
  if (r == RAX) return;
  const s = dSize(d);
  const a = readGpr(RAX, s), z = readGpr(r, s);
  writeGpr(RAX, s, z);
  writeGpr(r, s, a);
}

/** NOP Ev and the hint space 0F 18–0F 1F (prefetch, ENDBR64, reserved NOPs): no effect. */
export function nop_(d: usize): void {}

// ---- PUSH / POP -----------------------------------------------------------------------------

/** 50+r: PUSH Zv (64-bit, or 16-bit with 66). */
export function push_Z(d: usize): void { const s = dSize(d); stackPush(s, readGpr(dRm(d), s)); }

/** 58+r: POP Zv. POP RSP leaves RSP holding the popped value. */
export function pop_Z(d: usize): void {
  const s = dSize(d);
  const v = stackPeek(s);
  if (faulted()) return;
  setReg(RSP, getReg(RSP) + s);
  writeGpr(dRm(d), s, v);
}

/** 6A / 68: PUSH Ib / Iz, sign-extended to the operand size. */
export function push_I(d: usize): void { stackPush(dSize(d), dImm(d)); }

/** FF /6: PUSH Ev; the address is computed with RSP before the push. */
export function push_E(d: usize): void {
  const s = dSize(d);
  const v = readE(d, s);
  if (faulted()) return;
  stackPush(s, v);
}

/**
 * 8F /0: POP Ev. The SDM computes a memory destination's address after RSP is incremented
 * (so `pop [rsp]` stores to the new top); on a fault RSP is restored.
 */
export function pop_E(d: usize): void {
  const s = dSize(d);
  const v = stackPeek(s);
  if (faulted()) return;
  const old = getReg(RSP);
  setReg(RSP, old + s);
  if (isReg(d)) { writeGpr(dRm(d), s, v); return; }
  wrN(ea(d), s, v);
  if (faulted()) setReg(RSP, old);
}

/** C9: LEAVE — RSP = RBP, then pop RBP (BP with 66). */
export function leave_(d: usize): void {
  const s = dSize(d);
  const fp = getReg(RBP);
  const v = rdN(fp, s);
  if (faulted()) return;
  setReg(RSP, fp + s);
  writeGpr(RBP, s, v);
}

/**
 * C8 iw ib: ENTER size, level. Pushes RBP, copies level-1 frame pointers of the enclosing
 * frames, pushes the new frame pointer, then reserves size bytes. Every store is made at a
 * temporary stack pointer so a fault leaves RSP and RBP unchanged.
 */
export function enter_(d: usize): void {
  const s = dSize(d);
  const alloc = dImm(d) & 0xFFFF;
  const level = dImm2(d) & 31;
  const rbp = getReg(RBP);
  let sp = getReg(RSP) - s;
  wrN(sp, s, rbp);
  if (faulted()) return;
  const frame = sp;
  if (level > 0) {
    let fp = rbp;
    for (let i: u32 = 1; i < level; i++) {
      fp -= s;
      const v = rdN(fp, s);
      sp -= s;
      wrN(sp, s, v);
      if (faulted()) return;
    }
    sp -= s;
    wrN(sp, s, frame);
    if (faulted()) return;
  }
  // The SDM faults ENTER when a write at the final stack pointer would fault.
  const top = sp - alloc;
  if (translate(top, ACCESS_WRITE, false) < 0 || translate(top + s - 1, ACCESS_WRITE, false) < 0) return;
  writeGpr(RBP, s, frame);
  setReg(RSP, top);
}
