// The x87 FPU (opcodes D8-DF, FWAIT) and FXSAVE/FXRSTOR. Arithmetic is in float80.ts; this file
// owns the register stack, the tag, control and status words, memory formats and the masked
// responses to stack faults (IE|SF, C1 = overflow, the default NaN as the result).
//
// Not modelled: unmasked exceptions do not trap (#MF) and the masked response is still applied;
// ES and B are set so FNSTSW shows them. FIP/FDP/FOP read as zero.
import {
  S_FPU_ST, S_FPU_TOP, S_FPU_TAG, S_FPU_CW, S_FPU_SW, S_MXCSR, S_XMM, EXIT_GP, EXIT_UD,
  FLAG_ZF, FLAG_PF, FLAG_CF, FLAG_OF, FLAG_SF, FLAG_AF,
} from "./gen/layout";
import { setExit, writeGpr, RAX } from "./cpu";
import { ea, dModrm } from "./operand";
import { rd16, rd32, rd64, wr16, wr32, wr64, faulted, translate, ACCESS_READ, ACCESS_WRITE } from "./mmu";
import { setFlagsEager, cond } from "./flags";
import {
  rM, rSE, fExc, fUp, fQuot, fPartial, setRounding, clearExc, raise, setDefaultNaN, classify,
  f80add, f80mul, f80div, f80sqrt, f80round, f80cmp, f80fromIeee, f80toIeee, f80fromInt, f80toInt,
  f80scale, f80rem, roundPack, getRC, takeDenormalSource, f80trig, f80f2xm1, f80yl2x, f80yl2xp1, f80atan2,
  EX_IE, EX_DE, EX_PE, RC_ZERO, NAN_M, NAN_SE, INT_BIT, BIAS,
  CLASS_ZERO, CLASS_NORMAL, CLASS_DENORMAL, CLASS_INF, CLASS_QNAN, CLASS_SNAN, CLASS_UNSUPPORTED,
  CMP_LT, CMP_EQ, CMP_UNORDERED,
} from "./float80";

// Operations of the arithmetic rows, numbered as the D8 ModRM reg field.
export const X87_ADD: u32 = 0;
export const X87_MUL: u32 = 1;
export const X87_COM: u32 = 2;
export const X87_COMP: u32 = 3;
export const X87_SUB: u32 = 4;
export const X87_SUBR: u32 = 5;
export const X87_DIV: u32 = 6;
export const X87_DIVR: u32 = 7;
// Memory operand formats.
export const X87_M32FP: u32 = 0;
export const X87_M64FP: u32 = 1;
export const X87_M16INT: u32 = 2;
export const X87_M32INT: u32 = 3;
export const X87_M64INT: u32 = 4;

const SW_SF: u32 = 0x40;
const SW_ES: u32 = 0x80;
const SW_C0: u32 = 0x100;
const SW_C1: u32 = 0x200;
const SW_C2: u32 = 0x400;
const SW_C3: u32 = 0x4000;
const SW_B: u32 = 0x8000;
const SW_CC: u32 = SW_C0 | SW_C1 | SW_C2 | SW_C3;

// ---- register stack -------------------------------------------------------------------------

@inline function top(): u32 { return load<u32>(S_FPU_TOP) & 7; }
@inline function phys(i: u32): u32 { return (top() + i) & 7; }
@inline function stAddr(i: u32): usize { return S_FPU_ST + (phys(i) << 4); }
@inline function stM(i: u32): u64 { return load<u64>(stAddr(i)); }
@inline function stSE(i: u32): u32 { return load<u16>(stAddr(i), 8); }
@inline function isEmpty(i: u32): bool { return ((load<u32>(S_FPU_TAG) >> phys(i)) & 1) != 0; }

function setSt(i: u32, m: u64, se: u32): void {
  const a = stAddr(i);
  store<u64>(a, m);
  store<u16>(a, <u16>se, 8);
  store<u32>(S_FPU_TAG, load<u32>(S_FPU_TAG) & ~(<u32>1 << phys(i)));
}

// Stack fault of the current instruction: 0 none, 1 underflow, 2 overflow.
let stackFault: u32 = 0;

/** Pushes a value; on overflow (the new top is in use) the default NaN is pushed instead. */
function push(m: u64, se: u32): void {
  const t = (top() - 1) & 7;
  store<u32>(S_FPU_TOP, t);
  if (((load<u32>(S_FPU_TAG) >> t) & 1) == 0) { stackFault = 2; m = NAN_M; se = NAN_SE; }
  setSt(0, m, se);
}

function pop(): void {
  store<u32>(S_FPU_TAG, load<u32>(S_FPU_TAG) | (<u32>1 << top()));
  store<u32>(S_FPU_TOP, (top() + 1) & 7);
}

// ---- control and status words ---------------------------------------------------------------

