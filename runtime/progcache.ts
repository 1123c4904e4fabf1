// Program files kept between execs, as Linux's page cache keeps them: the bytes execve parses and,
// on machines without a memory limit, the frames their pages load into. Every process running the
// program maps those frames (copy-on-write where the segment is writable), so an exec neither
// reads nor copies the file again, and the decoded-block cache, keyed by physical address, still
// holds the program's code from its last run.
import type { CoreExports } from "./machine.js";
import type { Inode, Stat } from "./vfs/index.js";
import type { ElfFile, ExecError } from "./elf.js";

/** A program file as execve last read it. */
export interface CachedProgram {
  bytes: Uint8Array;
  /** The frame holding each file page (its bytes, zeros past end of file); 0 until first needed. */
  frames: number[];
  /** What parseElf made of the bytes (the kernel fills it in; never changed after). */
  elf?: ElfFile | ExecError;
}

/**
 * What identifies one version of a file: another size, mtime or ctime (a change made on the host),
 * or another data version (any write through the VFS, even in the same clock tick).
 */
interface Entry extends CachedProgram {
  size: bigint; mtimeNs: bigint; ctimeNs: bigint; version: number;
  /** In the cache (an evicted or uncacheable entry gets no frames). */
  held: boolean;
}

const MAX_PROGRAMS = 32;
const MAX_BYTES = 64 << 20;

export class ProgramCache {
  /** In least-recently-used order (a hit moves its entry to the end). */
  private entries = new Map<Inode, Entry>();
  private bytesHeld = 0;
  private framesHeld = 0;

  /** maxFrames: frames the cache may keep (0: none, bytes only). */
  constructor(private core: CoreExports, private maxFrames: number) {}

  /** Frames the cache holds a reference to. */
  get frames(): number { return this.framesHeld; }

  /** The same instance's machine after Machine.recycle kept this cache's frames: its exports from now on. */
  rebind(core: CoreExports): void { this.core = core; }

  /** The cached program for this inode if its size and times still match. */
  get(inode: Inode, st: Stat): CachedProgram | null {
    const e = this.entries.get(inode);
    if (!e) return null;
    this.entries.delete(inode);
    if (e.size !== st.size || e.mtimeNs !== st.mtimeNs || e.ctimeNs !== st.ctimeNs || e.version !== inode.dataVersion) {
      this.release(e);
      return null;
    }
    this.entries.set(inode, e);
    return e;
  }

  /** Keeps bytes as the content of inode (files too big for the cache are not kept). */
  add(inode: Inode, st: Stat, version: number, bytes: Uint8Array): CachedProgram {
    const e: Entry = { bytes, frames: [], size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, version, held: false };
    if (bytes.length > MAX_BYTES / 4) return e;
    const old = this.entries.get(inode);
    if (old) { this.entries.delete(inode); this.release(old); }
    this.entries.set(inode, e);
    e.held = true;
    this.bytesHeld += bytes.length;
    this.trim(e);
    return e;
  }

  /**
   * The frame with file page `page` of p, made on first use; 0 when the cache keeps no frames or
   * the machine has none to spare. The cache holds one reference: a mapping adds its own.
   */
  frame(p: CachedProgram, page: number): number {
    const have = p.frames[page];
    if (have) return have;
    const e = p as Entry;
    if (!e.held) return 0;
    if (this.framesHeld >= this.maxFrames) this.trim(e, 1);
    if (this.framesHeld >= this.maxFrames) return 0;
    const f = this.core.allocFrame();
    if (f === 0) return 0;
    const start = page * 4096;
    // allocFrame may have grown the memory: take the buffer now.
    new Uint8Array(this.core.memory.buffer, f, 4096).set(p.bytes.subarray(start, Math.min(start + 4096, p.bytes.length)));
    p.frames[page] = f;
    this.framesHeld++;
    return f;
  }

  /** Drops every cached frame (the machine is short of memory); true if any was held. */
  dropFrames(): boolean {
    if (this.framesHeld === 0) return false;
    for (const e of this.entries.values()) this.unrefFrames(e);
    return true;
  }

  /** Evicts least recently used entries other than keep until the limits hold (with room for more frames). */
  private trim(keep: Entry, moreFrames = 0): void {
    for (const [inode, e] of this.entries) {
      if (this.entries.size <= MAX_PROGRAMS && this.bytesHeld <= MAX_BYTES && this.framesHeld + moreFrames <= this.maxFrames) break;
      if (e === keep) continue;
      this.entries.delete(inode);
      this.release(e);
    }
  }

  private release(e: Entry): void {
    e.held = false;
    this.bytesHeld -= e.bytes.length;
    this.unrefFrames(e);
  }

  private unrefFrames(e: Entry): void {
    for (const f of e.frames) if (f) { this.core.frameUnref(f); this.framesHeld--; }
    e.frames = [];
  }
}
