// System-level instructions a user program may execute: SYSCALL, the traps (INT3, INT n, UD2,
// HLT), CPUID, RDTSC, the fences and CLFLUSH.
import { setExit, getReg, writeGpr, RAX, RCX, RDX, RBX } from "./cpu";
import { dImm, ea } from "./operand";
import { rd8 } from "./mmu";
import { EXIT_SYSCALL, EXIT_INT3, EXIT_UD, EXIT_HLT, EXIT_GP, S_ICOUNT } from "./gen/layout";
import { fastSyscall } from "./fastsys";

/**
 * SYSCALL exits to the kernel, except for the calls the kernel lets the core answer
 * (fastsys.ts). A fallback also replaces whatever a refused fast path recorded (an OOM on a lazy page).
 */
export function syscall_(d: usize): void {
  if (!fastSyscall()) setExit(EXIT_SYSCALL);
}
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

/**
 * Highest basic leaf: 0x1F, the V2 extended topology leaf. Leaves up to it that are not listed
 * below report zeros, which each of them defines as "nothing enumerated" (no XSAVE state, no
 * performance counters, no TLB descriptors, …).
 */
export const CPUID_MAX_BASIC: u32 = 0x1F;
/** Highest extended leaf: 0x80000008 reports the address sizes. */
export const CPUID_MAX_EXT: u32 = 0x80000008;
/**
 * The vendor is what software keys its feature detection on: glibc and gcc's
 * __builtin_cpu_supports read leaf 1 and the cache leaves only for the vendors they know (an
 * unknown one reads as "no SSE2, no MMX", and a glibc built for x86-64-v2 then refuses to start),
 * and Intel's leaves 2/4 are the ones they decode. So we answer with Intel's vendor string and
 * Intel's leaf formats, and say what we really are in the brand string (leaves 0x80000002-4),
 * which is what /proc/cpuinfo's "model name" and lscpu show to people.
 */
const VENDOR = "GenuineIntel";
const BRAND = "wasl x86-64 interpreter";

/**
 * Leaf 1 EAX: family 6, model 0x1A (extended model 1, model 0xA), stepping 5 — Nehalem, the first
 * Intel core with exactly our feature set (SSE4.2 and POPCNT, no AVX). Libraries that tune by
 * model then take their Nehalem choices (glibc: unaligned loads and copies are fast, no SSSE3
 * PALIGNR copy loops), and none of the errata workarounds keyed to other models applies.
 */
export const CPUID_1_EAX: u32 = (1 << 16) | (6 << 8) | (0xA << 4) | 5;
/**
 * Leaf 1 EBX: CLFLUSH line size in 8-byte units (bits 15:8 = 8, a 64-byte line), one logical CPU
 * (bits 23:16; meaningful only with HTT, which is clear), initial APIC ID 0.
 */
export const CPUID_1_EBX: u32 = (1 << 16) | (8 << 8);

export const CPUID_1_EDX: u32 =
  (1 << 0) |  // FPU     x87 (x87.ts)
  (1 << 4) |  // TSC     RDTSC (system.ts)
  (1 << 8) |  // CX8     CMPXCHG8B (alu.ts)
  (1 << 15) | // CMOV    CMOVcc (alu.ts), FCMOVcc/FCOMI (x87.ts)
  (1 << 19) | // CLFSH   CLFLUSH (system.ts)
  (1 << 23) | // MMX     (mmx.ts)
  (1 << 24) | // FXSR    FXSAVE/FXRSTOR (x87.ts)
  (1 << 25) | // SSE     (sse_*.ts; the SSE MMX extensions in mmx.ts)
  (1 << 26);  // SSE2
// With SSE3, SSSE3, SSE4.1, SSE4.2, CX16, POPCNT and LAHF_LM (extended leaf) these are the
// x86-64-v2 instruction sets. Software that reads them picks SSE4.2/SSSE3 code (glibc's strcspn,
// strspn, strcasecmp, memmove, floor/rint), so every instruction of these families is exact.
// (glibc counts a CPU as x86-64 baseline, and so v2, only with MMX in EDX.)
export const CPUID_1_ECX: u32 =
  (1 << 0) |  // SSE3    (sse3.ts; FISTTP in x87.ts)
  (1 << 9) |  // SSSE3   (ssse3.ts, mmx.ts)
  (1 << 13) | // CX16    CMPXCHG16B (alu.ts)
  (1 << 19) | // SSE4.1  (sse41.ts)
  (1 << 20) | // SSE4.2  (sse42.ts)
  (1 << 23);  // POPCNT  (alu.ts)

export const CPUID_EXT1_EDX: u32 =
  (1 << 11) | // SYSCALL/SYSRET (system.ts)
  (1 << 20) | // NX      the MMU enforces PTE_EXEC
  (1 << 29);  // LM      long mode
export const CPUID_EXT1_ECX: u32 =
  (1 << 0) |  // LAHF_LM LAHF/SAHF in 64-bit mode (alu.ts)
  (1 << 8);   // PRFCHW  PREFETCHW, a hint (move.tbl)

/** Leaf 0x80000008 EAX: 48-bit virtual (bits 15:8), 40-bit physical (bits 7:0) addresses. */
export const CPUID_EXT8_EAX: u32 = (48 << 8) | 40;

// ---- caches ---------------------------------------------------------------------------------
// There are no caches, but libraries size their algorithms from these numbers (glibc's memcpy
// switches to non-temporal stores past 3/4 of the shared cache, and a zero there is a bug), so we
// describe a plain, typical hierarchy: L1d and L1i 32 KiB 8-way, L2 1 MiB 16-way, L3 8 MiB 16-way,
// 64-byte lines, one logical processor sharing each. Leaf 2 says "see leaf 4" (0xFF) and "see
// leaf 0x18 for TLBs" (0xFE, and leaf 0x18 enumerates none); leaf 4 has the caches, and the
// AMD-format leaves 0x80000005/6 repeat them for software that reads those.

