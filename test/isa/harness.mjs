// The ISA oracle: runs the same assembly snippet on the host CPU and in the wasl core, from the
// same initial state, and returns both final states for comparison.
//
//   const { native, wasl } = await runBoth("add rax, rcx", { regs: { rax: 5n, rcx: -1n } });
//   assert.equal(diffStates(native, wasl), []);
//
// Snippets are Intel syntax (GNU as). Use numeric local labels (1: … jnz 1b), since many
// snippets share one assembly file. DATA_ADDR (also the assembler symbol DATA) is a 4 KiB data
// area, filled from `mem` before each case; rsp starts at STACK_TOP in a 64 KiB stack.
// Calls made in the same tick (e.g. Promise.all over runBoth, or runMany) share one binary.
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, readFileSync, existsSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  driverAsm, LINKER_SCRIPT, REG_NAMES, DATA_ADDR, DATA_SIZE, STACK_TOP, STACK_WIN, DUMP_ADDR, SNIP_ADDR,
  IN_TARGET, IN_REGS, IN_RFLAGS, IN_FS_BASE, IN_GS_BASE, IN_FX, IN_MEM, IN_SIZE,
  OUT_STATUS, OUT_REGS, OUT_RFLAGS, OUT_RIP, OUT_ADDR, OUT_CODE, OUT_FX, OUT_STACK, OUT_MEM, OUT_SIZE,
} from "./lib/driver.mjs";
import { guestMachine, runCase, bareMachine } from "./lib/wasl.mjs";

export { bareMachine };

export { DATA_ADDR, DATA_SIZE, STACK_TOP, REG_NAMES, SNIP_ADDR };
export const FLAGS_OSZAPC = 0x8d5n;
export const FLAG_BITS = { C: 0x1n, P: 0x4n, A: 0x10n, Z: 0x40n, S: 0x80n, D: 0x400n, O: 0x800n };
/** The RFLAGS bits an input may set (arithmetic flags and DF). */
const INPUT_FLAGS = 0xcd5n;
const MAX_BATCH = 400;