/** Starts an instruction: rounding from the control word, no exceptions yet. */
function begin(): void {
  const cw = load<u32>(S_FPU_CW);
  const pc = (cw >> 8) & 3;
  setRounding((cw >> 10) & 3, pc == 0 ? 24 : pc == 2 ? 53 : 64);
  clearExc();
  stackFault = 0;
}

/**
 * Ends an instruction: accumulates its exceptions in the status word; C1 reports a stack fault
 * (1 = overflow) or, when c1Round, whether the result was rounded up, and is cleared otherwise.
 */
function finish(c1Round: bool): void {
  let sw = load<u32>(S_FPU_SW);
  let exc = fExc;
  sw &= ~SW_C1;
  if (stackFault != 0) { exc |= EX_IE; sw |= SW_SF; if (stackFault == 2) sw |= SW_C1; }
  else if (c1Round && fUp && (exc & EX_PE) != 0) sw |= SW_C1;
  sw |= exc & 0x3F;
  if ((sw & ~load<u32>(S_FPU_CW) & 0x3F) != 0) sw |= SW_ES | SW_B;
  store<u32>(S_FPU_SW, sw);
}

function setCC(bits: u32): void { store<u32>(S_FPU_SW, (load<u32>(S_FPU_SW) & ~SW_CC) | bits); }

/** The status word as stored: TOP in bits 11-13. */
function statusWord(): u32 { return (load<u32>(S_FPU_SW) & ~0x3800) | (top() << 11); }
function loadStatusWord(v: u32): void {
  store<u32>(S_FPU_SW, v & ~0x3800);
  store<u32>(S_FPU_TOP, (v >> 11) & 7);
}
// Bit 6 of the control word is reserved and reads as 1.
function loadControlWord(v: u32): void {
  store<u32>(S_FPU_CW, (v & 0x1F3F) | 0x40);
  const sw = load<u32>(S_FPU_SW);
  if ((sw & ~v & 0x3F) != 0) store<u32>(S_FPU_SW, sw | SW_ES | SW_B);
  else store<u32>(S_FPU_SW, sw & ~(SW_ES | SW_B));
}

// ---- memory operands ------------------------------------------------------------------------

// The operand read by readMem, as extended.
let mM: u64 = 0;
let mSE: u32 = 0;

/** Reads a memory operand and converts it exactly to extended (SNaNs stay signalling). */
function readMem(d: usize, fmt: u32): bool {
  const a = ea(d);
  if (fmt == X87_M32FP) f80fromIeee(<u64>rd32(a), 23, 8);
  else if (fmt == X87_M64FP) f80fromIeee(rd64(a), 52, 11);
  else if (fmt == X87_M16INT) f80fromInt(<i64><i16>rd16(a));
  else if (fmt == X87_M32INT) f80fromInt(<i64><i32>rd32(a));
  else f80fromInt(<i64>rd64(a));
  mM = rM; mSE = rSE;
  return !faulted();
}

function read80(a: u64): bool {
  probeRange(a, 10, ACCESS_READ);
  if (faulted()) return false;
  mM = rd64(a); mSE = rd16(a + 8);
  return !faulted();
}
/** Writes an 80-bit value; probed first so a fault leaves memory unchanged. */
function write80(a: u64, m: u64, se: u32): void {
  probeRange(a, 10, ACCESS_WRITE);
  wr64(a, m); wr16(a + 8, se);
}

/** Records the write fault an access at a would raise, without writing. */
function probeWrite(a: u64): void { if (!faulted()) translate(a, ACCESS_WRITE, false); }

/** Records the fault of the first inaccessible byte of [a, a+len), len <= 4096. */
function probeRange(a: u64, len: u32, access: u32): void {
  if (faulted()) return;
  if (translate(a, access, false) < 0) return;
  const last = a + len - 1;
  if ((last >> 12) != (a >> 12)) translate(last & ~<u64>0xFFF, access, false);
}

// ---- arithmetic -----------------------------------------------------------------------------

/** dest op src into rM/rSE. */
function compute(op: u32, dm: u64, dse: u32, sm: u64, sse: u32): void {
  if (op == X87_ADD) f80add(dm, dse, sm, sse, false);
  else if (op == X87_MUL) f80mul(dm, dse, sm, sse);
  else if (op == X87_SUB) f80add(dm, dse, sm, sse, true);
  else if (op == X87_SUBR) f80add(sm, sse, dm, dse, true);
  else if (op == X87_DIV) f80div(dm, dse, sm, sse);
  else f80div(sm, sse, dm, dse);
}

function compareBits(r: u32): u32 {
  if (r == CMP_LT) return SW_C0;
  if (r == CMP_EQ) return SW_C3;
  if (r == CMP_UNORDERED) return SW_C3 | SW_C2 | SW_C0;
  return 0;
}

/** FCOM/FUCOM family: compares st(0) with (m, se) into C3 C2 C0. */
function compareSt0(m: u64, se: u32, srcEmpty: bool, quiet: bool): void {
  if (isEmpty(0) || srcEmpty) { stackFault = 1; setCC(SW_C3 | SW_C2 | SW_C0); return; }
  setCC(compareBits(f80cmp(stM(0), stSE(0), m, se, !quiet)));
}

