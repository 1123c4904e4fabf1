// Control flow: near jumps, conditional jumps, calls, returns, LOOP and JRCXZ. Near branches
// have 64-bit operand size in 64-bit mode (the tables say f64); relative targets are added to
// rip, which already points to the next instruction when a handler runs.
import { getReg, setReg, getRip, setRip, readGpr, writeGpr, RCX, RSP } from "./cpu";
import { dImm, dOpcode, dFlags, readE, F_ASIZE32 } from "./operand";
import { faulted } from "./mmu";
import { cond, getZF } from "./flags";
import { stackPush, stackPeek } from "./move";

/** EB/E9: JMP Jb/Jz. */
export function jmp_rel(d: usize): void { setRip(getRip() + dImm(d)); }

/** FF /4: JMP Ev (absolute indirect). */
export function jmp_E(d: usize): void {
  const t = readE(d, 8);
  if (faulted()) return;
  setRip(t);
}

/** 70–7F / 0F 80–8F: Jcc; the condition is the opcode's low nibble. */
export function jcc_rel(d: usize): void { if (cond(dOpcode(d) & 15)) setRip(getRip() + dImm(d)); }

/** E8: CALL Jz — pushes the return address, then branches. */
export function call_rel(d: usize): void {
  const ret = getRip();
  if (stackPush(8, ret)) setRip(ret + dImm(d));
}

/** FF /2: CALL Ev; the target is read with RSP before the push (`call [rsp]` works). */
export function call_E(d: usize): void {
  const t = readE(d, 8);
  if (faulted()) return;
  if (stackPush(8, getRip())) setRip(t);
}

/** C3 / C2 iw: RET [Iw] — pops rip, then releases Iw more bytes (the immediate is unsigned). */
export function ret_near(d: usize, withImm: u32): void {
  const t = stackPeek(8);
  if (faulted()) return;
  const extra: u64 = withImm != 0 ? dImm(d) & 0xFFFF : 0;
  setReg(RSP, getReg(RSP) + 8 + extra);
  setRip(t);
}

// LOOP variants (the handler argument).
export const LOOP_ANY: u32 = 0;   // E2 LOOP
export const LOOP_Z: u32 = 1;     // E1 LOOPE: also requires ZF = 1
export const LOOP_NZ: u32 = 2;    // E0 LOOPNE: also requires ZF = 0

/** E0–E2: LOOPcc — decrements rCX (ECX with 67) without touching flags, branches while nonzero. */
export function loop_rel(d: usize, kind: u32): void {
  const size: u32 = (dFlags(d) & F_ASIZE32) != 0 ? 4 : 8;
  const c = readGpr(RCX, size) - 1;
  writeGpr(RCX, size, c);
  let take = (c & (size == 4 ? 0xFFFFFFFF : 0xFFFFFFFFFFFFFFFF)) != 0;
  if (kind == LOOP_Z) take = take && getZF();
  else if (kind == LOOP_NZ) take = take && !getZF();
  if (take) setRip(getRip() + dImm(d));
}

/** E3: JRCXZ (JECXZ with 67). */
export function jrcxz_rel(d: usize): void {
  const size: u32 = (dFlags(d) & F_ASIZE32) != 0 ? 4 : 8;
  if (readGpr(RCX, size) == 0) setRip(getRip() + dImm(d));
}
