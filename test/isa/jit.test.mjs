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
import { runMany, runBoth, diffStates, DATA_ADDR, STACK_TOP } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";

let seed = 0x1badb002;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const pick = (a) => a[rnd(a.length)];
// rbp (data window base), r15 (small index) and rsp are never written by the random ops.
const R64 = ["rax", "rcx", "rdx", "rbx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14"];
const R32 = { rax: "eax", rcx: "ecx", rdx: "edx", rbx: "ebx", rsi: "esi", rdi: "edi", r8: "r8d", r9: "r9d", r10: "r10d",
  r11: "r11d", r12: "r12d", r13: "r13d", r14: "r14d" };
const reg = (w) => { const r = pick(R64); return w ? r : R32[r]; };
const imm = () => pick([0, 1, -1, 0x7f, -0x80, 0x7fffffff, -0x80000000, 31, 32, 63, rnd(1 << 30), -rnd(1 << 30)]);
const mem = (w) => {
  const size = w === 8 ? "QWORD" : w === 4 ? "DWORD" : "BYTE";
  const d = rnd(64) * 8 - 256;
  return pick([`${size} PTR [rbp + ${d}]`, `${size} PTR [rbp + r15*8 + ${d}]`, `${size} PTR [rip + DATA + ${d + 512}]`]);
};
const ALU = ["add", "or", "and", "sub", "xor", "cmp"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

const SIMPLE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19, 20, 21];
/** An instruction with no control flow and no stack change, for the inside of groups. */
const simple = () => op(pick(SIMPLE));

/** One instruction, or a small group (branch over, call and return, push and pop) whose inside is simple. */
function op(kind = rnd(27)) {
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
    case 20: return `set${pick(CC)} ${pick(["al", "cl", "dl", "bl"])}`;
    case 21: return `${pick(["add", "xor"])} ${pick(["al", "cl", "dh", "bl"])}, ${pick(["al", "cl", "ah", "bl"])}`;
    case 22: return `neg ${reg(w)}\nj${pick(CC)} 1f\n${simple()}\n1:`;
    case 23: return `${pick(["shl", "shr", "sar"])} ${reg(w)}, 1\nj${pick(CC)} 1f\n${simple()}\n1:`;
    case 24: return `${pick(["shl", "shr", "sar"])} ${reg(w)}, ${1 + rnd(w ? 63 : 31)}\nj${pick(["b", "ae", "e", "ne", "s", "ns", "p", "np"])} 1f\n${simple()}\n1:`;
    case 25: return `imul ${reg(w)}, ${reg(w)}\nj${pick(["o", "no", "b", "ae"])} 1f\n${simple()}\n1:`;
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
  const FLAG_OPS = {
    // condition codes whose flags the operation defines (imul: only CF and OF)
    "cmp A, B": CC, "sub A, B": CC, "add A, B": CC, "and A, B": CC, "test A, B": CC, "xor A, B": CC, "neg A": CC,
    "shl A, 1": CC, "shr A, 1": CC, "sar A, 1": CC, "shl A, 5": CC.filter((c) => !c.includes("o") && !/^(n?[lg]e?)$/.test(c)),
    "imul A, B": ["o", "no", "b", "ae"],
  };
  const cases = [];
  for (const [form, ccs] of Object.entries(FLAG_OPS)) for (const w of [false, true]) for (const cc of ccs) {
    const x = w ? { A: "rax", B: "rcx" } : { A: "eax", B: "ecx" };
    const asm = `mov r8d, 0\n${form.replace(/[AB]/g, (m) => x[m])}\nj${cc} 1f\nmov r8d, 1\n1:`;
    for (let i = 0; i < 6; i++) cases.push({ asm, regs: { rax: pick(VALS), rcx: pick(VALS) } });
  }
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

test.run();