/** The fixed pseudo-random value a register gets when the caller does not set it. */
export function defaultReg(name) {
  const i = BigInt(REG_NAMES.indexOf(name) + 1);
  let z = BigInt.asUintN(64, i * 0x9e3779b97f4a7c15n);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/** XMM value as 16 bytes: Uint8Array, [lo, hi] bigints, or one 128-bit bigint. */
export function xmmBytes(v) {
  if (v instanceof Uint8Array) { const b = new Uint8Array(16); b.set(v.subarray(0, 16)); return b; }
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  const [lo, hi] = Array.isArray(v) ? v : [v, v >> 64n];
  dv.setBigUint64(0, BigInt.asUintN(64, BigInt(lo)), true);
  dv.setBigUint64(8, BigInt.asUintN(64, BigInt(hi ?? 0n)), true);
  return b;
}

function normaliseInput(opts = {}) {
  const { regs = {}, xmm = {}, flags = 0n, mem = null, mxcsr = 0x1f80, fpucw = 0x37f, fsBase = 0n, gsBase = 0n } = opts;
  for (const k of Object.keys(regs)) if (!REG_NAMES.includes(k)) throw new Error(`runBoth: unknown register ${k}`);
  const r = REG_NAMES.map((n) => BigInt.asUintN(64, BigInt(regs[n] ?? (n === "rsp" ? BigInt(STACK_TOP) : defaultReg(n)))));
  const x = [];
  for (let i = 0; i < 16; i++) x.push(xmmBytes(xmm[`xmm${i}`] ?? [defaultReg(REG_NAMES[i]) ^ 0x5555n, defaultReg(REG_NAMES[15 - i])]));
  const m = new Uint8Array(DATA_SIZE);
  if (mem) { if (mem.length > DATA_SIZE) throw new Error("runBoth: mem is over 4096 bytes"); m.set(mem); }
  return { regs: r, rflags: (BigInt(flags) & INPUT_FLAGS) | 0x202n, xmm: x, mxcsr: Number(mxcsr), fpucw: Number(fpucw), mem: m,
    fsBase: BigInt.asUintN(64, BigInt(fsBase)), gsBase: BigInt.asUintN(64, BigInt(gsBase)) };
}

function encodeInput(inp, target) {
  const b = new Uint8Array(IN_SIZE), dv = new DataView(b.buffer);
  dv.setBigUint64(IN_TARGET, BigInt(target), true);
  inp.regs.forEach((v, i) => dv.setBigUint64(IN_REGS + i * 8, v, true));
  dv.setBigUint64(IN_RFLAGS, inp.rflags, true);
  dv.setBigUint64(IN_FS_BASE, inp.fsBase, true);
  dv.setBigUint64(IN_GS_BASE, inp.gsBase, true);
  // FXSAVE image: FCW, FSW 0, all x87 registers empty, MXCSR, MXCSR_MASK, XMM0-15.
  dv.setUint16(IN_FX + 0, inp.fpucw, true);
  dv.setUint32(IN_FX + 24, inp.mxcsr, true);
  dv.setUint32(IN_FX + 28, 0xffff, true);
  inp.xmm.forEach((x, i) => b.set(x, IN_FX + 160 + i * 16));
  b.set(inp.mem, IN_MEM);
  return b;
}

const SIGNAL_EXIT = { 4: "UD", 5: "INT3", 7: "GP", 11: "PAGE_FAULT" };
function decodeOutput(b) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const status = Number(dv.getBigUint64(OUT_STATUS, true));
  const code = Number(dv.getBigInt64(OUT_CODE, true));
  let exit = "ok";
  if (status === 8) exit = code === 1 || code === 2 ? "DE" : "XM"; // FPE_INTDIV/INTOVF vs SIMD/x87
  else if (status === 11 && code === 0x80) exit = "GP"; // SI_KERNEL: #GP, not a page fault
  else if (status) exit = SIGNAL_EXIT[status] || `SIG${status}`;
  const regs = {};
  REG_NAMES.forEach((r, i) => { regs[r] = dv.getBigUint64(OUT_REGS + i * 8, true); });
  const fx = OUT_FX;
  const xmm = [];
  for (let i = 0; i < 16; i++) xmm.push(b.slice(fx + 160 + i * 16, fx + 176 + i * 16));
  const sw = dv.getUint16(fx + 2, true), top = (sw >> 11) & 7;
  const st = [];
  for (let i = 0; i < 8; i++) st.push(b.slice(fx + 32 + i * 16, fx + 42 + i * 16));
  return {
    exit, rip: dv.getBigUint64(OUT_RIP, true), faultAddr: exit === "PAGE_FAULT" ? dv.getBigUint64(OUT_ADDR, true) : 0n,
    regs, rflags: dv.getBigUint64(OUT_RFLAGS, true), xmm, mxcsr: dv.getUint32(fx + 24, true),
    x87: { cw: dv.getUint16(fx, true), sw, tag: b[fx + 4], top, st },
    mem: b.slice(OUT_MEM, OUT_MEM + DATA_SIZE), stack: b.slice(OUT_STACK, OUT_STACK + 2 * STACK_WIN),
  };
}

// ---- building ---------------------------------------------------------------------------------

const cacheDir = join(tmpdir(), `wasl-isa-${process.getuid?.() ?? 0}`);
mkdirSync(cacheDir, { recursive: true });

