// Test cases generated from the opcode table (asm/isa/*.tbl). Each row is instantiated as raw
// bytes built from its own encoding (prefix, REX, map, opcode, ModRM/SIB, displacement,
// immediate), so every row is exercised exactly as the table states it, independently of which
// encoding an assembler would pick for a mnemonic. A readable Intel-syntax rendering goes along
// for reports. Operand values come from a PRNG seeded by the row, plus edge values.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseIsa } from "../../scripts/spec.mjs";
import { DATA_ADDR, DATA_SIZE, STACK_TOP, REG_NAMES } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Rows of every table file, grouped by family (file name without .tbl). */
export function loadTables() {
  const dir = join(root, "asm/isa");
  const out = new Map();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".tbl")).sort())
    out.set(basename(f, ".tbl"), parseIsa(readFileSync(join(dir, f), "utf8"), f));
  return out;
}

// ---- PRNG -----------------------------------------------------------------------------------

export function rng(seedText) {
  let h = 0x811c9dc5;
  for (const ch of seedText) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  let s = BigInt(h) | 1n;
  const next = () => { // splitmix64
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  const r = {
    u64: next,
    int: (n) => Number(next() % BigInt(n)),
    chance: (p) => Number(next() & 0xffffn) / 65536 < p,
    pick: (a) => a[Number(next() % BigInt(a.length))],
    bytes: (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i += 8) { let v = next(); for (let k = 0; k < 8 && i + k < n; k++) { b[i + k] = Number(v & 0xffn); v >>= 8n; } } return b; },
  };
  return r;
}

// ---- operand values -------------------------------------------------------------------------

function edgeValues(bits) {
  const n = BigInt(bits), all = (1n << n) - 1n, min = 1n << (n - 1n);
  return [0n, 1n, all, min, min - 1n, 2n, all - 1n, min + 1n, 0x80n & all, 0x7fn, 0xffn & all, 0x55n * (all / 0xffn)];
}
function intValue(r, bits) {
  if (r.chance(0.4)) return r.pick(edgeValues(bits));
  return BigInt.asUintN(bits, r.u64() >> BigInt(r.chance(0.3) ? r.int(bits) : 0));
}
const F32_EDGES = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
  0x7f800001, 0x7fa00000, 0x00000001, 0x807fffff, 0x7f7fffff, 0x00800000, 0x4f000000, 0xcf000000, 0x5f000000, 0xdf000000,
  0x3f000000, 0x40200000, 0xbfc00000, 0x4effffff, 0x4b400001];
const F64_EDGES = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3ff8000000000000n, 0x7ff0000000000000n,
  0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0x7ff4000000000000n, 1n,
  0x800fffffffffffffn, 0x7fefffffffffffffn, 0x0010000000000000n, 0x41e0000000000000n, 0xc1e0000000000000n,
  0x43e0000000000000n, 0xc3e0000000000000n, 0x3fe0000000000000n, 0x4004000000000000n, 0x41dfffffffc00000n,
  0x4330000000000001n, 0x3e7ad7f29abcaf48n];
function f32Lane(r) {
  if (r.chance(0.4)) return r.pick(F32_EDGES);
  const e = 127 - 30 + r.int(60);
  return ((r.chance(0.5) ? 0x80000000 : 0) | (e << 23) | (Number(r.u64() & 0x7fffffn))) >>> 0;
}
function f64Lane(r) {
  if (r.chance(0.4)) return r.pick(F64_EDGES);
  const e = BigInt(1023 - 60 + r.int(120));
  return (r.chance(0.5) ? 1n << 63n : 0n) | (e << 52n) | (r.u64() & 0xfffffffffffffn);
}
/** 16 bytes shaped for the element type: ps/ss float lanes, pd/sd double lanes, else integers. */
function vecValue(r, kind) {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  if (kind === "ps" || kind === "ss") for (let i = 0; i < 4; i++) dv.setUint32(i * 4, f32Lane(r), true);
  else if (kind === "pd" || kind === "sd") for (let i = 0; i < 2; i++) dv.setBigUint64(i * 8, f64Lane(r), true);
  else {
    b.set(r.bytes(16));
    if (r.chance(0.3)) for (let i = 0; i < 16; i++) if (r.chance(0.3)) b[i] = r.pick([0, 0xff, 0x80, 0x7f, 1]);
  }
  return b;
}

