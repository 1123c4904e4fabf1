// The integer ALU family (asm/alu.ts, shift.ts, muldiv.ts, bits.ts) checked against the host CPU:
// every instruction form at every operand size, on operands drawn from a fixed-seed generator
// that favours boundaries (0, 1, -1, sign bits, shift counts 0/1/width-1/width/large). Each case
// runs natively and in wasl from the same state; registers, memory, the stack window, the fault
// class and the flags the instruction defines must agree (undefined flags are masked per case).
// Then the cases the host cannot share with wasl: TZCNT/LZCNT encodings run as BSF/BSR (CPUID
// leaves BMI1/ABM out, while the host may have them).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runMany, diffStates, DATA_ADDR, REG_NAMES, hex } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";
const PER_TEMPLATE = Number(process.env.ALU_CASES || 12);
// The 96-byte operand window: rbp points 32 bytes into it.
const WIN = 0x800, RBP = BigInt(DATA_ADDR + WIN + 32);

let seed = 20240601;
function rnd() { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; }
function r64() { return ((BigInt(rnd()) << 33n) ^ (BigInt(rnd()) << 16n) ^ BigInt(rnd())) & M64; }
const INTERESTING = [0n, 1n, 2n, (1n << 64n) - 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n,
  0xffffffffn, (1n << 63n) - 1n, 1n << 63n, 0x81n, 0x8001n, 0x80000001n, (1n << 63n) + 1n, 0xfen, 0xfffen, 0xfffffffen, (1n << 64n) - 2n];
function pick() {
  const k = rnd() % 10;
  let v;
  if (k < 5) v = INTERESTING[rnd() % INTERESTING.length];
  else if (k < 7) v = BigInt(rnd() % 64);
  else v = r64();
  if (rnd() % 2) { const s = [8n, 16n, 32n][rnd() % 3]; v = (v & ((1n << s) - 1n)) | ((r64() << s) & M64); }
  if (rnd() % 4 == 0) v = -v & M64;
  return v & M64;
}
const COUNTS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64, 65, 255, 0x41, 0x21, 3];
const ctx = { pick, rnd, r64, COUNTS };

const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800, ALL = 0x8d5;
const N64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const N32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", ...[8, 9, 10, 11, 12, 13, 14, 15].map((i) => `r${i}d`)];
const N16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", ...[8, 9, 10, 11, 12, 13, 14, 15].map((i) => `r${i}w`)];
const N8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", ...[8, 9, 10, 11, 12, 13, 14, 15].map((i) => `r${i}b`)];
const R = (size, i) => ({ 1: N8, 2: N16, 4: N32, 8: N64 })[size][i];
const PTR = { 1: "byte", 2: "word", 4: "dword", 8: "qword" };
const SIZES = [1, 2, 4, 8];
// General registers a case may use as operands (never rsp/rbp).
const GP = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const M64 = (1n << 64n) - 1n;

function anyReg(ctx, size) { return R(size, GP[ctx.rnd() % GP.length]); }
function memOp(ctx, size) { return `${PTR[size]} ptr [rbp${["", "+8", "-8", "+3", "+16", "-32"][ctx.rnd() % 6]}]`; }
/** An E operand: a register (8-bit may be AH..BH), or memory. */
function eOp(ctx, size, allowHigh = true) {
  const k = ctx.rnd() % 3;
  if (k == 0) return memOp(ctx, size);
  if (size == 1 && allowHigh && ctx.rnd() % 3 == 0) return ["ah", "ch", "dh", "bh"][ctx.rnd() % 4];
  return anyReg(ctx, size);
}
function gOpFor(ctx, size, e) {
  // AH..BH cannot be used with REX registers.
  if (size == 1 && /^[abcd]h$/.test(e)) return ["al", "bl", "ch", "dh", "cl"][ctx.rnd() % 5];
  if (size == 1 && ctx.rnd() % 4 == 0 && !/(r\d|sil|dil)/.test(e)) return ["ah", "ch", "dh", "bh"][ctx.rnd() % 4];
  return anyReg(ctx, size);
}
function imm(ctx, size) {
  const bits = BigInt(Math.min(size, 4) * 8);
  let v = ctx.pick() & ((1n << bits) - 1n);
  if (v >> (bits - 1n)) v -= 1n << bits;
  return v.toString();
}
function imm8s(ctx) { let v = ctx.pick() & 0xffn; if (v > 127n) v -= 256n; return v.toString(); }

