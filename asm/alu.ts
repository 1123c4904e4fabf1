// Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP, TEST, NOT, NEG, INC, DEC, XADD,
// CMPXCHG, CMPXCHG8B/16B, CBW/CWD and their wider forms. Flags are lazy (flags.ts).
import { RAX, RCX, RDX, RBX, getReg, setReg, readGpr, writeGpr, sizeMask, sext, setExit } from "./cpu";
import { dSize, dImm, dRm, dRm8, isReg, ea, readG, writeG } from "./operand";
import { rdN, wrN, rd64, wr64, faulted, translate, ACCESS_WRITE } from "./mmu";
import { setLazy, getCF, readFlags, writeFlags, LAZY_ADD, LAZY_ADC, LAZY_SUB, LAZY_SBB, LAZY_LOGIC, ARITH_FLAGS } from "./flags";
import { EXIT_GP, FLAG_ZF, FLAG_CF } from "./gen/layout";

// The eight classic operations, numbered as in the opcode (00-3F: op = opcode >> 3).
export const ALU_ADD: u32 = 0;
export const ALU_OR: u32 = 1;
export const ALU_ADC: u32 = 2;
export const ALU_SBB: u32 = 3;
export const ALU_AND: u32 = 4;
export const ALU_SUB: u32 = 5;
export const ALU_XOR: u32 = 6;
export const ALU_CMP: u32 = 7;

/** The byte-register code (size 1) or register number of the r/m register operand. */
@inline function rmReg(d: usize, size: u32): u32 { return size == 1 ? dRm8(d) : dRm(d); }

/** The result of op on a and b; cin is the carry-in of ADC/SBB (read before any flag changes). */
@inline function aluResult(op: u32, a: u64, b: u64, cin: bool): u64 {
  switch (op) {
    case ALU_ADD: return a + b;
    case ALU_OR: return a | b;
    case ALU_ADC: return a + b + <u64>cin;
    case ALU_SBB: return a - b - <u64>cin;
    case ALU_AND: return a & b;
    case ALU_XOR: return a ^ b;
    default: return a - b; // SUB, CMP
  }
}

@inline function aluFlags(op: u32, size: u32, r: u64, a: u64, b: u64, cin: bool): void {
  let kind: u32;
  if (op == ALU_ADD) kind = LAZY_ADD;
  else if (op == ALU_ADC) kind = cin ? LAZY_ADC : LAZY_ADD;
  else if (op == ALU_SUB || op == ALU_CMP) kind = LAZY_SUB;
  else if (op == ALU_SBB) kind = cin ? LAZY_SBB : LAZY_SUB;
  else kind = LAZY_LOGIC;
  setLazy(kind, size, r, a, b, ARITH_FLAGS);
}

@inline function carryIn(op: u32): bool { return (op == ALU_ADC || op == ALU_SBB) && getCF(); }

/**
 * Applies op to the r/m operand and b. A memory destination is written before the flags change,
 * so a write fault leaves the flags as they were.
 */
function aluOnE(d: usize, op: u32, size: u32, b: u64): void {
  const cin = carryIn(op);
  if (isReg(d)) {
    const r = rmReg(d, size);
    const a = readGpr(r, size);
    const res = aluResult(op, a, b, cin);
    if (op != ALU_CMP) writeGpr(r, size, res);
    aluFlags(op, size, res, a, b, cin);
    return;
  }
  const addr = ea(d);
  const a = rdN(addr, size);
  if (faulted()) return;
  const res = aluResult(op, a, b, cin);
  if (op != ALU_CMP) { wrN(addr, size, res); if (faulted()) return; }
  aluFlags(op, size, res, a, b, cin);
}

/** op Eb,Gb / op Ev,Gv */
export function alu_EG(d: usize, op: u32): void {
  const size = dSize(d);
  aluOnE(d, op, size, readG(d, size));
}

