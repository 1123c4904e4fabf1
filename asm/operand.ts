// The decoded instruction record and operand access.
//
//  byte  0      2     3       4        6    7    8    9     10    11     12     13     14      15
//       +------+-----+-------+--------+----+----+----+-----+-----+------+------+------+-------+-------+
//       | op   | len | osize | flags  |seg |reg | rm |reg8 | rm8 | base |index |scale |opcode | modrm |
//       +------+-----+-------+--------+----+----+----+-----+-----+------+------+------+-------+-------+
//       16 disp (i32)   20 imm2 (u32)   24 imm (i64, sign-extended)
//
// A record with a fast op id (fast.ts) reuses bytes 20-23: the generic op id (u16), then the
// destination and source registers. Each decoded block ends with a sentinel record (fast.ts).
//
// reg/rm are register numbers 0-15 (REX applied); reg8/rm8 are byte-register codes (16-19 =
// AH..BH when no REX). base/index are 0xFF when absent. For opcodes without ModRM, rm holds the
// register encoded in the opcode's low bits (+r forms) and MOD3 is set.
import { getReg, readGpr, writeGpr, getRip } from "./cpu";
import { rdN, wrN } from "./mmu";
import { S_FS_BASE, S_GS_BASE } from "./gen/layout";

export const F_MOD3: u32 = 1;
export const F_RIPREL: u32 = 2;
export const F_ASIZE32: u32 = 4;
export const F_REP: u32 = 8;     // F3
export const F_REPNE: u32 = 16;  // F2
export const F_LOCK: u32 = 32;
export const F_OPSIZE: u32 = 64; // 66
export const F_REXW: u32 = 128;
export const F_LAST: u32 = 256;  // last record of its block
export const F_REX: u32 = 512;

export const RECORD_SIZE: u32 = 32;

@inline export function dOp(d: usize): u32 { return load<u16>(d); }
@inline export function dLen(d: usize): u32 { return load<u8>(d, 2); }
@inline export function dSize(d: usize): u32 { return load<u8>(d, 3); }
@inline export function dFlags(d: usize): u32 { return load<u16>(d, 4); }
@inline export function dSeg(d: usize): u32 { return load<u8>(d, 6); }
@inline export function dReg(d: usize): u32 { return load<u8>(d, 7); }
@inline export function dRm(d: usize): u32 { return load<u8>(d, 8); }
@inline export function dReg8(d: usize): u32 { return load<u8>(d, 9); }
@inline export function dRm8(d: usize): u32 { return load<u8>(d, 10); }
@inline export function dOpcode(d: usize): u32 { return load<u8>(d, 14); }
@inline export function dModrm(d: usize): u32 { return load<u8>(d, 15); }
@inline export function dDisp(d: usize): i64 { return <i64>load<i32>(d, 16); }
@inline export function dImm2(d: usize): u32 { return load<u32>(d, 20); }
@inline export function dImm(d: usize): u64 { return load<u64>(d, 24); }
@inline export function isReg(d: usize): bool { return (load<u16>(d, 4) & F_MOD3) != 0; }
@inline export function hasRep(d: usize): bool { return (load<u16>(d, 4) & F_REP) != 0; }
@inline export function hasRepne(d: usize): bool { return (load<u16>(d, 4) & F_REPNE) != 0; }

/** The address computed by LEA: base + index*scale + disp (or rip + disp), no segment base. */
@inline export function leaAddr(d: usize): u64 {
  const f = load<u16>(d, 4);
  let a: u64 = <u64>dDisp(d);
  if ((f & F_RIPREL) != 0) a += getRip();
  else {
    const base = load<u8>(d, 11), index = load<u8>(d, 12);
    if (base != 0xFF) a += getReg(base);
    if (index != 0xFF) a += getReg(index) << load<u8>(d, 13);
  }
  if ((f & F_ASIZE32) != 0) a &= 0xFFFFFFFF;
  return a;
}

/** The effective (virtual) address of the memory operand, with FS/GS base applied. */
export function ea(d: usize): u64 {
  const a = leaAddr(d);
  const seg = load<u8>(d, 6);
  if (seg == 1) return a + load<u64>(S_FS_BASE);
  if (seg == 2) return a + load<u64>(S_GS_BASE);
  return a;
}

/** Reads the r/m operand (register or memory) at the record's operand size. */
@inline export function readE(d: usize, size: u32): u64 {
  if (isReg(d)) return readGpr(size == 1 ? dRm8(d) : dRm(d), size);
  return rdN(ea(d), size);
}

@inline export function writeE(d: usize, size: u32, v: u64): void {
  if (isReg(d)) writeGpr(size == 1 ? dRm8(d) : dRm(d), size, v);
  else wrN(ea(d), size, v);
}

@inline export function readG(d: usize, size: u32): u64 { return readGpr(size == 1 ? dReg8(d) : dReg(d), size); }
@inline export function writeG(d: usize, size: u32, v: u64): void { writeGpr(size == 1 ? dReg8(d) : dReg(d), size, v); }