const templates = [];
const T = (name, gen, extra = {}) => templates.push({ name, gen, ...extra });

for (const op of ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]) {
  const undef = ["or", "and", "xor"].includes(op) ? AF : 0;
  for (const size of SIZES) T(`${op}${size * 8}`, (c, ctx) => {
    c.undef = undef;
    const form = ctx.rnd() % 6;
    if (form == 0) { const e = eOp(ctx, size); c.asm = `${op} ${e}, ${gOpFor(ctx, size, e)}`; }
    else if (form == 1) { const e = eOp(ctx, size); c.asm = `{load} ${op} ${gOpFor(ctx, size, e)}, ${e}`; if (e.includes("ptr")) c.asm = c.asm.slice(7); }
    else if (form == 2) c.asm = `${op} ${R(size, 0)}, ${imm(ctx, size)}`;
    else if (form == 3) c.asm = `${op} ${eOp(ctx, size)}, ${imm(ctx, size)}`;
    else if (form == 4) c.asm = `${op} ${eOp(ctx, size)}, ${imm8s(ctx)}`;
    else { const r = anyReg(ctx, size); c.asm = `${op} ${r}, ${r}`; }
    if (size == 1 && form == 4) c.asm = c.asm.replace(/, (-?\d+)$/, (m, v) => `, ${v}`);
  });
}
for (const size of SIZES) {
  T(`test${size * 8}`, (c, ctx) => {
    c.undef = AF;
    const f = ctx.rnd() % 3;
    const e = eOp(ctx, size);
    if (f == 0) c.asm = `test ${e}, ${gOpFor(ctx, size, e)}`;
    else if (f == 1) c.asm = `test ${R(size, 0)}, ${imm(ctx, size)}`;
    else c.asm = `test ${e}, ${imm(ctx, size)}`;
  });
  for (const op of ["not", "neg", "inc", "dec"])
    T(`${op}${size * 8}`, (c, ctx) => { c.asm = `${op} ${eOp(ctx, size)}`; });
  for (const op of ["mul", "imul"])
    T(`${op}${size * 8}`, (c, ctx) => { c.undef = SF | ZF | AF | PF; c.asm = `${op} ${eOp(ctx, size, false)}`; });
  for (const op of ["div", "idiv"])
    T(`${op}${size * 8}`, (c, ctx) => {
      c.undef = ALL;
      // Register divisor other than rAX/rDX, or memory; choose operands whose quotient fits.
      const regs = [1, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
      const useMem = ctx.rnd() % 3 == 0;
      const ri = regs[ctx.rnd() % regs.length];
      c.asm = `${op} ${useMem ? `${PTR[size]} ptr [rbp+8]` : R(size, ri)}`;
      const bits = BigInt(size * 8), mask = (1n << bits) - 1n;
      let dv = ctx.pick() & mask;
      if (ctx.rnd() % 3 == 0) dv = BigInt(ctx.rnd() % 5 + 1) * (ctx.rnd() % 2 ? 1n : mask) & mask;
      if (dv == 0n) dv = 3n;
      if (useMem) for (let b = 0; b < size; b++) c.mem[40 + b] = Number((dv >> BigInt(8 * b)) & 0xffn);
      else c.regs[ri] = (c.regs[ri] & ~mask) | dv;
      let lo, hi;
      if (size == 1) { lo = c.regs[0] & 0xffn; hi = (c.regs[0] >> 8n) & 0xffn; }
      else { lo = c.regs[0] & mask; hi = c.regs[2] & mask; }
      let n = (hi << bits) | lo;
      const sx = (v, b) => (v >> (b - 1n)) & 1n ? v - (1n << b) : v;
      if (op == "div") { if (n / dv > mask) return false; }
      else {
        const sn = sx(n, 2n * bits), sd = sx(dv, bits);
        const q = sn / sd; // BigInt division truncates toward zero
        if (q >= 1n << (bits - 1n) || q < -(1n << (bits - 1n))) return false;
      }
    });
}
for (const size of [2, 4, 8]) {
  T(`imul2_${size * 8}`, (c, ctx) => { c.undef = SF | ZF | AF | PF; const e = eOp(ctx, size); c.asm = `imul ${anyReg(ctx, size)}, ${e}`; });
  T(`imul3_${size * 8}`, (c, ctx) => {
    c.undef = SF | ZF | AF | PF;
    c.asm = `imul ${anyReg(ctx, size)}, ${eOp(ctx, size)}, ${ctx.rnd() % 2 ? imm8s(ctx) : imm(ctx, size)}`;
  });
}
// Shifts and rotates.
for (const op of ["rol", "ror", "rcl", "rcr", "shl", "shr", "sar"]) {
  const rotate = op.startsWith("r") && op != "rcx";
  for (const size of SIZES) T(`${op}${size * 8}`, (c, ctx) => {
    const e = eOp(ctx, size);
    const f = ctx.rnd() % 3;
    let count;
    if (f == 0) { count = 1; c.asm = ctx.rnd() % 2 ? `${op} ${e}, 1` : `${op} ${e}`; }
    else if (f == 1) { count = ctx.COUNTS[ctx.rnd() % ctx.COUNTS.length]; c.asm = `${op} ${e}, ${count}`; }
    else {
      if (/^(cl|ch|rcx|ecx|cx)$/.test(e)) return false;
      count = ctx.COUNTS[ctx.rnd() % ctx.COUNTS.length];
      c.regs[1] = (c.regs[1] & ~0xffn) | BigInt(count);
      c.asm = `${op} ${e}, cl`;
    }
    const masked = count & (size == 8 ? 63 : 31);
    c.undef = masked == 0 ? 0 : (masked == 1 ? 0 : OF) | (rotate ? 0 : AF);
  });
}
for (const op of ["shld", "shrd"]) for (const size of [2, 4, 8]) T(`${op}${size * 8}`, (c, ctx) => {
  const e = ctx.rnd() % 3 == 0 ? memOp(ctx, size) : anyReg(ctx, size);
  const g = anyReg(ctx, size);
  let count = ctx.COUNTS[ctx.rnd() % ctx.COUNTS.length];
  if (ctx.rnd() % 2) c.asm = `${op} ${e}, ${g}, ${count}`;
  else {
    if (/^(rcx|ecx|cx)$/.test(e) || /^(rcx|ecx|cx)$/.test(g)) return false;
    c.regs[1] = (c.regs[1] & ~0xffn) | BigInt(count); c.asm = `${op} ${e}, ${g}, cl`;
  }
  const masked = count & (size == 8 ? 63 : 31);
  c.undef = masked == 0 ? 0 : (masked == 1 ? 0 : OF) | AF;
  // A 16-bit count above 16: result and flags undefined (Intel and AMD differ).
  if (size == 2 && masked > 16) return false;
});
for (const op of ["bt", "bts", "btr", "btc"]) for (const size of [2, 4, 8]) T(`${op}${size * 8}`, (c, ctx) => {
  c.undef = OF | SF | AF | PF;
  const f = ctx.rnd() % 4;
  if (f == 0) c.asm = `${op} ${anyReg(ctx, size)}, ${anyReg(ctx, size)}`;
  else if (f == 1) c.asm = `${op} ${eOp(ctx, size)}, ${ctx.rnd() % 256}`;
  else {
    // Memory with a register bit offset: keep the addressed word inside the 96-byte area.
    const regs = [0, 1, 2, 3, 6, 7, 8, 9];
    const ri = regs[ctx.rnd() % regs.length];
    const off = BigInt((ctx.rnd() % 512) - 256);
    const mask = (1n << BigInt(size * 8)) - 1n;
    c.regs[ri] = (c.regs[ri] & ~mask) | (off & mask);
    c.asm = `${op} ${PTR[size]} ptr [rbp], ${R(size, ri)}`;
  }
});
for (const op of ["bsf", "bsr"]) for (const size of [2, 4, 8]) T(`${op}${size * 8}`, (c, ctx) => {
  c.undef = ALL & ~ZF;
  const e = eOp(ctx, size);
  c.asm = `${op} ${anyReg(ctx, size)}, ${e}`;
  if (ctx.rnd() % 3 == 0) { // zero source
    const m = e.match(/^(\w+)$/);
    if (m) { const i = [N16, N32, N64][[2, 4, 8].indexOf(size)].indexOf(e); c.regs[i] &= ~((1n << BigInt(size * 8)) - 1n); }
    else { const off = 32 + Number((e.match(/([+-]\d+)\]/) || [0, "0"])[1]); for (let b = 0; b < size; b++) c.mem[off + b] = 0; }
  }
}, { corePrefixF3: true });
for (const size of [2, 4, 8]) T(`popcnt${size * 8}`, (c, ctx) => { c.asm = `popcnt ${anyReg(ctx, size)}, ${eOp(ctx, size)}`; });
for (const size of SIZES) {
  T(`xadd${size * 8}`, (c, ctx) => { const e = eOp(ctx, size); c.asm = ctx.rnd() % 5 == 0 && !e.includes("ptr") ? `xadd ${e}, ${e}` : `xadd ${e}, ${gOpFor(ctx, size, e)}`; });
  T(`cmpxchg${size * 8}`, (c, ctx) => {
    const e = eOp(ctx, size);
    let g = gOpFor(ctx, size, e);
    if (["al", "ax", "eax", "rax"].includes(g) && ctx.rnd() % 2) g = R(size, 3);
    c.asm = `cmpxchg ${e}, ${g}`;
    if (ctx.rnd() % 2) { // make the comparison succeed
      const mask = (1n << BigInt(size * 8)) - 1n;
      let v;
      if (e.includes("ptr")) { const off = 32 + Number((e.match(/([+-]\d+)\]/) || [0, "0"])[1]); v = 0n; for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(c.mem[off + b]); }
      else if (/^[abcd]h$/.test(e)) v = (c.regs[["a", "c", "d", "b"].indexOf(e[0])] >> 8n) & 0xffn;
      else v = c.regs[[N8, N16, N32, N64][SIZES.indexOf(size)].indexOf(e)] & mask;
      c.regs[0] = (c.regs[0] & ~mask) | v;
    }
  });
}
for (const w of [false, true]) T(w ? "cmpxchg16b" : "cmpxchg8b", (c, ctx) => {
  const off = w ? [0, 16, -16][ctx.rnd() % 3] : [0, 8, -8, 3][ctx.rnd() % 4];
  c.asm = `${w ? "cmpxchg16b" : "cmpxchg8b"} ${w ? "xmmword" : "qword"} ptr [rbp${off >= 0 ? "+" : ""}${off}]`;
  if (ctx.rnd() % 2) {
    const rd = (o) => { let v = 0n; for (let b = 7; b >= 0; b--) v = (v << 8n) | BigInt(c.mem[32 + off + o + b]); return v; };
    if (w) { c.regs[0] = rd(0); c.regs[2] = rd(8); }
    else { const v = rd(0); c.regs[0] = (c.regs[0] & ~0xffffffffn) | (v & 0xffffffffn); c.regs[2] = (c.regs[2] & ~0xffffffffn) | (v >> 32n); }
  }
});
for (const size of [2, 4, 8]) T(`bswap${size * 8}`, (c, ctx) => {
  if (size > 2) { c.asm = `bswap ${anyReg(ctx, size)}`; return; }
  const i = GP[ctx.rnd() % GP.length];
  c.asm = `.byte 0x66, ${i >= 8 ? "0x41, " : ""}0x0f, ${0xc8 + (i & 7)}`;
}, size == 2 ? { n: 6 } : {});
for (const op of ["cbw", "cwde", "cdqe", "cwd", "cdq", "cqo"]) T(op, (c) => { c.asm = op; }, { n: 8 });
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
for (const cc of CC) {
  T(`set${cc}`, (c, ctx) => { c.flags = 0x202n | BigInt(ctx.rnd() & 0x8d5); c.asm = `set${cc} ${eOp(ctx, 1)}`; });
  T(`cmov${cc}`, (c, ctx) => { const size = [2, 4, 8][ctx.rnd() % 3]; c.flags = 0x202n | BigInt(ctx.rnd() & 0x8d5); c.asm = `cmov${cc} ${anyReg(ctx, size)}, ${eOp(ctx, size)}`; });
}
for (const op of ["lahf", "sahf", "clc", "stc", "cmc", "cld", "std"]) T(op, (c, ctx) => { c.flags |= BigInt(ctx.rnd() & 0x400); c.asm = op; }, { n: 8 });
T("pushfq", (c, ctx) => { c.flags |= BigInt(ctx.rnd() & 0x400); c.asm = "pushfq"; }, { n: 8 });
T("pushfw", (c, ctx) => { c.asm = "pushfw"; }, { n: 4 });
for (const w of ["popfq", "popfw"]) T(w, (c, ctx) => {
  const v = BigInt(ctx.rnd() & (0x8d5 | 0x400)) | 0x202n | (ctx.rnd() % 2 ? 0x200000n : 0n);
  for (let b = 0; b < 8; b++) c.mem[64 + b] = Number((v >> BigInt(8 * b)) & 0xffn);
  c.asm = w;
}, { n: 12 });
// Encodings the assembler never picks: /6 (SAL) and C0/C1 with a count of 1, TEST /1 aliases.
const RAW = [
  ["sal_d1_6", (r) => `0xd1, ${0xf0 + r}`, 0], ["sal_c1_6", (r) => `0xc1, ${0xf0 + r}, 0x05`, 0],
  ["sal_d3_6", (r) => `0xd3, ${0xf0 + r}`, 0], ["sal_c0_6", (r) => `0xc0, ${0xf0 + r}, 0x03`, 0],
  ["shl_c1_1", (r) => `0xc1, ${0xe0 + r}, 0x01`, 0], ["sar_c1_1", (r) => `0xc1, ${0xf8 + r}, 0x01`, 0],
  ["rcl_c1_1", (r) => `0x48, 0xc1, ${0xd0 + r}, 0x01`, 0], ["ror_c0_1", (r) => `0xc0, ${0xc8 + r}, 0x01`, 0],
  ["test_f7_1", (r) => `0xf7, ${0xc8 + r}, 0x78, 0x56, 0x34, 0x92`, AF], ["test_f6_1", (r) => `0xf6, ${0xc8 + r}, 0x81`, AF],
];
for (const [name, enc, undef] of RAW) T(name, (c, ctx) => {
  const r = [0, 1, 2, 3, 6, 7][ctx.rnd() % 6];
  c.asm = `.byte ${enc(r)}`;
  if (name.includes("d3") && r == 1) return false;
  if (name.startsWith("sal") || name.startsWith("shl") || name.startsWith("sar")) {
    const cnt = name.includes("d3") ? Number(c.regs[1] & 31n) : name.includes("_1") ? 1 : name.includes("c1") ? 5 : 3;
    c.undef = cnt == 1 ? AF : OF | AF;
    if (cnt == 0) c.undef = 0;
  } else c.undef = undef;
}, { n: 16 });
for (const [i, a] of ["lock add dword ptr [rbp+8], ecx", "lock xadd qword ptr [rbp], rdx", "lock cmpxchg dword ptr [rbp], esi",
  "lock bts qword ptr [rbp], 13", "lock inc word ptr [rbp-8]", "lock sbb byte ptr [rbp+3], 7", "lock neg qword ptr [rbp]",
  "lock btc dword ptr [rbp], eax", "lock cmpxchg16b xmmword ptr [rbp]", "lock or qword ptr [rbp+16], -5"].entries())
  T(`lock${i}`, (c, ctx) => { c.asm = a; if (a.includes(" bt")) { c.regs[0] = BigInt(ctx.rnd() % 300) - 150n & M64; } }, { n: 6 });