/** D8/DC/DA/DE memory forms: st(0) op m32fp/m64fp/m16int/m32int. */
export function x87_arith_mem(d: usize, op: u32, fmt: u32): void {
  begin();
  if (!readMem(d, fmt)) return;
  if (op == X87_COM || op == X87_COMP) {
    compareSt0(mM, mSE, false, false);
    finish(false);
    if (op == X87_COMP) pop();
    return;
  }
  if (isEmpty(0)) { stackFault = 1; setSt(0, NAN_M, NAN_SE); finish(false); return; }
  compute(op, stM(0), stSE(0), mM, mSE);
  setSt(0, rM, rSE);
  finish(true);
}

/** D8 register forms: st(0) = st(0) op st(i); FCOM/FCOMP st(i). */
export function x87_arith_st0(d: usize, op: u32): void {
  const i = dModrm(d) & 7;
  begin();
  if (op == X87_COM || op == X87_COMP) {
    compareSt0(stM(i), stSE(i), isEmpty(i), false);
    finish(false);
    if (op == X87_COMP) pop();
    return;
  }
  if (isEmpty(0) || isEmpty(i)) { stackFault = 1; setSt(0, NAN_M, NAN_SE); finish(false); return; }
  compute(op, stM(0), stSE(0), stM(i), stSE(i));
  setSt(0, rM, rSE);
  finish(true);
}

/** DC/DE register forms: st(i) = st(i) op st(0), then pop for the P forms. */
export function x87_arith_sti(d: usize, op: u32, popAfter: u32): void {
  const i = dModrm(d) & 7;
  begin();
  if (isEmpty(0) || isEmpty(i)) { stackFault = 1; setSt(i, NAN_M, NAN_SE); }
  else { compute(op, stM(i), stSE(i), stM(0), stSE(0)); setSt(i, rM, rSE); }
  finish(stackFault == 0);
  if (popAfter != 0) pop();
}

/** FUCOMPP (DA E9); the rest of DA E8-EF is undefined. */
export function x87_compp_da(d: usize): void {
  if (dModrm(d) != 0xE9) { setExit(EXIT_UD); return; }
  compp(true);
}
/** FCOMPP (DE D9); the rest of DE D8-DF is undefined. */
export function x87_compp_de(d: usize): void {
  if (dModrm(d) != 0xD9) { setExit(EXIT_UD); return; }
  compp(false);
}

function compp(quiet: bool): void {
  begin();
  compareSt0(stM(1), stSE(1), isEmpty(1), quiet);
  finish(false);
  pop(); pop();
}

/** FUCOM/FUCOMP st(i) (DD E0+i, E8+i). */
export function x87_ucom(d: usize, popAfter: u32): void {
  const i = dModrm(d) & 7;
  begin();
  compareSt0(stM(i), stSE(i), isEmpty(i), true);
  finish(false);
  if (popAfter != 0) pop();
}

/** FCOMI/FUCOMI/FCOMIP/FUCOMIP: compare into ZF PF CF. */
export function x87_comi(d: usize, quiet: u32, popAfter: u32): void {
  const i = dModrm(d) & 7;
  begin();
  let r = CMP_UNORDERED;
  if (isEmpty(0) || isEmpty(i)) stackFault = 1;
  else r = f80cmp(stM(0), stSE(0), stM(i), stSE(i), quiet == 0);
  let bits: u32 = 0;
  if (r == CMP_LT) bits = FLAG_CF;
  else if (r == CMP_EQ) bits = FLAG_ZF;
  else if (r == CMP_UNORDERED) bits = FLAG_ZF | FLAG_PF | FLAG_CF;
  setFlagsEager(FLAG_ZF | FLAG_PF | FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF, bits);
  finish(false);
  if (popAfter != 0) pop();
}

/** FCMOVcc st(0), st(i) (DA/DB C0-DF); cc is the Jcc condition code. */
export function x87_fcmov(d: usize, cc: u32): void {
  const i = dModrm(d) & 7;
  begin();
  if (isEmpty(0) || isEmpty(i)) { stackFault = 1; setSt(0, NAN_M, NAN_SE); }
  else if (cond(cc)) setSt(0, stM(i), stSE(i));
  finish(false);
}

// ---- loads and stores -----------------------------------------------------------------------

/** FLD m32fp/m64fp, FILD m16/m32/m64. */
export function x87_ld_mem(d: usize, fmt: u32): void {
  begin();
  if (!readMem(d, fmt)) return;
  let m = mM;
  const c = classify(m, mSE);
  if (c == CLASS_SNAN) { raise(EX_IE); m |= 0x4000000000000000; }
  if (takeDenormalSource()) raise(EX_DE);
  push(m, mSE);
  finish(false);
}

