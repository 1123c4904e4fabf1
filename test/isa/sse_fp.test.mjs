// SSE/SSE2 floating-point arithmetic, comparisons and conversions, checked against the host CPU
// through the ISA oracle (test/isa/harness.mjs): every case runs one instruction natively and in
// wasl from the same random state (all 16 XMM registers, GPRs, memory, MXCSR with every rounding
// mode, DAZ/FTZ and sticky flags) and compares all XMM registers bit for bit, the GPRs, MXCSR
// and RFLAGS. Operand values mix special ones (±0, ±inf, QNaN/SNaN with payloads, denormals,
// the extremes, .5 boundaries, integer limits) with random bits and values near each other.
// RCPPS/RSQRTPS are hardware approximations; wasl returns the exactly rounded value, so their
// results are compared within the documented relative error (1.5·2^-12). Inputs come from fixed
// seeds. Needs an x86-64 Linux host; elsewhere the test is skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runMany, diffStates, DATA_ADDR, DATA_SIZE } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";

function prng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (t ^ (t >>> 14)) >>> 0; };
}

// ---- values ------------------------------------------------------------------------------------

const f32bits = (x) => { const d = new DataView(new ArrayBuffer(4)); d.setFloat32(0, x, true); return d.getUint32(0, true); };
const f64bits = (x) => { const d = new DataView(new ArrayBuffer(8)); d.setFloat64(0, x, true); return d.getBigUint64(0, true); };

const SPECIAL32 = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0xff812345, 0x7f800001,
  0x7fa00000, 1, 0x80000001, 0x7fffff, 0x807fffff, 0x400000, 0x800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x00ffffff,
  0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001,
  0x5effffff, 0x5f000000, 0xdf000000, 0xdf000001, 0x4b800000, 0x4b7fffff, 0x3f7fffff, 0x3f800001].map((x) => x >>> 0);
const SPECIAL64 = [0n, 1n << 63n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff8000012345678n, 0xfff0000000000001n, 0x7ff4000000000000n, 1n, 0x8000000000000001n, 0xfffffffffffffn,
  0x10000000000000n, 0x8010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, 0x001fffffffffffffn,
  ...[1, -1, 0.5, 1.5, 2.5, -2.5, -0.5, 0.1, 2147483647.5, 2147483647, 2147483648, -2147483648, -2147483648.5, -2147483649,
    2 ** 63, -(2 ** 63), 2 ** 63 - 1024, 2 ** 53, 2 ** 53 - 1, 2 ** 52 + 0.5, 16777217, 3.4028235677973366e38,
    3.4028234663852886e38, 1.1754942807573643e-38, 1.401298464324817e-45, 7.006492321624085e-46, 1e-300, 1e300].map(f64bits)];
const SPECIAL_I32 = [0, 1, -1, 0x7fffffff, -0x80000000, 16777216, 16777217, 16777219, -16777217, 0x7fffffc0, 0x7fffff80, 33554435];
const SPECIAL_I64 = [0n, 1n, -1n, 0x7fffffffn, -0x80000000n, 0x7fffffffffffffffn, -0x8000000000000000n, (1n << 53n) + 1n,
  (1n << 53n) + 3n, (1n << 63n) - 512n, (1n << 63n) - 513n, (1n << 62n) + 1n, -(1n << 53n) - 1n, 16777217n, 0xffffffffn];