function buildCases() {
  const cases = [];
  for (const t of templates) {
    for (let i = 0; i < (t.n || PER_TEMPLATE); i++) {
      const regs = Array.from({ length: 16 }, () => pick());
      const mem = new Uint8Array(96);
      for (let j = 0; j < 96; j++) mem[j] = rnd() & 0xff;
      for (const off of [32, 40, 48]) { const v = pick(); for (let b = 0; b < 8; b++) mem[off + b] = Number((v >> BigInt(8 * b)) & 0xffn); }
      const c = { t, regs, mem, flags: BigInt(rnd() & 0xcd5), asm: null, undef: 0 };
      if (t.gen(c, ctx) === false) { i--; continue; }
      cases.push(c);
    }
  }
  return cases;
}

function toHarness(c) {
  const regs = {};
  REG_NAMES.forEach((n, i) => { if (n !== "rsp") regs[n] = c.regs[i]; });
  regs.rbp = RBP;
  const mem = new Uint8Array(4096);
  mem.set(c.mem, WIN);
  let asm = c.asm;
  // POPF pops from the operand window: the stack pointer is swapped with r15 around it.
  if (/^popf/.test(asm)) { regs.r15 = RBP + 32n; asm = `xchg rsp, r15\n${asm}\nxchg rsp, r15`; }
  return { asm, regs, mem, flags: c.flags, flagsMask: 0xcd5n & ~BigInt(c.undef) };
}

