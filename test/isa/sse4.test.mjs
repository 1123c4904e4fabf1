// The x86-64-v2 extensions — SSE3, SSSE3, SSE4.1, SSE4.2 — checked against the host CPU through the
// ISA oracle (test/isa/harness.mjs): each case runs one instruction natively and in wasl from the
// same random state (all 16 XMM, GPRs, MXCSR, a data area followed by an unmapped page) and
// compares everything. Float operands mix random values with the awkward ones (zeros, infinities,
// NaNs, denormals, halfway cases), under every MXCSR rounding mode and DAZ/FTZ. The string
// instructions (PCMPxSTRx) get every imm8 mode with strings built to hit the interesting lengths
// (0, 1, 15, 16, > 16 and negative explicit lengths) and matches at the vector's edges.
// The inputs come from fixed seeds. Needs an x86-64 Linux host with SSE4.2; elsewhere it is skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { readFileSync } from "node:fs";
import { runMany, diffStates, DATA_ADDR, DATA_SIZE } from "./harness.mjs";
import { randomLanes, fillTemplate } from "./lib/lanes.mjs";

const hostOk = arch() === "x64" && platform() === "linux" && /\bsse4_2\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

function prng(seed) {
  let s = seed >>> 0;
  const next = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (a) => a[Math.floor(next() * a.length)];
  return next;
}

