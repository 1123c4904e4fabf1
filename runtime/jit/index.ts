// The JIT's runtime half: when the core stops with EXIT_JIT, the block it names is compiled
// (compile.ts) together with the warm blocks its direct branches reach (a region) into a small
// Wasm module (the region's function and its cold-exit function) that imports the core's memory
// and a table of the core's helpers, instantiated synchronously, and installed in the core's
// function table; the entry block's header then holds the table index and the run loop calls it
// there (asm/exec.ts).
import { compileRegion, recordedTargets, TYPES, HELPERS, type RegionBlock } from "./compile.js";
import { OP_TEXT } from "../gen/ops.js";
import * as L from "../gen/layout.js";
import { BLOCK_HEADER, H_JIT, H_COUNT, H_RESUME, JIT_NEVER, RECORD_SIZE, R_OP, R_LEN, R_IMM, R_GOP, FOP } from "./record.js";

/** A region holds at most this many blocks and records (bigger ones compile slowly for little gain). */
const REGION_BLOCKS = 16, REGION_RECORDS = 256;
/** A compiled block longer than this many records joins no other region. */
const SHARED_BLOCK = 16;
/** Instances that share one helper table (Jit.helperTable). */
const HELPER_TABLE_USES = 64;
/** A block joins a region once entered threshold / WARM times (or compiled). */
const WARM = 32;
/** The generic forms the compiler translates as indirect branches (compile.ts inlineGeneric). */
const DYNAMIC = new Set(["call Ev", "jmp Ev"]);

/** The core exports the JIT uses. */
export interface JitCore {
  memory: WebAssembly.Memory;
  table: WebAssembly.Table;
  setJitThreshold(n: number): void;
  jitPendingBlock(): number;
  jitPendingAddress(): bigint;
  jitPendingPhysical(): number;
  jitBlockAt(va: bigint, phys: number, decode: number): number;
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
  /**
   * Regions take in the blocks returns and indirect branches went to before (H_TARGETS). Off by
   * default: it halves the returns to the run loop of qsort's comparison calls and wins ~20%
   * there, but the bigger functions it makes (strmix: libc's string functions in every caller's
   * region) stay in V8's baseline tier long enough to run ~2x slower.
   */
  followReturns?: boolean;
}

export class Jit {
  /**
   * Regions compiled (loops: with a self-loop compiled as a Wasm loop; regionBlocks: blocks in
   * them), and their records translated inline or through the generic handler; compileMs the time
   * spent compiling, moduleMs the part of it in the engine (WebAssembly.Module and Instance).
   */
  readonly stats = { blocks: 0, loops: 0, regionBlocks: 0, inline: 0, generic: 0, failed: 0, compileMs: 0, moduleMs: 0 };
  /** With profiling: generic op id → times run from compiled code. */
  readonly profile: Map<number, number> | null;
  private readonly fopBase: number;
  private readonly imports: WebAssembly.Imports;
  private readonly env: Record<string, unknown>;
  /** The core's helpers compiled code calls (compile.ts HELPERS). */
  private readonly helperFns: Record<(typeof HELPERS)[number], Function>;
  /** Instances made with the current helper table (env.helpers): see helperTable. */
  private helperUses = HELPER_TABLE_USES;
  /** Table slots from 1 up hold functions of the current cache epoch; a flush frees them all. */
  private nextSlot = 1;
  /** Why the last block failed to compile (stats.failed counts them). */
  lastError = "";
  private epoch = -1;
  private readonly threshold: number;
  private readonly followReturns: boolean;