// ---- operand kinds --------------------------------------------------------------------------

const R64 = REG_NAMES;
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", ...[8, 9, 10, 11, 12, 13, 14, 15].map((i) => `r${i}d`)];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", ...[8, 9, 10, 11, 12, 13, 14, 15].map((i) => `r${i}w`)];
const R8REX = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", ...[8, 9, 10, 11, 12, 13, 14, 15].map((i) => `r${i}b`)];
const R8LEGACY = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const PTR = { 1: "byte", 2: "word", 4: "dword", 8: "qword", 10: "tbyte", 16: "xmmword" };

/**
 * Classifies an operand token: role (reg = ModRM.reg, rm = ModRM.rm, op = opcode low bits,
 * imm, fixed, rel, str), kind (gpr, xmm, mem) and size in bytes ("v" = operand size,
 * "y" = 4 or 8 by REX.W). Returns null for operands this generator cannot instantiate.
 */
function classify(tok) {
  const gsize = { b: 1, w: 2, d: 4, q: 8, v: "v", y: "y", z: "v" };
  let m;
  if ((m = tok.match(/^([EG])([bwdqvy])$/))) return { role: m[1] === "G" ? "reg" : "rm", kind: "gpr", mem: m[1] === "E", size: gsize[m[2]] };
  if ((m = tok.match(/^R([wdqvy])\/M([bwdq])$/))) return { role: "rm", kind: "gpr", mem: true, size: gsize[m[1]], memSize: gsize[m[2]] };
  if ((m = tok.match(/^R([wdqvy])$/))) return { role: "rm", kind: "gpr", mem: false, size: gsize[m[1]] };
  if ((m = tok.match(/^Z([bv])$/))) return { role: "op", kind: "gpr", size: gsize[m[1]] };
  if ((m = tok.match(/^([VWU])(x|ps|pd|ss|sd|q|dq|y|d)$/))) {
    const sz = { x: 16, ps: 16, pd: 16, dq: 16, ss: 4, sd: 8, q: 8, d: 4, y: "y" }[m[2]];
    return { role: m[1] === "V" ? "reg" : "rm", kind: "xmm", mem: m[1] === "W", vec: m[2], size: sz };
  }
  if ((m = tok.match(/^M(b|w|d|q|x|ps|pd|dq|y)?$/))) {
    const sz = { b: 1, w: 2, d: 4, q: 8, x: 16, ps: 16, pd: 16, dq: 16, y: "y", undefined: 8 }[m[1]];
    return { role: "rm", kind: "mem", mem: true, memOnly: true, size: sz, vec: ["x", "ps", "pd", "dq"].includes(m[1]) ? m[1] : null };
  }
  if ((m = tok.match(/^I([bwzv])$/))) return { role: "imm", imm: m[1] };
  if ((m = tok.match(/^J([bz])$/))) return { role: "rel" };
  if ((m = tok.match(/^O([bv])$/))) return { role: "moffs", size: gsize[m[1]] };
  if ((m = tok.match(/^([XY])([bv])$/))) return { role: "str", size: gsize[m[2]] };
  const fixed = { AL: [0, 1], CL: [1, 1], AX: [0, 2], eAX: [0, "v"], rAX: [0, "v"] }[tok];
  if (fixed) return { role: "fixed", reg: fixed[0], size: fixed[1] };
  if (tok === "1") return { role: "one" };
  if (tok === "Sw") return { role: "sreg" };
  return null;
}

// Rows that cannot be compared with the host: environment-dependent results, control transfer
// out of the snippet, or traps.
const SKIP_MNEMONICS = new Set(["syscall", "int", "int3", "int1", "into", "ud2", "ud0", "ud1", "hlt", "cpuid", "rdtsc", "rdtscp",
  "rdrand", "rdseed", "rdpid", "xgetbv", "ret", "iretq", "iret", "sysenter", "sysexit", "sysret", "rdpmc", "rdmsr", "wrmsr",
  "in", "out", "ins", "outs", "insb", "outsb", "cli", "sti", "lock", "xsave", "xrstor", "xsaveopt", "xsavec", "fxsave", "fxrstor",
  "wrfsbase", "wrgsbase", "rdfsbase", "rdgsbase", "swapgs", "retf", "lret", "callf", "jmpf"]);
