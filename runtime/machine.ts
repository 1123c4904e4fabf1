// The TypeScript side of the Wasm core: one instance = one machine (its memory is the machine's
// physical memory). Register access, context save/restore, and the copy-in/copy-out helpers that
// are the only way the kernel touches guest memory.
import * as L from "./gen/layout.js";
import { Jit, type JitCore, type JitOptions } from "./jit/index.js";

/** The Wasm core's exports (asm/index.ts). */
export interface CoreExports extends JitCore {
  memory: WebAssembly.Memory;
  init(): void;
  initKeepingFrames(): void;
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

/**
 * Core exports that never allocate a frame, so never grow the Wasm memory. Every other export
 * (run, translate, allocFrame, ptNew, ptMap, ptCloneCow, and any added later) is wrapped so the
 * memory views are renewed after it returns: a view kept past a memory.grow would read and write
 * a detached buffer, silently.
 */
const NEVER_GROWS = new Set([
  "init", "frameRef", "frameUnref", "frameRefs", "setFrameLimit", "getFramesInUse", "ptFree", "ptUnmap",
  "ptProtect", "ptLookup", "setAddressSpace", "tlbFlush", "flushCodeCache", "readFlags", "writeFlags",
  "fxsaveImage", "fxrstorImage",
]);

const REG_INDEX = L.S_REGS >> 3, RIP_INDEX = L.S_RIP >> 3;

/** What a machine handed on by recycle() leaves behind: any use of it is a kernel bug, and throws. */
const RECYCLED = new Proxy({}, { get() { throw new Error("wasl: a recycled machine was used by its old kernel"); } }) as CoreExports;

export class Machine {
  readonly core: CoreExports;
  /** CPUID leaf 1 EDX once a kernel has probed it (the core's answer never changes). */
  cpuid1Edx: number | undefined;
  private buf!: ArrayBuffer;
  private u8v!: Uint8Array;
  private dv!: DataView;
  /** The memory as 64-bit words (the state block is 8-aligned): register access without offsets. */
  private r64!: BigUint64Array;
  /** The memory as 32-bit words: flags and counters read as numbers, no BigInt. */
  private i32!: Int32Array;

  /** The block JIT, when on. */
  readonly jit: Jit | null;

  /** carried: a recycled instance's JIT and whether it kept frames (see recycle). */
  private constructor(private readonly instance: WebAssembly.Instance, private readonly owner: { m: Machine | null },
    private readonly opts: MachineOptions, carried?: { jit: Jit | null; keptFrames: boolean }) {
    owner.m = this;
    const raw = instance.exports as unknown as CoreExports;
    const core: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(raw)) {
      if (typeof v !== "function" || NEVER_GROWS.has(name)) { core[name] = v; continue; }
      const f = v as (...args: unknown[]) => unknown;
      core[name] = (...args: unknown[]) => { const r = f(...args); if (this.u8v.byteLength === 0) this.remap(); return r; };
    }
    // run and translate are the hot ones: fixed arity, no rest-argument arrays.
    core.run = (budget: number) => { const r = raw.run(budget); if (this.u8v.byteLength === 0) this.remap(); return r; };
    core.translate = (va: bigint, access: number, quiet: boolean | number) => {
      const r = raw.translate(va, access, quiet);
      if (this.u8v.byteLength === 0) this.remap();
      return r;
    };
    this.core = core as unknown as CoreExports;
    this.remap();
    if (carried?.keptFrames) this.core.initKeepingFrames(); else this.core.init();
    // The raw exports: compiled blocks import the generic handler and must call it Wasm to Wasm,
    // not through the view-renewing wrapper (core.run's wrapper renews the views after them).
    // With the decoded blocks kept, their headers name the old JIT's functions: the JIT goes on.
    this.jit = carried?.keptFrames && carried.jit ? carried.jit
      : opts.jit === false ? null : new Jit(raw, { threshold: DEFAULT_JIT_THRESHOLD, ...opts.jit });
  }