  constructor(private readonly core: JitCore, opts: JitOptions) {
    this.fopBase = core.jitFopBase();
    this.profile = opts.profile ? new Map() : null;
    this.helperFns = { generic: core.jitGeneric, cond: core.jitCond, carry: core.jitCarryOverflow };
    const env: Record<string, unknown> = this.env = { mem: core.memory };
    if (this.profile) { const p = this.profile; env.profile = (op: number) => p.set(op, (p.get(op) ?? 0) + 1); }
    this.imports = { env } as WebAssembly.Imports;
    this.threshold = opts.threshold ?? 1;
    this.followReturns = !!opts.followReturns;
    core.setJitThreshold(this.threshold);
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
      this.helperUses = HELPER_TABLE_USES;
    }
    const blocks = this.regionOf(header);
    // Decoding a block of the region may have flushed the cache: the pending header is gone then.
    if (core.cacheEpoch() !== epoch) return;
    const dv = new DataView(core.memory.buffer);
    let fn: WebAssembly.ExportValue;
    try {
      const block = compileRegion(dv, blocks, this.fopBase, header + H_RESUME, !!this.profile);
      this.stats.regionBlocks += block.blocks;
      this.helperTable();
      const t0 = performance.now();
      const instance = new WebAssembly.Instance(new WebAssembly.Module(block.bytes as Uint8Array<ArrayBuffer>), this.imports);
      this.stats.moduleMs += performance.now() - t0;
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

  /**
   * Puts a helper table in env.helpers for the next instance. The engine (V8 in Node 20) keeps
   * every instance that imports a table in a list on the table, never shortened, grown by a copy
   * at each instantiation: one table for all would keep every instance alive (also those a flush
   * dropped) and cost time quadratic in their number. A table serves HELPER_TABLE_USES instances
   * of one cache epoch, so it and its instances become garbage together once a flush drops them.
   */
  private helperTable(): void {
    if (this.helperUses++ < HELPER_TABLE_USES) return;
    const t = new WebAssembly.Table({ element: "anyfunc", initial: HELPERS.length });
    HELPERS.forEach((name, i) => t.set(i, this.helperFns[name] as WebAssembly.ExportValue));
    this.env.helpers = t;
    this.helperUses = 1;
  }

  /**
   * The blocks of the region entered at header: it and the blocks its direct branches and calls
   * reach (and their fall-through after a page's or a block's size limit), breadth first, on its
   * page (whose translation the run loop checked at entry) or on pages the exec TLB maps now (the
   * compiled code checks that mapping at every entry to such a block).
   */
  private regionOf(header: number): RegionBlock[] {
    const core = this.core;
    const rip = core.jitPendingAddress(), phys = core.jitPendingPhysical();
    const pageOff = Number(BigInt.asUintN(12, rip));
    let dv = new DataView(core.memory.buffer);
    const blocks: RegionBlock[] = [{ rec: header + BLOCK_HEADER, n: dv.getUint32(header + H_COUNT, true), start: 0 }];
    const seen = new Set<number>([0]);
    /** Frames of the pages the region covers, by page number relative to the entry's: -1 when not mapped in the exec TLB. */
    const frames = new Map<number, number>([[0, phys - pageOff]]);
    const frameOf = (page: number) => {
      let f = frames.get(page);
      if (f === undefined) {
        const vpn = (rip >> 12n) + BigInt(page), e = L.TLB_EXEC + Number(BigInt.asUintN(12, vpn)) * 16;
        f = dv.getBigUint64(e, true) === vpn ? dv.getUint32(e + 8, true) : -1;
        frames.set(page, f);
      }
      return f;
    };
    let records = blocks[0].n;
    for (let i = 0; i < blocks.length && blocks.length < REGION_BLOCKS; i++) {
      const b = blocks[i];
      let end = b.start;
      for (let k = 0; k < b.n; k++) end += dv.getUint8(b.rec + k * RECORD_SIZE + R_LEN);
      const last = b.rec + (b.n - 1) * RECORD_SIZE, op = dv.getUint16(last + R_OP, true) - this.fopBase;
      const rel = Number(BigInt.asIntN(32, dv.getBigUint64(last + R_IMM, true)));
      // A successor comes in when it is warm (entered threshold / WARM times, or compiled) and
      // still decoded: cold paths would only cost compile time. When compiling eagerly nothing is
      // warm yet; direct successors are then decoded and taken in whether they ran or not.
      const eager = this.threshold < WARM;
      const next: [start: number, warmOnly: boolean][] = [];
      if (op === FOP.JCC) next.push([end + rel, !eager], [end, !eager]);
      else if (op === FOP.JMP || op === FOP.CALL) next.push([end + rel, !eager]);
      else if (op > FOP.END && op < FOP.COUNT && op !== FOP.RET) next.push([end, !eager]);
      else if (op === FOP.RET || DYNAMIC.has(OP_TEXT[op + this.fopBase] ?? "") || DYNAMIC.has(OP_TEXT[dv.getUint16(last + R_GOP, true)] ?? "")) {
        // a return or an indirect branch: the blocks it went to before
        if (this.followReturns) for (const t of recordedTargets(dv, b.rec - BLOCK_HEADER)) next.push([b.start + t, true]);
      }
      for (const [start, warmOnly] of next) {
        if (seen.has(start) || blocks.length >= REGION_BLOCKS) continue;
        seen.add(start);
        const page = Math.floor((pageOff + start) / 4096), frame = frameOf(page);
        if (frame < 0) continue;
        const h = core.jitBlockAt(rip + BigInt(start), frame + ((pageOff + start) & 0xfff), warmOnly ? 0 : 1);
        if (h === 0) continue;
        dv = new DataView(core.memory.buffer); // decoding may have grown the memory
        if (warmOnly && dv.getUint32(h + H_JIT, true) === 0 && dv.getUint32(h, true) * WARM < this.threshold) continue;
        // A long block compiled already is left to its own function: copies of it in every region
        // that reaches it would cost more compile time than the return to the run loop saves.
        if (dv.getUint32(h + H_JIT, true) > JIT_NEVER && dv.getUint32(h + H_COUNT, true) > SHARED_BLOCK) continue;
        const n = dv.getUint32(h + H_COUNT, true);
        if (records + n > REGION_RECORDS) continue;
        records += n;
        blocks.push({ rec: h + BLOCK_HEADER, n, start, frame: page === 0 ? undefined : frame });
      }
    }
    return blocks;
  }
}

export { TYPES };
