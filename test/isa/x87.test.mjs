// The x87 FPU and FXSAVE/FXRSTOR, checked against the host CPU through the ISA oracle
// (test/isa/harness.mjs): each case loads operands (80-bit, binary32/64, integers) from the data
// area, runs one instruction, and the harness compares the whole x87 state (status word with
// C0-C3 and the exception flags, tags, every valid register to the bit), RFLAGS, and memory.
// Arithmetic runs in every rounding mode and the three precision controls; operands mix
// specials (zeros, infinities, NaNs, denormals, pseudo-denormals, unnormals) with random values
// near each other (cancellation) and near the ends of the exponent range (overflow, underflow).
// The inputs come from a fixed seed. Needs an x86-64 Linux host; elsewhere the test is skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runMany, diffStates, DATA_SIZE } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";

function prng(seed) {
  let s = BigInt(seed);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

// ---- operands ---------------------------------------------------------------------------------

const SPECIAL80 = [
  [0n, 0], [0n, 0x8000], [0x8000000000000000n, 0x7fff], [0x8000000000000000n, 0xffff], // ±0, ±inf
  [0xc000000000000000n, 0x7fff], [0xc000000000000001n, 0xffff], [0x8000000000000001n, 0x7fff], // QNaN, SNaN
  [0xa000000000000000n, 0xffff], [1n, 0], [0x4000000000000000n, 0x8000], // SNaN, denormals
  [0x8000000000000000n, 0], [0xffffffffffffffffn, 0x7ffe], [0x8000000000000000n, 1], // pseudo-denormal, max, min normal
  [0x4000000000000000n, 0x3fff], [0x8000000000000000n, 0x3fff], [0x8000000000000000n, 0xbfff], // unnormal, ±1
  [0xffffffffffffffffn, 0x3fff], [0x8000000000000000n, 0x403e], [0x8000000000000000n, 0xc03e], // 2-ulp, ±2^63
];

function operands(r64) {
  const ri = (n) => Number(r64() % BigInt(n));
  const rnd80 = (near) => {
    const k = ri(10);
    if (k === 0) return [...SPECIAL80[ri(SPECIAL80.length)]];
    let m = r64() | 0x8000000000000000n;
    if (ri(4) === 0) m &= ~((1n << BigInt(ri(64))) - 1n) | 0x8000000000000000n; // short significands: exact and tie cases
    if (ri(6) === 0) m |= (1n << BigInt(ri(63))) - 1n;
    let e;
    if (near !== undefined && ri(2) === 0) e = (near & 0x7fff) + ri(5) - 2;
    else if (k === 1) e = ri(0x7fff);
    else if (k === 2) e = ri(80);
    else if (k === 3) e = 0x7fff - 1 - ri(80);
    else e = 0x3fff + ri(140) - 70;
    if (e <= 0) { e = 0; m >>= BigInt(ri(64)); }
    if (e >= 0x7fff) e = 0x7ffe;
    return [m, e | (ri(2) ? 0x8000 : 0)];
  };
  const f32 = () => {
    const k = ri(8);
    if (k === 0) return [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 1, 0x807fffff, 0x7f7fffff][ri(9)];
    return Number(r64() & 0xffffffffn) & (k === 1 ? 0x807fffff : 0xffffffff);
  };
  const f64 = () => {
    const k = ri(8);
    if (k === 0) return [0n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 1n, 0x800fffffffffffffn, 0x7fefffffffffffffn][ri(8)];
    let v = r64();
    if (k === 1) v &= 0x800fffffffffffffn;
    if (k === 2) v = (v & 0x800fffffffffffffn) | (BigInt(0x3ff + ri(100) - 50) << 52n);
    return v;
  };
  const int = (bits) => ri(5) === 0
    ? [0n, 1n, -1n, -(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n][ri(5)]
    : BigInt.asIntN(bits, r64() >> BigInt(ri(63)));
  return { ri, rnd80, f32, f64, int };
}

const put80 = (dv, off, [m, se]) => { dv.setBigUint64(off, m, true); dv.setUint16(off + 8, se, true); };

// ---- arithmetic: random operands in every rounding mode and precision -------------------------
// Layout: a at DATA, b at DATA+16, the memory operand at DATA+32.

const REG2 = ["fadd st, st(1)", "fsub st, st(1)", "fsubr st, st(1)", "fmul st, st(1)", "fdiv st, st(1)", "fdivr st, st(1)",
  "faddp st(1), st", "fsubp st(1), st", "fsubrp st(1), st", "fmulp st(1), st", "fdivp st(1), st", "fdivrp st(1), st",
  "fadd st(1), st", "fsub st(1), st", "fsubr st(1), st", "fmul st(1), st", "fdiv st(1), st", "fdivr st(1), st",
  "fcom st(1)", "fcomp st(1)", "fcompp", "fucom st(1)", "fucomp st(1)", "fucompp", "fcomi st, st(1)", "fcomip st, st(1)",
  "fucomi st, st(1)", "fucomip st, st(1)", "fprem", "fprem1", "fscale", "fxch st(1)", "fcmovb st, st(1)", "fcmovnbe st, st(1)"];
const REG1 = ["fsqrt", "frndint", "fchs", "fabs", "ftst", "fxam", "fxtract"];
const MEMOPS = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"];
const MEM = [...MEMOPS.map((o) => `${o} dword ptr [DATA+32]`), ...MEMOPS.map((o) => `${o} qword ptr [DATA+32]`),
  ...MEMOPS.map((o) => `fi${o.slice(1)} word ptr [DATA+32]`), ...MEMOPS.map((o) => `fi${o.slice(1)} dword ptr [DATA+32]`)];
const STORES = ["fst dword ptr [DATA+32]", "fstp qword ptr [DATA+32]", "fist word ptr [DATA+32]", "fist dword ptr [DATA+32]",
  "fistp qword ptr [DATA+32]", "fisttp word ptr [DATA+32]", "fisttp dword ptr [DATA+32]", "fisttp qword ptr [DATA+32]",
  "fstp tbyte ptr [DATA+32]"];
const LOADS = ["fld dword ptr [DATA+32]", "fld qword ptr [DATA+32]", "fild word ptr [DATA+32]", "fild dword ptr [DATA+32]",
  "fild qword ptr [DATA+32]"];

function arithmeticCases(per) {
  const r64 = prng(0x87);
  const { ri, rnd80, f32, f64, int } = operands(r64);
  const cases = [];
  const kinds = [...REG2.map((o) => [o, 2]), ...REG1.map((o) => [o, 1]), ...MEM.map((o) => [o, 1]), ...STORES.map((o) => [o, 1]), ...LOADS.map((o) => [o, 0])];
  for (const [op, depth] of kinds) for (let i = 0; i < per; i++) {
    const mem = new Uint8Array(64), dv = new DataView(mem.buffer);
    const a = rnd80();
    const b = ri(3) === 0 ? rnd80(a[1]) : rnd80();
    if (ri(5) === 0) { b[0] = a[0] ^ (r64() & 0xffn); b[1] = a[1] ^ (ri(2) ? 0x8000 : 0); } // near-cancellation
    put80(dv, 0, a); put80(dv, 16, b);
    const mnem = op.split(" ")[0];
    if (/word ptr/.test(op)) {
      if (mnem.startsWith("fi")) dv.setBigInt64(32, int(/qword/.test(op) ? 64 : /dword/.test(op) ? 32 : 16), true);
      else if (/dword/.test(op)) dv.setUint32(32, f32() >>> 0, true);
      else dv.setBigUint64(32, f64(), true);
    }
    const pc = [0, 2, 3][ri(3)], rc = ri(4);
    const load = depth === 2 ? "fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\n" : depth === 1 ? "fld tbyte ptr [DATA]\n" : "";
    cases.push({ asm: load + op, mem, fpucw: 0x7f | (pc << 8) | (rc << 10), flags: r64() & 0xd5n });
  }
  return cases;
}

// ---- stack faults, control, classification, environment images --------------------------------

const V = {
  one: [0x8000000000000000n, 0x3fff], onep5: [0xc000000000000000n, 0x3fff], zero: [0n, 0], nzero: [0n, 0x8000],
  inf: [0x8000000000000000n, 0x7fff], ninf: [0x8000000000000000n, 0xffff], qnan: [0xc000000000000123n, 0x7fff],
  snan: [0x8000000000000123n, 0xffff], den: [0x123n, 0], pden: [0x8000000000000123n, 0x8000],
  unnormal: [0x4000000000000000n, 0x3fff], pseudoInf: [0n, 0x7fff], pseudoNaN: [0x4000000000000001n, 0x7fff],
  big: [0x8000000000000000n, 0x4048], huge: [0xffffffffffffffffn, 0x7ffe], tiny: [0x8000000000000000n, 1],
  third: [0xaaaaaaaaaaaaaaabn, 0x3ffd], e70: [0x8000000000000000n, 0x3fff + 70],
};
function memOf(vals, fill = 0) {
  const mem = new Uint8Array(DATA_SIZE).fill(fill), dv = new DataView(mem.buffer);
  vals.forEach((v, i) => put80(dv, i * 16, v));
  return mem;
}
// FIP, FCS, FOP, FDP of an FNSTENV/FNSAVE image, and FOP, FIP, FDP and MXCSR_MASK of an FXSAVE
// image, are not modelled (zero; MXCSR_MASK 0xFFFF, where AMD reports 0x2FFFF): cleared first.
const zapEnv = (off) => `mov dword ptr [DATA+${off + 12}], 0\nmov dword ptr [DATA+${off + 16}], 0\nmov dword ptr [DATA+${off + 20}], 0`;
const zapFx = (off) => `mov word ptr [DATA+${off + 6}], 0\nmov qword ptr [DATA+${off + 8}], 0\nmov qword ptr [DATA+${off + 16}], 0\nmov dword ptr [DATA+${off + 28}], 0`;

const TRANSCENDENTAL = ["fsin", "fcos", "fptan", "fsincos", "f2xm1", "fyl2x", "fyl2xp1", "fpatan"];

function targetedCases() {
  const cases = [];
  const add = (asm, opts = {}) => cases.push({ asm, ...opts });
  add("fld1\n".repeat(9)); // overflow: IE SF C1, the default NaN
  add("fld1\n".repeat(8) + "fld tbyte ptr [DATA]", { mem: memOf([V.one]) });
  for (const op of ["fadd st, st(1)", "fadd st(1), st", "faddp st(1), st", "fstp dword ptr [DATA+64]", "fst qword ptr [DATA+64]",
    "fstp tbyte ptr [DATA+64]", "fist word ptr [DATA+64]", "fistp dword ptr [DATA+64]", "fisttp qword ptr [DATA+64]", "fxch st(1)",
    "fcom st(1)", "fcomp st(1)", "fcompp", "fucompp", "fcomi st, st(1)", "fucomip st, st(1)", "fld st(3)", "fsqrt", "fprem",
    "fprem1", "fscale", "fchs", "fabs", "ftst", "fxam", "frndint", "fxtract", "fptan", "fsincos", "fpatan", "fyl2x", "fyl2xp1",
    "fst st(2)", "fstp st(2)", "fcmove st, st(1)", "fadd dword ptr [DATA]", "fcom qword ptr [DATA]", "ficomp word ptr [DATA]",
    "fsin", "f2xm1"]) {
    add(op); // underflow: IE SF, C1 = 0
    if (!TRANSCENDENTAL.includes(op)) add("fld1\n" + op);
  }
  add("fincstp\nfincstp\nfld1\nfdecstp\nfld1");
  add("fld1\nfldpi\nffree st(1)\nfld1");
  add("fld1\nfldpi\nfldz\n.byte 0xdf, 0xc1"); // ffreep st(1)
  add("fld1\nfst st(3)\nfstp st(0)\nfld st(2)");
  add("fld1\nfldz\nfdivp st(1), st\nfnstsw ax\nfnclex\nfnstsw word ptr [DATA+64]\nfld1\nfninit");
  add("fnop\nfwait\nfld1\n.byte 0xdb, 0xe0, 0xdb, 0xe1, 0xdb, 0xe4"); // FENI, FDISI, FSETPM: no-ops
  for (let rc = 0; rc < 4; rc++) add("fld1\nfldl2t\nfldl2e\nfldpi\nfldlg2\nfldln2\nfldz", { fpucw: 0x37f | (rc << 10) });
  for (const cw of [0x0040, 0xffff, 0x1f3f, 0x0c7f, 0x007f]) {
    const mem = new Uint8Array(DATA_SIZE); mem[64] = cw & 255; mem[65] = cw >> 8;
    add("fldcw word ptr [DATA+64]\nfnstcw word ptr [DATA+80]\nfld1\nfnstsw word ptr [DATA+96]\nfnstsw ax", { mem });
  }
  const cmov = ["fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"];
  for (const op of cmov) for (const flags of [0n, 1n, 0x40n, 0x41n, 4n, 0x45n]) add(`fldz\nfld1\n${op} st, st(1)`, { flags });
  const names = Object.keys(V);
  for (const n of names) {
    const mem = memOf([V[n], V.onep5]);
    add("fld tbyte ptr [DATA]\nfxam\nfnstsw word ptr [DATA+64]\nftst", { mem });
    add("fld tbyte ptr [DATA]\nfrndint", { mem });
    add("fld tbyte ptr [DATA]\nfxtract", { mem });
    add("fld tbyte ptr [DATA]\nfsqrt", { mem });
    add("fld tbyte ptr [DATA]\nfistp qword ptr [DATA+64]\nfld tbyte ptr [DATA]\nfstp dword ptr [DATA+80]", { mem });
    add("fld tbyte ptr [DATA]\nfst st(1)\nfchs\nfabs", { mem });
    for (const m of names) {
      const mem2 = memOf([V[n], V[m]]);
      add("fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfscale", { mem: mem2 });
      add("fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfprem1", { mem: mem2 });
      add("fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfprem", { mem: mem2 });
      add("fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfucomi st, st(1)\nfcom st(1)", { mem: mem2 });
      add("fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfmul st, st(1)\nfld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfdiv st, st(1)\nfld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\nfsub st, st(1)", { mem: mem2 });
    }
  }
  // Environment and state images; faults leave state and memory unchanged.
  add(`fldpi\nfld1\nfldz\nfdiv st(1), st\nfnstenv [DATA+64]\n${zapEnv(64)}\nfninit\nfldenv [DATA+64]\nfld1`, { mem: memOf([], 0xaa) });
  add(`fldpi\nfld1\nfld tbyte ptr [DATA]\nfnsave [DATA+64]\n${zapEnv(64)}\nfld1\nfrstor [DATA+64]\nfld1`, { mem: memOf([V.den], 0xaa) });
  add(`fldpi\nfld1\nfld tbyte ptr [DATA]\nfxsave [DATA+512]\n${zapFx(512)}`, { mem: memOf([V.den], 0xaa) });
  add("fldpi\nfxsave [DATA+520]"); // misaligned: #GP
  add("fxrstor [DATA+8]");
  const img = new Uint8Array(DATA_SIZE), dv = new DataView(img.buffer);
  for (let i = 0; i < 512; i++) img[1024 + i] = (i * 37 + 11) & 255;
  dv.setUint16(1024, 0x0b7f, true); dv.setUint16(1026, 0x3821, true); img[1028] = 0x35;
  dv.setUint32(1024 + 24, 0x1f80 | 0x6000, true);
  add("fxrstor [DATA+1024]", { mem: img });
  add(`fxrstor [DATA+1024]\nfxsave [DATA+2048]\n${zapFx(2048)}`, { mem: img });
  const bad = img.slice(); new DataView(bad.buffer).setUint32(1024 + 24, 0x1f80 | (1 << 20), true);
  add("fxrstor [DATA+1024]", { mem: bad }); // reserved MXCSR bit: #GP
  add("fld1\nfld tbyte ptr [DATA+0xffa]"); // crosses into the unmapped page: a page fault
  add("fld1\nfstp tbyte ptr [DATA+0xff8]");
  add("fld1\nfstp qword ptr [DATA+0xffc]");
  add("fldpi\nfnsave [DATA+0xfa0]");
  add("fldpi\nfxsave [DATA+0xf00]");
  return cases;
}

// ---- transcendentals --------------------------------------------------------------------------
// wasl computes these with 128-bit internal precision and rounds once; the hardware is not
// always correctly rounded, so a result may differ by one unit in the last place (C1, which
// reports the rounding direction, may then differ too).

function transcendentalCases(per) {
  const r64 = prng(0x7a);
  const ri = (n) => Number(r64() % BigInt(n));
  const cases = TRANSCENDENTAL.map((op) => ({ asm: `fld1\n${op}` })); // 1.0 (and an empty st(1))
  const RANGE = { fsin: [-3, 70], fcos: [-3, 70], fptan: [-3, 70], fsincos: [-3, 70], f2xm1: [-40, 1], fyl2x: [-200, 200], fyl2xp1: [-40, -2], fpatan: [-100, 100] };
  for (const [op, [lo, hi]] of Object.entries(RANGE)) for (let i = 0; i < per; i++) {
    const mem = new Uint8Array(64), dv = new DataView(mem.buffer);
    const e = 0x3fff + lo + ri(hi - lo);
    const m = op === "f2xm1" && e >= 0x3fff ? 1n << 63n : r64() | (1n << 63n);
    put80(dv, 0, [m, e | (op !== "fyl2x" && ri(2) ? 0x8000 : 0)]);
    const ey = op === "fpatan" ? 0x3fff + lo + ri(hi - lo) : 0x3fff + ri(20) - 10;
    put80(dv, 16, [r64() | (1n << 63n), ey | (ri(2) ? 0x8000 : 0)]);
    cases.push({ asm: `fld tbyte ptr [DATA+16]\nfld tbyte ptr [DATA]\n${op}`, mem, fpucw: 0x37f | (ri(4) << 10) });
  }
  return cases;
}

function withinOneUlp(d) {
  return d.every((line) => {
    if (/^fpu sw:/.test(line)) {
      const [, a, b] = line.match(/native 0x(\w+), wasl 0x(\w+)/);
      return ((parseInt(a, 16) ^ parseInt(b, 16)) & ~0x200) === 0; // only C1 differs
    }
    const m = line.match(/^st\d: native (\w+), wasl (\w+)$/);
    if (!m) return false;
    const x = BigInt("0x" + m[1]), y = BigInt("0x" + m[2]);
    return (x > y ? x - y : y - x) <= 1n;
  });
}

// ---- the tests --------------------------------------------------------------------------------

function compare(cases, results, accept = () => false) {
  const bad = [];
  results.forEach((r, i) => {
    if (r.error) { bad.push(`${cases[i].asm}: ${r.error}`); return; }
    const d = diffStates(r.native, r.wasl);
    if (d.length && !accept(d)) bad.push(`${cases[i].asm.replace(/\n/g, "; ")} (cw ${(cases[i].fpucw ?? 0x37f).toString(16)})\n    ${d.join("\n    ")}`);
  });
  return bad;
}

test("x87 arithmetic, loads, stores, compares in all rounding modes and precisions match the host CPU", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host)"); return; }
  const cases = arithmeticCases(24);
  const bad = compare(cases, await runMany(cases));
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 20).join("\n")}`);
});

test("x87 stack faults, control words, classification, environments and FXSAVE/FXRSTOR match the host CPU", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host)"); return; }
  const cases = targetedCases();
  const results = await runMany(cases);
  const exits = {};
  results.forEach((r) => { if (r.native) exits[r.native.exit] = (exits[r.native.exit] || 0) + 1; });
  assert.ok(exits.GP >= 3 && exits.PAGE_FAULT >= 5, `the host did not fault where expected: ${JSON.stringify(exits)}`);
  // Transcendentals on underflowed stacks compute nothing; the rest must match exactly.
  const bad = compare(cases, results);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 20).join("\n")}`);
});

test("x87 transcendentals are within one ulp of the host CPU", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host)"); return; }
  const cases = transcendentalCases(40);
  const results = await runMany(cases);
  let exact = 0;
  results.forEach((r) => { if (r.native && !diffStates(r.native, r.wasl).length) exact++; });
  const bad = compare(cases, results, withinOneUlp);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ by more than one ulp:\n${bad.slice(0, 20).join("\n")}`);
  assert.ok(exact >= cases.length * 0.9, `only ${exact}/${cases.length} transcendental results are bit-exact`);
});

test.run();