/** Assembles and links snippets; returns { elf, path, targets } or { errors: Map(index → message) }. */
function build(snippets) {
  let text = driverAsm();
  const lineOf = []; // first line of each snippet
  let line = text.split("\n").length; // 1-based line of the next appended line
  snippets.forEach((s, i) => {
    const body = `.balign 16\nwasl_case_${i}:\n${s}\njmp wasl_isa_dump\n`;
    lineOf.push(line + 2);
    text += body;
    line += body.split("\n").length - 1;
  });
  const hash = createHash("sha256").update(text).update(LINKER_SCRIPT).digest("hex").slice(0, 24);
  const base = join(cacheDir, hash), bin = base + ".elf", syms = base + ".syms";
  if (!existsSync(bin) || !existsSync(syms)) {
    writeFileSync(base + ".s", text);
    writeFileSync(base + ".ld", LINKER_SCRIPT);
    const as = spawnSync("as", ["--64", "-o", base + ".o", base + ".s"], { encoding: "utf8" });
    if (as.status !== 0) {
      const errors = new Map();
      for (const m of as.stderr.matchAll(/\.s:(\d+): Error: (.*)/g)) {
        const ln = Number(m[1]);
        let idx = -1;
        for (let i = 0; i < lineOf.length && lineOf[i] <= ln; i++) idx = i;
        if (idx < 0) throw new Error(`isa harness: driver failed to assemble: ${m[0]}`);
        const prev = errors.get(idx);
        errors.set(idx, (prev ? prev + "; " : "") + m[2]);
      }
      if (!errors.size) throw new Error(`isa harness: as failed: ${as.stderr}`);
      return { errors };
    }
    execFileSync("ld", ["-static", "-nostdlib", "--no-warn-rwx-segments", "-T", base + ".ld", "-o", base + ".tmp", base + ".o"], { stdio: "pipe" });
    const nm = execFileSync("nm", [base + ".tmp"], { encoding: "utf8" });
    const targets = {};
    for (const m of nm.matchAll(/^([0-9a-f]+) \w (wasl_case_\d+|wasl_isa_dump)$/gm)) targets[m[2]] = parseInt(m[1], 16);
    if (targets.wasl_isa_dump !== DUMP_ADDR) throw new Error("isa harness: dump is not at DUMP_ADDR");
    writeFileSync(syms, JSON.stringify(targets));
    renameSync(base + ".tmp", bin);
  }
  const targets = JSON.parse(readFileSync(syms, "utf8"));
  return { elf: new Uint8Array(readFileSync(bin)), path: bin, targets: snippets.map((_, i) => targets[`wasl_case_${i}`]) };
}

function runNative(path, inputs) {
  const stdin = Buffer.concat(inputs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
  const r = spawnSync(path, [], { input: stdin, maxBuffer: 64 + inputs.length * OUT_SIZE * 2, timeout: 30_000 });
  const out = r.stdout ? new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength) : new Uint8Array(0);
  const states = [];
  for (let i = 0; i < inputs.length; i++) {
    if ((i + 1) * OUT_SIZE <= out.length) states.push(decodeOutput(out.subarray(i * OUT_SIZE, (i + 1) * OUT_SIZE)));
    else states.push({ exit: `NATIVE_ABORTED(status ${r.status}, signal ${r.signal}${r.error ? ", " + r.error.message : ""})` });
  }
  return states;
}

// ---- running --------------------------------------------------------------------------------

/**
 * Runs many cases, each { asm, ...options of runBoth }, sharing binaries. Returns one entry per
 * case: { native, wasl } or { error } (the assembler's message for that snippet).
 */
export async function runMany(cases) {
  const results = new Array(cases.length);
  for (let start = 0; start < cases.length; start += MAX_BATCH) {
    const chunk = cases.slice(start, start + MAX_BATCH).map((c, j) => ({ c, index: start + j }));
    let pending = chunk;
    let built;
    for (;;) {
      built = build(pending.map((p) => p.c.asm));
      if (!built.errors) break;
      const keep = [];
      pending.forEach((p, j) => {
        if (built.errors.has(j)) results[p.index] = { error: `assembler: ${built.errors.get(j)}` };
        else keep.push(p);
      });
      pending = keep;
      if (!pending.length) break;
    }
    if (!pending.length) continue;
    const inputs = pending.map((p) => normaliseInput(p.c));
    const encoded = inputs.map((inp, j) => encodeInput(inp, built.targets[j]));
    const native = runNative(built.path, encoded);
    const ctx = await guestMachine(built.elf);
    pending.forEach((p, j) => {
      let wasl;
      try {
        wasl = runCase(ctx, { ...inputs[j], target: built.targets[j] }, p.c.budget);
      } catch (e) {
        wasl = { exit: `HARNESS_ERROR(${e.message})` };
      }
      results[p.index] = { native: native[j], wasl, input: inputs[j], start: built.targets[j] };
    });
  }
  return results;
}