/** FLD m80fp: a plain copy, no exceptions. */
export function x87_ld_m80(d: usize): void {
  begin();
  if (!read80(ea(d))) return;
  push(mM, mSE);
  finish(false);
}

/** FLD st(i). */
export function x87_ld_st(d: usize): void {
  const i = dModrm(d) & 7;
  begin();
  let m: u64 = NAN_M, se: u32 = NAN_SE;
  if (isEmpty(i)) stackFault = 1; else { m = stM(i); se = stSE(i); }
  push(m, se);
  finish(false);
}

/** FST/FSTP m32fp/m64fp: rounded by the control word. */
export function x87_st_fp(d: usize, fmt: u32, popAfter: u32): void {
  begin();
  const a = ea(d);
  let v: u64;
  if (isEmpty(0)) {
    stackFault = 1;
    v = fmt == X87_M32FP ? 0xFFC00000 : 0xFFF8000000000000;
  } else if (fmt == X87_M32FP) v = f80toIeee(stM(0), stSE(0), 23, 8);
  else v = f80toIeee(stM(0), stSE(0), 52, 11);
  if (fmt == X87_M32FP) wr32(a, <u32>v); else wr64(a, v);
  if (faulted()) return;
  finish(true);
  if (popAfter != 0) pop();
}

/** FSTP m80fp. */
export function x87_stp_m80(d: usize): void {
  begin();
  const a = ea(d);
  if (isEmpty(0)) { stackFault = 1; write80(a, NAN_M, NAN_SE); }
  else write80(a, stM(0), stSE(0));
  if (faulted()) return;
  finish(false);
  pop();
}

/** FST/FSTP st(i). */
export function x87_st_st(d: usize, popAfter: u32): void {
  const i = dModrm(d) & 7;
  begin();
  if (isEmpty(0)) { stackFault = 1; setSt(i, NAN_M, NAN_SE); }
  else setSt(i, stM(0), stSE(0));
  finish(false);
  if (popAfter != 0) pop();
}

/** FIST/FISTP m16/m32/m64int, rounded by the control word; FISTTP truncates (trunc = 1). */
export function x87_st_int(d: usize, fmt: u32, popAfter: u32, trunc: u32): void {
  begin();
  const a = ea(d);
  const bits: u32 = fmt == X87_M16INT ? 16 : fmt == X87_M32INT ? 32 : 64;
  let v: u64;
  if (isEmpty(0)) { stackFault = 1; v = <u64>1 << (bits - 1); }
  else v = f80toInt(stM(0), stSE(0), bits, trunc != 0 ? RC_ZERO : getRC());
  if (bits == 16) wr16(a, <u32>v); else if (bits == 32) wr32(a, <u32>v); else wr64(a, v);
  if (faulted()) return;
  finish(true);
  if (popAfter != 0) pop();
}

/** FXCH st(i): an empty register reads as the default NaN. */
export function x87_fxch(d: usize): void {
  const i = dModrm(d) & 7;
  begin();
  let am = stM(0), ase = stSE(0), bm = stM(i), bse = stSE(i);
  if (isEmpty(0)) { stackFault = 1; am = NAN_M; ase = NAN_SE; }
  if (isEmpty(i)) { stackFault = 1; bm = NAN_M; bse = NAN_SE; }
  setSt(0, bm, bse);
  setSt(i, am, ase);
  finish(false);
}

// The constants' significands to 128 bits, rounded by RC when loaded (as the hardware does).
const K_HI: StaticArray<u64> = [0x8000000000000000, 0xD49A784BCD1B8AFE, 0xB8AA3B295C17F0BB, 0xC90FDAA22168C234, 0x9A209A84FBCFF798, 0xB17217F7D1CF79AB, 0];
const K_LO: StaticArray<u64> = [0, 0x492BF6FF4DAFDB4C, 0xBE87FED0691D3E88, 0xC4C6628B80DC1CD1, 0x8F8959AC0B7C9178, 0xC9E3B39803F2F6AF, 0];
const K_EXP: StaticArray<i32> = [0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0];

/** D9 E8-EE: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. */
export function x87_ldconst(d: usize): void {
  const k = dModrm(d) & 7;
  if (k == 7) { setExit(EXIT_UD); return; }
  begin();
  let m: u64 = 0, se: u32 = 0;
  if (k != 6) {
    roundPack(0, K_EXP[k], K_HI[k], K_LO[k], 64);
    m = rM; se = rSE;
  }
  clearExc();
  push(m, se);
  finish(false);
}

// ---- D9 E0-FF: one-operand instructions -----------------------------------------------------