const SHIFTS = new Set(["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar", "shld", "shrd"]);
const FP_VEC = new Set(["ps", "pd", "ss", "sd"]);
const COND_JUMP = /^(j[a-z]+|loop|loope|loopne|loopz|loopnz|jrcxz|jecxz|call)$/;

/** Why a row cannot be generated, or null. */
export function skipReason(row) {
  if (SKIP_MNEMONICS.has(row.mnemonic)) return "environment/trap instruction";
  const toks = row.operands ? row.operands.split(",") : [];
  for (const t of toks) if (!classify(t)) return `operand ${t}`;
  const kinds = toks.map(classify);
  if (kinds.some((k) => k.role === "rel") && !COND_JUMP.test(row.mnemonic)) return "unsupported branch";
  if (row.mnemonic === "call" && !kinds.some((k) => k.role === "rel")) return "indirect call";
  if (row.mnemonic === "jmp" && !kinds.some((k) => k.role === "rel")) return "indirect jump";
  if (/^f/.test(row.mnemonic) && row.map === 0 && row.opcode >= 0xd8 && row.opcode <= 0xdf) return "x87";
  return null;
}

/** The operand sizes (bytes) to generate for a row: [{ size, p66, rexW }]. */
function sizeVariants(row, kinds) {
  const hasV = kinds.some((k) => k.size === "v") || (kinds.length && kinds.some((k) => k.role === "str")) || kinds.some((k) => k.role === "imm" && (k.imm === "z" || k.imm === "v"));
  const hasY = kinds.some((k) => k.size === "y");
  switch (row.size) {
    case "b": return [{ size: 1 }];
    case "w": return [{ size: 2 }];
    case "d": return hasY ? [{ size: 4 }, { size: 8, rexW: true }] : [{ size: 4 }];
    case "q": return [{ size: 8 }];
    case "f64": return [{ size: 8 }];
    case "d64": return [{ size: 8 }, { size: 2, p66: true }];
  }
  // "v"
  if (row.pfx === "66") return hasY ? [{ size: 4 }, { size: 8, rexW: true }] : [{ size: 4 }];
  if (hasV || (!kinds.length && !row.pfx)) return [{ size: 4 }, { size: 2, p66: true }, { size: 8, rexW: true }];
  if (hasY) return [{ size: 4 }, { size: 8, rexW: true }];
  return [{ size: 4 }];
}

const hx = (v) => "0x" + BigInt.asUintN(64, BigInt(v)).toString(16);
function putLE(buf, off, v, n) { for (let i = 0; i < n; i++) buf[off + i] = Number((BigInt(v) >> BigInt(8 * i)) & 0xffn); }

/**
 * One concrete instance of a row: returns { asm, text, bytes, regs, xmm, flags, mem, mxcsr, flagsMask }
 * or null when the drawn combination is not valid (the caller draws again).
 */