  /** A new machine from the compiled core; each has its own memory. */
  static async create(module: WebAssembly.Module, opts: MachineOptions = {}): Promise<Machine> {
    // The instance outlives a Machine when recycle() hands it on: the clock import asks whichever
    // Machine owns the instance now, never the revoked one (whose kernel's clock is gone).
    const owner: { m: Machine | null } = { m: null };
    const instance = await WebAssembly.instantiate(module, {
      env: {
        abort: () => { throw new Error("wasl core aborted"); },
        // The fast path's clock (asm/fastsys.ts). It is only enabled once the kernel has set one.
        hostClock: (realtime: number): bigint => {
          const c = owner.m!.clock!;
          return realtime ? c.realtimeNs() : c.monotonicNs();
        },
      },
    });
    return new Machine(instance, owner, opts);
  }

  /** The clock the core reads for the fast path's time calls (the kernel's host). */
  clock: { realtimeNs(): bigint; monotonicNs(): bigint } | null = null;

  /**
   * The same instance in its power-on state, for the next kernel of the same sandbox, once this
   * machine's kernel is done: null when any frame beyond keptFrames (the cached program pages the
   * next kernel takes over, see Kernel.keptPrograms) is still in use (something of the old guest
   * could still be mapped) or the memory has grown past maxBytes (a big run's memory is not
   * kept alive). Nothing of the old guest reaches the new one: every frame is free and is
   * zeroed when allocFrame hands it out again (the invariant that already separates processes
   * of one run), init() resets the core's allocator, code cache, TLB and counters, and the CPU
   * state, TLB, hash and scratch areas and the fast path's random pool and descriptor map are zeroed here; decoded records left in memory are
   * unreachable once the block hash is empty. This object is revoked: its old kernel cannot
   * touch the instance again.
   */
  recycle(maxBytes: number, keptFrames = 0): Machine | null {
    if (this.core.getFramesInUse() !== keptFrames || this.core.memory.buffer.byteLength > maxBytes) return null;
    const keep = keptFrames > 0;
    if (!keep) new Uint8Array(this.core.memory.buffer, 0, L.DECODED).fill(0);
    else {
      // keptFrames frames are still in use, all of them cached program pages the next kernel takes
      // over (Kernel.keptPrograms): every other frame is free and is zeroed when handed out again.
      // Their decoded blocks stay with the block hash: the bytes behind them are the same.
      new Uint8Array(this.core.memory.buffer, 0, L.BLOCK_HASH).fill(0);
      new Uint8Array(this.core.memory.buffer, L.SCRATCH, L.DECODED - L.SCRATCH).fill(0);
    }
    // The fast path's shared words, random pool and descriptor map: the next run must not be served the old pool.
    new Uint8Array(this.core.memory.buffer, L.FAST_SHARED, L.FAST_FD_MAP + L.FAST_FD_COUNT * 4 - L.FAST_SHARED).fill(0);
    const next = new Machine(this.instance, this.owner, this.opts, { jit: this.jit, keptFrames: keep });
    next.cpuid1Edx = this.cpuid1Edx;
    (this as { core: CoreExports }).core = RECYCLED;
    this.u8v = new Uint8Array(0);
    return next;
  }

