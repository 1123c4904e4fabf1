// Fast forms: the hot register and simple-memory encodings get op ids of their own at decode
// time, so the run loop (exec.ts) executes them inline with their operand size fixed, without a
// call, a size switch or an exit check. Every other record keeps the generated op id of its table
// row, and a fast form that meets a TLB miss runs its generic handler instead (field +20).
//
// A fast record is the generic record plus:
//   +20 u16  the generic op id (the table's handler for the same encoding)
//   +22 u8   destination register     +23 u8  source register
// Fast ids start at OP_COUNT, after the generated ones, so the two never collide.
import { OP_COUNT } from "./gen/decode_tables";
import {
  dFlags, dSize, dSeg, dReg, dRm, dModrm, dOpcode, F_MOD3, F_ASIZE32, F_REP, F_REPNE, F_LOCK, F_OPSIZE,
} from "./operand";

export const FOP_BASE: u32 = OP_COUNT;
// Offsets from FOP_BASE; "+ w" is 1 for 64-bit operands, 0 for 32-bit ones.
export const FOP_END: u32 = 0;        // block sentinel: the block's last record is before it
export const FOP_ALU_RR: u32 = 1;     // + alu*2 + w: ADD OR AND SUB XOR CMP r, r  (ADC/SBB stay generic)
export const FOP_ALU_RI: u32 = 17;    // + alu*2 + w: op r, imm
export const FOP_ALU_RM: u32 = 33;    // + alu*2 + w: op r, [m]
export const FOP_TEST_RR: u32 = 49;   // + w
export const FOP_MOV_RR: u32 = 51;    // + w
export const FOP_MOV_RI: u32 = 53;    // + w
export const FOP_MOV_RM: u32 = 55;    // + w: load
export const FOP_MOV_MR: u32 = 57;    // + w: store
export const FOP_MOV_MI: u32 = 59;    // + w: store an immediate
export const FOP_LEA: u32 = 61;       // + w
export const FOP_SHIFT_RI: u32 = 63;  // + k*2 + w, k: SK_*
export const FOP_UNARY_R: u32 = 73;   // + k*2 + w, k: UK_*
export const FOP_IMUL_RR: u32 = 81;   // + w
export const FOP_JCC: u32 = 83;
export const FOP_JMP: u32 = 84;
export const FOP_CALL: u32 = 85;
export const FOP_RET: u32 = 86;
export const FOP_PUSH: u32 = 87;
export const FOP_POP: u32 = 88;
export const FOP_MOVZX8_RM: u32 = 89; // + w: movzx r, byte [m]
export const FOP_MOVSXD_RR: u32 = 91;
export const FOP_MOVSXD_RM: u32 = 92;
export const FOP_XMOV_RR: u32 = 93;   // any full 128-bit register move (MOVDQA/MOVDQU/MOVAPS/MOVUPS…)
export const FOP_XLOAD_A: u32 = 94;   // + u: 0 = aligned (#GP otherwise), 1 = unaligned
export const FOP_XSTORE_A: u32 = 96;  // + u
export const FOP_XOP_RR: u32 = 98;    // + k, k: XK_*
export const FOP_XOP_RM: u32 = 107;   // + k (aligned memory source)
export const FOP_PSHIFT_I: u32 = 116; // + k, k: PK_*
export const FOP_PMOVMSKB: u32 = 124;
export const FOP_MOVQ_LOAD: u32 = 125; // MOVQ xmm, m64 (upper half zeroed)
export const FOP_MOVQ_STORE: u32 = 126; // MOVQ m64, xmm
export const FOP_COUNT: u32 = 127;

export const XK_XOR: u32 = 0, XK_OR: u32 = 1, XK_AND: u32 = 2, XK_ANDN: u32 = 3, XK_PADDD: u32 = 4, XK_PADDQ: u32 = 5,
  XK_PSUBD: u32 = 6, XK_PCMPEQB: u32 = 7, XK_PCMPEQD: u32 = 8;
export const PK_SRLW: u32 = 0, PK_SRAW: u32 = 1, PK_SLLW: u32 = 2, PK_SRLD: u32 = 3, PK_SRAD: u32 = 4, PK_SLLD: u32 = 5,
  PK_SRLQ: u32 = 6, PK_SLLQ: u32 = 7;

export const SK_ROL: u32 = 0, SK_ROR: u32 = 1, SK_SHL: u32 = 2, SK_SHR: u32 = 3, SK_SAR: u32 = 4;
export const UK_INC: u32 = 0, UK_DEC: u32 = 1, UK_NOT: u32 = 2, UK_NEG: u32 = 3;

// ALU numbers as in the opcode (op = opcode >> 3); ADC (2) and SBB (3) are not fast.
@inline function fastAlu(alu: u32): bool { return alu != 2 && alu != 3; }