/** D9 E0 FCHS, E1 FABS, E4 FTST, E5 FXAM. */
export function x87_d9e0(d: usize): void {
  const k = dModrm(d) & 7;
  begin();
  if (k == 5) {
    // FXAM: classify st(0); C1 is its sign bit. It raises nothing, even for an empty register.
    const m = stM(0), se = stSE(0);
    let cc: u32 = (se & 0x8000) != 0 ? SW_C1 : 0;
    if (isEmpty(0)) cc |= SW_C3 | SW_C0;
    else {
      const c = classify(m, se);
      if (c == CLASS_QNAN || c == CLASS_SNAN) cc |= SW_C0;
      else if (c == CLASS_NORMAL) cc |= SW_C2;
      else if (c == CLASS_INF) cc |= SW_C2 | SW_C0;
      else if (c == CLASS_ZERO) cc |= SW_C3;
      else if (c == CLASS_DENORMAL) cc |= SW_C3 | SW_C2;
    }
    setCC(cc);
    return;
  }
  if (k == 4) {
    compareSt0(0, 0, false, false);
    finish(false);
    return;
  }
  if (k != 0 && k != 1) { setExit(EXIT_UD); return; }
  if (isEmpty(0)) { stackFault = 1; setSt(0, NAN_M, NAN_SE); }
  else if (k == 0) setSt(0, stM(0), stSE(0) ^ 0x8000);
  else setSt(0, stM(0), stSE(0) & 0x7FFF);
  finish(false);
}

// The value a transcendental instruction operates on: NaN/unsupported handled by specialResult.
function nanOrUnsupported(i: u32): bool {
  const c = classify(stM(i), stSE(i));
  return c == CLASS_QNAN || c == CLASS_SNAN || c == CLASS_UNSUPPORTED;
}

/** The result for NaN/unsupported operands of a one-operand instruction. */
function specialResult(i: u32): void {
  const m = stM(i), se = stSE(i);
  const c = classify(m, se);
  if (c == CLASS_QNAN) { rM = m; rSE = se; return; }
  if (c == CLASS_SNAN) { raise(EX_IE); rM = m | 0x4000000000000000; rSE = se; return; }
  raise(EX_IE); setDefaultNaN();
}

/** NaN/unsupported operands of a two-operand instruction: the arithmetic NaN rules. */
function specialResult2(): void { f80add(stM(0), stSE(0), stM(1), stSE(1), false); }

/** D9 F0-F7: F2XM1, FYL2X, FPTAN, FPATAN, FXTRACT, FPREM1, FDECSTP, FINCSTP. */
export function x87_d9f0(d: usize): void {
  const k = dModrm(d) & 7;
  begin();
  if (k == 6 || k == 7) {
    store<u32>(S_FPU_TOP, (top() + (k == 7 ? 1 : 7)) & 7);
    finish(false);
    return;
  }
  const two = k == 1 || k == 3 || k == 5;
  if (isEmpty(0) || (two && isEmpty(1))) {
    stackFault = 1;
    if (k == 1 || k == 3) { setSt(1, NAN_M, NAN_SE); pop(); }
    else if (k == 2 || k == 4) { setSt(0, NAN_M, NAN_SE); push(NAN_M, NAN_SE); stackFault = 1; }
    else setSt(0, NAN_M, NAN_SE);
    finish(false);
    return;
  }
  const am = stM(0), ase = stSE(0);
  if (k == 0) {
    // F2XM1: 2^x - 1 for -1 <= x <= 1.
    const c = classify(am, ase);
    if (nanOrUnsupported(0)) specialResult(0);
    else if (c == CLASS_INF) { rM = INT_BIT; rSE = (ase & 0x8000) != 0 ? 0xBFFF : ase; }
    else f80f2xm1(am, ase);
    setSt(0, rM, rSE);
    finish(true);
    return;
  }
  if (k == 1 || k == 3) {
    const bm = stM(1), bse = stSE(1);
    if (nanOrUnsupported(0) || nanOrUnsupported(1)) specialResult2();
    else if (k == 3) f80atan2(bm, bse, am, ase);
    else fyl2x(am, ase, bm, bse);
    setSt(1, rM, rSE);
    finish(true);
    pop();
    return;
  }
  if (k == 2) {
    // FPTAN: st(0) = tan(st(0)), then push 1.0; out of range (|x| >= 2^63) sets C2 only.
    if (trigOutOfRange(am, ase)) { finish(false); setCC(SW_C2); return; }
    if (nanOrUnsupported(0)) specialResult(0);
    else if (classify(am, ase) == CLASS_INF) { raise(EX_IE); setDefaultNaN(); }
    else f80trig(am, ase, 2);
    const bad = nanOrUnsupported(0) || classify(am, ase) == CLASS_INF;
    setSt(0, rM, rSE);
    if (!bad) push(INT_BIT, 0x3FFF);
    finish(true);
    store<u32>(S_FPU_SW, load<u32>(S_FPU_SW) & ~SW_C2);
    return;
  }
  if (k == 4) {
    // FXTRACT: st(0) = exponent, then push the significand.
    const c = classify(am, ase);
    if (c == CLASS_ZERO) {
      raise(4); // ZE: the exponent of zero is -infinity
      setSt(0, INT_BIT, 0xFFFF);
      push(am, ase);
    } else if (c == CLASS_INF) { setSt(0, INT_BIT, 0x7FFF); push(am, ase); }
    else if (nanOrUnsupported(0)) { specialResult(0); setSt(0, rM, rSE); push(rM, rSE); }
    else {
      if (c == CLASS_DENORMAL) raise(EX_DE);
      const e = <i32>(ase & 0x7FFF);
      let m = am, ex = e;
      if (e == 0) { const lz = <i32>clz(m); m <<= lz; ex = 1 - lz; }
      f80fromInt(<i64>(ex - BIAS));
      setSt(0, rM, rSE);
      push(m, (ase & 0x8000) | 0x3FFF);
    }
    finish(false);
    return;
  }
  // FPREM1
  f80rem(am, ase, stM(1), stSE(1), true);
  setSt(0, rM, rSE);
  finish(false);
  remainderFlags();
}