function instantiate(row, kinds, variant, r, caseNo) {
  const size = variant.size;
  const regs = {}, xmm = {};
  const mem = r.bytes(DATA_SIZE);
  const used = new Set(); // GPR numbers whose values are set by this case
  const opTexts = [];
  let rexW = !!variant.rexW, rexR = 0, rexX = 0, rexB = 0, needRex = false, forbidRex = false;
  let modrm = null, sib = null, disp = null, dispKind = null, imm = [], opcodeAdd = 0, relBytes = null;
  const prefixes = [];
  const mnem = row.mnemonic;
  const width = size * 8;
  const opSize = (k) => k.size === "v" ? size : k.size === "y" ? (rexW ? 8 : 4) : k.size;
  const isShift = SHIFTS.has(mnem);

  // The ModRM.reg operand (G/V), or the row's fixed /digit.
  const regOp = kinds.find((k) => k.role === "reg");
  const rmOp = kinds.find((k) => k.role === "rm");
  const useMem = rmOp ? (rmOp.memOnly || row.mod === "mem" ? true : row.mod === "reg" || !rmOp.mem ? false : r.chance(0.4)) : false;
  let memOff = 0, memSize = 0, memAddrText = "";

  const byteRegsNeedRex = new Set(), byteLegacyHigh = [];
  // Registers chosen below; byte registers 4-7 are AH..BH without REX and SPL..DIL with it.
  const wantRexForBytes = r.chance(0.5);
  const pickGpr = (sz, avoid) => {
    for (;;) {
      const n = r.int(16);
      if (avoid.has(n)) continue;
      if (n === 4 && sz !== 1) continue; // rsp only as spl/ah
      return n;
    }
  };
  const avoid = new Set();
  if (mnem === "bswap" && size === 2) return null; // undefined result
  if (row.mnemonic === "enter" || row.mnemonic === "leave") avoid.add(5);

  // Memory operand addressing.
  let memForm = null;
  if (useMem) {
    memSize = rmOp.memSize || (rmOp.kind === "xmm" ? (typeof rmOp.size === "number" ? rmOp.size : (rexW ? 8 : 4)) : opSize(rmOp)) || 8;
    const aligned = rmOp.kind === "xmm" || rmOp.vec || memSize >= 16;
    memOff = aligned ? 16 * r.int((DATA_SIZE - 32) / 16) : r.int(DATA_SIZE - 32);
    if (["movs", "movsb", "cmps", "cmpsb", "stos", "stosb", "lods", "lodsb", "scas", "scasb"].includes(mnem)) memOff = 0;
    const form = r.int(4);
    const target = BigInt(DATA_ADDR + memOff);
    if (form === 0) { // [disp32] through SIB without base or index
      modrm = 0x04; sib = 0x25; disp = target; dispKind = 4; memAddrText = `[${hx(target)}]`;
    } else if (form === 1) { // RIP-relative
      modrm = 0x05; dispKind = "rip"; disp = target; memAddrText = `[rip+${hx(target)}]`;
    } else { // [base + disp8] or [base + index*scale + disp8]
      const bases = [3, 5, 12, 13, 14, 15, 8, 9, 10, 11].filter((b) => !avoid.has(b));
      const base = r.pick(bases);
      avoid.add(base); used.add(base);
      const d8 = BigInt(r.int(256) - 128);
      if (form === 2) {
        modrm = 0x40 | (base & 7);
        if ((base & 7) === 4) sib = 0x24;
        regs[R64[base]] = target - d8;
        memAddrText = `[${R64[base]}${d8 < 0 ? "-" : "+"}${hx(d8 < 0 ? -d8 : d8)}]`;
      } else {
        const idxs = [3, 5, 12, 13, 14, 15, 8, 9, 10, 11].filter((b) => !avoid.has(b) && b !== 4);
        const idx = r.pick(idxs);
        avoid.add(idx); used.add(idx);
        const scale = r.int(4), iv = BigInt(r.int(64)) - 32n;
        modrm = 0x44; sib = (scale << 6) | ((idx & 7) << 3) | (base & 7);
        if (idx >= 8) rexX = 1;
        regs[R64[idx]] = iv;
        regs[R64[base]] = target - d8 - (iv << BigInt(scale));
        memAddrText = `[${R64[base]}+${R64[idx]}*${1 << scale}${d8 < 0 ? "-" : "+"}${hx(d8 < 0 ? -d8 : d8)}]`;
      }
      if (base >= 8) rexB = 1;
      disp = d8; dispKind = 1;
    }
    memForm = form;
  }

  // Decide registers and values operand by operand.
  for (const k of kinds) {
    const sz = k.kind === "gpr" || k.role === "fixed" ? opSize(k) : k.size;
    if (k.role === "reg" || (k.role === "rm" && !useMem) || k.role === "op") {
      let n, name;
      if (k.kind === "xmm" || (k.kind === "mem")) {
        n = r.int(16);
        name = `xmm${n}`;
        xmm[name] = vecValue(r, k.vec);
      } else {
        n = pickGpr(sz, avoid);
        if (k.role === "rm" && !useMem) avoid.add(n);
        if (sz === 1 && n >= 4 && n < 8) { if (wantRexForBytes) byteRegsNeedRex.add(n); else byteLegacyHigh.push(n); }
        if (sz === 1 && n >= 8) byteRegsNeedRex.add(n);
        name = null; // named after REX is known
        const v = intValue(r, sz * 8);
        setGprPart(regs, n, sz, v, wantRexForBytes, used, r, mnem);
      }
      if (k.role === "reg") { modrm = (modrm ?? 0xc0) | ((n & 7) << 3); if (n >= 8) rexR = 1; }
      else if (k.role === "rm") { modrm = 0xc0 | (modrm ?? 0) | (n & 7); if (n >= 8) rexB = 1; }
      else { opcodeAdd = n & 7; if (n >= 8) rexB = 1; }
      k._n = n;
      opTexts.push({ k, n, sz });
    } else if (k.role === "rm" && useMem) {
      const ms = memSize;
      if (k.kind === "xmm" || k.vec) mem.set(vecValue(r, k.vec).subarray(0, ms), memOff);
      else if (ms <= 8) putLE(mem, memOff, intValue(r, ms * 8), ms);
      opTexts.push({ k, mem: true, sz: ms });
    } else if (k.role === "imm") {
      const n = k.imm === "b" ? 1 : k.imm === "w" ? 2 : k.imm === "z" ? (size === 2 ? 2 : 4) : size;
      let v;
      if (isShift || ["bt", "bts", "btr", "btc"].includes(mnem)) v = BigInt(r.pick(countPool(width)));
      else if (mnem === "enter") v = k === kinds[0] ? BigInt(r.int(64)) : BigInt(r.int(4));
      else v = intValue(r, n * 8);
      imm.push([v, n]);
      opTexts.push({ k, imm: BigInt.asIntN(n * 8, v) });
    } else if (k.role === "fixed") {
      const v = isShift && k.reg === 1 ? BigInt(r.pick(countPool(width))) : intValue(r, sz * 8);
      setGprPart(regs, k.reg, sz, v, false, used, r, mnem);
      opTexts.push({ k, n: k.reg, sz, fixed: true });
    } else if (k.role === "one") {
      opTexts.push({ k, imm: 1n });
    } else if (k.role === "sreg") {
      // ES CS SS DS FS GS (6 and 7 are #UD).
      const n = r.int(6);
      modrm = (modrm ?? 0xc0) | (n << 3);
      opTexts.push({ k, sreg: n });
    } else if (k.role === "moffs") {
      imm.push([BigInt(DATA_ADDR + (memOff = r.int(DATA_SIZE - 16))), 8]);
      opTexts.push({ k, moffs: true, sz: opSize(k) });
    } else if (k.role === "str") {
      opTexts.push({ k, str: true });
    } else if (k.role === "rel") {
      relBytes = true;
    }
  }
  // The fixed /digit.
  if (row.reg !== null) modrm = (modrm ?? (useMem ? 0 : 0xc0)) | (row.reg << 3);
  if (row.modrm && modrm === null) modrm = 0xc0;
  if (row.modrm && rmOp === undefined && row.mod !== "mem") modrm |= 0xc0; // /digit:reg rows without an rm operand

  // REX.
  needRex = rexW || rexR || rexX || rexB || byteRegsNeedRex.size > 0;
  if (byteLegacyHigh.length && needRex) return null; // AH..BH cannot be encoded with REX: draw again
  if (!needRex && byteLegacyHigh.length === 0 && kinds.some((k) => k.size === 1 || k.role === "op") && r.chance(0.15)) needRex = true; // a bare REX
  const rex = needRex ? 0x40 | (rexW ? 8 : 0) | (rexR ? 4 : 0) | (rexX ? 2 : 0) | (rexB ? 1 : 0) : null;

  // Per-instruction state hints: make the interesting paths reachable.
  const flags = r.u64() & 0x8d5n | (r.chance(0.15) ? 0x400n : 0n);
  if (mnem === "div" || mnem === "idiv") {
    const rdxV = r.chance(0.7) ? (mnem === "idiv" && r.chance(0.5) ? -1n : 0n) : r.u64() & 0xffn;
    if (size === 1) regs.rax = BigInt.asUintN(64, ((regs.rax ?? r.u64()) & ~0xff00n) | ((rdxV & 0xffn) << 8n));
    else if (!used.has(2) || !(opTexts.some((o) => o.n === 2))) regs.rdx = rdxV;
  }
  if (["bt", "bts", "btr", "btc"].includes(mnem) && useMem) {
    const g = opTexts.find((o) => o.k.role === "reg");
    if (g) regs[R64[g.n]] = BigInt(r.int(512) - 256); // keep the bit offset inside the data area
  }
  if (["push", "pop", "pushf", "popf", "enter", "leave", "call"].includes(mnem)) regs.rbp = BigInt(STACK_TOP + 64);
  if (mnem === "popf") return null;
  if (mnem === "maskmovdqu") regs.rdi = BigInt(DATA_ADDR + 16 * r.int(200));
  if (mnem === "ldmxcsr" && r.chance(0.9)) putLE(mem, memOff, r.u64() & 0xffc0n | 0x1f80n & r.u64() | (r.u64() & 0x3fn), 4);
  if ((mnem === "cmpxchg" || mnem === "cmpxchg8b" || mnem === "cmpxchg16b") && r.chance(0.5)) {
    // make the comparison succeed: accumulator = destination
    const dst = opTexts[0];
    const cur = dst.mem ? [...mem.subarray(memOff, memOff + 16)].reduceRight((a, b) => (a << 8n) | BigInt(b), 0n)
      : dst.n === undefined ? 0n : (regs[R64[dst.n]] ?? 0n);
    if (mnem === "cmpxchg") regs.rax = cur;
    else { regs.rax = cur & 0xffffffffn; regs.rdx = (cur >> 32n) & 0xffffffffn; }
  } // the popped image would hold TF/AC; covered by hand-written tests
  let strCount = null;
  if (kinds.some((k) => k.role === "str")) {
    regs.rsi = BigInt(DATA_ADDR + 1024 + r.int(64) * 8);
    regs.rdi = BigInt(DATA_ADDR + 2048 + r.int(64) * 8);
    strCount = BigInt(r.pick([0, 1, 2, 3, 7, 16, 33, 64]));
    regs.rcx = strCount;
    const rep = r.pick([null, "F3", "F2"]);
    if (rep) prefixes.push(parseInt(rep, 16));
    if (mnem === "cmpsb" || mnem === "cmps" || mnem === "scasb" || mnem === "scas") {
      // make runs of equal bytes so REPE/REPNE stop at interesting places
      const fillByte = r.int(256);
      for (let i = 1024; i < 3072 + 1024 && i < DATA_SIZE; i++) if (r.chance(0.8)) mem[i] = fillByte;
      regs.rax = BigInt(fillByte) * 0x0101010101010101n;
    }
  }
  let mxcsr = 0x1f80;
  if (kinds.some((k) => FP_VEC.has(k.vec)) || /^cvt/.test(mnem)) {
    if (r.chance(0.3)) mxcsr |= r.int(4) << 13;
    if (r.chance(0.1)) mxcsr |= 0x8040;
  }

  // Bytes.
  const bytes = [];
  if (variant.p66) bytes.push(0x66);
  bytes.push(...prefixes);
  if (row.pfx && row.pfx !== "NP") bytes.push(parseInt(row.pfx, 16));
  if (rex !== null) bytes.push(rex);
  if (row.map >= 1) bytes.push(0x0f);
  if (row.map === 2) bytes.push(0x38);
  if (row.map === 3) bytes.push(0x3a);
  bytes.push(row.opcode + opcodeAdd);
  if (modrm !== null) bytes.push(modrm);
  if (sib !== null) bytes.push(sib);

  const tail = [];
  for (const [v, n] of imm) { const b = new Uint8Array(n); putLE(b, 0, v, n); tail.push(...b); }

  // Conditional branches: jump over an `inc r11` so the final r11 shows whether it was taken.
  let relText = null;
  if (relBytes) {
    if (/^loop|^jrcxz|^jecxz/.test(mnem)) regs.rcx = BigInt(r.pick([0, 1, 2, 3])) | (r.chance(0.2) ? 0x100000000n : 0n);
    if (row.imm === 1) tail.push(3); else tail.push(3, 0, 0, 0);
    relText = "+3";
  }
  const byteList = (a) => a.map((b) => "0x" + b.toString(16).padStart(2, "0")).join(", ");
  const lines = [`.byte ${byteList(bytes)}`];
  if (dispKind === "rip") lines.push(`.long ${hx(disp)} - 9f`); // relative to the end of the instruction (label 9)
  else if (dispKind === 4) lines.push(`.long ${hx(disp)}`);
  else if (dispKind === 1) lines.push(`.byte ${Number(BigInt.asUintN(8, disp))}`);
  if (tail.length) lines.push(`.byte ${byteList(tail)}`);
  lines.push("9:");
  if (relBytes) lines.push(".byte 0x49, 0xff, 0xc3 # inc r11");

  // Readable text.
  const rexOn = rex !== null;
  const regName = (n, sz) => sz === 8 ? R64[n] : sz === 4 ? R32[n] : sz === 2 ? R16[n] : rexOn ? R8REX[n] : R8LEGACY[n];
  const parts = opTexts.map((o) => {
    if (o.imm !== undefined) return o.imm < 0n ? `-0x${(-o.imm).toString(16)}` : `0x${o.imm.toString(16)}`;
    if (o.mem) return `${PTR[o.sz] || ""} ptr ${memAddrText}`;
    if (o.moffs) return `${PTR[o.sz]} ptr [${hx(DATA_ADDR + memOff)}]`;
    if (o.str) return "";
    if (o.sreg !== undefined) return ["es", "cs", "ss", "ds", "fs", "gs"][o.sreg];
    if (o.k.kind === "xmm" || o.k.kind === "mem") return `xmm${o.n}`;
    return regName(o.n, o.sz);
  }).filter(Boolean);
  const pre = [variant.p66 && "data16", prefixes[0] === 0xf3 && "rep", prefixes[0] === 0xf2 && "repne"].filter(Boolean).join(" ");
  const text = `${pre ? pre + " " : ""}${mnem}${sizeSuffix(row, kinds, size)} ${parts.join(", ")}${relText ? relText : ""}`.trim();

  const undef = [...row.undefinedFlags].reduce((m, f) => m | ({ C: 0x1n, P: 0x4n, A: 0x10n, Z: 0x40n, S: 0x80n, O: 0x800n, D: 0x400n }[f] || 0n), 0n);
  let flagsMask = 0xcd5n & ~undef;
  // Shifts and rotates by a count that masks to zero leave flags alone; other counts leave OF
  // undefined when not 1 (the table marks it), so nothing more to do here.
  // Shifts of 16-bit operands by more than 16 and SHLD/SHRD counts above the width are undefined.
  if ((mnem === "shld" || mnem === "shrd") && size === 2) {
    const cnt = imm.length ? Number(imm[0][0] & 31n) : Number((regs.rcx ?? 0n) & 31n);
    if (cnt > 16) return null;
  }
  return { asm: lines.join("\n"), text, bytes: [...bytes], regs, xmm, flags, mem, mxcsr, flagsMask, strCount, caseNo };
}