const GPR32 = ["eax", "ecx", "edx", "ebx", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const GPR64 = ["rax", "rcx", "rdx", "rbx", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const GPR16 = ["ax", "cx", "dx", "bx", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
const GPR8 = ["al", "cl", "dl", "bl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"];

// ---- lane values ------------------------------------------------------------------------------

const F32_SPECIAL = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000,
  0xffa00001, 0x00000001, 0x807fffff, 0x00400000, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x80800000, 0x3f000000, 0xbf000000,
  0x3fc00000, 0xc0200000, 0x4b000000, 0x4b7fffff, 0xcb000001, 0x3effffff, 0x3f7fffff, 0x4effffff, 0x0c000000, 0x33800000];
const F64_SPECIAL = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n,
  0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000000n, 0xfff0000000000001n, 1n, 0x800fffffffffffffn,
  0x7fefffffffffffffn, 0x0010000000000000n, 0x3fe0000000000000n, 0xbfe0000000000000n, 0x3ff8000000000000n,
  0xc004000000000000n, 0x4330000000000000n, 0x432fffffffffffffn, 0xc330000000000001n, 0x3fdfffffffffffffn,
  0x3fefffffffffffffn, 0x0180000000000000n, 0x3ca0000000000000n];

const lanes = (rnd, kind) => randomLanes(rnd, kind, { f32Special: F32_SPECIAL, f64Special: F64_SPECIAL, f32Exp: [103, 48], f64Exp: [969, 108], specialRate: 0.45 });

// ---- templates --------------------------------------------------------------------------------
// {x} {y} xmm registers, {m} an aligned m128 at [rbx+k*16], {u} the same plus 1-15 bytes, {i}
// imm8, {r} {q} {w} {b} a 32/64/16/8-bit general register (not rsp). RBX points at the data area.

function instantiate(tpl, rnd) {
  return fillTemplate(tpl, {
    "{x}": () => `xmm${rnd.int(16)}`, "{y}": () => `xmm${rnd.int(16)}`,
    "{m}": () => `[rbx+${rnd.int(8) * 16}]`, "{u}": () => `[rbx+${rnd.int(8) * 16 + 1 + rnd.int(15)}]`,
    "{i}": () => String(rnd.int(256)),
    "{r}": () => rnd.pick(GPR32), "{q}": () => rnd.pick(GPR64), "{w}": () => rnd.pick(GPR16), "{b}": () => rnd.pick(GPR8),
  });
}

/** Cases for templates: { asm, regs, xmm, mem, mxcsr }; kind picks float or integer lanes. */
function makeCases(templates, { seed, per = 8, kind = "int", mxcsrModes = false }) {
  const rnd = prng(seed), cases = [];
  for (const tpl of templates) for (let k = 0; k < per; k++) {
    const asm = instantiate(tpl, rnd);
    const lk = typeof kind === "function" ? kind(tpl) : kind;
    const xmm = {};
    for (let i = 0; i < 16; i++) xmm[`xmm${i}`] = lanes(rnd, lk);
    if (rnd() < 0.3) { const a = xmm[`xmm${rnd.int(16)}`], b = xmm[`xmm${rnd.int(16)}`]; b.set(a.subarray(0, 8)); }
    const mem = new Uint8Array(DATA_SIZE);
    for (let i = 0; i < DATA_SIZE; i += 16) mem.set(lanes(rnd, lk), i);
    const regs = {};
    for (const r of GPR64) regs[r] = BigInt(rnd.int(2 ** 32)) << 32n | BigInt(rnd.int(2 ** 32));
    regs.rbx = BigInt(DATA_ADDR);
    let mxcsr = 0x1f80;
    if (mxcsrModes) {
      if (rnd() < 0.5) mxcsr |= rnd.int(4) << 13;
      if (rnd() < 0.2) mxcsr |= rnd.pick([0x40, 0x8000, 0x8040]);
      if (rnd() < 0.3) mxcsr |= rnd.int(64); // sticky flags already set
    }
    cases.push({ asm, regs, xmm, mem, mxcsr });
  }
  return cases;
}

async function check(cases, { minGP = 0, minPF = 0 } = {}) {
  const results = await runMany(cases);
  const bad = [], exits = {};
  results.forEach((r, i) => {
    if (r.error) { bad.push(`${cases[i].asm}: ${r.error}`); return; }
    exits[r.native.exit] = (exits[r.native.exit] || 0) + 1;
    const d = diffStates(r.native, r.wasl);
    if (d.length) bad.push(`${cases[i].asm}${cases[i].note ? "  (" + cases[i].note + ")" : ""}\n    ${d.join("\n    ")}`);
  });
  if (minGP) assert.ok((exits.GP || 0) >= minGP, `misaligned operands did not raise #GP on the host: ${JSON.stringify(exits)}`);
  if (minPF) assert.ok((exits.PAGE_FAULT || 0) >= minPF, `page-crossing operands did not fault: ${JSON.stringify(exits)}`);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 25).join("\n")}`);
  if (process.env.SSE4_VERBOSE) console.log(JSON.stringify(exits));
  return exits;
}

const forms = (op, extra = "") => [`${op} {x}, {y}${extra}`, `${op} {x}, {m}${extra}`, `${op} {x}, {u}${extra}`];

// ---- SSE3 -------------------------------------------------------------------------------------

test("SSE3 matches the host CPU", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host with SSE4.2)"); return; }
  const fp = ["addsubps", "addsubpd", "haddps", "haddpd", "hsubps", "hsubpd"].flatMap((op) => forms(op));
  const mv = ["movsldup", "movshdup"].flatMap((op) => forms(op));
  const tpls = [...fp, ...mv, "movddup {x}, {y}", "movddup {x}, qword ptr {u}", "lddqu {x}, {u}", "lddqu {x}, {m}",
    "movddup {x}, qword ptr [rbx+0xffc]", "lddqu {x}, [rbx+0xff4]", "haddps {x}, [rbx+0x1000]"];
  await check(makeCases(tpls, { seed: 0x55e3, per: 24, kind: (t) => /p[sd]\b/.test(t.split(" ")[0]) ? t.split(" ")[0].slice(-2) : "int", mxcsrModes: true }), { minGP: 20, minPF: 3 });
});

// ---- SSSE3 ------------------------------------------------------------------------------------

test("SSSE3 matches the host CPU", async () => {
  if (!hostOk) return;
  const ops = ["pshufb", "phaddw", "phaddd", "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw", "psignb", "psignw",
    "psignd", "pmulhrsw", "pabsb", "pabsw", "pabsd"];
  const tpls = [...ops.flatMap((op) => forms(op)), ...forms("palignr", ", {i}"),
    ...[0, 1, 15, 16, 17, 31, 32, 255].map((n) => `palignr {x}, {y}, ${n}`), "pshufb {x}, [rbx+0x1000]"];
  await check(makeCases(tpls, { seed: 0x55e33, per: 20 }), { minGP: 50, minPF: 3 });
});

// ---- SSE4.1 -----------------------------------------------------------------------------------

test("SSE4.1 integer, blend, insert/extract forms match the host CPU", async () => {
  if (!hostOk) return;
  const bin = ["pblendvb", "pmuldq", "pcmpeqq", "packusdw", "pminsb", "pminsd", "pminuw", "pminud", "pmaxsb", "pmaxsd",
    "pmaxuw", "pmaxud", "pmulld", "phminposuw", "ptest"];
  const widen = [["bw", "qword"], ["bd", "dword"], ["bq", "word"], ["wd", "qword"], ["wq", "dword"], ["dq", "qword"]];
  const tpls = [
    ...bin.flatMap((op) => forms(op)),
    ...["blendvps", "blendvpd"].flatMap((op) => forms(op)),
    ...["blendps", "blendpd", "pblendw", "mpsadbw"].flatMap((op) => forms(op, ", {i}")),
    ...widen.flatMap(([k, p]) => [`pmovsx${k} {x}, {y}`, `pmovsx${k} {x}, ${p} ptr {u}`, `pmovzx${k} {x}, {y}`, `pmovzx${k} {x}, ${p} ptr {u}`]),
    "ptest {x}, {x}", "movntdqa {x}, {m}", "movntdqa {x}, {u}",
    "pextrb {r}, {x}, {i}", "pextrb {q}, {x}, {i}", "pextrb byte ptr {u}, {x}, {i}",
    "pextrw {r}, {x}, {i}", "pextrw word ptr {u}, {x}, {i}", ".byte 0x66, 0x41, 0x0f, 0x3a, 0x15, 0xc3, 0x05 # pextrw r11d, xmm0, 5 (0F 3A form)",
    "pextrd {r}, {x}, {i}", "pextrd dword ptr {u}, {x}, {i}", "pextrq {q}, {x}, {i}", "pextrq qword ptr {u}, {x}, {i}",
    "extractps {r}, {x}, {i}", "extractps {q}, {x}, {i}", "extractps dword ptr {u}, {x}, {i}",
    "pinsrb {x}, {r}, {i}", "pinsrb {x}, byte ptr {u}, {i}", "pinsrb xmm3, esi, 7", "pinsrb xmm3, edi, 9",
    "pinsrd {x}, {r}, {i}", "pinsrd {x}, dword ptr {u}, {i}", "pinsrq {x}, {q}, {i}", "pinsrq {x}, qword ptr {u}, {i}",
    "insertps {x}, {y}, {i}", "insertps {x}, dword ptr {u}, {i}",
    "pmovzxbw {x}, qword ptr [rbx+0xffc]", "pextrd dword ptr [rbx+0xffe], {x}, 1", "ptest {x}, [rbx+0x1000]",
  ];
  await check(makeCases(tpls, { seed: 0x5e41, per: 16 }), { minGP: 50, minPF: 3 });
});

test("SSE4.1 ROUNDxx, DPPS/DPPD match the host CPU (all rounding immediates, MXCSR modes)", async () => {
  if (!hostOk) return;
  const imms = [0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 0xf0 | 1];
  const tpls = [
    ...["roundps", "roundpd"].flatMap((op) => imms.flatMap((i) => [`${op} {x}, {y}, ${i}`, `${op} {x}, {m}, ${i}`])),
    ...["roundps", "roundpd"].map((op) => `${op} {x}, {u}, {i}`),
    ...imms.flatMap((i) => [`roundss {x}, {y}, ${i}`, `roundss {x}, dword ptr {u}, ${i}`, `roundsd {x}, {y}, ${i}`, `roundsd {x}, qword ptr {u}, ${i}`]),
    ...["dpps", "dppd"].flatMap((op) => forms(op, ", {i}")),
    ...["dpps", "dppd"].flatMap((op) => [`${op} {x}, {y}, 0xff`, `${op} {x}, {y}, 0x31`, `${op} {x}, {m}, 0xf1`]),
  ];
  const kind = (t) => /^(round|dp)[ps][sd]/.test(t) ? (/^(roundsd|roundpd|dppd)/.test(t) ? "pd" : "ps") : "int";
  await check(makeCases(tpls, { seed: 0x5e42, per: 14, kind, mxcsrModes: true }), { minGP: 10 });
});

// ---- SSE4.2 -----------------------------------------------------------------------------------

test("SSE4.2 PCMPGTQ and CRC32 (all operand sizes) match the host CPU", async () => {
  if (!hostOk) return;
  const tpls = [...forms("pcmpgtq"),
    "crc32 {r}, {b}", "crc32 {r}, {w}", "crc32 {r}, {r}", "crc32 {q}, {b}", "crc32 {q}, {q}", "crc32 eax, ah", "crc32 ecx, bh",
    "crc32 {r}, byte ptr {u}", "crc32 {r}, word ptr {u}", "crc32 {r}, dword ptr {u}", "crc32 {q}, byte ptr {u}", "crc32 {q}, qword ptr {u}",
    "crc32 {q}, qword ptr [rbx+0xffc]"];
  await check(makeCases(tpls, { seed: 0x5e420, per: 24 }), { minGP: 10, minPF: 3 });
});

// PCMPxSTRx: operand 1 is xmm1, operand 2 xmm2 or unaligned memory at rbx+off. Strings come from a
// small alphabet (so elements match often), with zero terminators at chosen places, needle copies
// at chosen offsets (also running off the vector's end) and range pairs.
const ALPHA = [0x41, 0x42, 0x43, 0x61, 0x7a, 0x80, 0xff, 0x7f, 0x01, 0x20];
const LENS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 100, -1, -7, -8, -9, -15, -16, -17, -100, 0x7fffffff, -0x80000000];

function stringVec(rnd, words) {
  const b = new Uint8Array(16);
  const el = words ? 2 : 1, n = 16 / el;
  for (let i = 0; i < n; i++) {
    const v = rnd.pick(ALPHA);
    b[i * el] = v;
    if (words) b[i * el + 1] = rnd() < 0.7 ? 0 : rnd.pick(ALPHA);
  }
  // A terminator somewhere (or none), sometimes at the very start or end.
  const z = rnd() < 0.25 ? n : rnd.pick([0, 1, n - 1, rnd.int(n)]);
  if (z < n) for (let k = 0; k < el; k++) b[z * el + k] = 0;
  return b;
}

function stringCase(rnd, insn, imm, wide) {
  const words = (imm & 1) !== 0, el = words ? 2 : 1, n = 16 / el;
  const a = stringVec(rnd, words);
  let b = stringVec(rnd, words);
  const agg = (imm >> 2) & 3;
  if (agg === 3 && rnd() < 0.7) { // plant (part of) the needle in operand 2
    const at = rnd.int(n), len = 1 + rnd.int(n);
    for (let i = 0; i < len && at + i < n; i++) for (let k = 0; k < el; k++) b[(at + i) * el + k] = a[i * el + k];
  }
  if (agg === 2 && rnd() < 0.5) { b = a.slice(); if (rnd() < 0.5) b[rnd.int(16)] ^= 1; }
  const xmm = {};
  for (let i = 0; i < 16; i++) xmm[`xmm${i}`] = lanes(rnd, "int");
  xmm.xmm1 = a;
  xmm.xmm2 = b;
  const mem = new Uint8Array(DATA_SIZE);
  for (let i = 0; i < DATA_SIZE; i += 16) mem.set(lanes(rnd, "int"), i);
  const useMem = rnd() < 0.4, off = 64 + rnd.int(64);
  if (useMem) mem.set(b, off);
  const regs = {};
  for (const r of GPR64) regs[r] = BigInt(rnd.int(2 ** 32)) << 32n | BigInt(rnd.int(2 ** 32));
  regs.rbx = BigInt(DATA_ADDR);
  const len = () => {
    const v = rnd() < 0.8 ? rnd.pick(LENS) : rnd.int(n + 1);
    // With REX.W the whole 64-bit register counts; without it only EAX/EDX (upper half is noise).
    if (wide) return rnd() < 0.3 ? BigInt.asUintN(64, BigInt(v) << BigInt(rnd.pick([32, 40]))) : BigInt.asUintN(64, BigInt(v));
    return (BigInt(rnd.int(2 ** 32)) << 32n) | BigInt.asUintN(32, BigInt(v));
  };
  regs.rax = len(); regs.rdx = len();
  const src = useMem ? `[rbx+${off}]` : "xmm2";
  const asm = `${wide ? "rex64 " : ""}${insn} xmm1, ${src}, ${imm}`;
  return { asm, regs, xmm, mem, note: `xmm1=${Buffer.from(a).toString("hex")} op2=${Buffer.from(b).toString("hex")} rax=${regs.rax.toString(16)} rdx=${regs.rdx.toString(16)}` };
}

test("SSE4.2 PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM: every imm8 mode, boundary lengths, flags", async () => {
  if (!hostOk) return;
  const rnd = prng(0x5742), cases = [];
  for (const insn of ["pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm"])
    for (let imm = 0; imm < 128; imm++) {
      const per = 5;
      for (let k = 0; k < per; k++) cases.push(stringCase(rnd, insn, k === per - 1 ? imm | 0x80 : imm, insn.includes("estr") && k % 2 === 1));
    }
  for (const insn of ["pcmpestri", "pcmpistrm"]) cases.push({ ...stringCase(rnd, insn, 0x0c, false), asm: `${insn} xmm1, [rbx+0xffa], 0x0c` });
  const exits = await check(cases, { minPF: 2 });
  assert.ok(exits.ok > 2000);
});

test.run();
