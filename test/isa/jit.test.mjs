// The JIT (runtime/jit) against the host CPU: random straight-line sequences of the encodings it
// translates inline (asm/fast.ts forms: ALU, MOV, LEA, shifts, unary, IMUL, MOVZX/MOVSXD,
// PUSH/POP, Jcc/JMP/CALL/RET), mixed with ones it leaves to the core's generic handler (ADC,
// SETcc, 8-bit ops), run natively and in wasl with every block compiled on its first entry.
// Registers, flags, memory and the stack must agree. Then the states the JIT must leave exactly
// as the interpreter does: a page fault in the middle of a compiled block (state committed up to
// the faulting instruction, rip at it). Self-modifying code is in core.test.mjs (jit_core runs it).
process.env.ISA_JIT ??= "1";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runMany, runBoth, diffStates, bareMachine, assertSameStops, DATA_ADDR, STACK_TOP } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";

let seed = 0x1badb002;
// mulberry32: the low bits of a power-of-two LCG cycle quickly, so `seed % n` picked some kinds never
const rnd = (n) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const pick = (a) => a[rnd(a.length)];
// rbp (data window base), r15 (small index) and rsp are never written by the random ops.
const R64 = ["rax", "rcx", "rdx", "rbx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14"];
const R32 = { rax: "eax", rcx: "ecx", rdx: "edx", rbx: "ebx", rsi: "esi", rdi: "edi", r8: "r8d", r9: "r9d", r10: "r10d",
  r11: "r11d", r12: "r12d", r13: "r13d", r14: "r14d" };
