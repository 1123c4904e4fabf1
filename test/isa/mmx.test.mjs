// MMX and the MMX-register forms of SSE, SSE2 and SSSE3, checked against the host CPU through the
// ISA oracle (test/isa/harness.mjs). Each case first loads all eight MMX registers from the data
// area (so they hold random values, and the x87 state has made the MMX transition), then runs one
// instruction on random operands, register and memory forms; the harness compares the GPRs, all
// XMM registers, MXCSR, memory, and the x87 state the MMX registers live in (TOP, the tags and
// every valid register's 80 bits, sign/exponent included). Further cases mix x87 and MMX code:
// FLD after MMX writes (a full stack, NaN-ish values), EMMS, FNSTENV's tag word, faulting MMX
// instructions that must leave the x87 state alone. The inputs come from fixed seeds. Needs an
// x86-64 Linux host with SSSE3; elsewhere the test is skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { readFileSync } from "node:fs";
import { runMany, diffStates, bareMachine, DATA_ADDR, DATA_SIZE } from "./harness.mjs";
import { randomLanes, fillTemplate } from "./lib/lanes.mjs";

const hostOk = arch() === "x64" && platform() === "linux" && /\bssse3\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

function prng(seed) {
  let s = seed >>> 0;
  const next = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (a) => a[Math.floor(next() * a.length)];
  return next;
}

const GPR32 = ["eax", "ecx", "edx", "esi", "edi", "ebp", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const GPR64 = ["rax", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

// The MMX registers' initial values: 64 bytes at DATA+0xC00 (movq from memory, one per register).
const MM_INIT = 0xc00;
const LOAD_MM = Array.from({ length: 8 }, (_, i) => `movq mm${i}, [rbx+${MM_INIT + i * 8}]`).join("\n");

const F32_SPECIAL = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000,
  0x00000001, 0x807fffff, 0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x3f000000, 0xbfc00000, 0x40200000, 0x4b7fffff];
const F64_SPECIAL = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0x7ff0000000000000n, 0xfff8000000000000n, 0x7ff4000000000000n,
  1n, 0x41dfffffffc00000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0xc1e0000000200000n, 0x3fe0000000000000n,
  0xbff8000000000000n, 0x4004000000000000n, 0x41dfffffffffffffn];

const lanes = (rnd, kind) => randomLanes(rnd, kind, { f32Special: F32_SPECIAL, f64Special: F64_SPECIAL, f32Exp: [123, 40], f64Exp: [1019, 40], specialRate: 0.4 });

// Placeholders: {p} {q} mm registers, {m} an 8-byte memory operand at [rbx+k] (any alignment,
// clear of the MM_INIT block), {x} an xmm register, {a} an aligned m128, {u} a misaligned one,
// {i} imm8, {s} a shift count near the lane widths, {r} {R} a 32/64-bit GPR.
function instantiate(tpl, rnd) {
  return fillTemplate(tpl, {
    "{p}": () => `mm${rnd.int(8)}`, "{q}": () => `mm${rnd.int(8)}`,
    "{m}": () => `[rbx+${rnd.int(0xbf8)}]`,
    "{x}": () => `xmm${rnd.int(16)}`,
    "{a}": () => `[rbx+${rnd.int(0xbf) * 16}]`, "{u}": () => `[rbx+${rnd.int(0xbf) * 16 + 1 + rnd.int(15)}]`,
    "{i}": () => String(rnd.int(256)),
    "{s}": () => String(rnd.pick([0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255])),
    "{r}": () => rnd.pick(GPR32), "{R}": () => rnd.pick(GPR64),
  });
}