  /**
   * Memory views. Growing a Wasm memory detaches its old ArrayBuffer; only core calls can grow it
   * and each of those renews the views on return (see NEVER_GROWS), so these are always current.
   */
  get u8(): Uint8Array { return this.u8v; }
  get view(): DataView { return this.dv; }
  private remap(): void {
    this.buf = this.core.memory.buffer;
    this.u8v = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf);
    this.r64 = new BigUint64Array(this.buf);
    this.i32 = new Int32Array(this.buf);
  }

  // ---- CPU state --------------------------------------------------------------------------
  // A BigUint64Array store takes its value modulo 2^64, as BigInt.asUintN(64, v) would.
  reg(i: number): bigint { return this.r64[REG_INDEX + i]; }
  setReg(i: number, v: bigint): void { this.r64[REG_INDEX + i] = v; }
  /** Sets a register to a small integer (|v| < 2^31) without making a BigInt. */
  setRegInt(i: number, v: number): void {
    const w = (L.S_REGS >> 2) + i * 2;
    this.i32[w] = v;
    this.i32[w + 1] = v < 0 ? -1 : 0;
  }
  /**
   * The register as a number when it is a small integer, in [-2^31, 2^31); otherwise NaN. For
   * checks of call numbers and results that must not allocate.
   */
  regInt(i: number): number {
    const w = (L.S_REGS >> 2) + i * 2, lo = this.i32[w], hi = this.i32[w + 1];
    return hi === (lo >> 31) ? lo : NaN;
  }
  get rip(): bigint { return this.r64[RIP_INDEX]; }
  set rip(v: bigint) { this.r64[RIP_INDEX] = v; }
  /** What SYSCALL does besides stopping: rcx = the return address, r11 = RFLAGS. */
  syscallEntry(): void {
    const i = this.i32, rcx = (L.S_REGS >> 2) + 2, rip = L.S_RIP >> 2;
    i[rcx] = i[rip]; i[rcx + 1] = i[rip + 1];
    this.r64[REG_INDEX + 11] = this.core.readFlags();
  }
  /** The exit reason the core stopped with (EXIT_*); setExitReason(EXIT_NONE) clears it. */
  get exitReason(): number { return this.i32[L.S_EXIT_REASON >> 2]; }
  set exitReason(v: number) { this.i32[L.S_EXIT_REASON >> 2] = v; }
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
   * The syscall fast path (asm/fastsys.ts): the families (L.FAST_* bits) SYSCALL answers inside
   * the core for the thread about to run, with its pid/tid. The kernel sets it for each slice.
   */
  setFastPath(families: number, pid: number, tid: number): void {
    const v = this.view;
    v.setUint32(L.S_FAST_ENABLE, families, true);
    v.setUint32(L.S_FAST_PID, pid, true);
    v.setUint32(L.S_FAST_TID, tid, true);
  }
  /** System calls the core answered itself. */
  get fastSyscalls(): number { return Number(this.view.getBigUint64(L.S_FAST_COUNT, true)); }
  /** Publishes how many threads wait on a futex: FUTEX_WAKE stays in the core only while none does. */
  set futexWaiters(n: number) { this.view.setUint32(L.FAST_FUTEX_WAITERS, n, true); }
  /** Unread bytes of the random pool (L.RANDOM_POOL); they end at the pool's end. */
  get randomLeft(): number { return this.view.getUint32(L.FAST_RANDOM_LEFT, true); }
  set randomLeft(n: number) { this.view.setUint32(L.FAST_RANDOM_LEFT, n, true); }
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
  // Frames are 4 KiB-aligned, so a host offset's low 12 bits are the guest address's: the room
  // left in a page comes from h, without BigInt arithmetic. A translation may allocate a frame
  // (lazy or copy-on-write page) and so grow the memory: u8v is read again after each one.

  /** Host offset of va for the access, or -1 (no fault is recorded in the CPU state). */
  private host(va: bigint, access: number): number {
    // An i64 parameter takes a BigInt modulo 2^64: no asUintN needed.
    return Number(this.core.translate(va, access, 1));
  }

  /** Copies len bytes from guest va; null when any byte is not readable (EFAULT). */
  copyIn(va: bigint, len: number): Uint8Array | null {
    if (len === 0) return new Uint8Array(0);
    const h = this.host(va, ACCESS_READ);
    if (h < 0) return null;
    const room = 4096 - (h & 0xfff);
    if (len <= room) return this.u8v.slice(h, h + len);
    const out = new Uint8Array(len);
    out.set(this.u8v.subarray(h, h + room), 0);
    for (let done = room; done < len;) {
      const p = this.host(va + BigInt(done), ACCESS_READ);
      if (p < 0) return null;
      const n = Math.min(len - done, 4096);
      out.set(this.u8v.subarray(p, p + n), done);
      done += n;
    }
    return out;
  }

  /** Copies data to guest va; false when any byte is not writable (EFAULT). Nothing is written then. */
  copyOut(va: bigint, data: Uint8Array): boolean {
    const len = data.length;
    if (len === 0) return true;
    const h = this.host(va, ACCESS_WRITE);
    if (h < 0) return false;
    const room = 4096 - (h & 0xfff);
    if (len <= room) {
      if (len <= 16) { const u8 = this.u8v; for (let i = 0; i < len; i++) u8[h + i] = data[i]; }
      else this.u8v.set(data, h);
      return true;
    }
    for (let done = room; done < len; done += 4096) if (this.host(va + BigInt(done), ACCESS_WRITE) < 0) return false;
    for (let done = 0; done < len;) {
      const p = this.host(va + BigInt(done), ACCESS_WRITE);
      const n = Math.min(len - done, 4096 - (p & 0xfff));
      this.u8v.set(data.subarray(done, done + n), p);
      done += n;
    }
    return true;
  }

  /** Reads a NUL-terminated string of at most max bytes; null on EFAULT or when too long. */
  /**
   * A NUL-terminated byte string (one char per byte, as the VFS names files) of at most max bytes
   * before its NUL, read in place page by page: null on a fault, undefined when no NUL comes
   * within max bytes.
   */
  copyInBytes(va: bigint, max: number): string | null | undefined {
    let s = "", a = va;
    while (s.length < max) {
      const h = this.host(a, ACCESS_READ);
      if (h < 0) return null;
      const room = Math.min(4096 - (h & 0xfff), max - s.length);
      const seg = this.u8v.subarray(h, h + room);
      const z = seg.indexOf(0);
      s += String.fromCharCode.apply(null, z >= 0 ? seg.subarray(0, z) as unknown as number[] : seg as unknown as number[]);
      if (z >= 0) return s;
      a += BigInt(room);
    }
    return undefined;
  }

  copyInString(va: bigint, max = 4096): string | null {
    const parts: Uint8Array[] = [];
    let got = 0, a = va;
    while (got < max) {
      const h = this.host(a, ACCESS_READ);
      if (h < 0) return null;
      const room = Math.min(4096 - (h & 0xfff), max - got);
      const seg = this.u8v.subarray(h, h + room);
      const z = seg.indexOf(0);
      if (z >= 0) {
        if (parts.length === 0) return utf8.decode(seg.subarray(0, z));
        parts.push(seg.slice(0, z));
        return utf8.decode(concat(parts));
      }
      // A copy: the next translation may grow the memory and detach this view.
      parts.push(seg.slice());
      got += room;
      a += BigInt(room);
    }
    return null;
  }

  readU64(va: bigint): bigint | null {
    const h = this.host(va, ACCESS_READ);
    if (h >= 0 && (h & 0xfff) <= 4088) return this.dv.getBigUint64(h, true);
    const b = h < 0 ? null : this.copyIn(va, 8);
    return b ? new DataView(b.buffer).getBigUint64(0, true) : null;
  }
  writeU64(va: bigint, v: bigint): boolean {
    const h = this.host(va, ACCESS_WRITE);
    if (h >= 0 && (h & 0xfff) <= 4088) { this.dv.setBigUint64(h, BigInt.asUintN(64, v), true); return true; }
    if (h < 0) return false;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return this.copyOut(va, b);
  }
  readU32(va: bigint): number | null {
    const h = this.host(va, ACCESS_READ);
    if (h >= 0 && (h & 0xfff) <= 4092) return this.dv.getUint32(h, true);
    const b = h < 0 ? null : this.copyIn(va, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : null;
  }
  writeU32(va: bigint, v: number): boolean {
    const h = this.host(va, ACCESS_WRITE);
    if (h >= 0 && (h & 0xfff) <= 4092) { this.dv.setUint32(h, v >>> 0, true); return true; }
    if (h < 0) return false;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.copyOut(va, b);
  }
}

const utf8 = new TextDecoder();

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
