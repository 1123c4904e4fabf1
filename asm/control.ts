// Control flow and system instructions: jumps, calls, returns, conditional forms, SYSCALL, traps.
import { setExit, getRip, setRip } from "./cpu";
import { dImm } from "./operand";
import { EXIT_SYSCALL, EXIT_INT3, EXIT_UD, EXIT_HLT } from "./gen/layout";

export function syscall_(d: usize): void { setExit(EXIT_SYSCALL); }
export function int3(d: usize): void { setExit(EXIT_INT3); }
export function ud2(d: usize): void { setExit(EXIT_UD); }
export function hlt(d: usize): void { setExit(EXIT_HLT); }
export function jmp_rel(d: usize): void { setRip(getRip() + dImm(d)); }