/** Leaf 2: one round; descriptors 0xFF (caches in leaf 4) and 0xFE (TLBs in leaf 0x18). */
export const CPUID_2_EAX: u32 = 0x00FEFF01;

const LINE: u32 = 64;
// Leaf 4 subleaf: EAX type (1 data, 2 instruction, 3 unified) | level << 5 | self-initialising
// (bit 8); EBX ways-1 << 22 | partitions-1 << 12 | line-1; ECX sets-1; EDX bit 1 inclusive.
@inline function cacheEax(type: u32, level: u32): u32 { return type | (level << 5) | (1 << 8); }
@inline function cacheEbx(ways: u32): u32 { return ((ways - 1) << 22) | (LINE - 1); }
@inline function cacheSets(kib: u32, ways: u32): u32 { return (kib * 1024) / (ways * LINE) - 1; }

/** AMD-format L1 descriptor (0x80000005 ECX/EDX): KiB << 24 | ways << 16 | lines per tag << 8 | line. */
const L1_AMD: u32 = (32 << 24) | (8 << 16) | (1 << 8) | LINE;
/** 0x80000006 ECX: L2 KiB << 16 | associativity code (8 = 16 ways) << 12 | line (Intel and AMD agree). */
const L2_EXT: u32 = (1024 << 16) | (8 << 12) | LINE;
/** 0x80000006 EDX (AMD format): L3 size in 512 KiB units << 18 | associativity code << 12 | line. */
const L3_AMD: u32 = (16 << 18) | (8 << 12) | LINE;

/** Four little-endian characters of s starting at i (NUL-padded), as CPUID packs strings. */
function chars4(s: string, i: i32): u32 {
  let v: u32 = 0;
  for (let k = 0; k < 4; k++) if (i + k < s.length) v |= (<u32>s.charCodeAt(i + k) & 0xFF) << (k * 8);
  return v;
}

let rA: u32 = 0, rB: u32 = 0, rC: u32 = 0, rD: u32 = 0;
@inline function answer(a: u32, b: u32, c: u32, d: u32): void { rA = a; rB = b; rC = c; rD = d; }

/** Leaf 4, deterministic cache parameters: subleaves 0-3 are L1d, L1i, L2, L3; then type 0. */
function cacheLeaf(sub: u32): void {
  if (sub == 0) answer(cacheEax(1, 1), cacheEbx(8), cacheSets(32, 8), 0);
  else if (sub == 1) answer(cacheEax(2, 1), cacheEbx(8), cacheSets(32, 8), 0);
  else if (sub == 2) answer(cacheEax(3, 2), cacheEbx(16), cacheSets(1024, 16), 0);
  else if (sub == 3) answer(cacheEax(3, 3), cacheEbx(16), cacheSets(8192, 16), 2);
  else answer(0, 0, 0, 0);
}

/**
 * Leaves 0xB and 0x1F, extended topology: one thread (SMT level) in one core (core level), x2APIC
 * ID 0. EBX counts logical processors at the level, ECX echoes the subleaf with the level type in
 * bits 15:8; a subleaf past the last level has type 0 and EBX 0.
 */
function topologyLeaf(sub: u32): void {
  if (sub == 0) answer(0, 1, (1 << 8) | sub, 0);
  else if (sub == 1) answer(0, 1, (2 << 8) | sub, 0);
  else answer(0, 0, sub & 0xFF, 0);
}

/** 0F A2: CPUID. Leaves not listed (7 and 0xD among them: no structured extended features, no XSAVE) report zeros. */
export function cpuid_(d: usize): void {
  const leaf = <u32>getReg(RAX), sub = <u32>getReg(RCX);
  answer(0, 0, 0, 0);
  if (leaf == 0) answer(CPUID_MAX_BASIC, chars4(VENDOR, 0), chars4(VENDOR, 8), chars4(VENDOR, 4));
  else if (leaf == 1) answer(CPUID_1_EAX, CPUID_1_EBX, CPUID_1_ECX, CPUID_1_EDX);
  else if (leaf == 2) answer(CPUID_2_EAX, 0, 0, 0);
  else if (leaf == 4) cacheLeaf(sub);
  else if (leaf == 0xB || leaf == 0x1F) topologyLeaf(sub);
  else if (leaf == 0x80000000) answer(CPUID_MAX_EXT, 0, 0, 0);
  else if (leaf == 0x80000001) answer(0, 0, CPUID_EXT1_ECX, CPUID_EXT1_EDX);
  else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
    const o = <i32>(leaf - 0x80000002) * 16;
    answer(chars4(BRAND, o), chars4(BRAND, o + 4), chars4(BRAND, o + 8), chars4(BRAND, o + 12));
  } else if (leaf == 0x80000005) answer(0, 0, L1_AMD, L1_AMD);
  else if (leaf == 0x80000006) answer(0, 0, L2_EXT, L3_AMD);
  else if (leaf == 0x80000008) answer(CPUID_EXT8_EAX, 0, 0, 0);
  writeGpr(RAX, 4, rA);
  writeGpr(RBX, 4, rB);
  writeGpr(RCX, 4, rC);
  writeGpr(RDX, 4, rD);
}

// ---- RDTSC ----------------------------------------------------------------------------------

let lastTsc: u64 = 0;

/** The counter starts again (a recycled instance must not show the last guest's count). */
export function resetTsc(): void { lastTsc = 0; }

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
