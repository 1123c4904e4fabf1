// The x86-64 decoder: prefixes, REX, the 0F/0F38/0F3A maps, ModRM/SIB, displacement and
// immediates, driven by the tables generated from asm/isa/*.tbl. It fills one 32-byte record.
import { PRIMARY, GROUPS, OPINFO } from "./gen/decode_tables";
import { translate, ACCESS_EXEC } from "./mmu";
import { setExit } from "./cpu";
import { EXIT_UD } from "./gen/layout";
import {
  F_MOD3, F_RIPREL, F_ASIZE32, F_REP, F_REPNE, F_LOCK, F_OPSIZE, F_REXW, F_REX,
} from "./operand";

// Operand-size kinds and immediate kinds, as numbered by scripts/spec.mjs.
const SZ_V: u32 = 0, SZ_B: u32 = 1, SZ_D64: u32 = 2, SZ_F64: u32 = 3, SZ_W: u32 = 4, SZ_D: u32 = 5, SZ_Q: u32 = 6;
const IMM_B: u32 = 1, IMM_W: u32 = 2, IMM_Z: u32 = 3, IMM_V: u32 = 4, IMM_O: u32 = 5, IMM_WB: u32 = 6;
export const OPINFO_ENDS_BLOCK: u32 = 0x100;

let fetchVa: u64 = 0;
let fetchPos: u32 = 0;
let fetchFailed: bool = false;
/** Set when the last decode failed because the instruction is longer than 15 bytes (#GP). */
export let fetchTooLong: bool = false;
/** The opcode map of the last decoded instruction (0 one-byte, 1 0F, 2 0F 38, 3 0F 3A). */
export let decodedMap: u32 = 0;

function next(): u32 {
  if (fetchPos >= 15) { fetchFailed = true; fetchTooLong = true; return 0; }
  const t = translate(fetchVa + fetchPos, ACCESS_EXEC, true);
  if (t < 0) { fetchFailed = true; return 0; }
  fetchPos++;
  return load<u8>(<usize>t);
}

function nextN(n: u32): u64 {
  let v: u64 = 0;
  for (let i: u32 = 0; i < n; i++) v |= <u64>next() << (i * 8);
  return v;
}

@inline function byteReg(r: u32, rex: bool): u32 { return !rex && r >= 4 && r < 8 ? r + 12 : r; }

/**
 * Decodes the instruction at va into the record at d. Returns its length, or 0 when its bytes
 * could not be fetched (unmapped or not executable) or it is longer than 15 bytes.
 */