let sincosUp: bool = false;

function trigOutOfRange(m: u64, se: u32): bool {
  const c = classify(m, se);
  return (c == CLASS_NORMAL) && (se & 0x7FFF) >= 0x3FFF + 63;
}

/** FYL2X: st(1) * log2(st(0)) with the special cases of SDM vol. 2 (FYL2X table). */
function fyl2x(xm: u64, xse: u32, ym: u64, yse: u32): void {
  const xc = classify(xm, xse), yc = classify(ym, yse);
  const xneg = (xse & 0x8000) != 0;
  if (xneg && xc != CLASS_ZERO) { raise(EX_IE); setDefaultNaN(); return; }
  if (xc == CLASS_ZERO) {
    if (yc != CLASS_ZERO && yc != CLASS_INF) raise(4);
    f80mul(ym, yse, INT_BIT, 0xFFFF); // y * -inf
    return;
  }
  if (xc == CLASS_INF) { f80mul(ym, yse, INT_BIT, 0x7FFF); return; }
  const one = xm == INT_BIT && (xse & 0x7FFF) == 0x3FFF;
  if (one) { f80mul(ym, yse, 0, 0); return; }
  if (yc == CLASS_ZERO || yc == CLASS_INF) {
    // The sign of log2(x) decides; its size does not matter.
    const below1 = (xse & 0x7FFF) < 0x3FFF;
    f80mul(ym, yse, INT_BIT, below1 ? 0xBFFF : 0x3FFF);
    return;
  }
  f80yl2x(xm, xse, ym, yse);
}

function remainderFlags(): void {
  let cc: u32 = 0;
  if (fPartial) cc = SW_C2;
  else {
    if ((fQuot & 4) != 0) cc |= SW_C0;
    if ((fQuot & 2) != 0) cc |= SW_C3;
    if ((fQuot & 1) != 0) cc |= SW_C1;
  }
  setCC(cc);
}

/** D9 F8-FF: FPREM, FYL2XP1, FSQRT, FSINCOS, FRNDINT, FSCALE, FSIN, FCOS. */
export function x87_d9f8(d: usize): void {
  const k = dModrm(d) & 7;
  begin();
  const two = k == 0 || k == 1 || k == 5;
  if (isEmpty(0) || (two && isEmpty(1))) {
    stackFault = 1;
    if (k == 1) { setSt(1, NAN_M, NAN_SE); pop(); }
    else if (k == 3) { setSt(0, NAN_M, NAN_SE); push(NAN_M, NAN_SE); stackFault = 1; }
    else setSt(0, NAN_M, NAN_SE);
    finish(false);
    return;
  }
  const am = stM(0), ase = stSE(0);
  if (k == 0) {
    f80rem(am, ase, stM(1), stSE(1), false);
    setSt(0, rM, rSE);
    finish(false);
    remainderFlags();
    return;
  }
  if (k == 1) {
    // FYL2XP1: st(1) * log2(st(0) + 1), for small st(0).
    const bm = stM(1), bse = stSE(1);
    const ca = classify(am, ase), cb = classify(bm, bse);
    if (nanOrUnsupported(0) || nanOrUnsupported(1)) specialResult2();
    else if (ca == CLASS_INF) { raise(EX_IE); setDefaultNaN(); }
    else if (ca == CLASS_ZERO || cb == CLASS_ZERO || cb == CLASS_INF) f80mul(bm, bse, am, ase);
    else f80yl2xp1(am, ase, bm, bse);
    setSt(1, rM, rSE);
    finish(true);
    pop();
    return;
  }
  if (k == 2) { f80sqrt(am, ase); setSt(0, rM, rSE); finish(true); return; }
  if (k == 4) { f80round(am, ase, getRC()); setSt(0, rM, rSE); finish(true); return; }
  if (k == 5) { f80scale(am, ase, stM(1), stSE(1)); setSt(0, rM, rSE); finish(true); return; }
  // FSINCOS (3), FSIN (6), FCOS (7): out of range (|x| >= 2^63) sets C2 and leaves st(0).
  if (trigOutOfRange(am, ase)) { finish(false); setCC(SW_C2); return; }
  const bad = nanOrUnsupported(0) || classify(am, ase) == CLASS_INF;
  if (nanOrUnsupported(0)) specialResult(0);
  else if (bad) { raise(EX_IE); setDefaultNaN(); }
  if (k == 3) {
    if (bad) { setSt(0, rM, rSE); push(rM, rSE); }
    else {
      f80trig(am, ase, 0);
      setSt(0, rM, rSE);
      const sinUp = fUp;
      f80trig(am, ase, 1);
      push(rM, rSE);
      sincosUp = sinUp;
    }
  } else {
    if (!bad) f80trig(am, ase, k == 6 ? 0 : 1);
    setSt(0, rM, rSE);
  }
  finish(true);
  if (k == 3 && !bad) {
    // C1 follows the rounding of the sine (the value left in st(1)).
    const sw = load<u32>(S_FPU_SW) & ~SW_C1;
    store<u32>(S_FPU_SW, sincosUp && stackFault == 0 ? sw | SW_C1 : sw);
  }
  store<u32>(S_FPU_SW, load<u32>(S_FPU_SW) & ~SW_C2);
}

