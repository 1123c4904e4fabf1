// The TypeScript side of the Wasm core: one instance = one machine (its memory is the machine's
// physical memory). Register access, context save/restore, and the copy-in/copy-out helpers that
// are the only way the kernel touches guest memory.
import * as L from "./gen/layout.js";
import { Jit, type JitCore, type JitOptions } from "./jit/index.js";

/** The Wasm core's exports (asm/index.ts). */
export interface CoreExports extends JitCore {
  memory: WebAssembly.Memory;
  init(): void;
  run(budget: number): number;
  allocFrame(): number;
  frameRef(f: number): void;
  frameUnref(f: number): void;
  frameRefs(f: number): number;
  setFrameLimit(n: number): void;
  getFramesInUse(): number;
  ptNew(): number;
  ptFree(root: number): void;
  ptCloneCow(root: number): number;
  ptMap(root: number, va: bigint, pages: number, frame: number, flags: number): number;
  ptUnmap(root: number, va: bigint, pages: number): void;
  ptProtect(root: number, va: bigint, pages: number, prot: number): void;
  ptLookup(root: number, va: bigint): bigint;
  setAddressSpace(root: number): void;
  tlbFlush(): void;
  translate(va: bigint, access: number, quiet: boolean | number): bigint;
  flushCodeCache(): void;
  readFlags(): bigint;
  writeFlags(v: bigint): void;
  /** Writes the FXSAVE image of the x87/SSE state at memory offset p (16-aligned scratch). */
  fxsaveImage(p: number): void;
  /** Loads the x87/SSE state from an FXSAVE image at memory offset p; false if MXCSR is invalid. */
  fxrstorImage(p: number): number;
}

export const ACCESS_READ = 1, ACCESS_WRITE = 2, ACCESS_EXEC = 4;
export const EXIT_NAMES = ["NONE", "SYSCALL", "PAGE_FAULT", "UD", "DE", "GP", "INT3", "HLT", "BUDGET", "OOM", "JIT"];

export interface MachineOptions {
  /** The block JIT (runtime/jit): options, or false for the interpreter alone. Default: on. */
  jit?: JitOptions | false;
}

/**
 * Block entries before the JIT compiles a block, unless MachineOptions.jit says otherwise. A
 * compile costs ~0.5 ms (more while the compiler itself is cold), the time to interpret some 10^5
 * instructions: only blocks entered this often repay it, and a hot loop loses nothing by waiting.
 */
export const DEFAULT_JIT_THRESHOLD = 8192;

export class Machine {
  readonly core: CoreExports;
  private buf: ArrayBuffer;
  private u8v: Uint8Array;
  private dv: DataView;

  /** The block JIT, when on. */
  readonly jit: Jit | null;

