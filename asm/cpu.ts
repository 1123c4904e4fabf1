// Register-file access and the shared helpers every instruction family uses.
import { S_REGS, S_RIP, S_EXIT_REASON, S_XMM } from "./gen/layout";

// Register numbers in encoding order.
export const RAX: u32 = 0; export const RCX: u32 = 1; export const RDX: u32 = 2; export const RBX: u32 = 3;
export const RSP: u32 = 4; export const RBP: u32 = 5; export const RSI: u32 = 6; export const RDI: u32 = 7;

@inline export function getReg(r: u32): u64 { return load<u64>(S_REGS + (r << 3)); }
@inline export function setReg(r: u32, v: u64): void { store<u64>(S_REGS + (r << 3), v); }
@inline export function getRip(): u64 { return load<u64>(S_RIP); }
@inline export function setRip(v: u64): void { store<u64>(S_RIP, v); }
@inline export function setExit(reason: u32): void { store<u32>(S_EXIT_REASON, reason); }
@inline export function xmmAddr(i: u32): usize { return S_XMM + (i << 4); }

@inline export function sizeMask(size: u32): u64 {
  return size >= 8 ? 0xFFFFFFFFFFFFFFFF : (<u64>1 << (size << 3)) - 1;
}
@inline export function signBit(size: u32): u64 { return <u64>1 << ((size << 3) - 1); }

/** Sign-extends the low size bytes of v to 64 bits. */
@inline export function sext(v: u64, size: u32): u64 {
  const sh = 64 - (size << 3);
  return <u64>((<i64>(v << sh)) >> sh);
}

/**
 * Reads a general register as an operand of size bytes. For size 1, r is a byte-register code
 * from the decoder: 0-15 are the low bytes, 16-19 are AH, CH, DH, BH.
 */
export function readGpr(r: u32, size: u32): u64 {
  if (size == 8) return load<u64>(S_REGS + (r << 3));
  if (size == 4) return <u64>load<u32>(S_REGS + (r << 3));
  if (size == 2) return <u64>load<u16>(S_REGS + (r << 3));
  if (r >= 16) return <u64>load<u8>(S_REGS + ((r - 16) << 3) + 1);
  return <u64>load<u8>(S_REGS + (r << 3));
}

/** Writes a general register with x86-64 rules: 32-bit writes zero the upper half, 8/16-bit keep it. */
export function writeGpr(r: u32, size: u32, v: u64): void {
  if (size == 8) store<u64>(S_REGS + (r << 3), v);
  else if (size == 4) store<u64>(S_REGS + (r << 3), v & 0xFFFFFFFF);
  else if (size == 2) store<u16>(S_REGS + (r << 3), <u16>v);
  else if (r >= 16) store<u8>(S_REGS + ((r - 16) << 3) + 1, <u8>v);
  else store<u8>(S_REGS + (r << 3), <u8>v);
}
