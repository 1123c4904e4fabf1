// Data movement, stack, control flow, string and system instructions (asm/move.ts, control.ts,
// string.ts, system.ts) checked against the host CPU: each case runs natively and in wasl from the
// same state, and registers, flags, the data area, the stack window and the fault (kind, rip,
// address) must agree. Operands come from a fixed-seed generator. Then what the host cannot
// answer for wasl: CPUID's exact bits, RDTSC, INT n, and REP MOVS/STOS over megabytes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runMany, diffStates, bareMachine, DATA_ADDR, STACK_TOP, hex } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";
const D = DATA_ADDR;            // 4 KiB data area; nothing is mapped after it
const END = D + 0x1000;
const STACK_LO = STACK_TOP - 0x8000; // the 64 KiB stack area, used for copies that cross pages

let seed = 0x5eed1234n;
function r64() { seed ^= (seed << 13n) & M64; seed ^= seed >> 7n; seed ^= (seed << 17n) & M64; return seed; }
const M64 = (1n << 64n) - 1n;
const rint = (n) => Number(r64() % BigInt(n));
const pick = (a) => a[rint(a.length)];
function randMem(fill) {
  const b = new Uint8Array(4096);
  for (let i = 0; i < b.length; i++) b[i] = fill ? fill(i) : rint(256);
  return b;
}
const randFlags = (df) => (r64() & 0x8d5n) | (df ? 0x400n : 0n);