test("integer ALU instructions match the host CPU", async () => {
  if (!hostOk) return;
  const cases = buildCases();
  const hc = cases.map(toHarness);
  const results = await runMany(hc);
  const fails = [];
  results.forEach((r, i) => {
    if (r.error) { fails.push(`${cases[i].asm}: ${r.error}`); return; }
    const d = diffStates(r.native, r.wasl, { flagsMask: hc[i].flagsMask, compareX87: false });
    if (d.length) fails.push(`${cases[i].asm}\n    ${d.join("\n    ")}`);
  });
  assert.ok(cases.length > 2000, `only ${cases.length} cases`);
  assert.equal(fails.slice(0, 20), [], `${fails.length} of ${cases.length} cases differ`);
});

test("faults: #DE, #GP and page faults change nothing, as on the host", async () => {
  if (!hostOk) return;
  const R = { rax: 0x1234567890abcdefn, rdx: 0x7fffffffffffffffn, rbx: 0n, rcx: (1n << 64n) - 1n, rsi: 0x80n, rdi: 2n };
  const mem = new Uint8Array(4096); mem.fill(0xa5);
  const cases = [
    ["div bl", R], ["div bx", R], ["div ebx", R], ["div rbx", R], ["idiv rbx", R], // divide by zero
    ["div rdi", R], ["div edi", R], ["div di", R], ["div sil", { ...R, rax: 0x8100n }], // quotient too wide
    ["idiv rcx", { ...R, rax: 0n, rdx: 1n << 63n }], // -2^127 / -1
    ["idiv rcx", { ...R, rax: 0n, rdx: 0xffffffffffffffffn, rcx: 0n }],
    ["idiv ecx", { ...R, rax: 0n, rdx: 0x80000000n }], // -2^63 / -1 in EDX:EAX (an i64 trap in Wasm)
    ["idiv cx", { ...R, rax: 0n, rdx: 0x8000n }], ["idiv cl", { ...R, rax: 0x8000n }],
    ["idiv rsi", { ...R, rdx: 0x40n, rax: 0n }], ["idiv qword ptr [rbp]", { ...R, rbp: BigInt(DATA_ADDR) + 8n, rdx: 0x5a5a5a5a5a5a5a5an, rax: 0n }],
    ["cmpxchg16b xmmword ptr [rbp+8]", { ...R, rbp: BigInt(DATA_ADDR) }], // misaligned: #GP
    ["add dword ptr [rbp+4094], eax", { ...R, rbp: BigInt(DATA_ADDR) }], // crosses into the unmapped page
    ["sbb qword ptr [rbp+4096], 1", { ...R, rbp: BigInt(DATA_ADDR) }],
    ["shl qword ptr [rbp+4090], 3", { ...R, rbp: BigInt(DATA_ADDR) }],
    ["bts dword ptr [rbp], ecx", { ...R, rbp: BigInt(DATA_ADDR), rcx: 4096n * 8n }], // bit offset beyond the area
    ["btc dword ptr [rbp], ecx", { ...R, rbp: BigInt(DATA_ADDR) + 16n, rcx: 0x7f80n }],
    ["cmpxchg8b qword ptr [rbp+4092]", { ...R, rbp: BigInt(DATA_ADDR) }],
    ["xadd qword ptr [rbp+4095], rcx", { ...R, rbp: BigInt(DATA_ADDR) }],
    ["neg byte ptr [rbp+4096]", { ...R, rbp: BigInt(DATA_ADDR) }],
  ];
  const results = await runMany(cases.map(([asm, regs]) => ({ asm, regs, mem, flags: 0x8d5n })));
  const fails = [];
  results.forEach((r, i) => {
    if (r.error) { fails.push(`${cases[i][0]}: ${r.error}`); return; }
    const d = diffStates(r.native, r.wasl, { compareX87: false });
    if (r.native.exit === "ok") d.push("expected a fault natively");
    if (d.length) fails.push(`${cases[i][0]}\n    ${d.join("\n    ")}`);
  });
  assert.equal(fails, []);
});