/** op Ev,Ib / op Ev,Iz (80, 81, 83): the immediate is already sign-extended. */
export function alu_EI(d: usize, op: u32): void { aluOnE(d, op, dSize(d), dImm(d)); }

/** op Gb,Eb / op Gv,Ev */
export function alu_GE(d: usize, op: u32): void {
  const size = dSize(d);
  let b: u64;
  if (isReg(d)) b = readGpr(rmReg(d, size), size);
  else { b = rdN(ea(d), size); if (faulted()) return; }
  const cin = carryIn(op);
  const a = readG(d, size);
  const res = aluResult(op, a, b, cin);
  if (op != ALU_CMP) writeG(d, size, res);
  aluFlags(op, size, res, a, b, cin);
}

/** op AL,Ib / op eAX,Iz */
export function alu_AI(d: usize, op: u32): void {
  const size = dSize(d);
  const cin = carryIn(op);
  const a = readGpr(RAX, size), b = dImm(d);
  const res = aluResult(op, a, b, cin);
  if (op != ALU_CMP) writeGpr(RAX, size, res);
  aluFlags(op, size, res, a, b, cin);
}

// ---- TEST ---------------------------------------------------------------------------------

@inline function readEOrFault(d: usize, size: u32): u64 {
  return isReg(d) ? readGpr(rmReg(d, size), size) : rdN(ea(d), size);
}

export function test_EG(d: usize): void {
  const size = dSize(d);
  const a = readEOrFault(d, size);
  if (faulted()) return;
  setLazy(LAZY_LOGIC, size, a & readG(d, size), 0, 0, ARITH_FLAGS);
}

export function test_EI(d: usize): void {
  const size = dSize(d);
  const a = readEOrFault(d, size);
  if (faulted()) return;
  setLazy(LAZY_LOGIC, size, a & dImm(d), 0, 0, ARITH_FLAGS);
}

export function test_AI(d: usize): void {
  const size = dSize(d);
  setLazy(LAZY_LOGIC, size, readGpr(RAX, size) & dImm(d), 0, 0, ARITH_FLAGS);
}

// ---- NOT NEG INC DEC ----------------------------------------------------------------------

// Kinds of one-operand updates.
const UN_NOT: u32 = 0, UN_NEG: u32 = 1, UN_INC: u32 = 2, UN_DEC: u32 = 3;
const INCDEC_FLAGS: u32 = ARITH_FLAGS & ~FLAG_CF;

function unaryOnE(d: usize, kind: u32): void {
  const size = dSize(d);
  let addr: u64 = 0, a: u64;
  const reg = isReg(d);
  if (reg) a = readGpr(rmReg(d, size), size);
  else { addr = ea(d); a = rdN(addr, size); if (faulted()) return; }
  let res: u64;
  if (kind == UN_NOT) res = ~a;
  else if (kind == UN_NEG) res = 0 - a;
  else if (kind == UN_INC) res = a + 1;
  else res = a - 1;
  if (reg) writeGpr(rmReg(d, size), size, res);
  else { wrN(addr, size, res); if (faulted()) return; }
  if (kind == UN_NEG) setLazy(LAZY_SUB, size, res, 0, a, ARITH_FLAGS);
  else if (kind == UN_INC) setLazy(LAZY_ADD, size, res, a, 1, INCDEC_FLAGS);
  else if (kind == UN_DEC) setLazy(LAZY_SUB, size, res, a, 1, INCDEC_FLAGS);
}

export function not_E(d: usize): void { unaryOnE(d, UN_NOT); }
export function neg_E(d: usize): void { unaryOnE(d, UN_NEG); }
export function inc_E(d: usize): void { unaryOnE(d, UN_INC); }
export function dec_E(d: usize): void { unaryOnE(d, UN_DEC); }

// ---- XADD, CMPXCHG ------------------------------------------------------------------------