let queue = [];
let scheduled = false;
function flush() {
  scheduled = false;
  const q = queue;
  queue = [];
  runMany(q.map((e) => e.c)).then((res) => res.forEach((r, i) => {
    if (r.error) q[i].reject(new Error(`${r.error}\n  in: ${q[i].c.asm}`));
    else q[i].resolve({ native: r.native, wasl: r.wasl, start: r.start });
  }), (e) => q.forEach((x) => x.reject(e)));
}

/**
 * Runs asmText on the host CPU and in wasl from the same state. Resolves to { native, wasl,
 * start } (start = the snippet's address; a fault's rip is absolute). Options: regs ({ rax: 5n }, the
 * rest get fixed pseudo-random values, rsp = STACK_TOP), xmm ({ xmm0: [lo, hi] | Uint8Array }),
 * flags (initial CF PF AF ZF SF OF DF), mem (Uint8Array ≤ 4096 bytes at DATA_ADDR), mxcsr,
 * fpucw, fsBase, gsBase (segment bases, default 0), budget (wasl instruction limit). Rejects when the snippet does not assemble.
 */
export function runBoth(asmText, opts = {}) {
  return new Promise((resolve, reject) => {
    queue.push({ c: { ...opts, asm: asmText }, resolve, reject });
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  });
}

// ---- comparing ------------------------------------------------------------------------------

/**
 * Runs machines a (JIT) and b (interpreter) slice by slice with each budget in turn and asserts
 * they stop alike: exit reason, instruction count, rip, rax, rcx and the defined flags.
 */
export function assertSameStops(a, b, budgets) {
  for (const budget of budgets) {
    const ra = a.run(budget), rb = b.run(budget);
    assert.equal(ra, rb, `exit reason at budget ${budget}`);
    assert.equal(a.icount, b.icount, `instruction count at budget ${budget}`);
    assert.equal(a.rip, b.rip, `rip at budget ${budget}`);
    assert.equal(a.reg(0), b.reg(0), `rax at budget ${budget}`);
    assert.equal(a.reg(1), b.reg(1), `rcx at budget ${budget}`);
    assert.equal(a.flags & FLAGS_OSZAPC, b.flags & FLAGS_OSZAPC, `flags at budget ${budget}`);
  }
}

export const hex = (v, w = 16) => "0x" + BigInt.asUintN(64, BigInt(v)).toString(16).padStart(w, "0");
const bytesHex = (b) => Array.from(b).reverse().map((x) => x.toString(16).padStart(2, "0")).join("");
const FLAG_NAMES = [["C", 0x1n], ["P", 0x4n], ["A", 0x10n], ["Z", 0x40n], ["S", 0x80n], ["D", 0x400n], ["O", 0x800n]];
export function flagString(f) { return FLAG_NAMES.map(([n, b]) => (f & b ? n : n.toLowerCase())).join(""); }

function byteRanges(a, b, base, name) {
  const out = [];
  for (let i = 0; i < a.length && out.length < 4; i++) {
    if (a[i] === b[i]) continue;
    let j = i;
    while (j < a.length && j < i + 16 && a[j] !== b[j]) j++;
    const h = (x) => Array.from(x.subarray(i, j)).map((v) => v.toString(16).padStart(2, "0")).join(" ");
    out.push(`${name}[${hex(base + i, 0)}..+${j - i}]: native ${h(a)}, wasl ${h(b)}`);
    i = j;
  }
  return out;
}

/**
 * Human-readable differences between two States (empty when they agree). Options: flagsMask
 * (RFLAGS bits compared; default OSZAPC and DF), ignoreRegs (names, or "xmm3"), mxcsrMask
 * (default all), compareMem, compareX87 (default true).
 */
