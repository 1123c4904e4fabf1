// The wasl side of the ISA oracle: loads the batch binary's guest segments into a fresh machine
// and runs each case from its snippet label to the (unmapped) dump address.
import { existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DUMP_ADDR, SNIP_ADDR, DATA_ADDR, DATA_SIZE, STACK_TOP, STACK_WIN, REG_NAMES } from "./driver.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The built runtime to test: $WASL_DIST (as scripts/build.mjs resolves it, relative to the
 * working directory, or as an absolute path), else dist/.
 */
export function distDir() {
  const env = process.env.WASL_DIST;
  if (!env) return join(root, "dist");
  const candidates = [join(process.cwd(), env), resolve(env), join(root, env)];
  return candidates.find((d) => existsSync(join(d, "wasl.wasm"))) || candidates[0];
}

/**
 * Machine options for the runs: ISA_JIT=1 compiles every block on its first entry (the JIT
 * variants of the ISA tests), ISA_JIT=0 runs the interpreter alone; otherwise the default.
 */
function machineOptions() {
  const j = process.env.ISA_JIT;
  if (j === "0") return { jit: false };
  if (j) return { jit: { threshold: Number(j) } };
  return {};
}

let loaded = null;
async function runtime() {
  if (!loaded) {
    const d = distDir();
    const url = (p) => pathToFileURL(join(d, p)).href;
    loaded = Promise.all([import(url("runtime/machine.js")), import(url("runtime/host/wasm.js")),
      import(url("runtime/gen/layout.js"))]).then(([machine, wasm, layout]) => ({ ...machine, ...wasm, L: layout }));
  }
  return loaded;
}

/** A fresh machine with an empty address space, for tests that drive the core directly. */
export async function bareMachine() {
  const rt = await runtime();
  const m = await rt.Machine.create(await rt.coreModule(), machineOptions());
  const root = m.core.ptNew();
  m.core.setAddressSpace(root);
  m.resetState();
  return { m, rt, L: rt.L, root };
}

const PT_LOAD = 1;
const PTE_READ = 0x40, PTE_WRITE = 0x2, PTE_EXEC = 0x8;

/** PT_LOAD segments of an ELF64 file: { vaddr, memsz, flags, data }. */
export function loadSegments(elf) {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = Number(dv.getBigUint64(0x20, true)), phentsize = dv.getUint16(0x36, true), phnum = dv.getUint16(0x38, true);
  const segs = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const off = Number(dv.getBigUint64(p + 8, true)), vaddr = Number(dv.getBigUint64(p + 16, true));
    const filesz = Number(dv.getBigUint64(p + 32, true)), memsz = Number(dv.getBigUint64(p + 40, true));
    segs.push({ vaddr, memsz, flags: dv.getUint32(p + 4, true), data: elf.subarray(off, off + filesz) });
  }
  return segs;
}

/** A fresh machine with the guest part of the binary (snippets, data area, stack) mapped. */
export async function guestMachine(elf) {
  const rt = await runtime();
  const m = await rt.Machine.create(await rt.coreModule(), machineOptions());
  const c = m.core;
  const root = c.ptNew();
  c.setAddressSpace(root);
  for (const s of loadSegments(elf)) {
    if (s.vaddr < SNIP_ADDR) continue; // the native driver: never mapped, so reaching it ends a case
    const start = s.vaddr & ~0xfff, pages = Math.ceil((s.vaddr + s.memsz - start) / 4096);
    const prot = PTE_READ | (s.flags & 2 ? PTE_WRITE : 0) | (s.flags & 1 ? PTE_EXEC : 0);
    // Writable first so the contents can be copied in, then the real protection.
    if (c.ptMap(root, BigInt(start), pages, 0, 0x20 | PTE_READ | PTE_WRITE) !== 0) throw new Error("ptMap failed");
    if (s.data.length && !m.copyOut(BigInt(s.vaddr), s.data)) throw new Error("copyOut of a segment failed");
    c.ptProtect(root, BigInt(start), pages, prot);
  }
  c.tlbFlush();
  return { m, rt, root };
}

/**
 * Runs one case on the machine: in = the decoded input (regs array, rflags, xmm, mxcsr, fpucw,
 * mem, target). Returns a State.
 */
export function runCase(ctx, input, budget = 1_000_000) {
  const { m, rt } = ctx, L = rt.L;
  m.resetState();
  input.regs.forEach((v, i) => m.setReg(i, v));
  m.flags = input.rflags;
  m.fsBase = input.fsBase ?? 0n;
  m.gsBase = input.gsBase ?? 0n;
  const u8 = m.u8;
  for (let i = 0; i < 16; i++) u8.set(input.xmm[i], L.S_XMM + i * 16);
  m.view.setUint32(L.S_MXCSR, input.mxcsr, true);
  m.view.setUint32(L.S_FPU_CW, input.fpucw, true);
  m.copyOut(BigInt(DATA_ADDR), input.mem);
  m.copyOut(BigInt(STACK_TOP - STACK_WIN), new Uint8Array(2 * STACK_WIN));
  m.rip = BigInt(input.target);
  const reason = m.run(budget);
  // A block the engine refused is a JIT bug even though the interpreter then runs it correctly.
  if (m.jit?.stats.failed) throw new Error(`JIT: ${m.jit.stats.failed} block(s) failed to compile: ${m.jit.lastError}`);
  const rip = m.rip;
  let exit = rt.EXIT_NAMES[reason] || `EXIT_${reason}`;
  if (reason === L.EXIT_PAGE_FAULT && rip === BigInt(DUMP_ADDR) && m.faultAccess === 4) exit = "ok";
  return readState(m, L, exit, rip, reason === L.EXIT_PAGE_FAULT ? m.faultAddr : 0n);
}

function readState(m, L, exit, rip, faultAddr) {
  const regs = {};
  REG_NAMES.forEach((r, i) => { regs[r] = m.reg(i); });
  const u8 = m.u8, view = m.view;
  const xmm = [];
  for (let i = 0; i < 16; i++) xmm.push(u8.slice(L.S_XMM + i * 16, L.S_XMM + i * 16 + 16));
  const top = view.getUint32(L.S_FPU_TOP, true) & 7, tagEmpty = view.getUint32(L.S_FPU_TAG, true);
  const st = [];
  for (let i = 0; i < 8; i++) {
    const p = L.S_FPU_ST + ((top + i) & 7) * 16;
    st.push(u8.slice(p, p + 10));
  }
  const x87 = {
    cw: view.getUint32(L.S_FPU_CW, true) & 0xffff,
    sw: ((view.getUint32(L.S_FPU_SW, true) & ~0x3800) | (top << 11)) & 0xffff,
    tag: ~tagEmpty & 0xff, // fxsave's abridged tag: bit i = physical register i is valid
    top, st,
  };
  return {
    exit, rip, faultAddr, regs, rflags: m.flags, xmm,
    mxcsr: view.getUint32(L.S_MXCSR, true), x87,
    mem: m.copyIn(BigInt(DATA_ADDR), DATA_SIZE) || new Uint8Array(DATA_SIZE),
    stack: m.copyIn(BigInt(STACK_TOP - STACK_WIN), 2 * STACK_WIN) || new Uint8Array(2 * STACK_WIN),
  };
}