/** Cases: { asm, regs, xmm, mem, mxcsr }; kind picks the lanes of memory and xmm registers. */
function makeCases(templates, { seed, per = 8, kind = "int", prefix = LOAD_MM, mxcsrModes = false }) {
  const rnd = prng(seed), cases = [];
  for (const tpl of templates) for (let k = 0; k < per; k++) {
    const body = instantiate(tpl, rnd);
    const lk = typeof kind === "function" ? kind(tpl) : kind;
    const xmm = {};
    for (let i = 0; i < 16; i++) xmm[`xmm${i}`] = lanes(rnd, lk);
    const mem = new Uint8Array(DATA_SIZE);
    for (let i = 0; i < DATA_SIZE; i += 16) mem.set(lanes(rnd, rnd() < 0.3 ? "int" : lk), i);
    // Some MMX registers share a value, so compares find equal lanes and PSIGN finds zeros.
    if (rnd() < 0.4) mem.copyWithin(MM_INIT + rnd.int(8) * 8, MM_INIT + rnd.int(8) * 8, MM_INIT + rnd.int(8) * 8 + 8);
    const regs = {};
    for (const r of GPR64) regs[r] = BigInt(rnd.int(2 ** 32)) << 32n | BigInt(rnd.int(2 ** 32));
    regs.rbx = BigInt(DATA_ADDR);
    if (/maskmovq/.test(body)) regs.rdi = BigInt(DATA_ADDR + rnd.pick([0, 8, 3, 0xff8, 0xffc]));
    let mxcsr = 0x1f80;
    if (mxcsrModes) {
      if (rnd() < 0.5) mxcsr |= rnd.int(4) << 13;
      if (rnd() < 0.2) mxcsr |= rnd.pick([0x40, 0x8000, 0x8040]);
      if (rnd() < 0.3) mxcsr |= rnd.int(64);
    }
    cases.push({ asm: prefix ? `${prefix}\n${body}` : body, body, regs, xmm, mem, mxcsr });
  }
  return cases;
}

