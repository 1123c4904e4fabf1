// Translates one decoded block into the body of a Wasm function `(rip: i64) -> i32` with the
// contract of asm/exec.ts: it returns (k << 2) | code, code 0 = done after k instructions (rip
// stored), 1 = left at record k for the interpreter (everything before k committed, rip = its
// address), 2 = stopped with an exit reason after k counted instructions.
//
// The fast forms (asm/fast.ts) are translated inline: guest registers live in Wasm locals from
// their first use to the block's exits, the lazy-flag record in locals until an exit or a helper
// needs it in memory, and memory operands take the TLB fast path inline; a TLB miss leaves the
// instruction to the interpreter (code 1), whose generic handler then resolves or raises the
// fault exactly as without the JIT. Every other record calls the core's generic handler
// (jitGeneric) with all state committed first, so any block can be compiled.
//
// The compiler runs often and mostly cold (a short program compiles a few dozen regions): what
// it does per record is table lookups (rowOf, the encoded sequences) and appends to one reused
// buffer, in one pass per region; the engine's share is kept small by small modules without
// imported functions (HELPERS).
import * as L from "../gen/layout.js";
import { OP_TEXT } from "../gen/ops.js";
import { Code, Op, Simd, I32, I64, modulePrefix, moduleWith, type FuncType, type ImportFunc } from "./wasm.js";
import {
  R_OP, R_LEN, R_SIZE, R_FLAGS, R_SEG, R_REG, R_RM, R_REG8, R_RM8, R_BASE, R_INDEX, R_SCALE, R_OPCODE, R_DISP, R_DST,
  R_SRC, R_IMM, R_GOP, RECORD_SIZE, BLOCK_HEADER, H_TARGETS, H_TARGET_SLOTS, TARGET_HASH_SHIFT, F_MOD3, F_RIPREL, F_ASIZE32, F_REP, F_REPNE, F_LOCK,
  F_REXW, FOP, SK_ROL, SK_ROR, SK_SHL, SK_SHR, SK_SAR, UK_NOT, UK_NEG, LAZY_ADD, LAZY_SUB, LAZY_LOGIC, LAZY_SHIFT, LAZY_IMUL,
} from "./record.js";

const ARITH_FLAGS = L.FLAG_CF | L.FLAG_PF | L.FLAG_AF | L.FLAG_ZF | L.FLAG_SF | L.FLAG_OF;
const RSP = 4;
/** The sign bit of an operand of 1, 2, 4 or 8 bytes. */
const SIGN_BIT = [0n, 0x80n, 0x8000n, 0n, 0x80000000n, 0n, 0n, 0n, 0x8000000000000000n];

// Locals: 0 rip and 1 the instruction budget left (params), 2-17 guest registers, then scratch;
// a region keeps its instructions counted before the current block in CNT and the next block in IDX,
// and passes the flag record from block to block in LRES, LSRC1, LSRC2 with its kind and size in
// LKIND and LSIZE (kind 0: the record is in memory). CY holds a carry in (ADC/SBB).
const REMAINING = 1, REG0 = 2, EA = 18, LRES = 19, LSRC1 = 20, LSRC2 = 21, A = 22, B = 23, C = 24, H = 25, T = 26, BASE = 27,
  CNT = 28, IDX = 29, LKIND = 30, LSIZE = 31, CY = 32;
const LOCALS: [number, number][] = [[23, I64], [8, I32]];
/** A sequence of instructions that depends on nothing the compiler tracks, encoded once: emitting it is one copy. */
function encoded(emit: (c: Code) => void): Uint8Array { const c = new Code(); emit(c); return c.view().slice(); }
/**
 * The fixed sequences, encoded on the first compile (not at start-up: most runs compile nothing).
 * loadReg[r] and storeReg[r]: guest register r from the state block into its local, and back;
 * storeDyn: the flag record whose kind and size are in LKIND and LSIZE, when LKIND is not 0;
 * dynFlags and noFlags: leave's flag-record arguments when the record is in LKIND, LSIZE and the
 * flag locals, or in memory; prefix: a module's bytes before its code section, without and with
 * the profile import (made when first needed: see prefixOf).
 */
interface Sequences {
  loadReg: Uint8Array[]; storeReg: Uint8Array[]; storeDyn: Uint8Array; dynFlags: Uint8Array; noFlags: Uint8Array; prefix: (Uint8Array | undefined)[];
  /** The region function's locals, encoded; leaveBody's parts. */
  locals: Uint8Array; leaveHead: Uint8Array; leaveTail: Uint8Array;
}
let sequences: Sequences | null = null;
function sequencesOf(): Sequences {
  return sequences ??= {
    loadReg: Array.from({ length: 16 }, (_, r) => encoded((c) => c.i32(0).mem(Op.i64_load, L.S_REGS + r * 8).set(REG0 + r))),
    storeReg: Array.from({ length: 16 }, (_, r) => encoded((c) => c.i32(0).get(REG0 + r).mem(Op.i64_store, L.S_REGS + r * 8))),
    storeDyn: encoded((c) => {
      c.get(LKIND).if_();
      flagRecord(c, () => c.get(LKIND), () => c.get(LSIZE));
      c.end();
    }),
    dynFlags: encoded((c) => c.get(LKIND).get(LSIZE).get(LRES).get(LSRC1).get(LSRC2)),
    noFlags: encoded((c) => c.i32(0).i32(0).i64(0).i64(0).i64(0)),
    prefix: [],
    locals: encodedLocals(LOCALS),
    ...(([leaveHead, leaveTail]) => ({ leaveHead, leaveTail }))(leaveParts()),
  };
}
/** storeFlags's body for a record of kind op and size (1-8) known at compile time, by op * 16 + size. */
const STORE_FLAGS: (Uint8Array | undefined)[] = [];
function storeFlagsSeq(op: number, size: number): Uint8Array {
  return STORE_FLAGS[op * 16 + size] ??= encoded((c) => flagRecord(c, () => c.i32(op), () => c.i32(size)));
}
/** Stores the flag record: its kind and size as kind() and size() push them, its operands from the flag locals. */
function flagRecord(c: Code, kind: () => void, size: () => void): void {
  c.i32(0); kind(); c.mem(Op.i32_store, L.S_LAZY_OP);
  c.i32(0); size(); c.mem(Op.i32_store, L.S_LAZY_SIZE);
  c.i32(0).get(LRES).mem(Op.i64_store, L.S_LAZY_RES);
  c.i32(0).get(LSRC1).mem(Op.i64_store, L.S_LAZY_SRC1);
  c.i32(0).get(LSRC2).mem(Op.i64_store, L.S_LAZY_SRC2);
  c.i32(0).i64(ARITH_FLAGS).mem(Op.i64_store, L.S_LAZY_MASK);
}
/**
 * tlb()'s test before its bail (up to the if), by TLB and access size: whether the page of EA is
 * in the TLB (T: the entry's offset in it) with [EA, EA+size) inside the page (H: EA's offset in
 * it). The TLB's address is the loads' constant offset.
 */
const TLB_TEST = new Map<number, Uint8Array>();
function tlbTestSeq(tlb: number, size: number): Uint8Array {
  const key = tlb * 32 + size;
  let s = TLB_TEST.get(key);
  if (!s) {
    s = encoded((c) => {
      // entry (EA >> 12) & (TLB_ENTRIES - 1), 16 bytes each: the virtual page number, then the host address of its frame
      c.get(EA).op(Op.i32_wrap_i64).i32(8).op(Op.i32_shr_u).i32((L.TLB_ENTRIES - 1) << 4).op(Op.i32_and).tee(T);
      c.mem(Op.i64_load, tlb).get(EA).i64(12).op(Op.i64_shr_u).op(Op.i64_ne);
      c.get(EA).op(Op.i32_wrap_i64).i32(0xfff).op(Op.i32_and).tee(H).i32(4096 - size).op(Op.i32_gt_u).op(Op.i32_or);
    });
    TLB_TEST.set(key, s);
  }
  return s;
}
/** tlb()'s host address of EA into H, after the test, by TLB. */
const TLB_HOST = new Map<number, Uint8Array>();
function tlbHostSeq(tlb: number): Uint8Array {
  let s = TLB_HOST.get(tlb);
  if (!s) { s = encoded((c) => { c.get(T).mem(Op.i32_load, tlb + 8).get(H).op(Op.i32_add).set(H); }); TLB_HOST.set(tlb, s); }
  return s;
}
/** Iterations of a self-loop stop here so that counts stay far from the i32 result's range. */
const LOOP_COUNT_LIMIT = 1 << 28;

/** Thrown when a self-loop's second copy does not end in the state it started from: compile that block without the loop. */
class NoLoop extends Error { constructor(readonly block: number) { super("no loop"); } }

export const TYPES: FuncType[] = [
  { params: [I64, I32], results: [I32] },      // the block (rip, budget left)
  { params: [I32, I64, I64], results: [I32] }, // jitGeneric(rec, rip, next)
  { params: [I32], results: [I32] },           // jitCond(cc)
  { params: [I32, I32], results: [] },         // jitCarryOverflow(cf, of)
  { params: [I32], results: [] },              // profile(generic op id), only when profiling
  { params: [I32, I32, I64, I64, I64, I64, I32, I32], results: [I32] }, // the module's leave(kind, size, res, src1, src2, rip, rec, count)
];
const T_LEAVE = 5;
/**
 * The core's helpers are called through the table env.helpers (HELPERS: their slots there, the
 * same as their types' indices), not imported as functions: this engine (V8 in Node 20) compiles
 * a wasm-to-JS wrapper per imported function signature for every module it compiles, with its
 * optimizing compiler, and that was most of the cost of compiling a small module.
 */
export const HELPERS = ["generic", "cond", "carry"] as const;
const H_GENERIC = 0, H_COND = 1, H_CARRY = 2;
/** The profile function, a JavaScript function, is the one import: only when profiling. */
const F_PROFILE = 0;

export function importsOf(profile: boolean): ImportFunc[] {
  return profile ? [{ module: "env", name: "profile", type: 4 }] : [];
}
/**
 * The body of the module's leave function: what the cold exits of a block do after storing the
 * registers changed in locals (inline, as only the caller knows which). It stores the flag record
 * passed (kind 0: the record is in memory already), rip and, unless rec is 0, rec as the record
 * the interpreter goes on at (the header field resume), and returns the block's result for count
 * instructions done: code 1 with a record, else 0. One call instead of these stores at each of the
 * many cold exits (a memory access's TLB miss, the budget running out) keeps modules small.
 */