export function diffStates(a, b, { flagsMask = 0xcd5n, ignoreRegs = [], mxcsrMask = 0xffff, compareMem = true, compareX87 = true } = {}) {
  const d = [];
  if (a.exit !== b.exit) {
    const where = (s) => s.exit === "ok" ? "ok" : `${s.exit}${s.rip !== undefined ? " at rip " + hex(s.rip, 0) : ""}${s.faultAddr ? " addr " + hex(s.faultAddr, 0) : ""}`;
    d.push(`exit: native ${where(a)}, wasl ${where(b)}`);
    return d;
  }
  if (!a.regs) return d; // both harness-level failures with the same text
  if (a.exit !== "ok") {
    if (a.rip !== b.rip) d.push(`fault rip: native ${hex(a.rip, 0)}, wasl ${hex(b.rip, 0)}`);
    if (a.exit === "PAGE_FAULT" && a.faultAddr !== b.faultAddr) d.push(`fault address: native ${hex(a.faultAddr, 0)}, wasl ${hex(b.faultAddr, 0)}`);
  }
  for (const r of REG_NAMES) {
    if (ignoreRegs.includes(r)) continue;
    if (a.regs[r] !== b.regs[r]) d.push(`${r}: native ${hex(a.regs[r])}, wasl ${hex(b.regs[r])}`);
  }
  const fm = BigInt(flagsMask);
  if ((a.rflags & fm) !== (b.rflags & fm)) {
    const diff = (a.rflags ^ b.rflags) & fm;
    d.push(`rflags: native ${flagString(a.rflags & fm)}, wasl ${flagString(b.rflags & fm)} (differ: ${FLAG_NAMES.filter(([, bit]) => diff & bit).map(([n]) => n).join("")})`);
  }
  for (let i = 0; i < 16; i++) {
    if (ignoreRegs.includes(`xmm${i}`)) continue;
    if (a.xmm[i].some((v, k) => v !== b.xmm[i][k])) d.push(`xmm${i}: native ${bytesHex(a.xmm[i])}, wasl ${bytesHex(b.xmm[i])}`);
  }
  if ((a.mxcsr & mxcsrMask) !== (b.mxcsr & mxcsrMask)) d.push(`mxcsr: native ${hex(a.mxcsr, 4)}, wasl ${hex(b.mxcsr, 4)}`);
  if (compareMem) {
    d.push(...byteRanges(a.mem, b.mem, DATA_ADDR, "mem"));
    d.push(...byteRanges(a.stack, b.stack, STACK_TOP - STACK_WIN, "stack"));
  }
  if (compareX87) {
    const x = a.x87, y = b.x87;
    if (x.cw !== y.cw) d.push(`fpu cw: native ${hex(x.cw, 4)}, wasl ${hex(y.cw, 4)}`);
    // Status word: C0-C3, TOP and the exception bits; ES/B follow from them.
    if ((x.sw & 0x7fff) !== (y.sw & 0x7fff)) d.push(`fpu sw: native ${hex(x.sw, 4)}, wasl ${hex(y.sw, 4)}`);
    if (x.tag !== y.tag) d.push(`fpu tag (valid physical regs): native ${hex(x.tag, 2)}, wasl ${hex(y.tag, 2)}`);
    for (let i = 0; i < 8; i++) {
      const phys = (x.top + i) & 7;
      if (!(x.tag & (1 << phys))) continue;
      if (x.st[i].some((v, k) => v !== y.st[i][k])) d.push(`st${i}: native ${bytesHex(x.st[i])}, wasl ${bytesHex(y.st[i])}`);
    }
  }
  return d;
}

/** A one-line summary of an input state for reports (registers named in `regs` only). */
export function describeInput(opts = {}) {
  const parts = [];
  for (const [k, v] of Object.entries(opts.regs || {})) parts.push(`${k}=${hex(v, 0)}`);
  for (const [k, v] of Object.entries(opts.xmm || {})) parts.push(`${k}=${bytesHex(xmmBytes(v))}`);
  if (opts.flags !== undefined) parts.push(`flags=${flagString(BigInt(opts.flags))}`);
  if (opts.mem) parts.push(`mem[0..16]=${Array.from(opts.mem.subarray(0, 16)).map((v) => v.toString(16).padStart(2, "0")).join(" ")}`);
  return parts.join(" ");
}