export function decodeOne(va: u64, d: usize): u32 {
  fetchVa = va; fetchPos = 0; fetchFailed = false; fetchTooLong = false;
  memory.fill(d, 0, 32);
  let flags: u32 = 0, seg: u32 = 0, rex: u32 = 0, pfxClass: u32 = 0;
  let b = next();
  while (!fetchFailed) {
    if (isLegacyPrefix(b)) {
      if (b == 0x66) { flags |= F_OPSIZE; if (pfxClass == 0) pfxClass = 1; }
      else if (b == 0x67) flags |= F_ASIZE32;
      else if (b == 0xF0) flags |= F_LOCK;
      else if (b == 0xF3) { flags = (flags & ~F_REPNE) | F_REP; pfxClass = 2; }
      else if (b == 0xF2) { flags = (flags & ~F_REP) | F_REPNE; pfxClass = 3; }
      else if (b == 0x64) seg = 1;
      else if (b == 0x65) seg = 2;
      rex = 0; // a REX prefix counts only directly before the opcode
    } else if ((b & 0xF0) == 0x40) rex = b;
    else break;
    b = next();
  }
  if (fetchFailed) return 0;
  if (rex != 0) { flags |= F_REX; if (rex & 8) flags |= F_REXW; }
  let map: u32 = 0;
  if (b == 0x0F) {
    map = 1; b = next();
    if (b == 0x38) { map = 2; b = next(); } else if (b == 0x3A) { map = 3; b = next(); }
  }
  if (fetchFailed) return 0;
  decodedMap = map;
  store<u8>(d, <u8>b, 14);
  const prim = <u32>load<u16>(PRIMARY + (((map * 256 + b) * 4 + pfxClass) << 1));
  const rexR = (rex >> 2) & 1, rexX = (rex >> 1) & 1, rexB = rex & 1;
  let op: u32 = 0;
  store<u8>(d, 0xFF, 11);
  store<u8>(d, 0xFF, 12);
  if ((prim & 0x8000) != 0) {
    const m = next();
    store<u8>(d, <u8>m, 15);
    const mod = m >> 6, reg = ((m >> 3) & 7) | (rexR << 3), rm = m & 7;
    store<u8>(d, <u8>reg, 7);
    store<u8>(d, <u8>byteReg(reg, rex != 0), 9);
    if (mod == 3) {
      flags |= F_MOD3;
      const r = rm | (rexB << 3);
      store<u8>(d, <u8>r, 8);
      store<u8>(d, <u8>byteReg(r, rex != 0), 10);
    } else {
      let disp: i32 = 0;
      if (rm == 4) {
        const sib = next();
        const scale = sib >> 6, idx = ((sib >> 3) & 7) | (rexX << 3), base = sib & 7;
        if (idx != 4) { store<u8>(d, <u8>idx, 12); store<u8>(d, <u8>scale, 13); }
        if (base == 5 && mod == 0) disp = <i32>nextN(4);
        else store<u8>(d, <u8>(base | (rexB << 3)), 11);
      } else if (rm == 5 && mod == 0) {
        flags |= F_RIPREL;
        disp = <i32>nextN(4);
      } else store<u8>(d, <u8>(rm | (rexB << 3)), 11);
      if (mod == 1) disp = <i32><i8>next();
      else if (mod == 2) disp = <i32>nextN(4);
      store<i32>(d, disp, 16);
    }
    if ((prim & 0x4000) != 0) op = load<u16>(GROUPS + ((((prim & 0x3FFF) << 4) + (mod == 3 ? 8 : 0) + ((m >> 3) & 7)) << 1));
    else op = prim & 0x3FFF;
  } else {
    op = prim & 0x3FFF;
    flags |= F_MOD3;
    const r = (b & 7) | (rexB << 3);
    store<u8>(d, <u8>r, 8);
    store<u8>(d, <u8>byteReg(r, rex != 0), 10);
  }
  const info = <u32>load<u16>(OPINFO + (op << 1));
  const sk = info & 15, ik = (info >> 4) & 15;
  let osize: u32;
  if (sk == SZ_B) osize = 1;
  else if (sk == SZ_D64) osize = (flags & F_OPSIZE) != 0 ? 2 : 8;
  else if (sk == SZ_F64 || sk == SZ_Q) osize = 8;
  else if (sk == SZ_W) osize = 2;
  else if (sk == SZ_D) osize = 4;
  else osize = (flags & F_REXW) != 0 ? 8 : (flags & F_OPSIZE) != 0 ? 2 : 4;
  let imm: i64 = 0;
  if (ik == IMM_B) imm = <i64><i8>next();
  else if (ik == IMM_W) imm = <i64><i16>nextN(2);
  else if (ik == IMM_Z) imm = osize == 2 ? <i64><i16>nextN(2) : <i64><i32>nextN(4);
  else if (ik == IMM_V) imm = osize == 8 ? <i64>nextN(8) : osize == 2 ? <i64><u16>nextN(2) : <i64><u32>nextN(4);
  else if (ik == IMM_O) imm = (flags & F_ASIZE32) != 0 ? <i64>nextN(4) : <i64>nextN(8);
  else if (ik == IMM_WB) { imm = <i64>nextN(2); store<u32>(d, next(), 20); }
  if (fetchFailed) return 0;
  store<u16>(d, <u16>op);
  store<u8>(d, <u8>fetchPos, 2);
  store<u8>(d, <u8>osize, 3);
  store<u16>(d, <u16>flags, 4);
  store<u8>(d, <u8>seg, 6);
  store<i64>(d, imm, 24);
  return fetchPos;
}

@inline function isLegacyPrefix(b: u32): bool {
  return b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x64 || b == 0x65 ||
    b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26;
}

@inline export function endsBlock(op: u32): bool { return (load<u16>(OPINFO + (op << 1)) & OPINFO_ENDS_BLOCK) != 0 || op == 0; }

/** The handler for op 0 and for encodings the table does not list: #UD. */
export function undefinedOpcode(d: usize): void { setExit(EXIT_UD); }