const reg = (w) => { const r = pick(R64); return w ? r : R32[r]; };
const imm = () => pick([0, 1, -1, 0x7f, -0x80, 0x7fffffff, -0x80000000, 31, 32, 63, rnd(1 << 30), -rnd(1 << 30)]);
/** A memory operand; noRex leaves out r15 (an instruction with AH..BH cannot take a REX prefix). */
const mem = (w, noRex = false) => {
  const size = w === 8 ? "QWORD" : w === 4 ? "DWORD" : w === 2 ? "WORD" : "BYTE";
  const d = rnd(64) * 8 - 256;
  return pick([`${size} PTR [rbp + ${d}]`, noRex ? `${size} PTR [rbp + ${d + 8}]` : `${size} PTR [rbp + r15*8 + ${d}]`, `${size} PTR [rip + DATA + ${d + 512}]`]);
};
const ALU = ["add", "or", "and", "sub", "xor", "cmp"];
const R16 = ["ax", "cx", "dx", "bx", "si", "di", "r8w", "r11w", "r14w"];
/** A register or memory operand of size s (1, 2, 4, 8 bytes); byte registers without REX-only names, so AH..BH can mix in. */
const operand = (s) => rnd(3) === 0 ? mem(s, true) : s === 1 ? pick(["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]) : s === 2 ? pick(R16) : reg(s === 8);
/** An immediate that fits an s-byte operand's imm8/imm16/imm32 field. */
const immOf = (s) => s === 1 ? rnd(256) - 128 : s === 2 ? pick([0, 1, -1, 0x7fff, -0x8000, rnd(65536) - 32768, rnd(256) - 128]) : imm();
/** A 16-byte aligned memory operand. */
const xmem = () => `XMMWORD PTR [rbp + ${rnd(32) * 16 - 256}]`;
const xreg = () => `xmm${rnd(16)}`;
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

const SIMPLE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19, 20, 21, 27, 28, 29, 30, 31, 32, 33];
const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh", "sil", "dil", "r9b", "r12b"];
const reg8 = () => { const a = pick(R8); return a; };
/** A flag-defining instruction followed by one that reads a condition. */
const defined = () => `${pick(["add", "sub", "cmp", "test", "and", "or"])} ${pick(["rax, rcx", "edx, ebx", "r8, r9", "esi, edi"])}`;
/** An instruction with no control flow and no stack change, for the inside of groups. */
const simple = () => op(pick(SIMPLE));

/** One instruction, or a small group (branch over, call and return, push and pop) whose inside is simple. */
function op(kind = rnd(51)) {
  const w = rnd(2) === 1, s = w ? 8 : 4;
  switch (kind) {
    case 0: return `${pick(ALU)} ${reg(w)}, ${reg(w)}`;
    case 1: return `${pick(ALU)} ${reg(w)}, ${imm()}`;
    case 2: return `${pick(ALU)} ${reg(w)}, ${mem(s)}`;
    case 3: return `test ${reg(w)}, ${reg(w)}`;
    case 4: return `mov ${reg(w)}, ${reg(w)}`;
    case 5: return w && rnd(2) ? `movabs ${reg(true)}, ${BigInt.asIntN(64, BigInt(rnd(1 << 30)) * 0x9e3779b97n)}` : `mov ${reg(w)}, ${imm()}`;
    case 6: return `mov ${reg(w)}, ${mem(s)}`;
    case 7: return `mov ${mem(s)}, ${reg(w)}`;
    case 8: return `mov ${mem(s)}, ${imm()}`;
    case 9: return pick([`lea ${reg(w)}, [rbp + r15*4 + ${rnd(100)}]`, `lea ${reg(w)}, [${reg(true)} + ${reg(true)}*2 - 7]`, `lea ${reg(w)}, [rip + DATA]`]);
    case 10: return `${pick(["shl", "shr", "sar", "rol", "ror"])} ${reg(w)}, ${pick([0, 1, 2, 7, 31, 32, 63, rnd(64)])}`;
    case 11: return `${pick(["inc", "dec", "not", "neg"])} ${reg(w)}`;
    case 12: return `imul ${reg(w)}, ${reg(w)}`;
    case 13: return `movzx ${reg(w)}, ${mem(1)}`;
    case 14: return rnd(2) ? `movsxd ${reg(true)}, ${reg(false)}` : `movsxd ${reg(true)}, ${mem(4)}`;
    case 15: return `push ${reg(true)}\n${simple()}\npop ${reg(true)}`;
    case 16: return `${pick(["add", "sub", "cmp", "test", "and", "xor"])} ${reg(w)}, ${reg(w)}\nj${pick(CC)} 1f\n${simple()}\n1:`;
    case 17: return `${pick(["add", "sub", "cmp"])} ${reg(w)}, ${mem(s)}\nj${pick(CC)} 1f\n${simple()}\n1:`;
    case 18: return `call 2f\njmp 3f\n2:\n${simple()}\nret\n3:`;
    case 19: return `${pick(["adc", "sbb"])} ${reg(w)}, ${reg(w)}`;
    case 20: return `set${pick(["b", "ae"])} ${pick(["al", "cl", "dl", "bl"])}`; // CF: the one flag every op before defines
    case 21: return `${pick(["add", "xor"])} ${pick(["al", "cl", "dh", "bl"])}, ${pick(["al", "cl", "ah", "bl"])}`;
    case 22: return `neg ${reg(w)}\nj${pick(CC)} 1f\n${simple()}\n1:`;
    case 23: return `${pick(["shl", "shr", "sar"])} ${reg(w)}, 1\nj${pick(CC)} 1f\n${simple()}\n1:`;
    case 24: return `${pick(["shl", "shr", "sar"])} ${reg(w)}, ${1 + rnd(w ? 63 : 31)}\nj${pick(["b", "ae", "e", "ne", "s", "ns", "p", "np"])} 1f\n${simple()}\n1:`;
    case 25: return `imul ${reg(w)}, ${reg(w)}\nj${pick(["o", "no", "b", "ae"])} 1f\n${simple()}\n1:`;
    case 27: return `${pick(ALU)} ${mem(s)}, ${pick([reg(w), imm(), rnd(256) - 128])}`;
    case 28: {
      // 8-bit forms (REX and legacy high bytes are never mixed in one instruction)
      const hi = rnd(2) === 1, r = () => hi ? pick(["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]) : pick(["al", "cl", "dl", "bl", "sil", "dil", "r9b", "r12b"]);
      return pick([`${pick(ALU)} ${r()}, ${r()}`, `${pick(ALU)} ${r()}, ${rnd(256) - 128}`, `cmp ${mem(1, hi)}, ${rnd(256) - 128}`, `test ${r()}, ${r()}`,
        `mov ${mem(1, hi)}, ${r()}`, `mov ${r()}, ${mem(1, hi)}`, `mov ${mem(1)}, ${rnd(256)}`, `${pick(ALU)} ${mem(1, hi)}, ${r()}`]);
    }
    case 29: return `test ${pick([reg(w), mem(s)])}, ${imm()}`;
    case 30: return `${defined()}\nset${pick(CC)} ${pick([reg8(), mem(1)])}`;
    case 31: return `${defined()}\ncmov${pick(CC)} ${reg(w)}, ${pick([reg(w), mem(s)])}`;
    case 32: return pick([`movzx ${reg(w)}, ${reg8().replace(/^(ah|ch|dh|bh)$/, "al")}`, `movzx ${reg(w)}, ${pick(["ax", "cx", "r9w"])}`, `movsx ${reg(w)}, ${pick(["al", "ch", "dl"])}`,
      `movsx ${reg(w)}, ${pick(["WORD PTR [rbp + 8]", "BYTE PTR [rbp + r15*8 + 3]", "bx"])}`, `movzx ${reg(w)}, WORD PTR [rbp - 6]`]).replace(/(r\d+d?|[re][a-z]{2}), (ah|ch|dh|bh)$/, (m0, a) => /^r/.test(a) ? `${a}, cl` : m0); // a 64-bit or r8-r15 destination needs REX
    case 33: return `imul ${reg(w)}, ${pick([reg(w), mem(s)])}, ${pick([3, -1, 0x7f, 1000003, -0x80000000])}`;
    case 34: return pick(["cdq", "cqo", `${defined()}\n${pick(["rol", "ror"])} ${reg(w)}, ${1 + rnd(w ? 63 : 31)}`, `${defined()}\n${pick(["rol", "ror", "shl", "shr", "sar"])} ${reg(w)}, 1\nj${pick(["b", "ae", "o", "no"])} 1f\n${simple()}\n1:`]);
    case 35: return pick([`lea r11, [rip + 1f]\njmp r11\n${simple()}\n1:`, `lea r11, [rip + 2f]\ncall r11\njmp 3f\n2:\n${simple()}\nret\n3:`,
      `lea r11, [rip + 2f]\nmov QWORD PTR [rbp + 40], r11\ncall QWORD PTR [rbp + 40]\njmp 3f\n2:\n${simple()}\nret\n3:`]);
    case 38: { // the accumulator forms (rAX, imm), every size
      const s = pick([1, 2, 4, 8]), a = { 1: "al", 2: "ax", 4: "eax", 8: "rax" }[s];
      return `${pick([...ALU, "adc", "sbb", "test"])} ${a}, ${immOf(s)}`;
    }
    case 39: { // 16-bit ALU, TEST and MOV, register and memory
      const a = operand(2), b = a.includes("PTR") ? pick(R16) : pick([pick(R16), mem(2)]);
      return pick([`${pick([...ALU, "adc", "sbb"])} ${a}, ${b}`, `${pick([...ALU, "adc", "sbb"])} ${a}, ${immOf(2)}`, `test ${a}, ${pick([immOf(2), pick(R16)])}`,
        `mov ${a}, ${b}`, `mov ${a}, ${immOf(2)}`, `cmp ${a}, ${rnd(256) - 128}`]);
    }
    case 40: { // ADC/SBB of every size after a flag-setting instruction, a condition read after them
      const s = pick([1, 2, 4, 8]), a = operand(s), b = a.includes("PTR") ? { 1: "cl", 2: "cx", 4: "ecx", 8: "rcx" }[s] : operand(s);
      return `${defined()}\n${pick(["adc", "sbb"])} ${a}, ${pick([b, immOf(s)])}\nj${pick(CC)} 1f\n${simple()}\n1:`;
    }
    case 41: { // NEG/NOT of every size, register and memory, a condition read after NEG
      const s = pick([1, 2, 4, 8]);
      return pick([`neg ${operand(s)}\nset${pick(CC)} ${pick(["r8b", "r9b"])}`, `not ${operand(s)}`]);
    }
    case 42: { // SHL/SHR/SAR of every size by an immediate or CL (counts below the size: CF is defined), CF ZF SF PF read after
      const s = pick([1, 2, 4, 8]), n = rnd(s * 8), by = pick([`${n}`, "1", "cl"]);
      let dst = operand(s);
      if (/^[re]?c[xlh]$/.test(dst)) dst = { 1: "dl", 2: "dx", 4: "edx", 8: "rdx" }[s];
      const setCount = by === "cl" ? `mov ecx, ${pick([n, 0, 1, 256 + n])}\n` : "";
      return `${defined()}\n${setCount}${pick(["shl", "shr", "sar", "sal"])} ${dst}, ${by}\nj${pick(["b", "ae", "e", "ne", "s", "ns", "p", "np"])} 1f\n${simple()}\n1:`;
    }
    case 43: return pick(["cbw", "cwde", "cdqe", `imul ${reg(w)}, ${mem(s)}`, `imul ${reg(w)}, ${mem(s)}\njo 1f\n${simple()}\n1:`]);
    case 44: { // MOVD/MOVQ between GPRs or memory and xmm
      return pick([`movd ${xreg()}, ${pick([reg(false), mem(4)])}`, `movq ${xreg()}, ${pick([reg(true), mem(8)])}`,
        `movd ${pick([reg(false), mem(4)])}, ${xreg()}`, `movq ${pick([reg(true), mem(8)])}, ${xreg()}`]);
    }
    case 45: { // unpack-low, PSHUFD/LW/HW, PMINUB: register and aligned memory sources
      const src = pick([xreg(), xmem()]);
      return pick([`${pick(["punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "unpcklps", "unpcklpd", "pminub"])} ${xreg()}, ${src}`,
        `${pick(["pshufd", "pshuflw", "pshufhw"])} ${xreg()}, ${src}, ${rnd(256)}`]);
    }
    case 46: { // INC/DEC of every size keep CF: ADC reads it after them
      const s = pick([1, 2, 4, 8]);
      return `${defined()}\n${pick(["inc", "dec"])} ${operand(s)}\n${pick(["adc", "sbb"])} ${reg(w)}, ${reg(w)}`;
    }
    case 47: { // BSF/BSR: ZF and the destination (unchanged for a zero source)
      const src = pick([reg(w), mem(s), "r15"]).replace(/^r15$/, w ? "r15" : "r15d");
      // CF, OF, SF, AF, PF are undefined after them: nothing reads those before the next op defines them
      return `${pick(["bsf", "bsr"])} ${reg(w)}, ${src}\nj${pick(["e", "ne"])} 1f\nmov ${reg(w)}, ${imm()}\n1:\n${defined()}`;
    }
    case 48: { // BT of a register: CF the bit, ZF kept
      const s = pick([2, 4, 8]), r = s === 2 ? pick(R16) : reg(s === 8);
      return `${defined()}\nbt ${r}, ${pick([s === 2 ? pick(R16) : reg(s === 8), rnd(256)])}\nj${pick(["b", "ae", "e", "ne"])} 1f\n${simple()}\n1:`;
    }
    case 49: { // XCHG of registers, every size
      const s = pick([1, 2, 4, 8]), a = () => operand(s).replace(/.*PTR.*/, s === 1 ? "dl" : s === 2 ? "dx" : reg(s === 8));
      return `xchg ${a()}, ${a()}`;
    }
    case 50: // MUL: CF and OF say whether the high half is zero; SZAP undefined until the op after
      return `mul ${pick([reg(w), mem(s), pick(["rax", "eax", "rdx", "edx"])])}\nj${pick(["b", "ae", "o", "no"])} 1f\nmov ${reg(w)}, ${imm()}\n1:\n${defined()}`;
    default: return `jmp 1f\n${simple()}\n1:`;
  }
}

function inputs() {
  const regs = { rbp: BigInt(DATA_ADDR + 0x400), r15: BigInt(rnd(16)) };
  const memBytes = new Uint8Array(4096).map(() => rnd(256));
  return { regs, mem: memBytes };
}

test("random sequences of inlined and generic instructions, every block compiled", async () => {
  if (!hostOk) return;
  const cases = [];
  for (let i = 0; i < 400; i++) {
    const n = 4 + rnd(12), lines = [];
    for (let j = 0; j < n; j++) lines.push(op());
    // End on an instruction that defines every arithmetic flag, so rflags compare in full.
    lines.push(`${pick(["add", "sub", "cmp"])} ${pick(["rax, rdx", "eax, edx", "r9, rbx"])}`);
    cases.push({ asm: lines.join("\n"), ...inputs() });
  }
  const results = await runMany(cases);
  const bad = [];
  results.forEach((r, i) => {
    if (r.error) { bad.push(`${r.error}\n${cases[i].asm}`); return; }
    const d = diffStates(r.native, r.wasl);
    if (d.length) bad.push(`${cases[i].asm.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  });
  assert.ok(bad.length === 0, `${bad.length} of ${cases.length} differ:\n${bad.slice(0, 5).join("\n")}`);
});

test("every condition after every inlined flag-setting form, compiled: jcc reads the flags in locals", async () => {
  if (!hostOk) return;
  const VALS = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xffffffffn, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 0x123456789n];
  const SZPC = CC.filter((c) => !c.includes("o") && !/^(n?[lg]e?)$/.test(c));
  const FLAG_OPS = {
    // condition codes whose flags the operation defines (imul: only CF and OF)
    "cmp A, B": CC, "sub A, B": CC, "add A, B": CC, "and A, B": CC, "test A, B": CC, "xor A, B": CC, "neg A": CC,
    "shl A, 1": CC, "shr A, 1": CC, "sar A, 1": CC, "shl A, 5": CC.filter((c) => !c.includes("o") && !/^(n?[lg]e?)$/.test(c)),
    "imul A, B": ["o", "no", "b", "ae"],
    // rotates define CF (and OF for a count of 1) and keep the other flags of the add before them
    "add A, B\nrol A, 1": CC, "add A, B\nror A, 1": CC, "sub A, B\nrol A, 9": ["b", "ae", "e", "ne", "s", "ns"], "sub A, B\nror A, 3": ["b", "ae", "p", "np"],
    "imul A, B\nror A, 1": ["o", "no", "b", "ae"],
    // a rotate that starts a block finds the flags in memory (the core's setCarryOverflow)
    "add A, B\njmp 2f\n2:\nrol A, 1": CC, "sub A, B\njmp 2f\n2:\nror A, 5": ["b", "ae", "e", "ne", "s", "ns", "p", "np"],
  };
  /** Forms whose conditions are read by one reader per input (the readers take turns), to keep the case count down. */
  const FLAG_OPS_ROTATE = {

    // ADC/SBB: the kind of their flag record is the carry in, known at run time only
    "stc\nsbb A, B": CC, "clc\nsbb A, B": CC, "stc\nadc A, B": CC, "cmp A, B\nsbb A, B": CC, "add A, B\nadc A, B": CC,
    "cmp A, B\nsbb A, A": CC, "stc\nadc A, B\nadc A, B": CC, "cmp ecx, eax\nsbb al, cl": CC, "sub rcx, rax\nadc cx, ax": CC,
    // the 8- and 16-bit forms, high bytes, the accumulator-immediate forms
    "cmp ax, cx": CC, "sub al, cl": CC, "add ah, cl": CC, "neg cx": CC, "neg ch": CC, "cmp eax, 0x7fffffff": CC, "cmp rax, -1": CC,
    "cmp al, 0x80": CC, "test al, 0x81": CC, "test ax, 0x8001": CC, "and eax, 0xff00ff": CC, "sub ax, 0x7fff": CC,
    // shifts by CL (a count of 0 keeps the flags before) and of small operands: SZPC defined
    "shl A, cl": SZPC, "shr A, cl": SZPC, "sar A, cl": SZPC, "cmp A, B\nshl A, cl": SZPC, "shr ax, 3": SZPC, "sar al, 7": SZPC,
    "shl ch, 1": CC, "shr cx, 1": CC, "sar ax, 1": CC,
    // INC/DEC keep CF; BSF/BSR define ZF; BT defines CF and keeps ZF
    "stc\ninc A": CC, "clc\ndec A": CC, "cmp A, B\ninc A": CC, "sub A, B\ndec cx": CC, "add A, B\ninc al": CC,
    "bsf A, B": ["e", "ne"], "bsr A, B": ["e", "ne"], "cmp A, B\nbt A, B": ["b", "ae", "e", "ne"], "stc\nbt ax, 15": ["b", "ae"],
    // MUL defines CF and OF only
    "mul B": ["o", "no", "b", "ae"], "mul A": ["o", "no", "b", "ae"],
  };
  // each condition read three ways: a branch, SETcc into a byte register, CMOVcc (32-bit: clears the upper half)
  const readers = [(cc) => `j${cc} 1f\nmov r8d, 1\n1:`, (cc) => `set${cc} r8b`, (cc) => `cmov${cc} r8d, r9d`, (cc) => `cmov${cc} r8, r9`];
  const cases = [];
  const add = (form, ccs, rotate) => {
    for (const w of /[AB]/.test(form) ? [false, true] : [false]) for (const [ci, cc] of ccs.entries()) {
      const x = w ? { A: "rax", B: "rcx" } : { A: "eax", B: "ecx" };
      readers.forEach((read, ri) => {
        const asm = `${form.replace(/[AB]/g, (m) => x[m])}\n${read(cc)}`;
        for (let i = 0; i < 3; i++) {
          if (rotate && (ci + i) % readers.length !== ri) continue;
          cases.push({ asm, regs: { rax: pick(VALS), rcx: pick(VALS), r8: 0xfeedface00000000n, r9: pick(VALS) } });
        }
      });
    }
  };
  for (const [form, ccs] of Object.entries(FLAG_OPS)) add(form, ccs, false);
  for (const [form, ccs] of Object.entries(FLAG_OPS_ROTATE)) add(form, ccs, true);
  const results = await runMany(cases);
  const bad = [];
  results.forEach((r, i) => {
    const d = r.error ? [r.error] : diffStates(r.native, r.wasl, { flagsMask: 0n });
    if (d.length) bad.push(`${cases[i].asm.replace(/\n/g, "; ")} rax=${cases[i].regs.rax} rcx=${cases[i].regs.rcx}\n    ${d.join("\n    ")}`);
  });
  assert.ok(bad.length === 0, `${bad.length} of ${cases.length} differ:\n${bad.slice(0, 5).join("\n")}`);
});

test("a fault inside a compiled block: state up to the faulting instruction, rip at it", async () => {
  if (!hostOk) return;
  const regs = { rbp: BigInt(DATA_ADDR + 0x400), rsi: 0x10n };
  for (const asm of [
    "add rax, rcx\nmov rdx, 7\nmov rbx, QWORD PTR [rsi]\nadd rdx, 1",       // read fault after register work
    "xor eax, eax\ncmp rcx, rdx\nmov QWORD PTR [rsi + 8], rax\ninc rax",      // write fault with lazy flags pending
    "push rax\npush rcx\nmov rsp, rsi\npush rdx\nadd rax, 1",                // stack fault after a stack switch
    "sub rax, rcx\nmov rsp, rsi\nret",                                       // ret through an unmapped stack
  ]) {
    const r = await runBoth(asm, { regs });
    const d = diffStates(r.native, r.wasl);
    assert.ok(r.native.exit === "PAGE_FAULT", `${asm}: native ${r.native.exit}`);
    assert.ok(d.length === 0, `${asm.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  }
});

test("self-loops compiled as Wasm loops: generic records inside, memory, conditions, a fault in a late pass", async () => {
  if (!hostOk) return;
  const regs = { rbp: BigInt(DATA_ADDR + 0x400), r15: 0n, rcx: 1000n, rsi: BigInt(DATA_ADDR), rdi: BigInt(DATA_ADDR + 0x2000) };
  const mem = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
  for (const asm of [
    "1: add rax, rcx\nimul rdx, rax\nxor rbx, rdx\ndec ecx\njnz 1b",                       // DEC is generic: state crosses it
    "1: add rax, QWORD PTR [rbp + r15*8]\nadd r15, 1\ncmp r15, 40\njb 1b",                // memory in every pass
    "1: sub rcx, 1\nsetz al\ncmovnz rdx, rcx\nrol rbx, 3\nmov DWORD PTR [rbp + 8], ebx\ntest rcx, rcx\njnz 1b",
    "1: mov rdx, QWORD PTR [rsi]\nadd rax, rdx\nadd rsi, 8\ncmp rsi, rdi\njne 1b",        // faults when it walks off the data area
    "1: shr rax, 1\nadc rbx, 0\nadd r8, rax\ncmp rax, 0\njne 1b",
  ]) {
    const r = await runBoth(asm, { regs, mem });
    const d = diffStates(r.native, r.wasl);
    assert.ok(d.length === 0, `${asm.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  }
});

test("a compiled self-loop stops on the budget where the interpreter does", async () => {
  // 1: add rax, 1; dec rcx; jnz 1b; int3 — the loop block is 3 instructions, its first pass is straight-line.
  const code = new Uint8Array([0x48, 0x83, 0xc0, 0x01, 0x48, 0xff, 0xc9, 0x75, 0xf7, 0xcc]);
  const make = async (jit) => {
    const { m, rt, L } = await bareMachine();
    const mm = jit ? m : await rt.Machine.create(await rt.coreModule(), { jit: false });
    if (!jit) { mm.core.setAddressSpace(mm.core.ptNew()); mm.resetState(); }
    const root = mm.addressSpace;
    mm.core.ptMap(root, 0x10000n, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC);
    mm.copyOut(0x10000n, code);
    mm.rip = 0x10000n;
    mm.setReg(1, 1000n);
    return { m: mm, L };
  };
  const a = await make(true), b = await make(false);
  assertSameStops(a.m, b.m, [1, 2, 3, 4, 7, 100, 1000, 2999, 5000]);
  assert.ok(a.m.jit.stats.loops >= 1, "the loop block was compiled as a loop");
  assert.equal(b.m.jit, null);
});

test.run();