/** XADD: dest = dest + src, src = old dest. With both operands one register, the sum wins. */
export function xadd_EG(d: usize): void {
  const size = dSize(d);
  const b = readG(d, size);
  if (isReg(d)) {
    const r = rmReg(d, size);
    const a = readGpr(r, size);
    const res = a + b;
    writeG(d, size, a);
    writeGpr(r, size, res);
    setLazy(LAZY_ADD, size, res, a, b, ARITH_FLAGS);
    return;
  }
  const addr = ea(d);
  const a = rdN(addr, size);
  if (faulted()) return;
  const res = a + b;
  wrN(addr, size, res);
  if (faulted()) return;
  writeG(d, size, a);
  setLazy(LAZY_ADD, size, res, a, b, ARITH_FLAGS);
}

/**
 * CMPXCHG: compares the accumulator with dest. Equal: dest = src. Not equal: accumulator = dest.
 * A memory destination is always written (with its old value on a mismatch), as the processor
 * does, so a read-only page faults either way.
 */
export function cmpxchg_EG(d: usize): void {
  const size = dSize(d);
  const acc = readGpr(RAX, size);
  const src = readG(d, size);
  if (isReg(d)) {
    const r = rmReg(d, size);
    const a = readGpr(r, size);
    if (a == acc) writeGpr(r, size, src);
    else writeGpr(RAX, size, a);
    setLazy(LAZY_SUB, size, acc - a, acc, a, ARITH_FLAGS);
    return;
  }
  const addr = ea(d);
  const a = rdN(addr, size);
  if (faulted()) return;
  wrN(addr, size, a == acc ? src : a);
  if (faulted()) return;
  if (a != acc) writeGpr(RAX, size, a);
  setLazy(LAZY_SUB, size, acc - a, acc, a, ARITH_FLAGS);
}

/** CMPXCHG8B m64 (EDX:EAX vs m64, ECX:EBX stored), or CMPXCHG16B m128 with REX.W. */
export function cmpxchg8b(d: usize): void {
  const addr = ea(d);
  if (dSize(d) == 8) {
    if ((addr & 15) != 0) { setExit(EXIT_GP); return; }
    // Aligned, so one page: probing it for write first means a fault leaves memory untouched.
    if (translate(addr, ACCESS_WRITE, false) < 0) return;
    const lo = rd64(addr), hi = rd64(addr + 8);
    if (faulted()) return;
    const eq = lo == getReg(RAX) && hi == getReg(RDX);
    if (eq) { wr64(addr, getReg(RBX)); wr64(addr + 8, getReg(RCX)); }
    else { wr64(addr, lo); wr64(addr + 8, hi); }
    if (faulted()) return;
    if (!eq) { setReg(RAX, lo); setReg(RDX, hi); }
    setZF(eq);
    return;
  }
  const m = rd64(addr);
  if (faulted()) return;
  const cur = (getReg(RDX) << 32) | (getReg(RAX) & 0xFFFFFFFF);
  const eq = m == cur;
  wr64(addr, eq ? (getReg(RCX) << 32) | (getReg(RBX) & 0xFFFFFFFF) : m);
  if (faulted()) return;
  if (!eq) { writeGpr(RAX, 4, m); writeGpr(RDX, 4, m >> 32); }
  setZF(eq);
}

function setZF(on: bool): void {
  const f = readFlags();
  writeFlags(on ? f | FLAG_ZF : f & ~(<u64>FLAG_ZF));
}

// ---- CBW/CWDE/CDQE, CWD/CDQ/CQO -----------------------------------------------------------

/** 98: sign-extends the low half of the accumulator into all of it (AL→AX, AX→EAX, EAX→RAX). */
export function cbw_(d: usize): void {
  const size = dSize(d);
  writeGpr(RAX, size, sext(getReg(RAX), size >> 1));
}

/** 99: fills rDX with the sign of rAX. */
export function cwd_(d: usize): void {
  const size = dSize(d);
  const neg = (sext(getReg(RAX), size) >> 63) != 0;
  writeGpr(RDX, size, neg ? sizeMask(size) : 0);
}