// ---- control instructions -------------------------------------------------------------------

/** FLDCW m16. */
export function x87_ldcw(d: usize): void {
  const v = rd16(ea(d));
  if (faulted()) return;
  loadControlWord(v);
}
/** FNSTCW m16. */
export function x87_stcw(d: usize): void { wr16(ea(d), load<u32>(S_FPU_CW)); }
/** FNSTSW m16. */
export function x87_stsw(d: usize): void { wr16(ea(d), statusWord()); }
/** FNSTSW AX (DF E0). */
export function x87_stsw_ax(d: usize): void {
  if (dModrm(d) != 0xE0) { setExit(EXIT_UD); return; }
  writeGpr(RAX, 2, statusWord());
}

function init(): void {
  store<u32>(S_FPU_CW, 0x37F);
  store<u32>(S_FPU_SW, 0);
  store<u32>(S_FPU_TOP, 0);
  store<u32>(S_FPU_TAG, 0xFF);
}

/** DB E0-E7: FNCLEX (E2), FNINIT (E3); E0, E1, E4 (8087/287 FENI, FDISI, FSETPM) are no-ops. */
export function x87_dbe0(d: usize): void {
  const k = dModrm(d) & 7;
  if (k == 2) store<u32>(S_FPU_SW, load<u32>(S_FPU_SW) & ~(0x3F | SW_SF | SW_ES | SW_B));
  else if (k == 3) init();
  else if (k != 0 && k != 1 && k != 4) setExit(EXIT_UD);
}

/** FFREE st(i) (DD C0+i) and FFREEP st(i) (DF C0+i). */
export function x87_ffree(d: usize, popAfter: u32): void {
  const i = dModrm(d) & 7;
  store<u32>(S_FPU_TAG, load<u32>(S_FPU_TAG) | (<u32>1 << phys(i)));
  if (popAfter != 0) pop();
}

/** FNOP (D9 D0) and FWAIT (9B): nothing to do, as exceptions never trap. */
export function x87_nop(d: usize): void {
  if (load<u8>(d, 14) == 0xD9 && dModrm(d) != 0xD0) setExit(EXIT_UD);
}

// ---- environment and state images -----------------------------------------------------------

/** The full tag word: 2 bits per physical register (00 valid, 01 zero, 10 special, 11 empty). */
function fullTagWord(): u32 {
  const tag = load<u32>(S_FPU_TAG);
  let w: u32 = 0;
  for (let p: u32 = 0; p < 8; p++) {
    let t: u32;
    if (((tag >> p) & 1) != 0) t = 3;
    else {
      const a = S_FPU_ST + (p << 4);
      const c = classify(load<u64>(a), load<u16>(a, 8));
      t = c == CLASS_ZERO ? 1 : c == CLASS_NORMAL ? 0 : 2;
    }
    w |= t << (p * 2);
  }
  return w;
}

/** Stores the 28-byte protected-mode environment. */
function storeEnv(a: u64): void {
  wr32(a, 0xFFFF0000 | load<u32>(S_FPU_CW));
  wr32(a + 4, 0xFFFF0000 | statusWord());
  wr32(a + 8, 0xFFFF0000 | fullTagWord());
  wr32(a + 12, 0);
  wr32(a + 16, 0);
  wr32(a + 20, 0);
  wr32(a + 24, 0xFFFF0000);
}

function loadEnv(a: u64): bool {
  probeRange(a, 28, ACCESS_READ);
  if (faulted()) return false;
  const cw = rd16(a), sw = rd16(a + 4), tw = rd16(a + 8);
  if (faulted()) return false;
  loadStatusWord(sw);
  loadControlWord(cw);
  let tag: u32 = 0;
  for (let p: u32 = 0; p < 8; p++) if (((tw >> (p * 2)) & 3) == 3) tag |= <u32>1 << p;
  store<u32>(S_FPU_TAG, tag);
  return true;
}