function leaveBody(resume: number, s: Sequences): Uint8Array {
  const out = new Uint8Array(s.leaveHead.length + 5 + s.leaveTail.length);
  out.set(s.leaveHead, 0);
  let at = s.leaveHead.length;
  for (let v = resume >>> 0; ; ) { const b = v & 0x7f; v >>>= 7; out[at++] = v ? b | 0x80 : b; if (!v) break; }
  out.set(s.leaveTail, at);
  return out.subarray(0, at + s.leaveTail.length);
}
/** leaveBody up to the offset of its store of rec (the record's header field), and after it. */
function leaveParts(): [Uint8Array, Uint8Array] {
  const c = new Code(new Uint8Array(128));
  c.get(0).if_();
  c.i32(0).get(0).mem(Op.i32_store, L.S_LAZY_OP);
  c.i32(0).get(1).mem(Op.i32_store, L.S_LAZY_SIZE);
  c.i32(0).get(2).mem(Op.i64_store, L.S_LAZY_RES);
  c.i32(0).get(3).mem(Op.i64_store, L.S_LAZY_SRC1);
  c.i32(0).get(4).mem(Op.i64_store, L.S_LAZY_SRC2);
  c.i32(0).i64(ARITH_FLAGS).mem(Op.i64_store, L.S_LAZY_MASK);
  c.end();
  c.i32(0).get(5).mem(Op.i64_store, L.S_RIP);
  c.get(6).if_().i32(0).get(6).op(Op.i32_store).u32(0); // alignment; the offset is the header's resume field
  const head = c.view().slice();
  c.len = 0;
  c.end();
  c.get(7).i32(2).op(Op.i32_shl).get(6).i32(0).op(Op.i32_ne).op(Op.i32_or);
  return [head, c.view().slice()];
}
/** The body buffer, reused from compile to compile (the module is copied out of it): no growing it each time. */
let scratch: Uint8Array | null = null;

/**
 * Where a guest register is: None in memory only, Clean in its local too, Dirty in its local
 * only. Entry (a region's block before it touches the register): in its local exactly when the
 * block uses it at all, which is known once the block is compiled: see compile's holes.
 */
const enum Reg { None, Clean, Dirty, Entry }

/**
 * What the profile counts a generic record under: its op id, operand size (bits 16-19) and
 * form (bits 20-21: 0 register, 1 plain memory, 2 memory with a segment or 32-bit address,
 * 3 LOCK/REP), so the report says which form of an encoding to inline next.
 */
function profileKey(dv: DataView, p: number, fopBase: number): number {
  const op = dv.getUint16(p + R_OP, true), f = dv.getUint16(p + R_FLAGS, true);
  const form = f & (F_LOCK | F_REP | F_REPNE) ? 3 : f & F_MOD3 ? 0 : dv.getUint8(p + R_SEG) !== 0 || f & F_ASIZE32 ? 2 : 1;
  return (op >= fopBase ? dv.getUint16(p + R_GOP, true) : op) | (dv.getUint8(p + R_SIZE) << 16) | (form << 20);
}

/** The profile key's text: mnemonic, operand size in bits, form. */
export function profileKeyText(key: number, text: (op: number) => string): string {
  const form = ["reg", "mem", "seg/a32", "lock/rep"][(key >> 20) & 3];
  return `${text(key & 0xffff)}  /${((key >> 16) & 15) * 8} ${form}`;
}

/** The generic rows the compiler translates inline (inlineGeneric), by kind. */
const enum G {
  None, Nop, Alu, Test, NegNot, Shift, IncDec, BitScan, Bt, Xchg, Mul, Cbw, Imul2, Mov, Movd, Shuffle, Pminub, Pshuf, Movx, Setcc,
  Cmov, Cwd, Imul3, Rotate1, MovByte, Indirect,
}
/**
 * What inlineGeneric needs of a generic op id's row, worked out from its text once per op id
 * (ROWS) rather than by matching the text at every record: the kind and up to three numbers
 * whose meaning is the kind's (see rowOf).
 */
interface Row { g: G; sse: boolean; x: number; y: number; z: number; lanes: number[] | null }
const ROWS: (Row | undefined)[] = [];
function rowOf(gop: number): Row {
  return ROWS[gop] ?? (ROWS[gop] = classify(OP_TEXT[gop] ?? ""));
}

/** The unpack-low shuffles: byte lanes of dst ++ src. */
const XSHUFFLE: Record<string, number[]> = {
  "punpcklbw Vx,Wx": [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23],
  "punpcklwd Vx,Wx": [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23],
  "punpckldq Vx,Wx": [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23],
  "punpcklqdq Vx,Wx": [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23],
};
XSHUFFLE["unpcklps Vps,Wps"] = XSHUFFLE["punpckldq Vx,Wx"];
XSHUFFLE["unpcklpd Vpd,Wpd"] = XSHUFFLE["punpcklqdq Vx,Wx"];
const ALU_NAMES = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const ALU_KIND = [LAZY_ADD, LAZY_LOGIC, 0, 0, LAZY_LOGIC, LAZY_SUB, LAZY_LOGIC, LAZY_SUB];
const ALU_OP = [Op.i64_add, Op.i64_or, Op.i64_add, Op.i64_sub, Op.i64_and, Op.i64_sub, Op.i64_xor, Op.i64_sub];
const ALU_ADC = 2, ALU_SBB = 3, ALU_CMP = 7;
/** ALU operand forms: x of an Alu row. */
const enum AluForm { EG, EI, GE, Acc }
const CCS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
const SHIFTS: Record<string, number> = { rol: SK_ROL, ror: SK_ROR, shl: SK_SHL, sal: SK_SHL, shr: SK_SHR, sar: SK_SAR };
/** The count of a Shift row (y): by CL, by 1, by the immediate. */
const COUNT_CL = 0, COUNT_1 = 1, COUNT_IB = 2;

function classify(text: string): Row {
  const row = (g: G, x = 0, y = 0, z = 0, lanes: number[] | null = null): Row => ({ g, sse: / V/.test(text), x, y, z, lanes });
  let m: RegExpMatchArray | null;
  if (text === "nop Ev" || text === "nop") return row(G.Nop);
  if ((m = text.match(/^(add|or|adc|sbb|and|sub|xor|cmp) (Ev,Gv|Ev,Ib|Ev,Iz|Gv,Ev|Eb,Ib|Eb,Gb|Gb,Eb|AL,Ib|eAX,Iz)$/))) {
    const f = m[2];
    const form = f === "AL,Ib" || f === "eAX,Iz" ? AluForm.Acc : f.startsWith("G") ? AluForm.GE : f.endsWith("G" + f[1]) ? AluForm.EG : AluForm.EI;
    return row(G.Alu, form, ALU_NAMES.indexOf(m[1]));
  }
  if ((m = text.match(/^test (Ev,Gv|Eb,Gb|Ev,Iz|Eb,Ib|AL,Ib|eAX,Iz)$/))) return row(G.Test, m[1].startsWith("E") ? 1 : 0, m[1].includes("I") ? 1 : 0);
  if ((m = text.match(/^(neg|not) E[bv]$/))) return row(G.NegNot, m[1] === "not" ? 1 : 0);
  if ((m = text.match(/^(shl|sal|shr|sar) E[bv],(Ib|1|CL)$/))) return row(G.Shift, SHIFTS[m[1]], m[2] === "CL" ? COUNT_CL : m[2] === "1" ? COUNT_1 : COUNT_IB);
  if ((m = text.match(/^(inc|dec) E[bv]$/))) return row(G.IncDec, m[1] === "inc" ? 1 : 0);
  if ((m = text.match(/^(bsf|bsr) Gv,Ev$/))) return row(G.BitScan, m[1] === "bsf" ? 1 : 0);
  if ((m = text.match(/^bt Ev,(Gv|Ib)$/))) return row(G.Bt, m[1] === "Gv" ? 1 : 0);
  if ((m = text.match(/^xchg (Zv,rAX|Ev,Gv|Eb,Gb)$/))) return row(G.Xchg, m[1] === "Zv,rAX" ? 1 : 0);
  if (text === "mul Ev") return row(G.Mul);
  if (text === "cbw") return row(G.Cbw);
  if (text === "imul Gv,Ev") return row(G.Imul2);
  if ((m = text.match(/^mov (Ev,Gv|Gv,Ev|Ev,Iz)$/))) return row(G.Mov, ["Gv,Ev", "Ev,Gv", "Ev,Iz"].indexOf(m[1]));
  if (text === "movd Vy,Ey" || text === "movd Ey,Vy") return row(G.Movd, text === "movd Vy,Ey" ? 1 : 0);
  if (XSHUFFLE[text]) return row(G.Shuffle, 0, 0, 0, XSHUFFLE[text]);
  if (text === "pminub Vx,Wx") return row(G.Pminub);
  if (text === "pshufd Vx,Wx,Ib" || text === "pshuflw Vx,Wx,Ib" || text === "pshufhw Vx,Wx,Ib") return row(G.Pshuf, ["d", "lw", "hw"].indexOf(text.slice(5, text.indexOf(" "))));
  if ((m = text.match(/^(movzx|movsx) Gv,E([bw])$/))) return row(G.Movx, m[2] === "b" ? 1 : 2, m[1] === "movsx" ? 1 : 0);
  if ((m = text.match(/^set(\w+) Eb$/)) && CCS.includes(m[1])) return row(G.Setcc);
  if ((m = text.match(/^cmov(\w+) Gv,Ev$/)) && CCS.includes(m[1])) return row(G.Cmov);
  if (text === "cwd") return row(G.Cwd);
  if (/^imul Gv,Ev,I[bz]$/.test(text)) return row(G.Imul3);
  if ((m = text.match(/^(rol|ror) Ev,1$/))) return row(G.Rotate1, SHIFTS[m[1]]);
  if ((m = text.match(/^mov (Eb,Gb|Gb,Eb|Eb,Ib)$/))) return row(G.MovByte, ["Gb,Eb", "Eb,Gb", "Eb,Ib"].indexOf(m[1]));
  if (text === "call Ev" || text === "jmp Ev") return row(G.Indirect, text === "call Ev" ? 1 : 0);
  return row(G.None);
}

