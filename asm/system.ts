// System-level instructions a user program may execute: SYSCALL, the traps (INT3, INT n, UD2,
// HLT), CPUID, RDTSC, the fences and CLFLUSH.
import { setExit, getReg, writeGpr, RAX, RCX, RDX, RBX } from "./cpu";
import { dImm, ea } from "./operand";
import { rd8 } from "./mmu";
import { EXIT_SYSCALL, EXIT_INT3, EXIT_UD, EXIT_HLT, EXIT_GP, S_ICOUNT } from "./gen/layout";

export function syscall_(d: usize): void { setExit(EXIT_SYSCALL); }
export function int3(d: usize): void { setExit(EXIT_INT3); }
export function ud2(d: usize): void { setExit(EXIT_UD); }
export function hlt(d: usize): void { setExit(EXIT_HLT); }

/**
 * CD ib: INT n. Linux gives user mode only vector 3 (a breakpoint, like INT3: SIGTRAP after the
 * instruction); every other gate is kernel-only, so the CPU raises #GP at the instruction and
 * Linux reports SIGSEGV. (INT 0x80, the 32-bit syscall gate, needs a 32-bit ABI we do not run.)
 */
export function int_n(d: usize): void { setExit((dImm(d) & 0xFF) == 3 ? EXIT_INT3 : EXIT_GP); }

/** LFENCE / MFENCE / SFENCE: one guest thread runs at a time and memory is coherent, so no effect. */
export function fence_(d: usize): void {}

/** 0F AE /7 (memory): CLFLUSH. There is no cache; the line is only checked the way a load is. */
export function clflush_(d: usize): void { rd8(ea(d)); }

// ---- CPUID ----------------------------------------------------------------------------------
// What the core implements, and nothing more: software picks code paths from these bits, so an
// advertised feature whose instructions are missing crashes programs that are correct on
// hardware. Each bit names the family file that implements it; add a bit only with its code.

/** Highest basic leaf: 7 is the first one a modern libc asks for (structured extended features). */
export const CPUID_MAX_BASIC: u32 = 7;
/** Highest extended leaf: 0x80000008 reports the address sizes. */
export const CPUID_MAX_EXT: u32 = 0x80000008;
/** An honest vendor: not Intel or AMD, so libcs take their vendor-neutral paths. */
const VENDOR = "WaslWaslWasl";
const BRAND = "wasl x86-64 interpreter";

/** Leaf 1 EAX: stepping 1, model 0xF, family 6 (only vendor-specific code reads these). */
export const CPUID_1_EAX: u32 = (6 << 8) | (0xF << 4) | 1;
/** Leaf 1 EBX: CLFLUSH line size in 8-byte units (bits 15:8 = 8, a 64-byte line), one logical CPU. */
export const CPUID_1_EBX: u32 = (1 << 16) | (8 << 8);

export const CPUID_1_EDX: u32 =
  (1 << 0) |  // FPU     x87 (fpu.ts)
  (1 << 4) |  // TSC     RDTSC (system.ts)
  (1 << 8) |  // CX8     CMPXCHG8B (alu.ts)
  (1 << 15) | // CMOV    CMOVcc (alu.ts), FCMOVcc/FCOMI (fpu)
  (1 << 19) | // CLFSH   CLFLUSH (system.ts)
  (1 << 24) | // FXSR    FXSAVE/FXRSTOR (x87/SSE helpers)
  (1 << 25) | // SSE
  (1 << 26);  // SSE2
// With SSE3, SSSE3, SSE4.1, SSE4.2, CX16, POPCNT and LAHF_LM (extended leaf) these are the
// x86-64-v2 instruction sets. Software that reads them picks SSE4.2/SSSE3 code (glibc's strcspn,
// strspn, strcasecmp, memmove, floor/rint), so every instruction of these families is exact.
// (glibc reads leaf 1 only for the vendors it knows, and counts a CPU as x86-64 baseline, and so
// v2, only with MMX in EDX.)
export const CPUID_1_ECX: u32 =
  (1 << 0) |  // SSE3    (sse3.ts; FISTTP in x87.ts)
  (1 << 9) |  // SSSE3   (ssse3.ts)
  (1 << 13) | // CX16    CMPXCHG16B (alu.ts)
  (1 << 19) | // SSE4.1  (sse41.ts)
  (1 << 20) | // SSE4.2  (sse42.ts)
  (1 << 23);  // POPCNT  (alu.ts)

export const CPUID_EXT1_EDX: u32 =
  (1 << 11) | // SYSCALL/SYSRET (system.ts)
  (1 << 20) | // NX      the MMU enforces PTE_EXEC
  (1 << 29);  // LM      long mode
export const CPUID_EXT1_ECX: u32 =
  (1 << 0);   // LAHF_LM LAHF/SAHF in 64-bit mode (alu.ts)

/** Leaf 0x80000008 EAX: 48-bit virtual (bits 15:8), 40-bit physical (bits 7:0) addresses. */
export const CPUID_EXT8_EAX: u32 = (48 << 8) | 40;

/** Four little-endian characters of s starting at i (NUL-padded), as CPUID packs strings. */
function chars4(s: string, i: i32): u32 {
  let v: u32 = 0;
  for (let k = 0; k < 4; k++) if (i + k < s.length) v |= (<u32>s.charCodeAt(i + k) & 0xFF) << (k * 8);
  return v;
}

/** 0F A2: CPUID. Leaves not listed (4, 0xB, 0xD, …, and unknown ones) report zeros. */
export function cpuid_(d: usize): void {
  const leaf = <u32>getReg(RAX);
  let a: u32 = 0, b: u32 = 0, c: u32 = 0, dx: u32 = 0;
  if (leaf == 0) {
    a = CPUID_MAX_BASIC; b = chars4(VENDOR, 0); dx = chars4(VENDOR, 4); c = chars4(VENDOR, 8);
  } else if (leaf == 1) {
    a = CPUID_1_EAX; b = CPUID_1_EBX; c = CPUID_1_ECX; dx = CPUID_1_EDX;
  } else if (leaf == 0x80000000) {
    a = CPUID_MAX_EXT;
  } else if (leaf == 0x80000001) {
    c = CPUID_EXT1_ECX; dx = CPUID_EXT1_EDX;
  } else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
    const o = <i32>(leaf - 0x80000002) * 16;
    a = chars4(BRAND, o); b = chars4(BRAND, o + 4); c = chars4(BRAND, o + 8); dx = chars4(BRAND, o + 12);
  } else if (leaf == 0x80000008) {
    a = CPUID_EXT8_EAX;
  }
  writeGpr(RAX, 4, a);
  writeGpr(RBX, 4, b);
  writeGpr(RCX, 4, c);
  writeGpr(RDX, 4, dx);
}

// ---- RDTSC ----------------------------------------------------------------------------------

let lastTsc: u64 = 0;

/**
 * 0F 31: RDTSC. The time-stamp counter is the retired-instruction count, so runs are
 * deterministic. The run loop publishes that count when it returns, so within one run() the
 * value is bumped by one per read to keep it strictly increasing, as software expects.
 */
export function rdtsc_(d: usize): void {
  let t = load<u64>(S_ICOUNT);
  if (t <= lastTsc) t = lastTsc + 1;
  lastTsc = t;
  writeGpr(RAX, 4, t);
  writeGpr(RDX, 4, t >> 32);
}