@inline function set(d: usize, fop: u32, dst: u32, src: u32): void {
  store<u16>(d, load<u16>(d), 20);
  store<u8>(d, <u8>dst, 22);
  store<u8>(d, <u8>src, 23);
  store<u16>(d, <u16>(FOP_BASE + fop));
}

/**
 * Gives the record at d (decoded from an opcode in map, 0 = one-byte map, 1 = 0F) a fast op id
 * when its encoding and operands have one; otherwise leaves it as it is.
 */
export function specialise(d: usize, map: u32): void {
  if (load<u16>(d) == 0) return; // #UD stays #UD
  const f = dFlags(d);
  if (map == 1 && (f & F_LOCK) == 0) { if (specialiseSse(d, f)) return; }
  if ((f & (F_LOCK | F_REP | F_REPNE | F_OPSIZE)) != 0) return;
  const size = dSize(d);
  const opc = dOpcode(d);
  const mod3 = (f & F_MOD3) != 0;
  // Memory forms: no segment override, 64-bit addressing (ea is then base + index*scale + disp).
  const memOk = !mod3 && dSeg(d) == 0 && (f & F_ASIZE32) == 0;
  const reg = dReg(d), rm = dRm(d), rf = (dModrm(d) >> 3) & 7;
  if (map == 1) {
    if ((opc & 0xF0) == 0x80) { set(d, FOP_JCC, 0, 0); return; }
    if (size < 4) return;
    const w: u32 = size == 8 ? 1 : 0;
    if (opc == 0xAF && mod3) set(d, FOP_IMUL_RR + w, reg, rm);
    else if (opc == 0xB6 && memOk) set(d, FOP_MOVZX8_RM + w, reg, 0);
    return;
  }
  if (map != 0) return;
  if ((opc & 0xF0) == 0x70) { set(d, FOP_JCC, 0, 0); return; }
  if (opc == 0xEB || opc == 0xE9) { set(d, FOP_JMP, 0, 0); return; }
  if (opc == 0xE8) { set(d, FOP_CALL, 0, 0); return; }
  if (opc == 0xC3) { set(d, FOP_RET, 0, 0); return; }
  if (size < 4) return;
  const w: u32 = size == 8 ? 1 : 0;
  if (opc < 0x40 && (opc & 7) == 1 && fastAlu(opc >> 3)) {
    if (mod3) set(d, FOP_ALU_RR + (opc >> 3) * 2 + w, rm, reg);
  } else if (opc < 0x40 && (opc & 7) == 3 && fastAlu(opc >> 3)) {
    if (mod3) set(d, FOP_ALU_RR + (opc >> 3) * 2 + w, reg, rm);
    else if (memOk) set(d, FOP_ALU_RM + (opc >> 3) * 2 + w, reg, 0);
  } else if (opc < 0x40 && (opc & 7) == 5 && fastAlu(opc >> 3)) {
    // the accumulator forms (op eAX, Iz) are op r, imm with r = rAX
    set(d, FOP_ALU_RI + (opc >> 3) * 2 + w, 0, 0);
  } else if (opc == 0x81 || opc == 0x83) {
    if (mod3 && fastAlu(rf)) set(d, FOP_ALU_RI + rf * 2 + w, rm, 0);
  } else if (opc == 0x85) {
    if (mod3) set(d, FOP_TEST_RR + w, rm, reg);
  } else if (opc == 0x89) {
    if (mod3) set(d, FOP_MOV_RR + w, rm, reg);
    else if (memOk) set(d, FOP_MOV_MR + w, 0, reg);
  } else if (opc == 0x8B) {
    if (mod3) set(d, FOP_MOV_RR + w, reg, rm);
    else if (memOk) set(d, FOP_MOV_RM + w, reg, 0);
  } else if ((opc & 0xF8) == 0xB8) {
    set(d, FOP_MOV_RI + w, rm, 0);
  } else if (opc == 0xC7 && rf == 0) {
    if (mod3) set(d, FOP_MOV_RI + w, rm, 0);
    else if (memOk) set(d, FOP_MOV_MI + w, 0, 0);
  } else if (opc == 0x8D) {
    if (!mod3 && (f & F_ASIZE32) == 0) set(d, FOP_LEA + w, reg, 0);
  } else if (opc == 0xC1 && mod3) {
    let k: i32 = -1;
    if (rf == 0) k = SK_ROL;
    else if (rf == 1) k = SK_ROR;
    else if (rf == 4 || rf == 6) k = SK_SHL;
    else if (rf == 5) k = SK_SHR;
    else if (rf == 7) k = SK_SAR;
    if (k >= 0) set(d, FOP_SHIFT_RI + <u32>k * 2 + w, rm, 0);
  } else if (opc == 0xFF && mod3 && rf <= 1) {
    set(d, FOP_UNARY_R + (rf == 0 ? UK_INC : UK_DEC) * 2 + w, rm, 0);
  } else if (opc == 0xF7 && mod3 && (rf == 2 || rf == 3)) {
    set(d, FOP_UNARY_R + (rf == 2 ? UK_NOT : UK_NEG) * 2 + w, rm, 0);
  } else if ((opc & 0xF8) == 0x50 && size == 8) {
    set(d, FOP_PUSH, 0, rm);
  } else if ((opc & 0xF8) == 0x58 && size == 8) {
    set(d, FOP_POP, rm, 0);
  } else if (opc == 0x63 && size == 8) {
    if (mod3) set(d, FOP_MOVSXD_RR, reg, rm);
    else if (memOk) set(d, FOP_MOVSXD_RM, reg, 0);
  }
}