function sizeSuffix(row, kinds, size) {
  if (kinds.some((k) => k.role === "str") || (!kinds.length && ["cbw", "cwd", "pushf", "popf"].includes(row.mnemonic)))
    return `{${size * 8}}`;
  return "";
}

function countPool(width) {
  return [0, 1, 2, width - 1, width, width + 1, 31, 32, 33, 63, 64, 255, 7, 8, 15, 16, 17];
}

/** Writes value v of sz bytes into GPR n (AH..BH when byte register 4-7 without REX); the rest random. */
function setGprPart(regs, n, sz, v, rexBytes, used, r, mnem) {
  const full = regs[R64[n & 15]] ?? r.u64();
  let out;
  if (sz === 8) out = v;
  else if (sz === 1 && n >= 4 && n < 8 && !rexBytes) {
    const reg = n - 4;
    out = ((regs[R64[reg]] ?? r.u64()) & ~0xff00n) | ((v & 0xffn) << 8n);
    regs[R64[reg]] = BigInt.asUintN(64, out);
    used.add(reg);
    return;
  } else {
    const mask = (1n << BigInt(sz * 8)) - 1n;
    out = (full & ~mask) | (v & mask);
  }
  regs[R64[n]] = BigInt.asUintN(64, out);
  used.add(n);
}

/**
 * The generated cases of one row: `count` per operand-size variant (more for small rows).
 * Returns { cases, skip } where skip is a reason string when the row is not generated.
 */
export function casesForRow(row, count = 12) {
  const reason = skipReason(row);
  if (reason) return { cases: [], skip: reason };
  const toks = row.operands ? row.operands.split(",") : [];
  const kinds = toks.map(classify);
  const cases = [];
  for (const variant of sizeVariants(row, kinds)) {
    const r = rng(`${row.enc}|${row.text}|${variant.size}`);
    let made = 0;
    for (let tries = 0; made < count && tries < count * 20; tries++) {
      const c = instantiate(row, kinds.map((k) => ({ ...k })), variant, r, made);
      if (!c) continue;
      c.row = row;
      c.variant = variant;
      cases.push(c);
      made++;
    }
  }
  if (!cases.length) return { cases: [], skip: "no valid instance" };
  return { cases, skip: null };
}