const R64 = ["rax", "rcx", "rdx", "rbx", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const R32 = ["eax", "ecx", "edx", "ebx", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const R16 = ["ax", "cx", "dx", "bx", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
const R8REX = ["al", "cl", "dl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b"];
const R8LEG = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const BY = { 8: R64, 4: R32, 2: R16 };
const PTR = { 1: "byte", 2: "word", 4: "dword", 8: "qword" };
const SUF = { 1: "b", 2: "w", 4: "d", 8: "q" };
const ACC = { 1: "al", 2: "ax", 4: "eax", 8: "rax" };

/** A memory operand into the data area through r15 (and index r14). */
function memOp(w) {
  const base = D + 0x300 + rint(0xa00), disp = rint(256) - 128;
  if (rint(2)) return { op: `${PTR[w]} ptr [r15${disp < 0 ? "-" : "+"}${Math.abs(disp)}]`, regs: { r15: BigInt(base) } };
  const sc = pick([1, 2, 4, 8]);
  return { op: `${PTR[w]} ptr [r15+r14*${sc}+${disp + 200}]`, regs: { r15: BigInt(base - 200), r14: BigInt(rint(64)) } };
}
const regOf = (w, noHigh) => (w === 1 ? pick(noHigh ? ["al", "cl", "dl", "sil", "dil", "r8b", "r11b"] : R8LEG) : pick(BY[w].slice(0, 13)));

function cases() {
  const C = [];
  const add = (name, asm, o = {}) => C.push({ name, asm, mem: o.mem ?? randMem(), flags: o.flags ?? randFlags(rint(2)), regs: o.regs || {}, mask: o.mask });

  // ---- moves ----
  for (let n = 0; n < 6; n++) for (const w of [1, 2, 4, 8]) {
    const m = memOp(w), r = regOf(w, true);
    add(`mov store ${w}`, `mov ${m.op}, ${r}`, { regs: m.regs });
    add(`mov load ${w}`, `mov ${r}, ${m.op}`, { regs: m.regs });
    add(`mov imm mem ${w}`, `mov ${m.op}, ${w === 8 ? -rint(1 << 30) : rint(2 ** (w * 8 - 1))}`, { regs: m.regs });
    const L = w === 1 ? pick([R8LEG, R8REX]) : BY[w];
    add(`mov rr ${w}`, `mov ${pick(L)}, ${pick(L)}`);
    add(`mov imm reg ${w}`, `mov ${regOf(w)}, ${w === 8 ? hex(r64(), 0) : rint(2 ** (w * 8 - 1))}`);
  }
  for (let n = 0; n < 4; n++) {
    add("mov r64, simm32", `mov ${pick(R64)}, -${rint(1 << 30)}`);
    add("movabs imm64", `movabs rax, ${hex(r64(), 0)}`);
    add("mov moffs load", `movabs ${pick(["al", "ax", "eax", "rax"])}, [${hex(D + rint(0xff0), 0)}]`);
    add("mov moffs store", `movabs [${hex(D + rint(0xff0), 0)}], ${pick(["al", "ax", "eax", "rax"])}`);
    add("mov moffs a32", `addr32 mov eax, [${hex(D + rint(0xff0), 0)}]`);
  }
  add("mov gs:moffs", "movabs rax, gs:[0x100]", {}); // gsBase set per case below
  for (let n = 0; n < 4; n++) for (const dw of [2, 4, 8]) {
    const m1 = memOp(1), m2 = memOp(2), dst = BY[dw][rint(7)];
    add("movzx Eb", `movzx ${dst}, ${m1.op}`, { regs: m1.regs });
    add("movsx Eb", `movsx ${dst}, ${m1.op}`, { regs: m1.regs });
    add("movsx Eb reg", `movsx ${dst}, ${dw === 8 ? pick(R8REX) : pick(R8LEG)}`);
    if (dw > 2) {
      add("movzx Ew", `movzx ${dst}, ${m2.op}`, { regs: m2.regs });
      add("movsx Ew reg", `movsx ${dst}, ${pick(R16)}`);
    }
  }
  for (let n = 0; n < 4; n++) {
    const m4 = memOp(4);
    add("movsxd mem", `movsxd ${pick(R64)}, ${m4.op}`, { regs: m4.regs });
    add("movsxd reg", `movsxd ${pick(R64)}, ${pick(R32)}`);
  }
  add("63 without REX.W", ".byte 0x63, 0xc1");
  add("66 63", ".byte 0x66, 0x63, 0xc1");
  for (let n = 0; n < 6; n++) {
    const sc = pick([1, 2, 4, 8]), disp = rint(2 ** 31) - 2 ** 30;
    const idx = pick(R64);
    add("lea 64", `lea ${pick(R64)}, [${pick(R64)}+${idx}*${sc}+${disp}]`);
    add("lea 32", `lea ${pick(R32)}, [${pick(R64)}+${idx}*${sc}+${disp}]`);
    add("lea 16", `lea ${pick(R16)}, [${pick(R64)}+${disp}]`);
    add("lea a32", `lea ${pick(R64)}, [${pick(R32)}+${pick(R32)}*${sc}+${disp}]`);
    add("lea rip", `lea ${pick(R64)}, [rip+${disp}]`);
  }
  for (let n = 0; n < 4; n++) for (const w of [1, 2, 4, 8]) {
    const m = memOp(w);
    add("xchg mem", `xchg ${m.op}, ${regOf(w, true)}`, { regs: m.regs });
    add("xchg rr", `xchg ${regOf(w)}, ${regOf(w)}`);
  }
  add("xchg r64, rax", "xchg rcx, rax"); add("xchg r32, eax", "xchg esi, eax"); add("xchg r16, ax", "xchg di, ax");
  for (const [name, asm] of [["nop", "nop"], ["66 90", ".byte 0x66, 0x90"], ["41 90 = xchg r8d, eax", ".byte 0x41, 0x90"],
    ["49 90 = xchg r8, rax", ".byte 0x49, 0x90"], ["48 90", ".byte 0x48, 0x90"], ["pause", "pause"], ["nopl", "nop dword ptr [rax+rax*1+0]"],
    ["nopw cs", ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0"], ["endbr64", "endbr64"], ["prefetcht0", "prefetcht0 [rax]"],
    ["0F 19", ".byte 0x0f, 0x19, 0xc0"], ["fences", "lfence\nmfence\nsfence"]]) add(name, asm);
  add("clflush", "clflush [rbx]", { regs: { rbx: BigInt(D + 0x100) } });
  add("clflush unmapped", "clflush [rbx]", { regs: { rbx: BigInt(END + 8) } });

  // ---- stack ----
  const fp = () => BigInt(STACK_TOP - 0x80 + 8 * rint(16));
  for (let n = 0; n < 4; n++) {
    const m8 = memOp(8), m2 = memOp(2);
    add("push reg", `push ${pick(R64)}\npush rsp\npush ${pick(R64)}`);
    add("pop reg", `pop ${pick(R64)}\npop ${pick(R64)}`);
    add("pop rsp", "pop rsp");
    add("push/pop 16", `push ${pick(R16)}\npop ${pick(R16)}\npush ax\npush ${pick(R16)}\npop rcx`);
    add("push imm", `push ${rint(256) - 128}\npush ${rint(2 ** 31) - 2 ** 30}\npushw ${rint(65536)}`);
    add("push mem", `push ${m8.op}`, { regs: m8.regs });
    add("push mem16", `push ${m2.op}`, { regs: m2.regs });
    add("pop mem", `pop ${m8.op}`, { regs: m8.regs });
    add("push [rsp+k]", `push qword ptr [rsp+${8 * rint(4)}]`);
    add("pop [rsp+k]", `pop qword ptr [rsp+${8 * rint(4)}]`);
    add("leave", "leave", { regs: { rbp: fp() } });
    add("66 leave", ".byte 0x66, 0xc9", { regs: { rbp: fp() } });
    add("enter n, 0", `enter ${rint(200)}, 0`, { regs: { rbp: fp() } });
    add("enter n, k", `enter ${rint(200)}, ${1 + rint(5)}`, { regs: { rbp: fp() } });
    add("enter; leave", `enter ${rint(200)}, ${rint(4)}\nleave`, { regs: { rbp: fp() } });
  }
  const st = (v) => BigInt(v);
  add("push faults: RSP unchanged", "push rax", { regs: { rsp: st(D) } });
  add("push straddling a fault", "push rax", { regs: { rsp: st(D + 4) } });
  add("pop fault", "pop rax", { regs: { rsp: st(END) } });
  add("call fault", "call 1f\n1:", { regs: { rsp: st(D) } });
  add("ret fault", "ret", { regs: { rsp: st(END) } });
  add("pop to unmapped memory restores RSP", "pop qword ptr [rbx]", { regs: { rbx: st(END), rsp: st(D + 0x800) } });
  add("pop [rsp+k] uses the incremented RSP", "pop qword ptr [rsp+0x7f8]", { regs: { rsp: st(END - 0x7f8) } });
  add("enter: fault in the nested copies", "enter 16, 3", { regs: { rsp: st(D + 0x100), rbp: st(D + 8) } });
  add("enter: fault at the final RSP", "enter 0x2000, 1", { regs: { rsp: st(D + 0x800), rbp: st(D + 0x900) } });

  // ---- control flow ----
  const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
  for (let n = 0; n < 3; n++) for (const cc of CC) {
    add(`j${cc} rel8`, `mov eax, 1\nj${cc} 1f\nmov eax, 2\n1:`);
    add(`j${cc} rel32`, `mov eax, 1\nj${cc} 1f\nmov eax, 2\n.fill 200, 1, 0x90\n1:`);
    add(`j${cc} backward`, `jmp 2f\n1: mov ecx, 7\njmp 3f\n2: mov eax, 1\nj${cc} 1b\nmov eax, 2\n3:`);
  }
  for (let n = 0; n < 3; n++) {
    const m8 = memOp(8), cnt = pick([1, 2, 5, 100]);
    add("jmp reg", "lea rax, [rip+1f]\njmp rax\nmov ecx, 5\n1:");
    add("jmp mem", `lea rax, [rip+1f]\nmov ${m8.op}, rax\njmp ${m8.op}\nmov ecx, 5\n1:`, { regs: m8.regs });
    add("call/ret", "call 1f\njmp 2f\n1: mov rcx, [rsp]\nret\n2:");
    add("ret imm16", "push 5\npush 6\ncall 1f\njmp 2f\n1: ret 16\n2:");
    add("call reg", "lea rax, [rip+1f]\ncall rax\njmp 2f\n1: pop rdx\npush rdx\nret\n2:");
    add("call mem", `lea rax, [rip+1f]\nmov ${m8.op}, rax\ncall ${m8.op}\njmp 2f\n1: ret\n2:`, { regs: m8.regs });
    add("call [rsp]", "lea rax, [rip+1f]\npush rax\ncall qword ptr [rsp]\npop rax\njmp 2f\n1: ret\n2:");
    add("recursion", "mov ecx, 9\ncall 1f\njmp 3f\n1: dec ecx\njz 2f\npush rcx\ncall 1b\npop rcx\n2: ret\n3:");
    add("loop", `mov ecx, ${cnt}\nxor eax, eax\n1: inc eax\nloop 1b`);
    add("loop, RCX above 32 bits", `mov rcx, ${hex((1n << 40n) + BigInt(cnt), 0)}\nxor eax, eax\n1: inc eax\ncmp eax, 50\nje 2f\nloop 1b\n2:`);
    add("addr32 loop counts ECX", `mov rcx, ${hex((1n << 40n) + BigInt(cnt), 0)}\nxor eax, eax\n1: inc eax\naddr32 loop 1b`);
    add("loope", `mov ecx, ${cnt + 3}\nmov eax, ${rint(6)}\n1: dec eax\ncmp eax, 2\nloope 1b`);
    add("loopne", `mov ecx, ${cnt + 3}\nmov eax, ${rint(6)}\n1: dec eax\ncmp eax, 1\nloopne 1b`);
    for (const rcx of ["0", "1", hex(1n << 35n, 0)]) {
      add("jrcxz", `mov rcx, ${rcx}\nmov eax, 1\njrcxz 1f\nmov eax, 2\n1:`);
      add("jecxz", `mov rcx, ${rcx}\nmov eax, 1\njecxz 1f\nmov eax, 2\n1:`);
    }
  }
  add("jmp to unmapped", "jmp rax", { regs: { rax: st(END) } });
  add("int3", "mov eax, 1\nint3\nmov eax, 2");
  add("CD 03 is a breakpoint", ".byte 0xcd, 0x03\nmov eax, 3");
  add("int 0x21", "int 0x21");
  add("ud2", "mov eax, 1\nud2");

  // ---- strings ----
  const bits01 = () => randMem(() => rint(2));
  for (let n = 0; n < 3; n++) for (const s of [1, 2, 4, 8]) for (const df of [0, 1]) for (const rep of ["", "rep ", "repne "]) {
    const cnt = pick([0, 1, 3, 17, rint(1200 / s)]);
    const lo = D + 0x100 + (df ? cnt * s : 0), span = Math.max(0x10, 0xe00 - cnt * s);
    const si = BigInt(lo + rint(span)), di = BigInt(lo + rint(span)), flags = randFlags(df);
    const a32 = rint(4) === 0 ? "addr32 " : "", rc = rep === "rep " ? "repe " : rep;
    add(`${a32}${rep}movs${SUF[s]} DF=${df}`, `${a32}${rep}movs${SUF[s]}`, { regs: { rcx: BigInt(cnt), rsi: si, rdi: di }, flags });
    add(`${a32}${rep}stos${SUF[s]} DF=${df}`, `${a32}${rep}stos${SUF[s]}`, { regs: { rcx: BigInt(cnt), rdi: di }, flags });
    add(`${a32}${rep}lods${SUF[s]} DF=${df}`, `${a32}${rep}lods${SUF[s]}`, { regs: { rcx: BigInt(cnt), rsi: si }, flags });
    add(`${a32}${rc}cmps${SUF[s]} DF=${df}`, `${a32}${rc}cmps${SUF[s]}`, { regs: { rcx: BigInt(cnt), rsi: si, rdi: di }, flags, mem: bits01() });
    add(`${a32}${rc}scas${SUF[s]} DF=${df}`, `${a32}${rc}scas${SUF[s]}`, { regs: { rax: BigInt(rint(2)), rcx: BigInt(cnt), rdi: di }, flags, mem: bits01() });
  }
  for (const s of [1, 8]) {
    const hi = (v) => BigInt(v) + (3n << 32n);
    add(`addr32 rep movs${SUF[s]}: upper halves`, `addr32 rep movs${SUF[s]}`, { regs: { rcx: hi(5), rsi: hi(D + 0x100), rdi: hi(D + 0x900) } });
    add(`addr32 repne scas${SUF[s]}: upper halves`, `addr32 repne scas${SUF[s]}`, { regs: { rax: 1n, rcx: hi(50), rdi: hi(D + 0x900) }, mem: bits01() });
  }
  add("gs: rep movsb source", "rep movsb byte ptr es:[rdi], gs:[rsi]", { regs: { rcx: 40n, rsi: 0x100n, rdi: BigInt(D + 0x800) }, flags: 0n });
  add("gs: lodsq", "lods rax, qword ptr gs:[rsi]", { regs: { rsi: 0x208n }, flags: 0n });
  // Overlap: an element-by-element copy, forward or backward, whatever the distance.
  for (const dist of [-9, -8, -3, -1, 1, 2, 3, 7, 8, 9, 33, 100]) for (const s of [1, 2, 8]) for (const df of [0, 1]) {
    const cnt = Math.min(pick([20, 300]), (0x600 / s) | 0);
    const si = (df ? D + 0xe00 : D + 0x100) + (dist < 0 ? -dist : 0) * (df ? -1 : 1);
    add(`overlapping rep movs${SUF[s]} distance ${dist} DF=${df}`, `rep movs${SUF[s]}`, { regs: { rcx: BigInt(cnt), rsi: BigInt(si), rdi: BigInt(si + dist) }, flags: df ? 0x400n : 0n });
  }
  // A fault midway leaves RCX/RSI/RDI at the faulting element, with everything before it done.
  for (const s of [1, 2, 4, 8]) for (const mis of [0, 3]) {
    const f = (df) => (df ? 0x400n : 0n);
    add(`rep movs${SUF[s]} into the unmapped page`, `rep movs${SUF[s]}`, { regs: { rcx: 0x400n, rsi: BigInt(D + 0x10), rdi: BigInt(D + 0x800 + mis) }, flags: f(0) });
    add(`rep movs${SUF[s]} from the unmapped page`, `rep movs${SUF[s]}`, { regs: { rcx: 0x400n, rsi: BigInt(D + 0x800 + mis), rdi: BigInt(D + 0x10) }, flags: f(0) });
    add(`rep movs${SUF[s]} DF=1 below the data`, `rep movs${SUF[s]}`, { regs: { rcx: 0x400n, rsi: BigInt(D + 0xf00), rdi: BigInt(D + 0x100 + mis) }, flags: f(1) });
    add(`rep stos${SUF[s]} into the unmapped page`, `rep stos${SUF[s]}`, { regs: { rcx: 0x400n, rdi: BigInt(D + 0x800 + mis) }, flags: f(0) });
    add(`repe cmps${SUF[s]} into the unmapped page`, `repe cmps${SUF[s]}`, { regs: { rcx: 0x400n, rsi: BigInt(D + 0x10), rdi: BigInt(D + 0x800 + mis) }, flags: f(0), mem: randMem(() => 7) });
    add(`repne scas${SUF[s]} into the unmapped page`, `repne scas${SUF[s]}`, { regs: { rax: 0n, rcx: 0x400n, rdi: BigInt(D + 0x800 + mis) }, flags: f(0), mem: randMem(() => 7) });
  }
  // Copies and fills across pages of the stack area, checked by a hash the snippet computes.
  const hash = (start, len) => `mov r8, ${start}\nmov r9, ${len}\nxor eax, eax\n8: rol rax, 5\nxor al, byte ptr [r8]\ninc r8\ndec r9\njnz 8b`;
  const pattern = `cld\nmov rdi, ${STACK_LO}\nmov ecx, 0x7000\n9: mov eax, ecx\nimul eax, eax, 0x9e37\nshr eax, 7\nstosb\nloop 9b`;
  for (let n = 0; n < 3; n++) for (const s of [1, 4, 8]) {
    const len = 0x1800 + rint(0x800), src = STACK_LO + rint(0x900), dst = STACK_LO + 0x3000 + rint(0x900), back = rint(2);
    add(`rep movs${SUF[s]} across pages DF=${back}`, `${pattern}\nmov rsi, ${back ? src + len - s : src}\nmov rdi, ${back ? dst + len - s : dst}\nmov rcx, ${(len / s) | 0}\n${back ? "std" : "cld"}\nrep movs${SUF[s]}\ncld\n${hash(dst - 8, len + 16)}`, { regs: { rsp: BigInt(STACK_TOP) } });
    add(`overlapping rep movs${SUF[s]} across pages`, `${pattern}\nmov rsi, ${src}\nmov rdi, ${src + 5 * s}\nmov rcx, ${(len / s) | 0}\ncld\nrep movs${SUF[s]}\n${hash(src, len + 16 * s)}`, { regs: { rsp: BigInt(STACK_TOP) } });
    add(`rep stos${SUF[s]} across pages`, `${pattern}\nmov rdi, ${dst}\nmov rcx, ${(len / s) | 0}\nmovabs rax, ${hex(r64(), 0)}\ncld\nrep stos${SUF[s]}\n${hash(dst - 8, len + 16)}`, { regs: { rsp: BigInt(STACK_TOP) } });
    add(`repne scasb across pages`, `${pattern}\nmov byte ptr [${dst + len}], 0x5a\nmov rdi, ${dst}\nmov rcx, 0x3000\nmov al, 0x5a\ncld\nrepne scasb`, { regs: { rsp: BigInt(STACK_TOP) } });
  }
  return C;
}

test("moves, stack, branches and string instructions match the host CPU", async () => {
  if (!hostOk) return;
  const C = cases();
  const results = await runMany(C.map((c) => ({ asm: c.asm, regs: c.regs, flags: c.flags, mem: c.mem, gsBase: BigInt(D) })));
  const fails = [];
  results.forEach((r, i) => {
    if (r.error) { fails.push(`${C[i].name}: ${r.error}`); return; }
    const d = diffStates(r.native, r.wasl, { compareX87: false, flagsMask: C[i].mask ?? 0xcd5n });
    if (d.length) fails.push(`${C[i].name}: ${C[i].asm.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  });
  assert.equal(fails.slice(0, 20), []);
});

// ---- what the host cannot answer -----------------------------------------------------------

const CODE = 0x400000n, BIG = 0x10000000n;
async function machine(bigPages = 0) {
  const { m, root } = await bareMachine();
  m.core.ptMap(root, CODE, 1, 0, 0x40 | 0x8 | 0x2);
  if (bigPages) m.core.ptMap(root, BIG, bigPages, 0, 0x40 | 0x2);
  const run = (bytes, regs = {}, flags = 0x202n) => {
    m.core.flushCodeCache();
    m.copyOut(CODE, Uint8Array.from([...bytes, 0xcc]));
    for (const [k, v] of Object.entries(regs)) m.setReg(Number(k), BigInt(v));
    m.flags = flags;
    m.rip = CODE;
    return m.run(1000);
  };
  return { m, run };
}
const str4 = (v) => String.fromCharCode(...[0, 8, 16, 24].map((s) => Number((v >> BigInt(s)) & 0xffn)));

// Vendor, leaf 1 feature bits and the cache leaves are checked in mmx.test.mjs (they grew with the
// ISA); the extended leaves and register behaviour are checked here.
test("CPUID extended leaves: SYSCALL/NX/LM, LAHF_LM, PRFCHW, brand string, address sizes", async () => {
  const { m, run } = await machine();
  const leaf = (n, sub = 0) => { run([0x0f, 0xa2], { 0: n, 1: sub }); return [0, 3, 1, 2].map((r) => m.reg(r)); };
  const bit = (n) => 1n << BigInt(n);
  const [max0] = leaf(0);
  assert.equal(leaf(0x80000000), [0x80000008n, 0n, 0n, 0n]);
  const [, , ce1, de1] = leaf(0x80000001);
  assert.is(de1, bit(11) | bit(20) | bit(29)); // SYSCALL NX LM
  assert.is(ce1, bit(0) | bit(8)); // LAHF_LM PRFCHW
  let brand = "";
  for (const n of [0x80000002, 0x80000003, 0x80000004]) for (const v of leaf(n)) brand += str4(v);
  assert.is(brand.replace(/\0+$/, ""), "wasl x86-64 interpreter");
  assert.is(leaf(0x80000008)[0], 0x3028n); // 48-bit virtual, 40-bit physical
  assert.equal(leaf(0x40000000), [0n, 0n, 0n, 0n]);
  // The upper halves of the four registers are cleared, as 32-bit writes do.
  run([0x0f, 0xa2], { 0: 0xffffffff00000000n, 1: 0, 2: -1, 3: -1 });
  assert.is(m.reg(0), max0);
  assert.is(m.reg(2) >> 32n, 0n);
});

test("RDTSC increases strictly, even within one block", async () => {
  const { m, run } = await machine();
  // rdtsc; shl rdx,32; or rax,rdx; mov rbx,rax; rdtsc; shl rdx,32; or rax,rdx
  const one = [0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0];
  run([...one, 0x48, 0x89, 0xc3, ...one]);
  assert.ok(m.reg(0) > m.reg(3), `${m.reg(0)} > ${m.reg(3)}`);
  const first = m.reg(0);
  run(one);
  assert.ok(m.reg(0) > first);
});

test("INT n: vector 3 is a breakpoint, others fault at the instruction; HLT stops", async () => {
  const { m, run } = await machine();
  assert.is(run([0xcd, 0x80]), 5); // EXIT_GP
  assert.is(m.rip, CODE);
  assert.is(run([0xcd, 0x03]), 6); // EXIT_INT3, after the instruction
  assert.is(m.rip, CODE + 2n);
  assert.is(run([0xf4]), 7);
});

test("REP MOVSB/STOSB over megabytes, including an overlapping forward copy", async () => {
  const N = 1 << 20;
  const { m, run } = await machine((3 * N) / 4096);
  const src = new Uint8Array(N);
  for (let i = 0; i < N; i++) src[i] = (i * 31 + (i >> 9)) & 0xff;
  m.copyOut(BIG, src);
  assert.is(run([0xf3, 0xa4], { 1: N, 6: BIG + 3n, 7: BIG + BigInt(N) + 1n }), 6);
  assert.is(m.reg(1), 0n);
  assert.is(m.reg(6), BIG + 3n + BigInt(N));
  const out = m.copyIn(BIG + BigInt(N) + 1n, N);
  assert.ok(out.subarray(0, N - 3).every((v, i) => v === src[i + 3]));
  // Destination 3 bytes into the source: byte-by-byte semantics repeat the first 3 bytes.
  assert.is(run([0xf3, 0xa4], { 1: N, 6: BIG, 7: BIG + 3n }), 6);
  const rep = m.copyIn(BIG, N + 3);
  assert.ok(rep.every((v, i) => v === src[i % 3]));
  // STOSQ backward with DF=1 over the whole area.
  assert.is(run([0xf3, 0x48, 0xab], { 0: 0x0102030405060708n, 1: N / 8, 7: BIG + BigInt(N) - 8n }, 0x602n), 6);
  assert.is(m.reg(7), BIG - 8n);
  const filled = m.copyIn(BIG, N);
  assert.ok(filled.every((v, i) => v === 8 - (i & 7)));
});

test.run();