/** Record p's immediate as a signed 64-bit value: a Number when it is one exactly (nearly all are), else a BigInt. */
function immOf(dv: DataView, p: number): number | bigint {
  const lo = dv.getUint32(p + R_IMM, true), hi = dv.getInt32(p + R_IMM + 4, true);
  if (hi >= -0x100000 && hi < 0x100000) return hi * 0x100000000 + lo;
  return BigInt.asIntN(64, dv.getBigUint64(p + R_IMM, true));
}

/** The targets a block's return or indirect branch went to (H_TARGETS slots), in bytes from the block's start. */
export function recordedTargets(dv: DataView, header: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < H_TARGET_SLOTS; i++) {
    const t = dv.getInt32(header + H_TARGETS + i * 4, true);
    if (t !== 0 && !out.includes(t)) out.push(t);
  }
  return out;
}

/** What a compiled block is: the module bytes, and how many of its records ran inline. */
export interface CompiledBlock { bytes: Uint8Array; inline: number; generic: number; loop: boolean; blocks: number }

/**
 * A decoded block of a region: its records and where it starts, in bytes from the entry block's
 * first instruction. A block on another page than the entry has the frame its page mapped to when
 * it was compiled: entering it checks that the exec TLB still maps it there.
 */
export interface RegionBlock { rec: number; n: number; start: number; frame?: number }

/**
 * Compiles the block whose n records start at rec in the core's memory dv. fopBase is the
 * core's first fast op id; resume is where a bail stores the record the interpreter goes on at
 * (the header's H_RESUME field).
 */
export function compileBlock(dv: DataView, rec: number, n: number, fopBase: number, resume: number, profile = false): CompiledBlock {
  return compileRegion(dv, [{ rec, n, start: 0 }], fopBase, resume, profile);
}

/**
 * Compiles a region: blocks[0] is the entry, the others are blocks its direct branches reach
 * (same page as the entry: its translation, checked by the run loop, covers them all). A branch
 * to a block of the region continues there without leaving the function: a loop over a br_table
 * on the block index. A transition stores the registers changed in locals and loads the ones the
 * next block uses that are not in locals yet, so each block starts with the registers it uses in
 * locals, all of them also in memory; the flag record goes along in locals (LKIND). Every
 * transition adds the block's instructions to CNT and stops at the budget as the run loop would
 * after that block.
 */
export function compileRegion(dv: DataView, blocks: RegionBlock[], fopBase: number, resume: number, profile = false): CompiledBlock {
  const noLoop = new Set<number>();
  for (;;) {
    try { return compile(dv, blocks, fopBase, resume, profile, noLoop); }
    catch (e) { if (e instanceof NoLoop && !noLoop.has(e.block)) noLoop.add(e.block); else throw e; }
  }
}

/**
 * A place in a region's body where a transition to block `to` loads the registers that block
 * uses and the block it leaves does not hold in locals: which ones is known only when both are
 * compiled, so the loads are put in when the body is complete (fillHoles). none and entry are the
 * masks of the registers in state None and Entry there, load of those loaded.
 */
interface Hole { at: number; from: number; to: number; none: number; entry: number; load: number }

