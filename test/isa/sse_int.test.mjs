// SSE/SSE2 data movement, integer SIMD, logic, shuffles and MXCSR load/store, checked against
// the host CPU through the ISA oracle (test/isa/harness.mjs): each case is one instruction run on
// random XMM, GPR and memory inputs, natively and in wasl; the harness compares every register
// (all 16 XMM, the GPRs, MXCSR), the data area and the outcome (ok / #GP / page fault / #UD).
// The inputs come from a fixed seed. Needs an x86-64 Linux host; elsewhere the test is skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runMany, diffStates, DATA_ADDR, DATA_SIZE } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";

// ---- cases ------------------------------------------------------------------------------------
// Placeholders: {x} {y} xmm registers, {m} an aligned m128 at [rbx+k*16], {u} the same plus a
// misalignment of 1-15 bytes, {i} imm8, {s} a shift count (mostly near the lane widths), {r} {q}
// a 32/64-bit general register (not rsp), {mx} where LDMXCSR finds its operand. RBX points at the
// data area, which is followed by an unmapped page.

const BIN = ["paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb", "paddsw",
  "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pmullw", "pmulhw", "pmulhuw", "pmuludq",
  "pmaddwd", "psadbw", "pavgb", "pavgw", "pminub", "pmaxub", "pminsw", "pmaxsw", "pcmpeqb", "pcmpeqw",
  "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pand", "pandn", "por", "pxor", "andps", "andpd", "andnps",
  "andnpd", "orps", "orpd", "xorps", "xorpd", "psrlw", "psrld", "psrlq", "psraw", "psrad", "psllw", "pslld",
  "psllq", "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq",
  "punpckhqdq", "unpcklps", "unpcklpd", "unpckhps", "unpckhpd", "packsswb", "packssdw", "packuswb"];