/** The SSE2 moves, logic, adds, compares and immediate shifts that string and hashing code runs. */
function specialiseSse(d: usize, f: u32): bool {
  // The mandatory prefix: F2/F3 win over 66 (as the decoder's table lookup does).
  const pfx: u32 = (f & F_REPNE) != 0 ? 3 : (f & F_REP) != 0 ? 2 : (f & F_OPSIZE) != 0 ? 1 : 0;
  const opc = dOpcode(d);
  const mod3 = (f & F_MOD3) != 0;
  const memOk = !mod3 && dSeg(d) == 0 && (f & F_ASIZE32) == 0;
  const reg = dReg(d), rm = dRm(d);
  // Full-register loads: dst = reg, src = rm; stores: dst = rm (or memory), src = reg.
  const loadA = (opc == 0x6F && pfx == 1) || (opc == 0x28 && pfx <= 1);
  const loadU = (opc == 0x6F && pfx == 2) || (opc == 0x10 && pfx <= 1);
  const storeA = (opc == 0x7F && pfx == 1) || (opc == 0x29 && pfx <= 1);
  const storeU = (opc == 0x7F && pfx == 2) || (opc == 0x11 && pfx <= 1);
  if (loadA || loadU) {
    if (mod3) set(d, FOP_XMOV_RR, reg, rm);
    else if (memOk) set(d, FOP_XLOAD_A + (loadU ? 1 : 0), reg, 0);
    return true;
  }
  if (storeA || storeU) {
    if (mod3) set(d, FOP_XMOV_RR, rm, reg);
    else if (memOk) set(d, FOP_XSTORE_A + (storeU ? 1 : 0), 0, reg);
    return true;
  }
  let k: i32 = -1;
  if (pfx <= 1 && opc >= 0x54 && opc <= 0x57) k = opc == 0x54 ? XK_AND : opc == 0x55 ? XK_ANDN : opc == 0x56 ? XK_OR : XK_XOR;
  else if (pfx == 1) {
    if (opc == 0xEF) k = XK_XOR;
    else if (opc == 0xEB) k = XK_OR;
    else if (opc == 0xDB) k = XK_AND;
    else if (opc == 0xDF) k = XK_ANDN;
    else if (opc == 0xFE) k = XK_PADDD;
    else if (opc == 0xD4) k = XK_PADDQ;
    else if (opc == 0xFA) k = XK_PSUBD;
    else if (opc == 0x74) k = XK_PCMPEQB;
    else if (opc == 0x76) k = XK_PCMPEQD;
  }
  if (k >= 0) {
    if (mod3) set(d, FOP_XOP_RR + <u32>k, reg, rm);
    else if (memOk) set(d, FOP_XOP_RM + <u32>k, reg, 0);
    return true;
  }
  if (pfx == 1 && mod3 && opc >= 0x71 && opc <= 0x73) {
    const rf = (dModrm(d) >> 3) & 7;
    let p: i32 = -1;
    if (opc == 0x71) p = rf == 2 ? PK_SRLW : rf == 4 ? PK_SRAW : rf == 6 ? PK_SLLW : -1;
    else if (opc == 0x72) p = rf == 2 ? PK_SRLD : rf == 4 ? PK_SRAD : rf == 6 ? PK_SLLD : -1;
    else p = rf == 2 ? PK_SRLQ : rf == 6 ? PK_SLLQ : -1;
    if (p >= 0) { set(d, FOP_PSHIFT_I + <u32>p, rm, 0); return true; }
    return false;
  }
  if (pfx == 1 && opc == 0xD7 && mod3) { set(d, FOP_PMOVMSKB, reg, rm); return true; }
  if (pfx == 2 && opc == 0x7E && memOk) { set(d, FOP_MOVQ_LOAD, reg, 0); return true; }
  if (pfx == 1 && opc == 0xD6 && memOk) { set(d, FOP_MOVQ_STORE, 0, reg); return true; }
  return false;
}