function compile(dv: DataView, blocks: RegionBlock[], fopBase: number, resume: number, profile: boolean, noLoop: Set<number>): CompiledBlock {
  const c = new Code(scratch ??= new Uint8Array(1 << 14));
  const seq = sequencesOf();
  const { loadReg: LOAD_REG, storeReg: STORE_REG, storeDyn: STORE_DYN, dynFlags: DYN_FLAGS, noFlags: NO_FLAGS } = seq;
  /** The module's leave function: after the imports and the block's own function. */
  const fLeave = importsOf(profile).length + 1;
  const region = blocks.length > 1;
  /** Set while the second copy of a self-loop's body is emitted: counts are then BASE + k. */
  let inLoop = false, looped = false;
  const reg: Reg[] = new Array(16).fill(Reg.None);
  /** The registers each block reads or writes (bit r: register r). */
  const uses: number[] = blocks.map(() => 0);
  const holes: Hole[] = [];
  /** Records a hole for a transition from the current block to block to (see Hole). */
  const hole = (to: number) => {
    let none = 0, entry = 0;
    for (let r = 0; r < 16; r++) { if (reg[r] === Reg.None) none |= 1 << r; else if (reg[r] === Reg.Entry) entry |= 1 << r; }
    holes.push({ at: c.len, from: bi, to, none, entry, load: 0 });
  };
  /** The lazy-flag record when it is in locals (kind and size known here), else null: in memory. */
  let flags: { op: number; size: number } | null = null;
  /** With flags null: the record may be in locals, as LKIND says (a region's block entered from another). */
  let dyn = false;
  /** The block being emitted: its index, records, their count and byte offsets from the entry's rip. */
  let bi = 0, rec = 0, n = 0, allowLoop = true;
  let off: number[] = [];
  const blockAt = new Map<number, number>();
  blocks.forEach((b, i) => blockAt.set(b.start, i));
  /** The depth of the region's dispatch loop (branches to it continue at block IDX). */
  const DISPATCH = 1;
  let inline = 0, generic = 0;

  /** Pushes the instructions done before record k in this call. */
  const countOf = (k: number) => {
    if (inLoop || region) { c.get(inLoop ? BASE : CNT); if (k) c.i32(k).op(Op.i32_add); } else c.i32(k);
  };
  const ret = (k: number, code: number) => {
    if (inLoop || region) { countOf(k); c.i32(2).op(Op.i32_shl); if (code) c.i32(code).op(Op.i32_or); }
    else c.i32((k << 2) | code);
    c.op(Op.return_);
  };
  const ripOff = (o: number | bigint) => { c.get(0); if (o !== 0 && o !== 0n) c.i64(o).op(Op.i64_add); };
  const ripAt = (k: number) => ripOff(off[k]);
  const getReg = (r: number) => {
    uses[bi] |= 1 << r;
    if (reg[r] === Reg.None) { c.bytes(LOAD_REG[r]); reg[r] = Reg.Clean; }
    else if (reg[r] === Reg.Entry) reg[r] = Reg.Clean; // the block uses it: it came in a local
    c.get(REG0 + r);
  };
  const setReg = (r: number) => { uses[bi] |= 1 << r; c.set(REG0 + r); reg[r] = Reg.Dirty; };
  /** Stores what is only in locals (no change to what the compiler knows: used on exit paths). */
  /** Stores the lazy-flag locals into the state block (the interpreter's form of them). */
  const storeFlags = (f: NonNullable<typeof flags>) => { c.bytes(storeFlagsSeq(f.op, f.size)); };
  /** Stores the flag record a block was entered with when it is in locals. */
  const storeDyn = () => { c.bytes(STORE_DYN); };
  const commit = () => {
    for (let r = 0; r < 16; r++) if (reg[r] === Reg.Dirty) c.bytes(STORE_REG[r]);
    if (flags) storeFlags(flags);
    else if (dyn) storeDyn();
  };
  const flushFlags = () => {
    if (flags) storeFlags(flags);
    else if (dyn) storeDyn();
    flags = null;
    dyn = false;
  };
  /** Leaves the block at record k for the interpreter. */
  const bail = (k: number) => { coldExit(off[k], rec + k * RECORD_SIZE, k); };
  /**
   * A cold exit through the module's leave function after k instructions, to target (bytes from
   * the entry's rip), with record at left to the interpreter (0: none).
   */
  const coldExit = (target: number | bigint, at: number, k: number) => {
    for (let r = 0; r < 16; r++) if (reg[r] === Reg.Dirty) c.bytes(STORE_REG[r]);
    if (flags) c.i32(flags.op).i32(flags.size).get(LRES).get(LSRC1).get(LSRC2);
    else c.bytes(dyn ? DYN_FLAGS : NO_FLAGS);
    ripOff(target); c.i32(at); countOf(k);
    c.call(fLeave).op(Op.return_);
  };
  /**
   * Leaves the block after its k instructions for the code at target (bytes from the entry's
   * rip): a block of the region goes on inside the function, anything else returns with rip
   * stored. Emits code only: what the compiler knows of registers and flags stays as it was.
   */
  const exitTo = (target: number | bigint, k: number) => {
    const to = region && typeof target === "number" ? blockAt.get(target) : undefined;
    const leave = () => {
      commit();
      c.i32(0); ripOff(target); c.mem(Op.i64_store, L.S_RIP);
      ret(k, 0);
    };
    if (to === undefined) { leave(); return; }
    const frame = blocks[to].frame;
    if (frame !== undefined) {
      // the guard of a block on another page: its page's exec TLB entry still maps the frame it was compiled from
      ripOff(target); c.i64(12).op(Op.i64_shr_u).set(C);
      c.get(C).op(Op.i32_wrap_i64).i32(L.TLB_ENTRIES - 1).op(Op.i32_and).i32(4).op(Op.i32_shl).i32(L.TLB_EXEC).op(Op.i32_add).tee(T);
      c.mem(Op.i64_load, 0).get(C).op(Op.i64_ne);
      c.get(T).mem(Op.i32_load, 8).i32(frame).op(Op.i32_ne).op(Op.i32_or);
      c.if_(); coldExit(target, 0, k); c.end();
    }
    // Every block starts with the registers it uses in locals (and in memory) and the flag record where LKIND says.
    if (flags) c.i32(flags.op).set(LKIND).i32(flags.size).set(LSIZE);
    else if (!dyn) c.i32(0).set(LKIND);
    for (let r = 0; r < 16; r++) if (reg[r] === Reg.Dirty) c.bytes(STORE_REG[r]);
    hole(to);
    countOf(k); c.set(CNT);
    c.get(CNT).get(REMAINING).op(Op.i32_ge_u).get(CNT).i32(LOOP_COUNT_LIMIT).op(Op.i32_gt_u).op(Op.i32_or);
    c.if_();
    c.bytes(DYN_FLAGS); ripOff(target); c.i32(0).get(CNT).call(fLeave).op(Op.return_);
    c.end();
    c.i32(to).set(IDX).br(c.depth - DISPATCH);
  };
  /**
   * Leaves the block after its k instructions for the address in local v (a return or an
   * indirect branch): to a block of the region when v is one of the targets the block recorded
   * (H_TARGETS) and the region holds, else out of the function, recording v among the targets.
   */
  const dynamicExit = (v: number, k: number) => {
    const header = rec - BLOCK_HEADER, start = off[0];
    for (const t of recordedTargets(dv, header)) {
      const to = start + t;
      if (!region || !blockAt.has(to)) continue;
      c.get(v); ripOff(to); c.op(Op.i64_eq);
      c.if_(); exitTo(to, k); c.end();
    }
    c.get(v); ripOff(start); c.op(Op.i64_sub).op(Op.i32_wrap_i64).set(T);
    c.get(T).get(T).i32(TARGET_HASH_SHIFT).op(Op.i32_shr_u).op(Op.i32_xor).i32(H_TARGET_SLOTS - 1).op(Op.i32_and).i32(2).op(Op.i32_shl);
    c.get(T).mem(Op.i32_store, header + H_TARGETS);
    c.i32(0).get(v).mem(Op.i64_store, L.S_RIP);
    commit();
    ret(k, 0);
  };
  /** The host address of [EA, EA+size) for the TLB at tlb into H, or a bail to record k. */
  const tlb = (tlb: number, size: number, k: number) => {
    c.bytes(tlbTestSeq(tlb, size));
    c.if_(); bail(k); c.end();
    c.bytes(tlbHostSeq(tlb));
  };
  /** The fast forms' memory operand (no segment, 64-bit address) of record k into EA. */
  const fastEA = (p: number, k: number) => {
    const disp = dv.getInt32(p + R_DISP, true);
    if ((dv.getUint16(p + R_FLAGS, true) & F_RIPREL) !== 0) {
      ripOff(off[k + 1] + disp); c.set(EA);
      return;
    }
    const base = dv.getUint8(p + R_BASE), index = dv.getUint8(p + R_INDEX), scale = dv.getUint8(p + R_SCALE);
    let any = false;
    if (base !== 0xff) { getReg(base); any = true; }
    if (index !== 0xff) {
      getReg(index);
      if (scale !== 0) c.i64(scale).op(Op.i64_shl);
      if (any) c.op(Op.i64_add);
      any = true;
    }
    if (!any) c.i64(disp);
    else if (disp !== 0) c.i64(disp).op(Op.i64_add);
    c.set(EA);
  };
  const immAt = (p: number) => immOf(dv, p);
  const mask32 = () => { c.i64(0xffffffff).op(Op.i64_and); };
  const setFlags = (op: number, size: number) => { flags = { op, size }; dyn = false; };

  /** Pushes condition cc (0/1, i32) from the flags: inline when the flag record is in locals. */
  const cond = (cc: number) => {
    const f = flags;
    if (!f || f.op === LAZY_IMUL) {
      flushFlags();
      c.i32(cc).i32(H_COND).callIndirect(H_COND + 1);
      return;
    }
    const bits = f.size * 8, sh = 64 - bits, sb = SIGN_BIT[f.size];
    const zf = () => { c.get(LRES).op(Op.i64_eqz); };
    const sf = () => { c.get(LRES).i64(sb).op(Op.i64_and).i64(0).op(Op.i64_ne); };
    const pf = () => { c.get(LRES).op(Op.i32_wrap_i64).i32(0xff).op(Op.i32_and).op(Op.i32_popcnt).i32(1).op(Op.i32_and).op(Op.i32_eqz); };
    const cf = () => {
      if (f.op === LAZY_ADD) c.get(LRES).get(LSRC1).op(Op.i64_lt_u);
      else if (f.op === LAZY_SUB) c.get(LSRC1).get(LSRC2).op(Op.i64_lt_u);
      else if (f.op === LAZY_SHIFT) c.get(LSRC1).op(Op.i32_wrap_i64).i32(1).op(Op.i32_and);
      else c.i32(0);
    };
    const of = () => {
      if (f.op === LAZY_ADD) c.get(LSRC1).get(LRES).op(Op.i64_xor).get(LSRC2).get(LRES).op(Op.i64_xor).op(Op.i64_and);
      else if (f.op === LAZY_SUB) c.get(LSRC1).get(LSRC2).op(Op.i64_xor).get(LSRC1).get(LRES).op(Op.i64_xor).op(Op.i64_and);
      else if (f.op === LAZY_SHIFT) { c.get(LSRC2).op(Op.i32_wrap_i64).i32(1).op(Op.i32_and); return; }
      else { c.i32(0); return; }
      c.i64(sb).op(Op.i64_and).i64(0).op(Op.i64_ne);
    };
    const sub = f.op === LAZY_SUB;
    const signedCmp = (o: Op) => { c.get(LSRC1).i64(sh).op(Op.i64_shl).get(LSRC2).i64(sh).op(Op.i64_shl).op(o); };
    switch (cc >> 1) {
      case 0: of(); break;
      case 1: cf(); break;
      case 2: zf(); break;
      case 3: if (sub) c.get(LSRC1).get(LSRC2).op(Op.i64_le_u); else { cf(); zf(); c.op(Op.i32_or); } break;
      case 4: sf(); break;
      case 5: pf(); break;
      case 6: if (sub) signedCmp(Op.i64_lt_s); else { sf(); of(); c.op(Op.i32_xor); } break;
      default: if (sub) signedCmp(Op.i64_le_s); else { zf(); sf(); of(); c.op(Op.i32_xor).op(Op.i32_or); } break;
    }
    if (cc & 1) c.op(Op.i32_eqz);
  };

  /** Runs record k through the core's generic handler. */
  const callGeneric = (p: number, k: number, counted: boolean) => {
    commit();
    reg.fill(Reg.None);
    flags = null;
    dyn = false;
    if (profile) c.i32(profileKey(dv, p, fopBase)).call(F_PROFILE);
    c.i32(p); ripAt(k); ripAt(k + 1); c.i32(H_GENERIC).callIndirect(H_GENERIC + 1).tee(T);
    c.if_();
    // 1: stopped after it (k + 1 counted), 2: stopped at it (k counted), 3: cache flushed (done after k + 1).
    c.get(T).i32(2).op(Op.i32_ne); countOf(k); c.op(Op.i32_add).i32(2).op(Op.i32_shl);
    c.get(T).i32(3).op(Op.i32_ne).i32(1).op(Op.i32_shl).op(Op.i32_or).op(Op.return_);
    c.end();
    if (counted) generic++;
  };

  /** ROL ROR SHL SHR SAR of register dst by a constant (shiftApply in asm/exec.ts). */
  const shiftImm = (kind: number, w: boolean, dst: number, raw: number): boolean => {
    const bits = w ? 64 : 32, count = raw & (bits - 1);
    const rotate = kind === SK_ROL || kind === SK_ROR;
    getReg(dst); if (!w) mask32(); c.set(A);
    if (count === 0) { c.get(A); setReg(dst); return true; } // flags unchanged; a 32-bit destination is still zero-extended
    if (rotate) {
      // setCarryOverflow (flags.ts): the record stays a record, LAZY_SHIFT over the old result
      // (SZP unchanged), AF carried, CF and OF new.
      if (w) c.get(A).i64(count).op(kind === SK_ROL ? Op.i64_rotl : Op.i64_rotr);
      else c.get(A).op(Op.i32_wrap_i64).i32(count).op(kind === SK_ROL ? Op.i32_rotl : Op.i32_rotr).op(Op.i64_extend_i32_u);
      c.tee(B); setReg(dst);
      if (!flags) flushFlags();
      const f = flags;
      const top = bits - 1;
      // CF into C, then OF into B
      if (kind === SK_ROL) {
        c.get(B).i64(1).op(Op.i64_and).set(C);
        c.get(B).i64(top).op(Op.i64_shr_u).get(C).op(Op.i64_xor).set(B);
      } else {
        c.get(B).i64(top).op(Op.i64_shr_u).set(C);
        c.get(B).i64(top - 1).op(Op.i64_shr_u).i64(1).op(Op.i64_and).get(C).op(Op.i64_xor).set(B);
      }
      if (!f) {
        // the flags are in memory: the core's setCarryOverflow decides between record and eager flags
        c.get(C).op(Op.i32_wrap_i64).get(B).op(Op.i32_wrap_i64).i32(H_CARRY).callIndirect(H_CARRY + 1);
        return true;
      }
      // AF of the old record (flags.ts setCarryOverflow)
      if (f.op === LAZY_ADD || f.op === LAZY_SUB) c.get(LSRC1).get(LSRC2).op(Op.i64_xor).get(LRES).op(Op.i64_xor).i64(0x10).op(Op.i64_and);
      else if (f.op === LAZY_SHIFT) c.get(LSRC1).i64(0x10).op(Op.i64_and);
      else c.i64(0);
      c.get(C).op(Op.i64_or).set(LSRC1);
      c.get(B).set(LSRC2);
      flags = { op: LAZY_SHIFT, size: f.size };
      return true;
    }
    if (kind === SK_SHL) {
      c.get(A).i64(count).op(Op.i64_shl); if (!w) mask32(); c.set(LRES);
      c.get(A).i64(bits - count).op(Op.i64_shr_u).i64(1).op(Op.i64_and).set(LSRC1);
      c.get(LRES).i64(bits - 1).op(Op.i64_shr_u).get(LSRC1).op(Op.i64_xor).set(LSRC2);
    } else if (kind === SK_SHR) {
      c.get(A).i64(count).op(Op.i64_shr_u).set(LRES);
      c.get(A).i64(count - 1).op(Op.i64_shr_u).i64(1).op(Op.i64_and).set(LSRC1);
      if (count === 1) c.get(A).i64(bits - 1).op(Op.i64_shr_u); else c.i64(0);
      c.set(LSRC2);
    } else {
      c.get(A); if (!w) c.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_s); c.set(A);
      c.get(A).i64(count).op(Op.i64_shr_s); if (!w) mask32(); c.set(LRES);
      c.get(A).i64(count - 1).op(Op.i64_shr_s).i64(1).op(Op.i64_and).set(LSRC1);
      c.i64(0).set(LSRC2);
    }
    c.get(LRES); setReg(dst);
    setFlags(LAZY_SHIFT, w ? 8 : 4);
    return true;
  };

  const xmm = (r: number) => L.S_XMM + r * 16;
  /** The SSE2 fast forms (asm/exec.ts): xmm registers stay in memory. */
  const sse = (op: number, p: number, k: number, dst: number, src: number, imm8: number) => {
    if (op === FOP.XMOV_RR) { c.i32(0).i32(0).vmem(Simd.v128_load, xmm(src)).vmem(Simd.v128_store, xmm(dst)); return; }
    if (op === FOP.PMOVMSKB) { c.i32(0).vmem(Simd.v128_load, xmm(src)).v(Simd.i8x16_bitmask).op(Op.i64_extend_i32_u); setReg(dst); return; }
    if (op >= FOP.PSHIFT_I && op < FOP.PMOVMSKB) {
      const kind = op - FOP.PSHIFT_I, cnt = imm8;
      const lane = [16, 16, 16, 32, 32, 32, 64, 64][kind];
      const ops = [Simd.i16x8_shr_u, Simd.i16x8_shr_s, Simd.i16x8_shl, Simd.i32x4_shr_u, Simd.i32x4_shr_s, Simd.i32x4_shl, Simd.i64x2_shr_u, Simd.i64x2_shl];
      const arith = kind === 1 || kind === 4;
      c.i32(0);
      if (!arith && cnt >= lane) c.vzero();
      else c.i32(0).vmem(Simd.v128_load, xmm(dst)).i32(Math.min(cnt, lane - 1)).v(ops[kind]);
      c.vmem(Simd.v128_store, xmm(dst));
      return;
    }
    if (op >= FOP.XOP_RR && op < FOP.PSHIFT_I) {
      const mem = op >= FOP.XOP_RM, kind = op - (mem ? FOP.XOP_RM : FOP.XOP_RR);
      if (mem) { fastEA(p, k); aligned16(k); tlb(L.TLB_READ, 16, k); }
      const b = () => { if (mem) c.get(H).vmem(Simd.v128_load, 0); else c.i32(0).vmem(Simd.v128_load, xmm(src)); };
      const a = () => { c.i32(0).vmem(Simd.v128_load, xmm(dst)); };
      c.i32(0);
      if (kind === 3) { b(); a(); } else { a(); b(); }
      c.v([Simd.v128_xor, Simd.v128_or, Simd.v128_and, Simd.v128_andnot, Simd.i32x4_add, Simd.i64x2_add, Simd.i32x4_sub, Simd.i8x16_eq, Simd.i32x4_eq][kind]);
      c.vmem(Simd.v128_store, xmm(dst));
      return;
    }
    fastEA(p, k);
    if (op === FOP.XLOAD_A || op === FOP.XLOAD_A + 1) {
      if (op === FOP.XLOAD_A) aligned16(k);
      tlb(L.TLB_READ, 16, k);
      c.i32(0).get(H).vmem(Simd.v128_load, 0).vmem(Simd.v128_store, xmm(dst));
    } else if (op === FOP.XSTORE_A || op === FOP.XSTORE_A + 1) {
      if (op === FOP.XSTORE_A) aligned16(k);
      tlb(L.TLB_WRITE, 16, k);
      c.get(H).i32(0).vmem(Simd.v128_load, xmm(src)).vmem(Simd.v128_store, 0);
    } else if (op === FOP.MOVQ_LOAD) {
      tlb(L.TLB_READ, 8, k);
      c.i32(0).get(H).vmem(Simd.v128_load64_zero, 0).vmem(Simd.v128_store, xmm(dst));
    } else { // MOVQ_STORE
      tlb(L.TLB_WRITE, 8, k);
      c.get(H).i32(0).mem(Op.i64_load, xmm(src)).mem(Op.i64_store, 0);
    }
  };
  /** A misaligned 16-byte operand is the interpreter's to raise #GP for. */
  const aligned16 = (k: number) => {
    c.get(EA).op(Op.i32_wrap_i64).i32(15).op(Op.i32_and);
    c.if_(); bail(k); c.end();
  };

  // ---- generic records the JIT still translates inline ----------------------------------------
  const byteReg = (code: number) => {
    if (code < 16) { getReg(code); c.i64(0xff).op(Op.i64_and); }
    else { getReg(code - 16); c.i64(8).op(Op.i64_shr_u).i64(0xff).op(Op.i64_and); }
  };
  /** Writes the low byte of local v into byte register code (the rest of the register stays). */
  const setByteReg = (code: number, v: number) => {
    const r = code < 16 ? code : code - 16, sh = code < 16 ? 0 : 8;
    getReg(r); c.i64(~(0xff << sh)).op(Op.i64_and);
    c.get(v).i64(0xff).op(Op.i64_and); if (sh) c.i64(sh).op(Op.i64_shl);
    c.op(Op.i64_or); setReg(r);
  };
  const sizeMask = (size: number) => { if (size === 4) mask32(); else if (size === 1) c.i64(0xff).op(Op.i64_and); else if (size === 2) c.i64(0xffff).op(Op.i64_and); };
  const LOADS: Record<number, Op> = { 1: Op.i64_load8_u, 2: Op.i64_load16_u, 4: Op.i64_load32_u, 8: Op.i64_load };
  const STORES: Record<number, Op> = { 1: Op.i64_store8, 2: Op.i64_store16, 4: Op.i64_store32, 8: Op.i64_store };
  /** Writes local v to register r at size: 8 (r a byte-register code) and 16 bits merge into it, 32 zero-extends. */
  const setRegSized = (r: number, size: number, v: number) => {
    if (size === 1) { setByteReg(r, v); return; }
    if (size === 2) { getReg(r); c.i64(~0xffffn).op(Op.i64_and).get(v).i64(0xffff).op(Op.i64_and).op(Op.i64_or); setReg(r); return; }
    c.get(v); if (size === 4) mask32(); setReg(r);
  };
  /**
   * Puts the flag record in its run-time form (LKIND: the kind, 0 = in memory), for an
   * instruction that decides at run time whether it replaces the record (a shift by CL) or of
   * which kind the new one is (ADC/SBB: with or without the carry).
   */
  const toDyn = () => {
    if (flags) c.i32(flags.op).set(LKIND).i32(flags.size).set(LSIZE);
    else if (!dyn) c.i32(0).set(LKIND);
    flags = null;
    dyn = true;
  };
  /** Reads the E operand (register, or memory through the TLB with a bail at k) into local v. */
  const readE = (p: number, k: number, size: number, v: number, forWrite = false) => {
    const f = dv.getUint16(p + R_FLAGS, true);
    if (f & F_MOD3) {
      if (size === 1) byteReg(dv.getUint8(p + R_RM8)); else { getReg(dv.getUint8(p + R_RM)); sizeMask(size); }
    } else {
      fastEA(p, k);
      tlb(L.TLB_READ, size, k);
      if (forWrite) { c.get(H).set(T); tlb(L.TLB_WRITE, size, k); }
      c.get(H).mem(LOADS[size], 0);
    }
    c.set(v);
  };
  const readG = (p: number, size: number) => {
    if (size === 1) byteReg(dv.getUint8(p + R_REG8)); else { getReg(dv.getUint8(p + R_REG)); sizeMask(size); }
  };
  /** Writes local v to the E operand at size (the TLB check was made by readE(forWrite) or writeCheck). */
  const writeE = (p: number, size: number, v: number) => {
    const f = dv.getUint16(p + R_FLAGS, true);
    if (f & F_MOD3) {
      setRegSized(dv.getUint8(p + (size === 1 ? R_RM8 : R_RM)), size, v);
    } else c.get(H).get(v).mem(STORES[size], 0);
  };
  /** rAX at size (AL for 1) for the accumulator forms. */
  const readAcc = (size: number) => { if (size === 1) byteReg(0); else { getReg(0); sizeMask(size); } };
  /**
   * SHL SHR SAR of the E operand by count, or by CL when count is null (shiftValue in
   * asm/shift.ts: a masked count of 0 changes nothing but a 32-bit register's upper half).
   */
  const shiftE = (p: number, k: number, kind: number, size: number, count: number | null) => {
    const bits = size * 8, cmask = size === 8 ? 63 : 31, mod3 = (dv.getUint16(p + R_FLAGS, true) & F_MOD3) !== 0;
    if (count !== null && (count & cmask) === 0) {
      if (size === 4 && mod3) { getReg(dv.getUint8(p + R_RM)); mask32(); setReg(dv.getUint8(p + R_RM)); }
      return;
    }
    readE(p, k, size, A, true);
    if (count === null) { getReg(1); c.i64(cmask).op(Op.i64_and).set(B); }
    else c.i64(count & cmask).set(B);
    if (kind === SK_SAR) { const sh = 64 - bits; c.get(A).i64(sh).op(Op.i64_shl).i64(sh).op(Op.i64_shr_s).set(EA); }
    c.get(kind === SK_SAR ? EA : A).get(B).op(kind === SK_SHL ? Op.i64_shl : kind === SK_SHR ? Op.i64_shr_u : Op.i64_shr_s);
    sizeMask(size); c.set(C);
    writeE(p, size, C);
    // the flag record: CF the last bit shifted out, OF (SHL: top ^ CF; SHR: the old top for a count of 1; SAR: 0)
    const record = () => {
      c.get(C).set(LRES);
      if (kind === SK_SHL) c.get(A).get(B).i64(1).op(Op.i64_sub).op(Op.i64_shl).i64(bits - 1).op(Op.i64_shr_u);
      else c.get(kind === SK_SAR ? EA : A).get(B).i64(1).op(Op.i64_sub).op(Op.i64_shr_u);
      c.i64(1).op(Op.i64_and).set(LSRC1);
      if (kind === SK_SHL) c.get(C).i64(bits - 1).op(Op.i64_shr_u).get(LSRC1).op(Op.i64_xor);
      else if (kind === SK_SHR) c.get(A).i64(bits - 1).op(Op.i64_shr_u).i64(0).get(B).i64(1).op(Op.i64_eq).op(Op.select);
      else c.i64(0);
      c.set(LSRC2);
    };
    if (count !== null) { record(); setFlags(LAZY_SHIFT, size); return; }
    // by CL: a count of 0 keeps the flag record, whatever it is, so its kind is decided at run time
    toDyn();
    c.get(B).i64(0).op(Op.i64_ne).if_();
    record();
    c.i32(LAZY_SHIFT).set(LKIND).i32(size).set(LSIZE);
    c.end();
  };
  /** Translates generic record p (op id gop) inline when its row is one the JIT knows; false otherwise. */
  const inlineGeneric = (p: number, k: number, gop: number, last: boolean): boolean => {
    const row = rowOf(gop);
    if (row.g === G.None) return false;
    const f = dv.getUint16(p + R_FLAGS, true), size = dv.getUint8(p + R_SIZE);
    // F2/F3 before an SSE row (an operand V…) select the row: only string ops repeat
    if (f & F_LOCK || (f & (F_REP | F_REPNE) && !row.sse)) return false;
    const mod3 = (f & F_MOD3) !== 0;
    if (!mod3 && (dv.getUint8(p + R_SEG) !== 0 || (f & F_ASIZE32) !== 0)) return false;
    switch (row.g) {
      case G.Nop: return true;
      case G.Alu: {
        const form = row.x, alu = row.y, cmp = alu === ALU_CMP, carry = alu === ALU_ADC || alu === ALU_SBB;
        const acc = form === AluForm.Acc, gDest = form === AluForm.GE;
        if (carry) { cond(2); c.set(CY); }
        if (acc) { readAcc(size); c.set(A); c.i64(immAt(p)); sizeMask(size); c.set(B); }
        else if (gDest) { readE(p, k, size, B); readG(p, size); c.set(A); }
        else {
          readE(p, k, size, A, !cmp);
          if (form === AluForm.EG) readG(p, size); else { c.i64(immAt(p)); sizeMask(size); }
          c.set(B);
        }
        c.get(A).get(B).op(ALU_OP[alu]);
        if (carry) c.get(CY).op(Op.i64_extend_i32_u).op(alu === ALU_ADC ? Op.i64_add : Op.i64_sub);
        sizeMask(size); c.set(C);
        if (!cmp) {
          if (acc) setRegSized(0, size, C);
          else if (gDest) setRegSized(dv.getUint8(p + (size === 1 ? R_REG8 : R_REG)), size, C);
          else writeE(p, size, C);
        }
        c.get(A).set(LSRC1).get(B).set(LSRC2).get(C).set(LRES);
        if (carry) {
          // LAZY_ADC = LAZY_ADD + 1 and LAZY_SBB = LAZY_SUB + 1 (asm/flags.ts): the kind is the carry's
          toDyn();
          c.i32(alu === ALU_ADC ? LAZY_ADD : LAZY_SUB).get(CY).op(Op.i32_add).set(LKIND).i32(size).set(LSIZE);
        } else setFlags(ALU_KIND[alu], size);
        return true;
      }
      case G.Test: {
        if (row.x) readE(p, k, size, A); else { readAcc(size); c.set(A); }
        c.get(A);
        if (row.y) c.i64(immAt(p)); else readG(p, size);
        c.op(Op.i64_and); sizeMask(size); c.set(LRES);
        c.i64(0).set(LSRC1).i64(0).set(LSRC2);
        setFlags(LAZY_LOGIC, size);
        return true;
      }
      case G.NegNot: {
        readE(p, k, size, A, true);
        if (row.x) { c.get(A).i64(-1).op(Op.i64_xor); sizeMask(size); c.set(C); writeE(p, size, C); return true; }
        c.i64(0).get(A).op(Op.i64_sub); sizeMask(size); c.set(C); writeE(p, size, C);
        c.i64(0).set(LSRC1).get(A).set(LSRC2).get(C).set(LRES);
        setFlags(LAZY_SUB, size);
        return true;
      }
      case G.Shift: {
        const kind = row.x, count = row.y === COUNT_CL ? null : row.y === COUNT_1 ? 1 : dv.getUint8(p + R_IMM);
        if (count !== null && size >= 4 && mod3) return shiftImm(kind, size === 8, dv.getUint8(p + R_RM), count);
        shiftE(p, k, kind, size, count);
        return true;
      }
      case G.IncDec: {
        // CF stays: it goes to the materialised flags word and the record covers the other five
        // (asm/flags.ts setLazy with a mask), so the flags are in memory afterwards
        const inc = row.x === 1;
        cond(2); c.set(CY);
        readE(p, k, size, A, true);
        c.get(A).i64(1).op(inc ? Op.i64_add : Op.i64_sub); sizeMask(size); c.set(C);
        writeE(p, size, C);
        c.i32(0).i32(0).mem(Op.i64_load, L.S_FLAGS).i64(~L.FLAG_CF).op(Op.i64_and).get(CY).op(Op.i64_extend_i32_u).op(Op.i64_or).mem(Op.i64_store, L.S_FLAGS);
        c.i32(0).i32(inc ? LAZY_ADD : LAZY_SUB).mem(Op.i32_store, L.S_LAZY_OP);
        c.i32(0).i32(size).mem(Op.i32_store, L.S_LAZY_SIZE);
        c.i32(0).get(C).mem(Op.i64_store, L.S_LAZY_RES);
        c.i32(0).get(A).mem(Op.i64_store, L.S_LAZY_SRC1);
        c.i32(0).i64(1).mem(Op.i64_store, L.S_LAZY_SRC2);
        c.i32(0).i64(ARITH_FLAGS & ~L.FLAG_CF).mem(Op.i64_store, L.S_LAZY_MASK);
        flags = null;
        dyn = false;
        return true;
      }
      case G.BitScan: {
        if (size < 4) return false;
        // a zero source sets ZF and leaves the destination as it was (asm/bits.ts); the other flags are undefined
        readE(p, k, size, A);
        const r = dv.getUint8(p + R_REG);
        getReg(r);
        if (row.x) c.get(A).op(Op.i64_ctz); else c.i64(63).get(A).op(Op.i64_clz).op(Op.i64_sub);
        c.get(A).op(Op.i64_eqz).op(Op.select); setReg(r);
        c.get(A).set(LRES).i64(0).set(LSRC1).i64(0).set(LSRC2);
        setFlags(LAZY_LOGIC, size);
        return true;
      }
      case G.Bt: {
        if (!mod3 || size < 2) return false;
        // CF the bit, ZF kept, the others undefined: a LAZY_SHIFT record whose result is zero exactly when ZF was set
        cond(4); c.op(Op.i32_eqz).op(Op.i64_extend_i32_u).set(C);
        readE(p, k, size, A);
        c.get(A);
        if (row.x) readG(p, size); else c.i64(immAt(p));
        c.i64(size * 8 - 1).op(Op.i64_and).op(Op.i64_shr_u).i64(1).op(Op.i64_and).set(LSRC1);
        c.get(C).set(LRES).i64(0).set(LSRC2);
        setFlags(LAZY_SHIFT, size);
        return true;
      }
      case G.Xchg: {
        if (!mod3) return false; // register forms only: with memory XCHG is a locked access
        const acc = row.x === 1;
        const er = dv.getUint8(p + (size === 1 ? R_RM8 : R_RM)), gr = acc ? 0 : dv.getUint8(p + (size === 1 ? R_REG8 : R_REG));
        if (acc && er === 0) return true; // 90: NOP
        readE(p, k, size, A);
        if (acc) readAcc(size); else readG(p, size);
        c.set(B);
        setRegSized(er, size, B);
        setRegSized(gr, size, A);
        return true;
      }
      case G.Mul: {
        if (size < 4) return false;
        // rDX:rAX = rAX * src; CF = OF = a high half that is not zero, SZAP undefined: a LAZY_SHIFT record carries CF and OF
        readE(p, k, size, A);
        getReg(0); if (size === 4) mask32(); c.set(B);
        if (size === 4) {
          c.get(B).get(A).op(Op.i64_mul).tee(C); mask32(); setReg(0);
          c.get(C).i64(32).op(Op.i64_shr_u).tee(C); setReg(2);
        } else {
          // the high half from 32-bit pieces (mulHiU64 in asm/muldiv.ts)
          const lo32 = (v: number) => { c.get(v).i64(0xffffffff).op(Op.i64_and); };
          const hi32 = (v: number) => { c.get(v).i64(32).op(Op.i64_shr_u); };
          c.get(B).get(A).op(Op.i64_mul).set(LRES);
          lo32(B); lo32(A); c.op(Op.i64_mul).set(C);          // p00
          lo32(B); hi32(A); c.op(Op.i64_mul).set(EA);         // p01
          hi32(B); lo32(A); c.op(Op.i64_mul).set(LSRC2);      // p10
          hi32(C); lo32(EA); c.op(Op.i64_add); lo32(LSRC2); c.op(Op.i64_add).set(LSRC1); // mid
          hi32(B); hi32(A); c.op(Op.i64_mul); hi32(EA); c.op(Op.i64_add); hi32(LSRC2); c.op(Op.i64_add); hi32(LSRC1); c.op(Op.i64_add).set(C);
          c.get(LRES); setReg(0);
          c.get(C); setReg(2);
        }
        c.get(C).i64(0).op(Op.i64_ne).op(Op.i64_extend_i32_u).tee(LSRC1).set(LSRC2);
        if (size === 4) c.get(B).get(A).op(Op.i64_mul).i64(0xffffffff).op(Op.i64_and).set(LRES);
        setFlags(LAZY_SHIFT, size);
        return true;
      }
      case G.Cbw: {
        getReg(0);
        if (size === 8) { c.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_s); setReg(0); return true; }
        const sh = 64 - size * 4;
        c.i64(sh).op(Op.i64_shl).i64(sh).op(Op.i64_shr_s).set(A);
        setRegSized(0, size, A);
        return true;
      }
      case G.Imul2: {
        if (size < 4) return false;
        readE(p, k, size, A);
        const r = dv.getUint8(p + R_REG);
        getReg(r); sizeMask(size); c.set(LSRC1);
        c.get(A).set(LSRC2);
        c.get(LSRC1).get(LSRC2).op(Op.i64_mul); sizeMask(size); c.tee(LRES); setReg(r);
        setFlags(LAZY_IMUL, size);
        return true;
      }
      case G.Mov: {
        if (row.x === 0) { readE(p, k, size, A); setRegSized(dv.getUint8(p + R_REG), size, A); return true; } // Gv,Ev
        if (!mod3) { fastEA(p, k); tlb(L.TLB_WRITE, size, k); }
        if (row.x === 1) readG(p, size); else { c.i64(immAt(p)); sizeMask(size); }
        c.set(A); writeE(p, size, A);
        return true;
      }
      case G.Movd: {
        const w = (f & F_REXW) !== 0, x = xmm(dv.getUint8(p + R_REG));
        if (row.x) { // movd Vy,Ey
          readE(p, k, w ? 8 : 4, A);
          c.i32(0).get(A).mem(Op.i64_store, x).i32(0).i64(0).mem(Op.i64_store, x + 8);
        } else {
          if (!mod3) { fastEA(p, k); tlb(L.TLB_WRITE, w ? 8 : 4, k); }
          c.i32(0).mem(Op.i64_load, x); if (!w) mask32(); c.set(A);
          writeE(p, w ? 8 : 4, A);
        }
        return true;
      }
      case G.Shuffle: case G.Pminub: case G.Pshuf: {
        const pshuf = row.g === G.Pshuf;
        if (!mod3) { fastEA(p, k); aligned16(k); tlb(L.TLB_READ, 16, k); }
        const src = () => { if (mod3) c.i32(0).vmem(Simd.v128_load, xmm(dv.getUint8(p + R_RM))); else c.get(H).vmem(Simd.v128_load, 0); };
        const x = xmm(dv.getUint8(p + R_REG));
        c.i32(0);
        if (pshuf) {
          // PSHUFD picks dwords; PSHUFLW/PSHUFHW pick words within the low/high half and copy the other half
          const sel = dv.getUint8(p + R_IMM), pickOf = (i: number) => (sel >> (2 * i)) & 3;
          let bytes: number[];
          if (row.x === 0) bytes = [0, 1, 2, 3].flatMap((i) => [pickOf(i) * 4, pickOf(i) * 4 + 1, pickOf(i) * 4 + 2, pickOf(i) * 4 + 3]);
          else {
            const half = row.x === 1 ? 0 : 8;
            const shuffled = [0, 1, 2, 3].flatMap((i) => [half + pickOf(i) * 2, half + pickOf(i) * 2 + 1]);
            const kept = [0, 1, 2, 3, 4, 5, 6, 7].map((b) => (8 - half) + b);
            bytes = half === 0 ? [...shuffled, ...kept] : [...kept, ...shuffled];
          }
          src(); src(); c.shuffle(bytes);
        } else {
          c.i32(0).vmem(Simd.v128_load, x); src();
          if (row.lanes) c.shuffle(row.lanes); else c.v(Simd.i8x16_min_u);
        }
        c.vmem(Simd.v128_store, x);
        return true;
      }
      case G.Movx: {
        if (size < 4) return false;
        const from = row.x, signed = row.y === 1;
        if (mod3) {
          if (from === 1) byteReg(dv.getUint8(p + R_RM8)); else { getReg(dv.getUint8(p + R_RM)); c.i64(0xffff).op(Op.i64_and); }
          if (signed) { const sh = 64 - from * 8; c.i64(sh).op(Op.i64_shl).i64(sh).op(Op.i64_shr_s); }
        } else {
          fastEA(p, k); tlb(L.TLB_READ, from, k);
          c.get(H).mem(signed ? (from === 1 ? Op.i64_load8_s : Op.i64_load16_s) : (from === 1 ? Op.i64_load8_u : Op.i64_load16_u), 0);
        }
        if (size === 4) mask32();
        setReg(dv.getUint8(p + R_REG));
        return true;
      }
      case G.Setcc: {
        if (!mod3) { fastEA(p, k); tlb(L.TLB_WRITE, 1, k); }
        cond(dv.getUint8(p + R_OPCODE) & 15); c.op(Op.i64_extend_i32_u).set(A);
        if (mod3) setByteReg(dv.getUint8(p + R_RM8), A); else c.get(H).get(A).mem(Op.i64_store8, 0);
        return true;
      }
      case G.Cmov: {
        if (size < 4) return false;
        readE(p, k, size, A);
        const r = dv.getUint8(p + R_REG);
        c.get(A); getReg(r); if (size === 4) mask32();
        cond(dv.getUint8(p + R_OPCODE) & 15); c.op(Op.select); setReg(r);
        return true;
      }
      case G.Cwd: {
        if (size < 4) return false;
        getReg(0);
        if (size === 4) c.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_s).i64(63).op(Op.i64_shr_s).i64(0xffffffff).op(Op.i64_and);
        else c.i64(63).op(Op.i64_shr_s);
        setReg(2);
        return true;
      }
      case G.Imul3: {
        if (size < 4) return false;
        readE(p, k, size, A);
        c.get(A).set(LSRC1).i64(immAt(p)); sizeMask(size); c.set(LSRC2);
        c.get(LSRC1).get(LSRC2).op(Op.i64_mul); sizeMask(size); c.tee(LRES); setReg(dv.getUint8(p + R_REG));
        setFlags(LAZY_IMUL, size);
        return true;
      }
      case G.Rotate1:
        if (size < 4 || !mod3) return false;
        return shiftImm(row.x, size === 8, dv.getUint8(p + R_RM), 1);
      case G.MovByte: {
        if (row.x === 0) { readE(p, k, 1, A); setByteReg(dv.getUint8(p + R_REG8), A); return true; } // Gb,Eb
        if (!mod3) { fastEA(p, k); tlb(L.TLB_WRITE, 1, k); }
        if (row.x === 1) readG(p, 1); else c.i64(dv.getUint8(p + R_IMM));
        c.set(A); writeE(p, 1, A);
        return true;
      }
      case G.Indirect: {
        if (size !== 8 || !last) return false;
        readE(p, k, 8, A);
        if (row.x) { // call Ev
          getReg(RSP); c.i64(8).op(Op.i64_sub).set(EA);
          tlb(L.TLB_WRITE, 8, k);
          c.get(H); ripAt(k + 1); c.mem(Op.i64_store, 0);
          c.get(EA); setReg(RSP);
        }
        dynamicExit(A, k + 1);
        return true;
      }
    }
    return false;
  };

  const snapshot = () => ({ reg: [...reg], flags, dyn });
  type State = ReturnType<typeof snapshot>;
  const sameState = (a: State, b: State) =>
    a.reg.every((r, i) => (r === Reg.None) === (b.reg[i] === Reg.None)) &&
    (a.flags === b.flags || (!!a.flags && !!b.flags && a.flags.op === b.flags.op && a.flags.size === b.flags.size)) && a.dyn === b.dyn;

  /**
   * A block whose last Jcc goes back to its own start: after the first pass (straight-line as
   * any block) a taken branch enters a Wasm loop over a second copy of the body, compiled from
   * the state the first pass left (registers in locals, the flag record in locals), so the loop
   * keeps guest registers in locals. It stops at the budget as the run loop would, after whole
   * passes.
   */
  const emitLoop = (cc: number) => {
    cond(cc);
    c.if_();
    // the loop is the block's last record: what the block uses is known now
    for (let r = 0; r < 16; r++) if (reg[r] === Reg.Entry) reg[r] = uses[bi] & (1 << r) ? Reg.Clean : Reg.None;
    const before = snapshot();
    for (let r = 0; r < 16; r++) if (reg[r] !== Reg.None) reg[r] = Reg.Dirty; // conservatively stored at exits
    const header = snapshot();
    countOf(n); c.set(BASE);
    inLoop = looped = true;
    c.loop();
    c.get(BASE).get(REMAINING).op(Op.i32_ge_u).get(BASE).i32(LOOP_COUNT_LIMIT).op(Op.i32_gt_u).op(Op.i32_or);
    c.if_(); coldExit(off[0], 0, 0); c.end();
    emitRecords(true);
    if (!sameState(header, snapshot())) throw new NoLoop(bi);
    c.end();
    inLoop = false;
    c.end();
    reg.splice(0, 16, ...before.reg);
    flags = before.flags;
    dyn = before.dyn;
    exitTo(off[n], n);
  };

  const emitRecords = (loopCopy: boolean): boolean => {
  let ended = false;
  for (let k = 0; k < n && !ended; k++) {
    const p = rec + k * RECORD_SIZE;
    const op = dv.getUint16(p + R_OP, true) - fopBase;
    const dst = dv.getUint8(p + R_DST), src = dv.getUint8(p + R_SRC);
    const last = k === n - 1;
    let done = true;
    if (op >= FOP.ALU_RR && op < FOP.TEST_RR) {
      const form = op < FOP.ALU_RI ? 0 : op < FOP.ALU_RM ? 1 : 2;
      const rel = op - (form === 0 ? FOP.ALU_RR : form === 1 ? FOP.ALU_RI : FOP.ALU_RM);
      const alu = rel >> 1, w = (rel & 1) === 1, size = w ? 8 : 4;
      if (form === 2) { fastEA(p, k); tlb(L.TLB_READ, size, k); }
      getReg(dst); if (!w) mask32(); c.set(LSRC1);
      if (form === 0) { getReg(src); if (!w) mask32(); }
      else if (form === 1) { if (w) c.i64(immOf(dv, p)); else c.i64(dv.getUint32(p + R_IMM, true)); }
      else c.get(H).mem(w ? Op.i64_load : Op.i64_load32_u, 0);
      c.set(LSRC2);
      c.get(LSRC1).get(LSRC2);
      let kind: number;
      if (alu === 0) { c.op(Op.i64_add); kind = LAZY_ADD; }
      else if (alu === 1) { c.op(Op.i64_or); kind = LAZY_LOGIC; }
      else if (alu === 4) { c.op(Op.i64_and); kind = LAZY_LOGIC; }
      else if (alu === 6) { c.op(Op.i64_xor); kind = LAZY_LOGIC; }
      else { c.op(Op.i64_sub); kind = LAZY_SUB; }
      if (!w && (alu === 0 || alu === 5 || alu === 7)) mask32();
      c.set(LRES);
      if (alu !== 7) { c.get(LRES); setReg(dst); }
      setFlags(kind, size);
    } else if (op === FOP.TEST_RR || op === FOP.TEST_RR + 1) {
      const w = op === FOP.TEST_RR + 1;
      getReg(dst); getReg(src); c.op(Op.i64_and); if (!w) mask32(); c.set(LRES);
      c.i64(0).set(LSRC1).i64(0).set(LSRC2);
      setFlags(LAZY_LOGIC, w ? 8 : 4);
    } else if (op === FOP.MOV_RR || op === FOP.MOV_RR + 1) {
      getReg(src); if (op === FOP.MOV_RR) mask32(); setReg(dst);
    } else if (op === FOP.MOV_RI || op === FOP.MOV_RI + 1) {
      if (op === FOP.MOV_RI) c.i64(dv.getUint32(p + R_IMM, true)); else c.i64(immOf(dv, p));
      setReg(dst);
    } else if (op === FOP.MOV_RM || op === FOP.MOV_RM + 1) {
      const w = op === FOP.MOV_RM + 1;
      fastEA(p, k); tlb(L.TLB_READ, w ? 8 : 4, k);
      c.get(H).mem(w ? Op.i64_load : Op.i64_load32_u, 0); setReg(dst);
    } else if (op === FOP.MOV_MR || op === FOP.MOV_MR + 1) {
      const w = op === FOP.MOV_MR + 1;
      fastEA(p, k); tlb(L.TLB_WRITE, w ? 8 : 4, k);
      c.get(H); getReg(src); c.mem(w ? Op.i64_store : Op.i64_store32, 0);
    } else if (op === FOP.MOV_MI || op === FOP.MOV_MI + 1) {
      const w = op === FOP.MOV_MI + 1;
      fastEA(p, k); tlb(L.TLB_WRITE, w ? 8 : 4, k);
      c.get(H).i64(immOf(dv, p)).mem(w ? Op.i64_store : Op.i64_store32, 0);
    } else if (op === FOP.LEA || op === FOP.LEA + 1) {
      fastEA(p, k); c.get(EA); if (op === FOP.LEA) mask32(); setReg(dst);
    } else if (op === FOP.MOVZX8_RM || op === FOP.MOVZX8_RM + 1) {
      fastEA(p, k); tlb(L.TLB_READ, 1, k);
      c.get(H).mem(Op.i64_load8_u, 0); setReg(dst);
    } else if (op === FOP.MOVSXD_RR) {
      getReg(src); c.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_s); setReg(dst);
    } else if (op === FOP.MOVSXD_RM) {
      fastEA(p, k); tlb(L.TLB_READ, 4, k);
      c.get(H).mem(Op.i64_load32_s, 0); setReg(dst);
    } else if (op === FOP.IMUL_RR || op === FOP.IMUL_RR + 1) {
      const w = op === FOP.IMUL_RR + 1;
      getReg(dst); if (!w) mask32(); c.set(LSRC1);
      getReg(src); if (!w) mask32(); c.set(LSRC2);
      c.get(LSRC1).get(LSRC2).op(Op.i64_mul); if (!w) mask32(); c.tee(LRES); setReg(dst);
      setFlags(LAZY_IMUL, w ? 8 : 4);
    } else if (op >= FOP.SHIFT_RI && op < FOP.UNARY_R) {
      const kind = (op - FOP.SHIFT_RI) >> 1, w = ((op - FOP.SHIFT_RI) & 1) === 1;
      done = shiftImm(kind, w, dst, dv.getUint8(p + R_IMM));
    } else if (op >= FOP.XMOV_RR && op < FOP.COUNT) {
      sse(op, p, k, dst, src, dv.getUint8(p + R_IMM));
    } else if (op >= FOP.UNARY_R && op < FOP.IMUL_RR && ((op - FOP.UNARY_R) >> 1) >= UK_NOT) {
      const kind = (op - FOP.UNARY_R) >> 1, w = ((op - FOP.UNARY_R) & 1) === 1;
      if (kind === UK_NOT) { getReg(dst); c.i64(-1).op(Op.i64_xor); if (!w) mask32(); setReg(dst); }
      else {
        getReg(dst); if (!w) mask32(); c.set(LSRC2);
        c.i64(0).tee(LSRC1).get(LSRC2).op(Op.i64_sub); if (!w) mask32(); c.tee(LRES); setReg(dst);
        setFlags(LAZY_SUB, w ? 8 : 4);
      }
    } else if (op === FOP.PUSH) {
      getReg(RSP); c.i64(8).op(Op.i64_sub).set(EA);
      tlb(L.TLB_WRITE, 8, k);
      c.get(H); getReg(src); c.mem(Op.i64_store, 0);
      c.get(EA); setReg(RSP);
    } else if (op === FOP.POP) {
      getReg(RSP); c.set(EA);
      tlb(L.TLB_READ, 8, k);
      c.get(EA).i64(8).op(Op.i64_add); setReg(RSP);
      c.get(H).mem(Op.i64_load, 0); setReg(dst);
    } else if (op === FOP.JCC || op === FOP.JMP || op === FOP.CALL || op === FOP.RET) {
      if (op === FOP.CALL) {
        getReg(RSP); c.i64(8).op(Op.i64_sub).set(EA);
        tlb(L.TLB_WRITE, 8, k);
        c.get(H); ripAt(k + 1); c.mem(Op.i64_store, 0);
        c.get(EA); setReg(RSP);
      }
      if (op === FOP.RET) {
        getReg(RSP); c.set(EA);
        tlb(L.TLB_READ, 8, k);
        c.get(EA).i64(8).op(Op.i64_add); setReg(RSP);
        c.get(H).mem(Op.i64_load, 0).set(A);
        dynamicExit(A, k + 1);
        return true;
      } else {
        const imm = immOf(dv, p), fall = off[k + 1];
        const target = typeof imm === "number" ? fall + imm : BigInt.asIntN(64, BigInt(fall) + imm);
        const selfLoop = op === FOP.JCC && last && target === off[0];
        if (selfLoop && loopCopy) {
          // the back edge of the loop's second copy
          cond(dv.getUint8(p + R_OPCODE) & 15);
          c.if_(); c.get(BASE).i32(n).op(Op.i32_add).set(BASE).br(1); c.end();
          exitTo(off[n], n);
          return true;
        }
        if (selfLoop && allowLoop) { emitLoop(dv.getUint8(p + R_OPCODE) & 15); return true; }
        if (region && ((typeof target === "number" && blockAt.has(target)) || (op === FOP.JCC && blockAt.has(fall)))) {
          // a branch within the region: each way its own exit, one of them at least a transition
          if (op === FOP.JCC) {
            cond(dv.getUint8(p + R_OPCODE) & 15);
            c.if_(); exitTo(target, k + 1); c.else_(); exitTo(fall, k + 1); c.end();
          } else exitTo(target, k + 1);
          return true;
        }
        c.i32(0);
        ripAt(k + 1); c.i64(imm).op(Op.i64_add);
        if (op === FOP.JCC) { ripAt(k + 1); cond(dv.getUint8(p + R_OPCODE) & 15); c.op(Op.select); }
        c.mem(Op.i64_store, L.S_RIP);
      }
      commit();
      ret(k + 1, 0);
      ended = true;
    } else done = false;
    if (!done) {
      const raw = op + fopBase;
      const gop = raw >= fopBase ? dv.getUint16(p + R_GOP, true) : raw;
      if (inlineGeneric(p, k, gop, last)) {
        done = true;
        if (last && rowOf(gop).g === G.Indirect) ended = true;
      }
    }
    if (done) { if (!loopCopy) inline++; }
    else {
      callGeneric(p, k, !loopCopy);
      if (last) { ret(k + 1, 0); ended = true; }
    }
  }
  return ended;
  };

  const setBlock = (i: number) => {
    bi = i; rec = blocks[i].rec; n = blocks[i].n; allowLoop = !noLoop.has(i);
    off = [blocks[i].start];
    for (let k = 0; k < n; k++) off.push(off[k] + dv.getUint8(rec + k * RECORD_SIZE + R_LEN));
  };
  const emitBlock = (i: number) => {
    setBlock(i);
    // The block ends without a branch (page end or size limit): it falls through to rip + its length.
    if (!emitRecords(false)) exitTo(off[n], n);
  };
  if (!region) emitBlock(0);
  else {
    reg.fill(Reg.None);
    hole(0); // the entry block's registers, at the function's start
    c.loop();
    for (let i = 0; i < blocks.length; i++) c.block();
    c.get(IDX).brTable(blocks.map((_, i) => i));
    for (let i = 0; i < blocks.length; i++) {
      c.end();
      reg.fill(Reg.Entry);
      flags = null;
      dyn = true;
      emitBlock(i);
      c.op(Op.unreachable); // every block ends in a return or a branch to the dispatch loop
    }
    c.end();
  }
  c.op(Op.i32_const).s32(0); // unreachable: every path returned; keeps the body's type valid
  scratch = c.buf;
  const body = holes.length ? fillHoles(c.view(), holes, uses, LOAD_REG) : c.view();
  const prefix = seq.prefix[+profile] ??= modulePrefix(TYPES, importsOf(profile), [0, T_LEAVE], { module: "env", name: "helpers", size: HELPERS.length });
  const bytes = moduleWith(prefix, [seq.locals, body], [NO_LOCALS, leaveBody(resume, seq)]);
  return { bytes, inline, generic, loop: looped, blocks: blocks.length };
}

/**
 * The body with each hole's loads put in: the registers block h.to uses that are not in locals
 * there (None, or Entry of a block that does not use them).
 */
function fillHoles(body: Uint8Array, holes: Hole[], uses: number[], LOAD_REG: Uint8Array[]): Uint8Array {
  let size = body.length;
  for (const h of holes) {
    h.load = uses[h.to] & (h.none | (h.entry & ~uses[h.from]));
    for (let r = 0; r < 16; r++) if (h.load & (1 << r)) size += LOAD_REG[r].length;
  }
  const out = new Uint8Array(size);
  let from = 0, at = 0;
  for (const h of holes) {
    out.set(body.subarray(from, h.at), at); at += h.at - from; from = h.at;
    for (let r = 0; r < 16; r++) if (h.load & (1 << r)) { out.set(LOAD_REG[r], at); at += LOAD_REG[r].length; }
  }
  out.set(body.subarray(from), at);
  return out;
}
/** A function's locals as the code section encodes them. */
function encodedLocals(locals: [count: number, type: number][]): Uint8Array {
  const b = new Code();
  b.u32(locals.length);
  for (const [n, t] of locals) b.u32(n).byte(t);
  return b.view().slice();
}
const NO_LOCALS = new Uint8Array([0]);