test("TZCNT/LZCNT encodings run as BSF/BSR", async () => {
  if (!hostOk) return;
  // The host may implement TZCNT/LZCNT, so wasl's F3 forms are compared with the host's BSF/BSR.
  const srcs = [0n, 1n, 0x80n, 0x8000n, 0x80000000n, 1n << 63n, 0x10000n, 0xf0n, (1n << 64n) - 1n, 0x100000000n];
  const cases = [];
  for (const [mn, f3] of [["bsf", "tzcnt"], ["bsr", "lzcnt"]])
    for (const [d, s] of [["ax", "cx"], ["eax", "ecx"], ["rax", "rcx"]])
      for (const v of srcs) cases.push({ regs: { rax: 0x1111222233334444n, rcx: v }, flags: 0x8d5n, plain: `${mn} ${d}, ${s}`, f3: `.byte 0xf3\n${mn} ${d}, ${s}` });
  const plain = await runMany(cases.map((c) => ({ asm: c.plain, regs: c.regs, flags: c.flags })));
  const prefixed = await runMany(cases.map((c) => ({ asm: c.f3, regs: c.regs, flags: c.flags })));
  const fails = [];
  cases.forEach((c, i) => {
    const d = diffStates(plain[i].native, prefixed[i].wasl, { flagsMask: 0x40n, compareX87: false });
    if (d.length) fails.push(`${c.f3.replace("\n", " ")} rcx=${hex(c.regs.rcx, 0)}\n    ${d.join("\n    ")}`);
  });
  assert.equal(fails, []);
});

test.run();