function valueGen(rnd) {
  const pick = (a) => a[rnd() % a.length];
  const u64 = () => (BigInt(rnd()) << 32n) | BigInt(rnd());
  // Exponents near the underflow/overflow thresholds of products and quotients, and mantissas with
  // few significant bits (exact results, ties).
  const mant = (bits) => { const k = rnd() % 3; return k === 0 ? rnd() & ((2 ** Math.min(bits, 31)) - 1) : k === 1 ? (rnd() & 0x3ff) * 2 ** (bits - 10) : (rnd() & 1) * 2 ** (bits - 1); };
  const edge32 = () => { const e = Math.max(0, Math.min(0xfe, pick([0x3f, 0xbf, 0, 0x7f, 0xfe, 1]) + (rnd() % 21) - 10));
    return (((rnd() & 1) << 31) | (e << 23) | mant(23)) >>> 0; };
  const edge64 = () => { const e = Math.max(0, Math.min(0x7fe, pick([0x1ff, 0x5ff, 0, 0x3ff, 0x7fe, 1]) + (rnd() % 41) - 20));
    const m = rnd() & 1 ? BigInt(mant(31)) << BigInt(rnd() % 22) : u64() & 0xfffffffffffffn;
    return (BigInt(rnd() & 1) << 63n) | (BigInt(e) << 52n) | (m & 0xfffffffffffffn); };
  return {
    s(prev) {
      const k = rnd() % 12;
      if (k < 3) return pick(SPECIAL32);
      if (k < 5) return rnd();
      if (k < 6 && prev !== undefined) { const v = (prev + (rnd() % 5) - 2) >>> 0; return rnd() & 1 ? v : (v ^ 0x80000000) >>> 0; }
      if (k < 7) return f32bits(((rnd() % 2000000) - 1000000) / 8);
      if (k < 8) return (rnd() & 0x807fffff) >>> 0;
      if (k < 10) return edge32();
      return f32bits((rnd() / 2 ** 32 - 0.5) * 2 ** ((rnd() % 80) - 40));
    },
    d(prev) {
      const k = rnd() % 12;
      if (k < 3) return pick(SPECIAL64);
      if (k < 5) return u64();
      if (k < 6 && prev !== undefined) { const v = BigInt.asUintN(64, prev + BigInt(rnd() % 5) - 2n); return rnd() & 1 ? v : v ^ (1n << 63n); }
      if (k < 7) return f64bits(((rnd() % 2000000000) - 1000000000) / 16);
      if (k < 8) return (BigInt(rnd() & 0x800fffff) << 32n) | BigInt(rnd());
      if (k < 10) return edge64();
      if (k < 11) return f64bits(Math.fround((rnd() / 2 ** 32 - 0.5) * 2 ** ((rnd() % 300) - 150)));
      return f64bits((rnd() / 2 ** 32 - 0.5) * 2 ** ((rnd() % 200) - 100));
    },
    i() { const k = rnd() % 4; return (k < 2 ? pick(SPECIAL_I32) : k < 3 ? rnd() : (rnd() % 100000) - 50000) >>> 0; },
    q() { const k = rnd() % 4; return BigInt.asUintN(64, k < 2 ? pick(SPECIAL_I64) : k < 3 ? u64() : BigInt((rnd() % 100000) - 50000)); },
  };
}

/** 16 bytes of lanes of one type (s single, d double, i int32), each lane near the last now and then. */
function lanes(gen, ty) {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  let prev;
  for (let o = 0; o < 16; o += ty === "d" ? 8 : 4) {
    if (ty === "d") { prev = gen.d(prev); dv.setBigUint64(o, prev, true); }
    else if (ty === "s") { prev = gen.s(prev); dv.setUint32(o, prev, true); }
    else dv.setUint32(o, gen.i(), true);
  }
  return b;
}

// ---- templates ---------------------------------------------------------------------------------
// {x} {y} xmm registers; {m} an aligned m128 at [rbx+k*16]; {u} a misaligned one (#GP for packed
// forms); {m4}/{m8} scalar operands at any offset; {r}/{q} 32/64-bit GPRs (not rsp/rbx).
// The type says which lanes the registers and memory hold.