const TEMPLATES = [
  ...BIN.flatMap((op) => [`${op} {x}, {y}`, `${op} {x}, {m}`, `${op} {x}, {u}`]),
  ...["psrlw", "psrld", "psrlq", "psraw", "psrad", "psllw", "pslld", "psllq", "psrldq", "pslldq"].map((op) => `${op} {x}, {s}`),
  ...["pshufd", "pshuflw", "pshufhw", "shufps", "shufpd"].flatMap((op) => [`${op} {x}, {y}, {i}`, `${op} {x}, {m}, {i}`, `${op} {x}, {u}, {i}`]),
  ...["movaps", "movapd", "movdqa"].flatMap((op) => [`${op} {x}, {y}`, `${op} {x}, {m}`, `${op} {x}, {u}`, `${op} {m}, {x}`, `${op} {u}, {x}`]),
  ...["movups", "movupd", "movdqu"].flatMap((op) => [`${op} {x}, {y}`, `${op} {x}, {m}`, `${op} {x}, {u}`, `${op} {m}, {x}`, `${op} {u}, {x}`]),
  ...["movntps", "movntpd", "movntdq"].flatMap((op) => [`${op} {m}, {x}`, `${op} {u}, {x}`]),
  "movss {x}, {y}", "movss {x}, dword ptr {u}", "movss dword ptr {u}, {x}",
  "movsd {x}, {y}", "movsd {x}, qword ptr {u}", "movsd qword ptr {u}, {x}",
  "movlps {x}, qword ptr {u}", "movlps qword ptr {u}, {x}", "movlpd {x}, qword ptr {u}", "movlpd qword ptr {u}, {x}",
  "movhps {x}, qword ptr {u}", "movhps qword ptr {u}, {x}", "movhpd {x}, qword ptr {u}", "movhpd qword ptr {u}, {x}",
  "movhlps {x}, {y}", "movlhps {x}, {y}",
  "movd {x}, {r}", "movd {x}, dword ptr {u}", "movd {r}, {x}", "movd dword ptr {u}, {x}",
  "movq {x}, {q}", "movq {q}, {x}", "movq {x}, {y}", "movq {x}, qword ptr {u}", "movq qword ptr {u}, {x}",
  "{store} movq {x}, {y}", "{load} movq {x}, {y}",
  "movnti dword ptr {u}, {r}", "movnti qword ptr {u}, {q}",
  "movmskps {r}, {x}", "movmskpd {r}, {x}", "pmovmskb {r}, {x}", "movmskps {q}, {x}", "pmovmskb {q}, {x}",
  "pinsrw {x}, {r}, {i}", "pinsrw {x}, word ptr {u}, {i}", "pextrw {r}, {x}, {i}", "pextrw {q}, {x}, {i}",
  "maskmovdqu {x}, {y}",
  "ldmxcsr dword ptr {mx}", "stmxcsr dword ptr {u}",
  // Operands reaching past the mapped page: a page fault, and nothing written or loaded.
  "movdqu {x}, [rbx+0xff8]", "movdqu [rbx+0xff8], {x}", "movq {x}, qword ptr [rbx+0xffc]",
  "movhps qword ptr [rbx+0xffa], {x}", "paddb {x}, [rbx+0x1000]", "movaps [rbx+0x1000], {x}",
];
// Encodings GNU as does not pick by itself: MOVQ xmm <-> r/m64 through 66 REX.W 0F 6E/7E with a
// memory operand (xmm9 <- [rbx+0x18], [rbx+0x21] <- xmm2).
const RAW = [
  ".byte 0x66, 0x4c, 0x0f, 0x6e, 0x4b, 0x18 # movq xmm9, qword ptr [rbx+0x18]",
  ".byte 0x66, 0x48, 0x0f, 0x7e, 0x53, 0x21 # movq qword ptr [rbx+0x21], xmm2",
];
const GPR32 = ["eax", "ecx", "edx", "ebx", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const GPR64 = ["rax", "rcx", "rdx", "rbx", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

function prng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
}

function instantiate(tpl, rnd) {
  const int = (n) => Math.floor(rnd() * n);
  const shift = () => [0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 255][int(13)];
  return tpl
    .replace("{x}", `xmm${int(16)}`).replace("{y}", `xmm${int(16)}`)
    .replace("{m}", `[rbx+${int(8) * 16}]`).replace("{u}", `[rbx+${int(8) * 16 + 1 + int(15)}]`)
    .replace("{mx}", `[rbx+${int(8) * 16}]`)
    .replace("{i}", String(int(256))).replace("{s}", String(rnd() < 0.7 ? shift() : int(256)))
    .replace("{r}", GPR32[int(15)]).replace("{q}", GPR64[int(15)]);
}

/** 16 random bytes with enough boundary values (0, -1, sign bits, small counts) for saturation, compares, shifts. */
function randomLanes(rnd) {
  const b = new Uint8Array(16), style = Math.floor(rnd() * 4);
  const special = [0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe];
  for (let i = 0; i < 16; i++) {
    b[i] = Math.floor(rnd() * 256);
    if (style === 1) b[i] = special[Math.floor(rnd() * special.length)];
    if (style === 2 && i % 2 === 1) b[i] = rnd() < 0.5 ? 0 : 0xff; // small signed words
  }
  if (style === 3) { b.fill(0, 0, 8); b[0] = Math.floor(rnd() * 80); } // a shift count
  return b;
}

function randomInput(rnd, asm) {
  const xmm = {};
  for (let i = 0; i < 16; i++) xmm[`xmm${i}`] = randomLanes(rnd);
  if (rnd() < 0.3) { // equal lanes, so PCMPEQ sees both outcomes
    const a = xmm[`xmm${Math.floor(rnd() * 16)}`], b = xmm[`xmm${Math.floor(rnd() * 16)}`];
    b.set(a.subarray(0, 8));
  }
  const mem = new Uint8Array(DATA_SIZE);
  for (let i = 0; i < DATA_SIZE; i += 16) mem.set(randomLanes(rnd), i);
  const regs = {};
  for (const r of GPR64) regs[r] = BigInt(Math.floor(rnd() * 2 ** 32)) << 32n | BigInt(Math.floor(rnd() * 2 ** 32));
  regs.rbx = BigInt(DATA_ADDR);
  regs.rdi = BigInt(DATA_ADDR + Math.floor(rnd() * 200)); // MASKMOVDQU's target
  if (asm.startsWith("ldmxcsr")) {
    const off = Number(asm.match(/\+(\d+)\]/)[1]);
    // Valid values (flags, masks, rounding, FTZ, DAZ), and now and then a reserved bit: #GP.
    // Not bit 17: AMD hosts with misaligned-SSE mode accept it (MXCSR_MASK 0x2FFFF); wasl, like
    // Intel, does not have that mode.
    const reserved = [16, ...Array.from({ length: 14 }, (_, k) => 18 + k)];
    const v = rnd() < 0.2 ? 0x1f80 | (1 << reserved[Math.floor(rnd() * reserved.length)]) : Math.floor(rnd() * 0x10000) | 0x1f80;
    new DataView(mem.buffer).setUint32(off, v >>> 0, true);
  }
  return { asm, regs, xmm, mem };
}

function makeCases() {
  const rnd = prng(0x5e5e2);
  const PER = 6, cases = [];
  for (const tpl of [...TEMPLATES, ...RAW]) for (let k = 0; k < PER; k++) {
    const asm = instantiate(tpl, rnd);
    cases.push(randomInput(rnd, asm));
  }
  return cases;
}

test("SSE/SSE2 moves, integer ops, logic, shuffles, MXCSR match the host CPU", async () => {
  if (!hostOk) { console.log("  (skipped: needs an x86-64 Linux host)"); return; }
  const cases = makeCases();
  const results = await runMany(cases);
  const bad = [], exits = {};
  results.forEach((r, i) => {
    if (r.error) { bad.push(`${cases[i].asm}: ${r.error}`); return; }
    exits[r.native.exit] = (exits[r.native.exit] || 0) + 1;
    const d = diffStates(r.native, r.wasl);
    if (d.length) bad.push(`${cases[i].asm}\n    ${d.join("\n    ")}`);
  });
  // The oracle must have seen each outcome: misaligned operands #GP, page-crossing ones fault.
  assert.ok(exits.GP > 50, `misaligned operands did not raise #GP on the host: ${JSON.stringify(exits)}`);
  assert.ok(exits.PAGE_FAULT >= 30, `page-crossing operands did not fault on the host: ${JSON.stringify(exits)}`);
  assert.is(bad.length, 0, `${bad.length}/${cases.length} cases differ:\n${bad.slice(0, 25).join("\n")}`);
});

test.run();