  private constructor(instance: WebAssembly.Instance, opts: MachineOptions) {
    this.core = instance.exports as unknown as CoreExports;
    this.buf = this.core.memory.buffer;
    this.u8v = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf);
    this.core.init();
    this.jit = opts.jit === false ? null : new Jit(this.core, { threshold: DEFAULT_JIT_THRESHOLD, ...opts.jit });
  }

  /** A new machine from the compiled core; each has its own memory. */
  static async create(module: WebAssembly.Module, opts: MachineOptions = {}): Promise<Machine> {
    const instance = await WebAssembly.instantiate(module, {
      env: { abort: () => { throw new Error("wasl core aborted"); } },
    });
    return new Machine(instance, opts);
  }

  /** Memory views, refreshed when the Wasm memory has grown. */
  get u8(): Uint8Array { this.refresh(); return this.u8v; }
  get view(): DataView { this.refresh(); return this.dv; }
  private refresh(): void {
    // Growing a Wasm memory detaches its old ArrayBuffer (byteLength 0): checking that is far
    // cheaper than reading memory.buffer on every register access of the syscall path.
    if (this.u8v.byteLength === 0) {
      this.buf = this.core.memory.buffer;
      this.u8v = new Uint8Array(this.buf);
      this.dv = new DataView(this.buf);
    }
  }

  // ---- CPU state --------------------------------------------------------------------------
  reg(i: number): bigint { return this.view.getBigUint64(L.S_REGS + i * 8, true); }
  setReg(i: number, v: bigint): void { this.view.setBigUint64(L.S_REGS + i * 8, BigInt.asUintN(64, v), true); }
  get rip(): bigint { return this.view.getBigUint64(L.S_RIP, true); }
  set rip(v: bigint) { this.view.setBigUint64(L.S_RIP, BigInt.asUintN(64, v), true); }
  get fsBase(): bigint { return this.view.getBigUint64(L.S_FS_BASE, true); }
  set fsBase(v: bigint) { this.view.setBigUint64(L.S_FS_BASE, BigInt.asUintN(64, v), true); }
  get gsBase(): bigint { return this.view.getBigUint64(L.S_GS_BASE, true); }
  set gsBase(v: bigint) { this.view.setBigUint64(L.S_GS_BASE, BigInt.asUintN(64, v), true); }
  get faultAddr(): bigint { return this.view.getBigUint64(L.S_FAULT_ADDR, true); }
  get faultAccess(): number { return this.view.getUint32(L.S_FAULT_ACCESS, true); }
  get icount(): bigint { return this.view.getBigUint64(L.S_ICOUNT, true); }
  get flags(): bigint { return this.core.readFlags(); }
  set flags(v: bigint) { this.core.writeFlags(v); }

  /** A copy of the CPU state block (for context switches and signal frames). */
  saveState(): Uint8Array { return this.u8.slice(L.STATE_BASE, L.STATE_BASE + L.STATE_USED); }
  /** Restores a saved state block; the instruction count is machine-wide and is kept. */
  loadState(s: Uint8Array): void {
    const icount = this.icount, cr3 = this.addressSpace, fast = this.view.getBigUint64(L.S_FAST_COUNT, true);
    this.u8.set(s, L.STATE_BASE);
    this.view.setBigUint64(L.S_ICOUNT, icount, true);
    this.view.setBigUint64(L.S_FAST_COUNT, fast, true);
    const want = this.addressSpace;
    this.view.setUint32(L.S_CR3, cr3, true);
    if (want !== cr3) this.core.setAddressSpace(want);
  }
  /**
   * The syscall fast path: with enabled, SYSCALL answers getpid/gettid with pid/tid inside the
   * core (machine-wide counter: fastSyscalls). The kernel sets it for each thread it runs.
   */
  setFastPath(enabled: boolean, pid: number, tid: number): void {
    const v = this.view;
    v.setUint32(L.S_FAST_ENABLE, enabled ? 1 : 0, true);
    v.setUint32(L.S_FAST_PID, pid, true);
    v.setUint32(L.S_FAST_TID, tid, true);
  }
  /** System calls the core answered itself. */
  get fastSyscalls(): number { return Number(this.view.getBigUint64(L.S_FAST_COUNT, true)); }
  /** The page-table root the CPU is using. */
  get addressSpace(): number { return this.view.getUint32(L.S_CR3, true); }
  /** Resets registers, flags and FPU/SSE state to the values Linux gives a new program (cr3 is kept). */
  resetState(): void {
    const icount = this.icount, cr3 = this.addressSpace, fast = this.view.getBigUint64(L.S_FAST_COUNT, true);
    this.u8.fill(0, L.STATE_BASE, L.STATE_BASE + L.STATE_USED);
    this.view.setBigUint64(L.S_ICOUNT, icount, true);
    this.view.setBigUint64(L.S_FAST_COUNT, fast, true);
    this.view.setUint32(L.S_CR3, cr3, true);
    this.view.setUint32(L.S_MXCSR, 0x1f80, true);
    this.view.setUint32(L.S_FPU_CW, 0x37f, true);
    this.view.setUint32(L.S_FPU_TAG, 0xff, true);
    this.core.writeFlags(0x202n);
  }

  /** Runs for at most budget instructions (below 2^32). */
  run(budget: number): number {
    const b = Math.min(budget, 0xffffffff) >>> 0;
    const jit = this.jit;
    if (!jit) return this.core.run(b);
    const start = this.icountLow;
    let reason = this.core.run(b);
    // A block became hot: compile it and go on with what is left of the budget (the core stops
    // for EXIT_JIT only at a block start, before the budget ran out).
    while (reason === L.EXIT_JIT) {
      jit.compilePending();
      reason = this.core.run((b - ((this.icountLow - start) >>> 0)) >>> 0);
    }
    return reason;
  }
  /** The low 32 bits of the instruction counter: differences of two readings count a slice cheaply. */
  get icountLow(): number { return this.view.getUint32(L.S_ICOUNT, true); }

  // ---- guest memory (copy-in / copy-out) ---------------------------------------------------
  /** Host offset of va for the access, or -1 (no fault is recorded in the CPU state). */
  private host(va: bigint, access: number): number {
    return Number(this.core.translate(BigInt.asUintN(64, va), access, 1));
  }

  /** Copies len bytes from guest va; null when any byte is not readable (EFAULT). */
  copyIn(va: bigint, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = va + BigInt(done);
      const h = this.host(a, ACCESS_READ);
      if (h < 0) return null;
      const n = Math.min(len - done, 4096 - Number(a & 0xfffn));
      out.set(this.u8.subarray(h, h + n), done);
      done += n;
    }
    return out;
  }

  /** Copies data to guest va; false when any byte is not writable (EFAULT). Nothing is written then. */
  copyOut(va: bigint, data: Uint8Array): boolean {
    for (let done = 0; done < data.length;) {
      const a = va + BigInt(done);
      if (this.host(a, ACCESS_WRITE) < 0) return false;
      done += Math.min(data.length - done, 4096 - Number(a & 0xfffn));
    }
    for (let done = 0; done < data.length;) {
      const a = va + BigInt(done);
      const h = this.host(a, ACCESS_WRITE);
      const n = Math.min(data.length - done, 4096 - Number(a & 0xfffn));
      this.u8.set(data.subarray(done, done + n), h);
      done += n;
    }
    return true;
  }

  /** Reads a NUL-terminated string of at most max bytes; null on EFAULT or when too long. */
  copyInString(va: bigint, max = 4096): string | null {
    const bytes: number[] = [];
    let a = va;
    while (bytes.length < max) {
      const h = this.host(a, ACCESS_READ);
      if (h < 0) return null;
      const room = 4096 - Number(a & 0xfffn);
      const u8 = this.u8;
      for (let i = 0; i < room && bytes.length < max; i++) {
        const b = u8[h + i];
        if (b === 0) return new TextDecoder().decode(new Uint8Array(bytes));
        bytes.push(b);
      }
      a += BigInt(room);
    }
    return null;
  }

  readU64(va: bigint): bigint | null {
    const b = this.copyIn(va, 8);
    return b ? new DataView(b.buffer).getBigUint64(0, true) : null;
  }
  writeU64(va: bigint, v: bigint): boolean {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return this.copyOut(va, b);
  }
  readU32(va: bigint): number | null {
    const b = this.copyIn(va, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : null;
  }
  writeU32(va: bigint, v: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.copyOut(va, b);
  }
}
