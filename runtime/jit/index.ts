// The JIT's runtime half: when the core stops with EXIT_JIT, the block it names is compiled
// (compile.ts) into a one-function Wasm module that imports the core's memory and helpers,
// instantiated synchronously, and installed in the core's function table; the block header then
// holds the table index and the run loop calls it there (asm/exec.ts).
import { compileBlock, TYPES } from "./compile.js";
import { BLOCK_HEADER, H_JIT, H_COUNT, JIT_NEVER } from "./record.js";

/** The core exports the JIT uses. */
export interface JitCore {
  memory: WebAssembly.Memory;
  table: WebAssembly.Table;
  setJitThreshold(n: number): void;
  jitPendingBlock(): number;
  jitFopBase(): number;
  jitGeneric: Function;
  jitCond: Function;
  jitCarryOverflow: Function;
  cacheEpoch(): number;
}

export interface JitOptions {
  /** Block entries before a block is compiled (1: every block, for tests). */
  threshold?: number;
  /** Count the generic (not inlined) instructions compiled blocks run, by op id: see profile. */
  profile?: boolean;
}

export class Jit {
  /** Blocks compiled (loops: self-loops compiled as Wasm loops), and their records translated inline or through the generic handler. */
  readonly stats = { blocks: 0, loops: 0, inline: 0, generic: 0, failed: 0, compileMs: 0 };
  /** With profiling: generic op id → times run from compiled code. */
  readonly profile: Map<number, number> | null;
  private readonly fopBase: number;
  private readonly imports: WebAssembly.Imports;
  /** Table slots from 1 up hold functions of the current cache epoch; a flush frees them all. */
  private nextSlot = 1;
  /** Why the last block failed to compile (stats.failed counts them). */
  lastError = "";
  private epoch = -1;

  constructor(private readonly core: JitCore, opts: JitOptions) {
    this.fopBase = core.jitFopBase();
    this.profile = opts.profile ? new Map() : null;
    const env: Record<string, unknown> = { mem: core.memory, generic: core.jitGeneric, cond: core.jitCond, carry: core.jitCarryOverflow };
    if (this.profile) { const p = this.profile; env.profile = (op: number) => p.set(op, (p.get(op) ?? 0) + 1); }
    this.imports = { env } as WebAssembly.Imports;
    core.setJitThreshold(opts.threshold ?? 1);
  }

  /** Compiles the block the core stopped for (its header says JIT_NEVER until this succeeds). */
  compilePending(): void {
    const t0 = performance.now();
    try { this.compile(); } finally { this.stats.compileMs += performance.now() - t0; }
  }

  private compile(): void {
    const core = this.core, header = core.jitPendingBlock();
    const epoch = core.cacheEpoch();
    if (epoch !== this.epoch) {
      // Every header of the old epoch is gone: their functions can be dropped and the slots reused.
      for (let i = 1; i < this.nextSlot; i++) core.table.set(i, null);
      this.nextSlot = 1;
      this.epoch = epoch;
    }
    const dv = new DataView(core.memory.buffer);
    const n = dv.getUint32(header + H_COUNT, true);
    let fn: WebAssembly.ExportValue;
    try {
      const block = compileBlock(dv, header + BLOCK_HEADER, n, this.fopBase, !!this.profile);
      const instance = new WebAssembly.Instance(new WebAssembly.Module(block.bytes as Uint8Array<ArrayBuffer>), this.imports);
      fn = instance.exports.f;
      this.stats.inline += block.inline;
      this.stats.generic += block.generic;
      if (block.loop) this.stats.loops++;
    } catch (e) {
      // A translation the engine rejects is a JIT bug: the block stays interpreted, which is correct.
      this.stats.failed++;
      this.lastError = String(e);
      return;
    }
    // Slot 0 is the table's null entry; JIT_NEVER (1) marks a block as not compiled, so slots start at 2.
    const slot = Math.max(this.nextSlot, JIT_NEVER + 1);
    if (slot >= core.table.length) core.table.grow(Math.max(64, core.table.length));
    core.table.set(slot, fn);
    this.nextSlot = slot + 1;
    dv.setUint32(header + H_JIT, slot, true);
    this.stats.blocks++;
  }
}

export { TYPES };