const T = [];
const add = (t, ty, approx = false) => T.push({ t, ty, approx });
for (const op of ["add", "sub", "mul", "div", "min", "max", "sqrt"]) {
  add(`${op}ps {x}, {y}`, "s"); add(`${op}ps {x}, {m}`, "s"); add(`${op}ps {x}, {u}`, "s");
  add(`${op}pd {x}, {y}`, "d"); add(`${op}pd {x}, {m}`, "d"); add(`${op}pd {x}, {u}`, "d");
  add(`${op}ss {x}, {y}`, "s"); add(`${op}ss {x}, dword ptr {m4}`, "s");
  add(`${op}sd {x}, {y}`, "d"); add(`${op}sd {x}, qword ptr {m8}`, "d");
}
for (const op of ["rcp", "rsqrt"]) {
  add(`${op}ps {x}, {y}`, "s", true); add(`${op}ps {x}, {m}`, "s", true); add(`${op}ps {x}, {u}`, "s", true);
  add(`${op}ss {x}, {y}`, "s", true); add(`${op}ss {x}, dword ptr {m4}`, "s", true);
}
for (const op of ["cmpps", "cmppd"]) { add(`${op} {x}, {y}, {p}`, op.endsWith("s") ? "s" : "d"); add(`${op} {x}, {m}, {p}`, op.endsWith("s") ? "s" : "d"); add(`${op} {x}, {u}, {p}`, op.endsWith("s") ? "s" : "d"); }
add("cmpss {x}, {y}, {p}", "s"); add("cmpss {x}, dword ptr {m4}, {p}", "s");
add("cmpsd {x}, {y}, {p}", "d"); add("cmpsd {x}, qword ptr {m8}, {p}", "d");
for (const op of ["comiss", "ucomiss"]) { add(`${op} {x}, {y}`, "s"); add(`${op} {x}, dword ptr {m4}`, "s"); }
for (const op of ["comisd", "ucomisd"]) { add(`${op} {x}, {y}`, "d"); add(`${op} {x}, qword ptr {m8}`, "d"); }
for (const op of ["cvtsi2ss", "cvtsi2sd"]) {
  add(`${op} {x}, {r}`, "s"); add(`${op} {x}, {q}`, "s"); add(`${op} {x}, dword ptr {m4}`, "s"); add(`${op} {x}, qword ptr {m8}`, "s");
}
for (const op of ["cvtss2si", "cvttss2si"]) { add(`${op} {r}, {y}`, "s"); add(`${op} {q}, {y}`, "s"); add(`${op} {q}, dword ptr {m4}`, "s"); }
for (const op of ["cvtsd2si", "cvttsd2si"]) { add(`${op} {r}, {y}`, "d"); add(`${op} {q}, {y}`, "d"); add(`${op} {r}, qword ptr {m8}`, "d"); }
add("cvtss2sd {x}, {y}", "s"); add("cvtss2sd {x}, dword ptr {m4}", "s");
add("cvtsd2ss {x}, {y}", "d"); add("cvtsd2ss {x}, qword ptr {m8}", "d");
add("cvtps2pd {x}, {y}", "s"); add("cvtps2pd {x}, qword ptr {m8}", "s");
add("cvtpd2ps {x}, {y}", "d"); add("cvtpd2ps {x}, {m}", "d"); add("cvtpd2ps {x}, {u}", "d");
add("cvtdq2ps {x}, {y}", "i"); add("cvtdq2ps {x}, {m}", "i"); add("cvtdq2ps {x}, {u}", "i");
for (const op of ["cvtps2dq", "cvttps2dq"]) { add(`${op} {x}, {y}`, "s"); add(`${op} {x}, {m}`, "s"); add(`${op} {x}, {u}`, "s"); }
add("cvtdq2pd {x}, {y}", "i"); add("cvtdq2pd {x}, qword ptr {m8}", "i");
for (const op of ["cvtpd2dq", "cvttpd2dq"]) { add(`${op} {x}, {y}`, "d"); add(`${op} {x}, {m}`, "d"); add(`${op} {x}, {u}`, "d"); }
// Operands past the mapped data page fault without changing anything.
add("addsd xmm1, qword ptr [rbx+0xffc]", "d"); add("cvtsi2sd xmm2, qword ptr [rbx+0xffa]", "d");
add("ucomiss xmm3, dword ptr [rbx+0xffe]", "s"); add("mulpd xmm4, [rbx+0x1000]", "d");