/** FNSTENV m28: stores the environment, then masks all exceptions. */
export function x87_stenv(d: usize): void {
  const a = ea(d);
  probeWrite(a); probeWrite(a + 27);
  storeEnv(a);
  if (faulted()) return;
  store<u32>(S_FPU_CW, load<u32>(S_FPU_CW) | 0x3F);
}
/** FLDENV m28. */
export function x87_ldenv(d: usize): void { loadEnv(ea(d)); }

/** FNSAVE m108: environment and st(0)-st(7), then FNINIT. */
export function x87_save(d: usize): void {
  const a = ea(d);
  probeWrite(a); probeWrite(a + 107);
  storeEnv(a);
  for (let i: u32 = 0; i < 8; i++) write80(a + 28 + i * 10, stM(i), stSE(i));
  if (faulted()) return;
  init();
}

/** FRSTOR m108. */
export function x87_rstor(d: usize): void {
  const a = ea(d);
  probeRange(a, 108, ACCESS_READ);
  if (faulted()) return;
  loadEnv(a);
  for (let i: u32 = 0; i < 8; i++) {
    const p = stAddr(i);
    store<u64>(p, rd64(a + 28 + i * 10));
    store<u16>(p, <u16>rd16(a + 36 + i * 10), 8);
  }
}

// ---- FXSAVE / FXRSTOR -----------------------------------------------------------------------

const MXCSR_MASK: u32 = 0xFFFF;
const FX_USED: u32 = 416; // bytes 416-511 are available to software: never written
const fxBuf: usize = memory.data(FX_USED, 16);

/**
 * Writes the FXSAVE image of the current state (bytes 0-415 of the 512-byte layout) at p in Wasm
 * memory. FOP, FIP and FDP are zero. Exported for the kernel's signal frames.
 */
export function fxsaveImage(p: usize): void {
  let abridged: u32 = 0;
  const tag = load<u32>(S_FPU_TAG);
  for (let r: u32 = 0; r < 8; r++) if (((tag >> r) & 1) == 0) abridged |= <u32>1 << r;
  memory.fill(p, 0, 32);
  store<u16>(p, <u16>load<u32>(S_FPU_CW));
  store<u16>(p, <u16>statusWord(), 2);
  store<u8>(p, <u8>abridged, 4);
  store<u32>(p, load<u32>(S_MXCSR), 24);
  store<u32>(p, MXCSR_MASK, 28);
  for (let i: u32 = 0; i < 8; i++) {
    const s = p + 32 + (i << 4);
    store<u64>(s, stM(i));
    store<u64>(s, <u64>stSE(i), 8); // the upper six bytes of each slot are zero
  }
  memory.copy(p + 160, S_XMM, 256);
}

/**
 * Loads the state from an FXSAVE image at p in Wasm memory; false (and nothing loaded) when MXCSR
 * has reserved bits set. Exported for the kernel's sigreturn.
 */
export function fxrstorImage(p: usize): bool {
  const mxcsr = load<u32>(p, 24);
  if ((mxcsr & ~MXCSR_MASK) != 0) return false;
  loadStatusWord(load<u16>(p, 2));
  loadControlWord(load<u16>(p));
  store<u32>(S_FPU_TAG, ~(<u32>load<u8>(p, 4)) & 0xFF);
  store<u32>(S_MXCSR, mxcsr);
  for (let i: u32 = 0; i < 8; i++) {
    const s = p + 32 + (i << 4);
    const r = stAddr(i);
    store<u64>(r, load<u64>(s));
    store<u16>(r, load<u16>(s, 8), 8);
  }
  memory.copy(S_XMM, p + 160, 256);
  return true;
}

/** FXSAVE m512 (0F AE /0): 16-byte aligned, else #GP. */
export function fxsave(d: usize): void {
  const a = ea(d);
  if ((a & 15) != 0) { setExit(EXIT_GP); return; }
  // Probe both ends first so a fault leaves the area unwritten (the host reports the last byte).
  probeWrite(a); probeWrite(a + 511);
  if (faulted()) return;
  fxsaveImage(fxBuf);
  for (let o: u32 = 0; o < FX_USED; o += 8) wr64(a + o, load<u64>(fxBuf + o));
}

/** FXRSTOR m512 (0F AE /1): 16-byte aligned, else #GP; reserved MXCSR bits raise #GP. */
export function fxrstor(d: usize): void {
  const a = ea(d);
  if ((a & 15) != 0) { setExit(EXIT_GP); return; }
  probeRange(a, 1, ACCESS_READ);
  if (!faulted()) translate(a + 511, ACCESS_READ, false);
  if (faulted()) return;
  for (let o: u32 = 0; o < FX_USED; o += 8) store<u64>(fxBuf + o, rd64(a + o));
  if (!fxrstorImage(fxBuf)) setExit(EXIT_GP);
}