async function check(cases, { minGP = 0, minPF = 0 } = {}) {
  const results = await runMany(cases);
  const bad = [], exits = {};
  results.forEach((r, i) => {
    if (r.error) { bad.push(`${cases[i].body}: ${r.error}`); return; }
    exits[r.native.exit] = (exits[r.native.exit] || 0) + 1;
    const d = diffStates(r.native, r.wasl);
    if (d.length) bad.push(`${cases[i].body.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  });
  if (minGP) assert.ok((exits.GP || 0) >= minGP, `misaligned operands did not raise #GP on the host: ${JSON.stringify(exits)}`);
  if (minPF) assert.ok((exits.PAGE_FAULT || 0) >= minPF, `page-crossing operands did not fault: ${JSON.stringify(exits)}`);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 25).join("\n")}`);
  if (process.env.MMX_VERBOSE) console.log(JSON.stringify(exits));
  return exits;
}

// FIP, FDP and FOP are not modelled (they read as zero): clear them in saved images before comparing.
const zapEnv = (off) => `mov dword ptr [rbx+${off + 12}], 0\nmov dword ptr [rbx+${off + 16}], 0\nmov dword ptr [rbx+${off + 20}], 0`;
const zapFx = (off) => `mov word ptr [rbx+${off + 6}], 0\nmov qword ptr [rbx+${off + 8}], 0\nmov qword ptr [rbx+${off + 16}], 0\nmov dword ptr [rbx+${off + 28}], 0`;

const forms = (op, extra = "") => [`${op} {p}, {q}${extra}`, `${op} {p}, qword ptr {m}${extra}`];

const MMX_BIN = ["paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb", "paddsw", "paddusb",
  "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pmullw", "pmulhw", "pmaddwd", "pcmpeqb", "pcmpeqw", "pcmpeqd",
  "pcmpgtb", "pcmpgtw", "pcmpgtd", "pand", "pandn", "por", "pxor", "packsswb", "packssdw", "packuswb",
  "punpckhbw", "punpckhwd", "punpckhdq",
  // SSE and SSE2 additions on mm
  "pmulhuw", "pmuludq", "psadbw", "pavgb", "pavgw", "pminub", "pmaxub", "pminsw", "pmaxsw"];
const SHIFTS = ["psrlw", "psrld", "psrlq", "psraw", "psrad", "psllw", "pslld", "psllq"];
const SSSE3 = ["pshufb", "phaddw", "phaddd", "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw", "psignb", "psignw",
  "psignd", "pmulhrsw", "pabsb", "pabsw", "pabsd"];

test("MMX arithmetic, logic, compares, packs and unpacks match the host CPU", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host with SSSE3)"); return; }
  const tpls = [
    ...MMX_BIN.flatMap((op) => forms(op)),
    ...["punpcklbw", "punpcklwd", "punpckldq"].flatMap((op) => [`${op} {p}, {q}`, `${op} {p}, dword ptr {m}`]),
    ...SHIFTS.flatMap((op) => [...forms(op), `${op} {p}, {s}`]),
    "paddb {p}, qword ptr [rbx+0xffc]", "punpcklbw {p}, dword ptr [rbx+0xffd]", "punpcklwd {p}, dword ptr [rbx+0xffc]",
    "psrlq {p}, qword ptr [rbx+0x1000]",
  ];
  // Shift counts from a register or memory: the low qword is often small.
  const cases = makeCases(tpls, { seed: 0x3301, per: 10 });
  const rnd = prng(0x3302);
  for (const c of cases) if (/^ps[rl]/.test(c.body) && !/, \d+$/.test(c.body) && rnd() < 0.7) {
    const v = BigInt(rnd.pick([0, 1, 3, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0x100000001]));
    for (let i = 0; i < 8; i++) new DataView(c.mem.buffer).setBigUint64(MM_INIT + i * 8, v, true);
    c.asm = c.asm.replace(/\n[^\n]*$/, "") + "\n" + c.body.replace(/qword ptr \[rbx\+\d+\]/, `qword ptr [rbx+${MM_INIT}]`);
  }
  await check(cases, { minPF: 3 });
});

test("MMX moves, shuffles, word insert/extract, masks and MMX<->XMM moves match the host CPU", async () => {
  if (!hostOk) return;
  const tpls = [
    "movd {p}, {r}", "movd {p}, dword ptr {m}", "movd {r}, {p}", "movd dword ptr {m}, {p}",
    "movq {p}, {R}", "movq {p}, qword ptr {m}", "movq {R}, {p}", "movq qword ptr {m}, {p}", "movq {p}, {q}",
    ".byte 0x0f, 0x7f, 0xd1 # movq mm1, mm2 (store form)", ".byte 0x45, 0x0f, 0x6f, 0xc3 # movq mm0, mm3 with REX.RB",
    ".byte 0x41, 0x0f, 0x6e, 0xd1 # movd mm2, r9d", ".byte 0x49, 0x0f, 0x7e, 0xde # movq r14, mm3",
    "movntq qword ptr {m}, {p}",
    "pshufw {p}, {q}, {i}", "pshufw {p}, qword ptr {m}, {i}",
    "pinsrw {p}, {r}, {i}", "pinsrw {p}, word ptr {m}, {i}", "pextrw {r}, {p}, {i}", "pextrw {R}, {p}, {i}",
    "pmovmskb {r}, {p}", "pmovmskb {R}, {p}", "maskmovq {p}, {q}", "pxor mm1, mm1\nmaskmovq mm0, mm1 # an all-zero mask still faults",
    "movq2dq {x}, {p}", "movdq2q {p}, {x}", "emms",
    "movq {p}, qword ptr [rbx+0xffc]", "movq qword ptr [rbx+0xffd], {p}", "movd dword ptr [rbx+0xffe], {p}",
    "pinsrw {p}, word ptr [rbx+0xfff], 1",
  ];
  await check(makeCases(tpls, { seed: 0x3303, per: 12 }), { minPF: 3 });
});

test("SSSE3 on MMX registers matches the host CPU", async () => {
  if (!hostOk) return;
  const tpls = [...SSSE3.flatMap((op) => forms(op)), ...forms("palignr", ", {i}"),
    ...[0, 1, 7, 8, 9, 15, 16, 17, 255].map((n) => `palignr {p}, {q}, ${n}`), "pshufb {p}, qword ptr [rbx+0xffc]"];
  await check(makeCases(tpls, { seed: 0x3304, per: 14 }), { minPF: 1 });
});

test("CVTPI2PS/CVTPI2PD/CVT(T)PS2PI/CVT(T)PD2PI match the host CPU (MXCSR modes)", async () => {
  if (!hostOk) return;
  const tpls = ["cvtpi2ps {x}, {p}", "cvtpi2ps {x}, qword ptr {m}", "cvtpi2pd {x}, {p}", "cvtpi2pd {x}, qword ptr {m}",
    "cvtps2pi {p}, {x}", "cvtps2pi {p}, qword ptr {m}", "cvttps2pi {p}, {x}", "cvttps2pi {p}, qword ptr {m}",
    "cvtpd2pi {p}, {x}", "cvtpd2pi {p}, {a}", "cvtpd2pi {p}, {u}", "cvttpd2pi {p}, {x}", "cvttpd2pi {p}, {a}", "cvttpd2pi {p}, {u}"];
  const kind = (t) => /pd2pi/.test(t) ? "pd" : /ps2pi/.test(t) ? "ps" : "int";
  await check(makeCases(tpls, { seed: 0x3305, per: 20, kind, mxcsrModes: true }), { minGP: 10 });
  // From memory, CVTPI2PS/PD do not make the MMX transition: start from an x87 state.
  const x87 = makeCases(["cvtpi2ps {x}, qword ptr {m}", "cvtpi2pd {x}, qword ptr {m}", "cvtpi2ps {x}, {p}"],
    { seed: 0x3306, per: 6, prefix: "fld1\nfldpi" });
  await check(x87);
});

test("x87/MMX transitions: TOP, tags, the 0xFFFF exponent, FLD after MMX, EMMS, faults", async () => {
  if (!hostOk) return;
  const seqs = [
    // MMX writes over x87 values: TOP back to 0, all tags valid, the written register's exponent all ones.
    "fld1\nfldpi\nmovq {p}, qword ptr {m}", "fld1\nfldl2t\nfldz\nmovd {p}, {r}", "fld1\nfldpi\npaddb {p}, {q}",
    // MMX reads alone still make the transition.
    "fld1\nfldpi\nmovd {r}, {p}", "fldz\nmovq qword ptr {m}, {p}", "fld1\npmovmskb {r}, {p}", "fldz\npextrw {r}, {p}, 2",
    "fld1\nmovq2dq {x}, {p}",
    // FLD after MMX: the stack is full (overflow: IE, SF, C1, the default NaN).
    "movq {p}, qword ptr {m}\nfld qword ptr {m}", "movq {p}, {R}\nfld1",
    // Reading an MMX register as an x87 value: NaN, infinity or pseudo-infinity by its mantissa.
    "movq mm0, {R}\nfstp qword ptr {m}", "movq mm0, qword ptr {m}\nfld st(0)\nfstp qword ptr {m}",
    "movq mm0, {R}\nfxam\nfnstsw ax", `movq mm1, {R}\nfnstenv [rbx+0x100]\n${zapEnv(0x100)}`,
    `movq mm3, {R}\nfnsave [rbx+0x100]\nfrstor [rbx+0x100]\n${zapEnv(0x100)}`, `movq mm2, {R}\nfxsave [rbx+0x200]\n${zapFx(0x200)}`,
    // EMMS: all empty and TOP 0 (like every MMX instruction); x87 code then runs normally.
    "movq {p}, qword ptr {m}\nemms\nfld qword ptr {m}", "fld1\nfld1\nemms", "emms\nfld1\nfldpi\nfaddp st(1), st",
    "movq {p}, {q}\nemms\nfld1\nmovq {R}, mm7",
    // A faulting MMX instruction leaves the x87 state as it was.
    "fld1\nfldpi\nmovq mm1, qword ptr [rbx+0x1000]", "fld1\nmovq qword ptr [rbx+0xffc], mm2", "fldz\npaddw mm3, qword ptr [rbx+0xffa]",
    "fld1\ncvtpd2pi mm1, [rbx+8]", "fld1\nmovd dword ptr [rbx+0xffe], mm0",
  ];
  const cases = makeCases(seqs, { seed: 0x3307, per: 6, prefix: "" });
  // Mantissas that make the interesting x87 classes: integer bit clear (pseudo-NaN/infinity), set, zero.
  const rnd = prng(0x3308);
  for (const c of cases) for (const r of ["rax", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"])
    c.regs[r] = rnd.pick([0n, 0x8000000000000000n, 0xc000000000000000n, 0x4000000000000000n, 1n, c.regs[r], 0x7fffffffffffffffn]);
  await check(cases, { minGP: 1, minPF: 3 });
});

test("MMX encodings with a 66, F3 or F2 prefix where none exists are #UD", async () => {
  if (!hostOk) return;
  // 66 0F 77, F3 0F 6F is MOVDQU (not MMX), F2 0F 7E; 66 0F 73 /2 on the xmm side is PSRLQ xmm.
  const tpls = [".byte 0xf2, 0x0f, 0x6f, 0xc1", ".byte 0xf2, 0x0f, 0xfc, 0xc1", ".byte 0x0f, 0x73, 0xdb, 0x03 # psrldq on mm"];
  const results = await runMany(tpls.map((asm) => ({ asm })));
  for (const [i, r] of results.entries()) assert.equal(diffStates(r.native, r.wasl), [], tpls[i]);
});

// ---- CPUID: what feature detection reads ----------------------------------------------------------
// Libraries read leaf 1 and the cache leaves only for vendors they know, decode leaf 2's
// descriptors and leaf 4's parameters (glibc computes sysconf(_SC_LEVEL*_CACHE_*) and its memcpy
// thresholds from them), and count topology from leaf 0xB/0x1F. These checks need no host CPU.

const CODE = 0x400000n;
async function cpuidOf() {
  const { m, root } = await bareMachine();
  m.core.ptMap(root, CODE, 1, 0, 0x40 | 0x8 | 0x2);
  m.copyOut(CODE, Uint8Array.from([0x0f, 0xa2, 0xcc])); // cpuid; int3
  return (leaf, sub = 0) => {
    m.setReg(0, BigInt(leaf)); m.setReg(1, BigInt(sub));
    m.rip = CODE;
    assert.is(m.run(100), 6); // INT3
    return [0, 3, 1, 2].map((r) => Number(m.reg(r))); // eax ebx ecx edx
  };
}
const str4 = (v) => String.fromCharCode(...[0, 8, 16, 24].map((s) => (v >>> s) & 0xff));

test("CPUID: Intel vendor and leaf 1 (MMX, SSE-SSE4.2: x86-64-v2), the brand string says wasl", async () => {
  const cpuid = await cpuidOf();
  const [max, b0, c0, d0] = cpuid(0);
  assert.is(max, 0x1f);
  assert.is(str4(b0) + str4(d0) + str4(c0), "GenuineIntel");
  const [a1, , c1, d1] = cpuid(1);
  const family = (a1 >> 8) & 0xf, model = ((a1 >> 4) & 0xf) | (((a1 >> 16) & 0xf) << 4);
  assert.equal([family, model], [6, 0x1a]);
  for (const bit of [0, 8, 15, 23, 24, 25, 26]) assert.ok(d1 & (1 << bit), `leaf 1 EDX bit ${bit}`); // FPU CX8 CMOV MMX FXSR SSE SSE2
  assert.not.ok(d1 & (1 << 28), "HTT: one logical processor");
  for (const bit of [0, 9, 13, 19, 20, 23]) assert.ok(c1 & (1 << bit), `leaf 1 ECX bit ${bit}`); // SSE3 SSSE3 CX16 SSE4.1 SSE4.2 POPCNT
  assert.not.ok(c1 & ((1 << 27) | (1 << 28)), "no OSXSAVE, no AVX");
  assert.equal(cpuid(7), [0, 0, 0, 0]);
  let brand = "";
  for (const n of [0x80000002, 0x80000003, 0x80000004]) for (const v of cpuid(n)) brand += str4(v);
  assert.is(brand.replace(/\0+$/, ""), "wasl x86-64 interpreter");
});

test("CPUID: leaves 2 and 4 describe L1d/L1i 32 KiB, L2 1 MiB, L3 8 MiB; 0x80000005/6 agree", async () => {
  const cpuid = await cpuidOf();
  const [a2, b2, c2, d2] = cpuid(2);
  assert.is(a2 & 0xff, 1); // one round
  assert.ok([a2 >>> 8, a2 >>> 16, a2 >>> 24].some((x) => (x & 0xff) === 0xff), "descriptor 0xFF: see leaf 4");
  assert.equal([b2, c2, d2], [0, 0, 0]);
  const caches = [];
  for (let sub = 0; sub < 8; sub++) {
    const [a, b, c, d] = cpuid(4, sub);
    const type = a & 0x1f;
    if (!type) { assert.equal([a, b, c, d], [0, 0, 0, 0]); break; }
    const ways = (b >>> 22) + 1, parts = ((b >>> 12) & 0x3ff) + 1, line = (b & 0xfff) + 1, sets = c + 1;
    caches.push({ type, level: (a >> 5) & 7, size: ways * parts * line * sets, ways, line, sharing: ((a >>> 14) & 0xfff) + 1 });
  }
  const K = 1024;
  assert.equal(caches.map((x) => [x.type, x.level, x.size, x.ways, x.line, x.sharing]), [
    [1, 1, 32 * K, 8, 64, 1], [2, 1, 32 * K, 8, 64, 1], [3, 2, 1024 * K, 16, 64, 1], [3, 3, 8192 * K, 16, 64, 1]]);
  assert.equal(cpuid(4, 100), [0, 0, 0, 0]);
  const [, , l1d, l1i] = cpuid(0x80000005);
  for (const v of [l1d, l1i]) assert.equal([(v >>> 24) * K, (v >>> 16) & 0xff, v & 0xff], [32 * K, 8, 64]);
  const [, , l2, l3] = cpuid(0x80000006);
  assert.equal([(l2 >>> 16) * K, (l2 >>> 12) & 0xf, l2 & 0xff], [1024 * K, 8, 64]); // 8 = 16 ways
  assert.equal([(l3 >>> 18) * 512 * K, (l3 >>> 12) & 0xf, l3 & 0xff], [8192 * K, 8, 64]);
  assert.equal(cpuid(0x80000007), [0, 0, 0, 0]);
  assert.equal(cpuid(0x80000008), [0x3028, 0, 0, 0]);
  assert.equal(cpuid(0x18), [0, 0, 0, 0]); // no TLB descriptors behind leaf 2's 0xFE
});

test("CPUID: leaves 0xB and 0x1F: one thread in one core", async () => {
  const cpuid = await cpuidOf();
  for (const leaf of [0xb, 0x1f]) {
    assert.equal(cpuid(leaf, 0), [0, 1, 0x100, 0]); // SMT level: 1 logical processor
    assert.equal(cpuid(leaf, 1), [0, 1, 0x201, 0]); // core level: 1
    assert.equal(cpuid(leaf, 2), [0, 0, 2, 0]); // end of the list: type 0
  }
});

test.run();