const GPR32 = ["eax", "ecx", "edx", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const GPR64 = ["rax", "rcx", "rdx", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

function instantiate(tpl, rnd) {
  const n = (k) => rnd() % k;
  const gi = n(14);
  return tpl
    .replace("{x}", `xmm${n(16)}`).replace("{y}", `xmm${n(16)}`)
    .replace("{m}", `[rbx+${n(8) * 16}]`).replace("{u}", `[rbx+${n(8) * 16 + 1 + n(15)}]`)
    .replace("{m4}", `[rbx+${n(32) * 4}]`).replace("{m8}", `[rbx+${n(16) * 8 + (n(4) === 0 ? 4 : 0)}]`)
    .replace("{p}", String(n(4) === 0 ? n(256) : n(8)))
    .replace("{r}", GPR32[gi]).replace("{q}", GPR64[gi]);
}

function randomMxcsr(rnd) {
  let mx = 0x1f80 | ((rnd() % 4) << 13);
  if (rnd() % 4 === 0) mx |= 0x40; // DAZ
  if (rnd() % 4 === 0) mx |= 0x8000; // FTZ
  const f = rnd() % 4;
  if (f === 1) mx |= 0x20; // PE already set: the fast path
  else if (f === 2) mx |= rnd() & 0x3f;
  return mx;
}

function randomInput(rnd, gen, asm, ty) {
  const xmm = {};
  for (let i = 0; i < 16; i++) xmm[`xmm${i}`] = lanes(gen, ty);
  if (rnd() % 3 === 0) { // a second register near the first: cancellation, equality
    const a = xmm[`xmm${rnd() % 16}`], b = xmm[`xmm${rnd() % 16}`];
    for (let i = 0; i < 16; i++) if (rnd() & 1) b[i] = a[i];
  }
  const mem = new Uint8Array(DATA_SIZE), dv = new DataView(mem.buffer);
  const intSrc = /cvtsi2s/.test(asm);
  for (let o = 0; o < 256; o += 16) mem.set(lanes(gen, ty), o);
  if (intSrc) for (let o = 0; o < 256; o += 8) dv.setBigUint64(o, rnd() & 1 ? gen.q() : BigInt.asUintN(64, BigInt(gen.i() | 0)), true);
  const regs = {};
  for (const r of GPR64) regs[r] = rnd() & 1 ? gen.q() : BigInt(gen.i());
  regs.rbx = BigInt(DATA_ADDR);
  return { asm, regs, xmm, mem, mxcsr: randomMxcsr(rnd), flags: BigInt(rnd() & 0x8d5) };
}

/** RCP/RSQRT lanes agree when equal or within the architectural relative error. */
function approxClose(a, b) {
  const x = new DataView(a.buffer, a.byteOffset), y = new DataView(b.buffer, b.byteOffset);
  for (let o = 0; o < 16; o += 4) {
    if (x.getUint32(o, true) === y.getUint32(o, true)) continue;
    const p = x.getFloat32(o, true), q = y.getFloat32(o, true);
    if (!(Math.abs(p - q) <= Math.abs(p) * 1.5 * 2 ** -12)) return false;
  }
  return true;
}

function check(cases, results, templates) {
  const bad = [], exits = {};
  results.forEach((r, i) => {
    if (r.error) { bad.push(`${cases[i].asm}: ${r.error}`); return; }
    exits[r.native.exit] = (exits[r.native.exit] || 0) + 1;
    const ignoreRegs = [];
    if (templates[i].approx && r.native.exit === "ok")
      for (let k = 0; k < 16; k++) if (approxClose(r.native.xmm[k], r.wasl.xmm[k])) ignoreRegs.push(`xmm${k}`);
    const d = diffStates(r.native, r.wasl, { ignoreRegs });
    if (d.length) bad.push(`${cases[i].asm} (mxcsr ${cases[i].mxcsr.toString(16)})\n    ${d.join("\n    ")}`);
  });
  return { bad, exits };
}

test("SSE/SSE2 FP arithmetic, compares and conversions match the host CPU on random values", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host)"); return; }
  const rnd = prng(0x55ef9), gen = valueGen(rnd);
  const PER = 24, cases = [], templates = [];
  for (const tpl of T) for (let k = 0; k < PER; k++) {
    const asm = instantiate(tpl.t, rnd);
    cases.push(randomInput(rnd, gen, asm, tpl.ty));
    templates.push(tpl);
  }
  const results = await runMany(cases);
  const { bad, exits } = check(cases, results, templates);
  assert.ok(exits.GP > 200, `misaligned packed operands did not raise #GP on the host: ${JSON.stringify(exits)}`);
  assert.ok(exits.PAGE_FAULT >= 4 * PER, `operands past the page did not fault on the host: ${JSON.stringify(exits)}`);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 20).join("\n")}`);
});

test("scalar arithmetic and conversions on special values in every rounding mode", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host)"); return; }
  // Every pair of a short special list through each scalar op, in the four rounding modes, with
  // and without DAZ+FTZ; then each special through the conversions.
  const S = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc12345, 0xff812345, 0x807fffff, 0x00000001, 0x00800000,
    0x7f7fffff, 0x3f800000, 0xc0200000, 0x3f7fffff, 0x4f000000];
  const D = [0n, 1n << 63n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000012345678n, 0xfff4000000000001n,
    0x800fffffffffffffn, 1n, 0x0010000000000000n, 0x7fefffffffffffffn, f64bits(1), f64bits(-2.5), f64bits(0.1), f64bits(-(2 ** 63))];
  const cases = [], templates = [];
  const push = (asm, x1, x2, mxcsr, approx = false) => {
    cases.push({ asm, xmm: { xmm1: x1, xmm2: x2 }, mxcsr, regs: { rbx: BigInt(DATA_ADDR) } });
    templates.push({ approx });
  };
  const b32 = (v) => { const b = new Uint8Array(16); new DataView(b.buffer).setUint32(0, v, true); b.fill(0xa5, 4); return b; };
  const b64 = (v) => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, v, true); b.fill(0x5a, 8); return b; };
  for (let rc = 0; rc < 4; rc++) for (const extra of [0, 0x8040]) {
    const mx = 0x1f80 | (rc << 13) | extra;
    for (const op of ["addss", "subss", "mulss", "divss", "minss", "sqrtss", "cmpss"])
      for (const a of S) for (const b of S) push(`${op} xmm1, xmm2${op === "cmpss" ? ", 1" : ""}`, b32(a), b32(b), mx);
    for (const op of ["addsd", "subsd", "mulsd", "divsd", "maxsd", "sqrtsd", "comisd"])
      for (const a of D) for (const b of D) push(`${op} xmm1, xmm2`, b64(a), b64(b), mx);
    for (const a of S) for (const op of ["cvtss2sd xmm1, xmm2", "cvtss2si eax, xmm2", "cvttss2si rax, xmm2", "cvtps2dq xmm1, xmm2"])
      push(op, b32(0), b32(a), mx);
    for (const a of D) for (const op of ["cvtsd2ss xmm1, xmm2", "cvtsd2si rax, xmm2", "cvtsd2si eax, xmm2", "cvttsd2si eax, xmm2", "cvtpd2dq xmm1, xmm2", "cvtpd2ps xmm1, xmm2"])
      push(op, b64(0n), b64(a), mx);
  }
  const results = await runMany(cases);
  const { bad } = check(cases, results, templates);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 20).join("\n")}`);
});

test.run();
