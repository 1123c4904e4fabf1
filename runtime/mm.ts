// The memory manager: a process's address space is a page-table root in the core plus a sorted
// list of VMAs (what Linux's mm_struct keeps). Frames are allocated lazily by the core on first
// touch; this file decides what is mapped where and with which permissions.
import type { CoreExports } from "./machine.js";
import type { Inode, MappedPages } from "./vfs/inode.js";
import * as L from "./gen/layout.js";
import { EACCES, EINVAL, ENOMEM, EEXIST, EFAULT, EPERM } from "./errno.js";

export const PAGE = 4096n;
export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
export const MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_SHARED_VALIDATE = 0x3, MAP_TYPE = 0xf, MAP_FIXED = 0x10,
  MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000,
  MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000,
  MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000, MAP_FIXED_NOREPLACE = 0x100000;

/** Highest user address + 1 on x86-64 with 4-level paging (TASK_SIZE). */
export const TASK_SIZE = 0x7ffffffff000n;
/** Where the initial stack ends (no randomisation: the value Linux uses with ASLR off). */
export const STACK_TOP = TASK_SIZE;
export const STACK_SIZE = 8n << 20n;
/** Top of the top-down mmap area: below the stack and Linux's minimum 128 MiB stack gap. */
export const MMAP_TOP = STACK_TOP - (128n << 20n);
/** Lowest address mmap picks by itself (vm.mmap_min_addr). */
export const MMAP_MIN = 0x10000n;
/** ELF_ET_DYN_BASE (2/3 of the address space): programs with an interpreter load at its page,
 *  and a static-pie's brk starts at it (page-aligned up), as Linux does with ASLR off. */
export const ET_DYN_BASE = (TASK_SIZE / 3n) * 2n;
/** stack_guard_gap: room a growing stack keeps from the mapping below it (256 pages). */
export const STACK_GUARD_GAP = 256n * 4096n;

export interface Vma {
  start: bigint;
  end: bigint;
  prot: number;
  flags: number;
  /** "[heap]", "[stack]", a file path, or "" for anonymous memory. */
  name: string;
  /** Page-table entries exist (a PROT_NONE reservation has none until mprotect makes it usable). */
  populated: boolean;
  /** Was ever executable: its frames may hold decoded blocks (see dropFrames). */
  everExec?: boolean;
  /** The PROT_* bits mprotect may give it (Linux's VM_MAY*): a read-only shm attach cannot become writable. */
  mayProt?: number;
  /** File-backed: what /proc/self/maps shows, and where MAP_SHARED writes go back to. */
  file?: MappedFile;
  /** File offset of start (file mappings). */
  offset?: bigint;
  /** File mappings: the file offset from which pages lie wholly past end of file (touching them is SIGBUS). */
  eofOffset?: bigint;
}

/** The file behind a mapping: identity for /proc/self/maps, pwrite for MAP_SHARED write-back. */
export interface MappedFile {
  dev: bigint;
  ino: bigint;
  /** An open file description; refs/release when it is the VFS's (kept open while mapped). */
  handle: { refs?: number; release?(): void; pwrite?(data: Uint8Array, pos: number): number };
  /** Writes go back to the file (MAP_SHARED of a file opened for writing). */
  writeBack: boolean;
  /** MAP_SHARED: the file's page frames, shared with every other shared mapping of it. */
  pages?: SharedFilePages;
  /**
   * Told of each VMA that starts or stops using the file (Linux's vm_operations open/close): a
   * System V shared memory segment counts its attaches this way, through splits, fork and exit.
   */
  ops?: { open(): void; close(): void };
}

/**
 * The frames of one file's pages that MAP_SHARED mappings use (Linux's page cache, as far as
 * mappings go): every shared mapping of the file, in any process, maps the same frame for the
 * same page, so they see each other's stores at once. The cache holds one reference per frame
 * and lets them go when the last mapping that uses it is gone.
 */
export class SharedFilePages implements MappedPages {
  /** Page index in the file → frame. */
  readonly frames = new Map<bigint, number>();
  /** VMAs (and their splits and fork copies) that use the cache. */
  users = 0;
  /** inode: the file, whose descriptor reads and writes go through these frames while they exist. */
  constructor(private core: CoreExports, private forget: () => void, private readonly inode?: Inode) {
    if (inode) (inode.mappedPages ??= new Set()).add(this);
  }
  release(): void {
    for (const f of this.frames.values()) this.core.frameUnref(f);
    this.frames.clear();
    this.inode?.mappedPages?.delete(this);
    this.forget();
  }
  /** Calls fn for each cached page overlapping [pos, pos+len): the frame's bytes and the range's offsets. */
  private each(pos: number, len: number, fn: (page: Uint8Array, from: number, to: number, at: number) => void): void {
    if (len <= 0 || this.frames.size === 0) return;
    const first = Math.floor(pos / 4096), last = Math.floor((pos + len - 1) / 4096);
    for (let i = first; i <= last; i++) {
      const frame = this.frames.get(BigInt(i));
      if (frame === undefined) continue;
      const start = Math.max(pos, i * 4096), end = Math.min(pos + len, (i + 1) * 4096);
      fn(new Uint8Array(this.core.memory.buffer, frame, 4096), start - i * 4096, end - i * 4096, start - pos);
    }
  }
  readOver(buf: Uint8Array, pos: number): void {
    this.each(pos, buf.length, (page, from, to, at) => buf.set(page.subarray(from, to), at));
  }
  writeThrough(data: Uint8Array, pos: number): void {
    this.each(pos, data.length, (page, from, to, at) => page.set(data.subarray(at, at + (to - from)), from));
  }
  truncated(size: number): void {
    this.each(size, 4096 - (size % 4096 || 4096), (page, from) => page.fill(0, from));
  }
}

function holdFile(f: MappedFile | undefined): void {
  f?.ops?.open();
  if (f?.pages) f.pages.users++;
  if (f && typeof f.handle.refs === "number") f.handle.refs++;
}
function dropFile(f: MappedFile | undefined): void {
  f?.ops?.close();
  if (f?.pages && --f.pages.users === 0) f.pages.release();
  if (!f || typeof f.handle.refs !== "number") return;
  if (--f.handle.refs === 0) f.handle.release?.();
}

export const pageDown = (a: bigint): bigint => a & ~(PAGE - 1n);
export const pageUp = (a: bigint): bigint => (a + PAGE - 1n) & ~(PAGE - 1n);

/** PTE permission bits for PROT_* (on x86, write and exec imply read). */
export function pteFlags(prot: number, shared: boolean): number {
  let f = L.PTE_USER;
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) f |= L.PTE_READ;
  if (prot & PROT_WRITE) f |= L.PTE_WRITE;
  if (prot & PROT_EXEC) f |= L.PTE_EXEC;
  if (shared) f |= L.PTE_SHARED;
  return f;
}

const CHUNK = 1n << 20n; // pages per core call, so counts stay within u32

export class AddressSpace {
  readonly root: number;
  vmas: Vma[] = [];
  brkStart = 0n;
  brkCur = 0n;
  /** Processes using this address space (CLONE_VM shares it); freed when the last one leaves. */
  users = 1;
  /**
   * Largest single commitment of memory accepted (Linux's heuristic overcommit refuses one
   * allocation larger than RAM + swap): the machine's memory limit or the host's RAM.
   */
  commitLimit: bigint = 1n << 62n;

  private constructor(private core: CoreExports, root: number) { this.root = root; }

  /** An empty address space; null when the core has no frame for the root table. */
  static create(core: CoreExports): AddressSpace | null {
    const root = core.ptNew();
    return root === 0 ? null : new AddressSpace(core, root);
  }

  /**
   * The child's copy at fork: the same VMAs over a copy-on-write clone of the page tables. Shared
   * pages must have frames before the clone, or parent and child would each get their own zero
   * page on first touch. Null when the core runs out of frames.
   */
  fork(): AddressSpace | null {
    for (const v of this.vmas) {
      if (!v.populated || (v.flags & MAP_TYPE) !== MAP_SHARED) continue;
      if (!this.populateShared(v.start, v.end, pteFlags(v.prot, true))) return null;
    }
    const root = this.core.ptCloneCow(this.root);
    if (root === 0) return null;
    const child = new AddressSpace(this.core, root);
    child.vmas = this.vmas.map((v) => ({ ...v }));
    for (const v of child.vmas) holdFile(v.file);
    child.brkStart = this.brkStart;
    child.brkCur = this.brkCur;
    child.commitLimit = this.commitLimit;
    return child;
  }

  /** Gives every still-lazy page of a shared range its frame now. */
  private populateShared(start: bigint, end: bigint, flags: number): boolean {
    for (let a = start; a < end; a += PAGE) {
      const pte = this.core.ptLookup(this.root, a);
      if ((pte & BigInt(L.PTE_PRESENT)) === 0n || (pte & BigInt(L.PTE_LAZY)) === 0n) continue;
      const f = this.core.allocFrame();
      if (f === 0) return false;
      const r = this.core.ptMap(this.root, a, 1, f, (Number(pte & 0xfffn) & ~(L.PTE_LAZY | L.PTE_PRESENT)) | (flags & L.PTE_SHARED));
      this.core.frameUnref(f);
      if (r !== 0) return false;
    }
    return true;
  }

  /** Frees the page tables and drops every frame reference (MAP_SHARED file pages are written back first). */
  destroy(): void {
    for (const v of this.vmas) { this.writeBack(v, v.start, v.end); dropFile(v.file); }
    // No flush of the decoded blocks: the core flushes them when it frees a frame that holds
    // code, and frames that live on (shared with a forked process, or a cached program's) keep
    // the same bytes at the same place next to the same pages, so their blocks stay right.
    this.core.ptFree(this.root);
    this.vmas = [];
    // The root and table frames go back to the free list: a later address space may get the same
    // root number, and must not see this one's translations.
    this.core.tlbFlush();
  }

  /** Bytes of [start, end) as the process sees them, read through the page table (no address-space switch). */
  readPages(start: bigint, end: bigint): Uint8Array {
    const out = new Uint8Array(Number(end - start));
    for (let a = start; a < end; a += PAGE) {
      const pte = this.core.ptLookup(this.root, a);
      if ((pte & BigInt(L.PTE_PRESENT)) === 0n || (pte & BigInt(L.PTE_LAZY)) !== 0n) continue;
      const frame = Number(pte & BigInt(L.PTE_FRAME_MASK));
      out.set(new Uint8Array(this.core.memory.buffer, frame, 4096), Number(a - start));
    }
    return out;
  }

  /** MAP_SHARED file mappings: the pages' bytes go back to the file (msync, munmap, exit). */
  writeBack(v: Vma, start: bigint, end: bigint): void {
    if (!v.file?.writeBack || !v.file.handle.pwrite || !v.populated) return;
    const s = start > v.start ? start : v.start, e = end < v.end ? end : v.end;
    if (s >= e) return;
    const bytes = this.readPages(s, e);
    const pos = (v.offset ?? 0n) + (s - v.start);
    // Only bytes inside the file go back: a mapping past end of file never extends it.
    const st = (v.file.handle as { stat?(): { size: bigint | number } | number }).stat?.();
    const size = st && typeof st === "object" ? BigInt(st.size) : pos + BigInt(bytes.length);
    const n = size > pos ? (size - pos < BigInt(bytes.length) ? Number(size - pos) : bytes.length) : 0;
    if (n > 0) v.file.handle.pwrite(bytes.subarray(0, n), Number(pos));
  }

  // ---- page-table primitives ----------------------------------------------------------------
  private ptMapRange(start: bigint, end: bigint, flags: number): boolean {
    for (let a = start; a < end; a += CHUNK * PAGE) {
      const pages = (end - a) / PAGE < CHUNK ? (end - a) / PAGE : CHUNK;
      if (this.core.ptMap(this.root, a, Number(pages), 0, flags) !== 0) return false;
    }
    return true;
  }
  private ptUnmapRange(start: bigint, end: bigint): void {
    for (let a = start; a < end; a += CHUNK * PAGE) {
      const pages = (end - a) / PAGE < CHUNK ? (end - a) / PAGE : CHUNK;
      this.core.ptUnmap(this.root, a, Number(pages));
    }
  }
  private ptProtectRange(start: bigint, end: bigint, flags: number): void {
    for (let a = start; a < end; a += CHUNK * PAGE) {
      const pages = (end - a) / PAGE < CHUNK ? (end - a) / PAGE : CHUNK;
      this.core.ptProtect(this.root, a, Number(pages), flags);
    }
  }

  // ---- VMA list -----------------------------------------------------------------------------
  /** The VMA containing addr, if any. */
  find(addr: bigint): Vma | undefined { return this.vmas.find((v) => v.start <= addr && addr < v.end); }

  overlaps(start: bigint, end: bigint): boolean { return this.vmas.some((v) => v.start < end && start < v.end); }

  /** Splits VMAs so that start and end fall on VMA boundaries. */
  private splitAt(addr: bigint): void {
    const i = this.vmas.findIndex((v) => v.start < addr && addr < v.end);
    if (i < 0) return;
    const v = this.vmas[i];
    const offset = v.offset !== undefined ? v.offset + (addr - v.start) : undefined;
    this.vmas.splice(i + 1, 0, { ...v, start: addr, offset });
    holdFile(v.file);
    v.end = addr;
  }

  private insert(v: Vma): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < v.start) i++;
    this.vmas.splice(i, 0, v);
  }

  /** Removes [start, end) from the VMA list and the page table. */
  unmap(start: bigint, end: bigint): void {
    this.splitAt(start); this.splitAt(end);
    const keep: Vma[] = [];
    let code = false;
    for (const v of this.vmas) {
      if (v.start >= start && v.end <= end) {
        this.writeBack(v, v.start, v.end);
        if (v.populated) this.ptUnmapRange(v.start, v.end);
        code ||= !!v.everExec;
        dropFile(v.file);
      } else keep.push(v);
    }
    this.vmas = keep;
    if (code) this.dropDecodedCode();
  }

  /**
   * Frames that held executed code may be freed and reused for new code; the core keys decoded
   * blocks by physical address and forgets a frame's code mark when it is reallocated, so the
   * block cache is flushed whenever executable memory goes away.
   */
  private dropDecodedCode(): void { this.core.flushCodeCache(); }

  /**
   * Maps [start, end) (page-aligned) as fresh zero-on-touch memory, replacing whatever was there
   * (MAP_FIXED semantics). Returns false when the core ran out of frames for page tables.
   */
  mapFixed(start: bigint, end: bigint, prot: number, flags: number, name: string, file?: MappedFile, offset?: bigint): boolean {
    this.unmap(start, end);
    const populated = prot !== 0;
    if (populated && !this.ptMapRange(start, end, pteFlags(prot, (flags & MAP_TYPE) === MAP_SHARED))) {
      this.ptUnmapRange(start, end);
      return false;
    }
    holdFile(file);
    this.insert({ start, end, prot, flags, name, populated, everExec: (prot & PROT_EXEC) !== 0, file, offset });
    return true;
  }

  /**
   * Puts existing frames (each gains a reference) at start, start + 4096, … inside a range
   * mapFixed made, read-only until the protect() that follows sets the segment's protection (a
   * writable private page whose frame is shared becomes copy-on-write there).
   */
  mapFrames(start: bigint, frames: number[]): boolean {
    for (let i = 0; i < frames.length;) {
      let j = i + 1;
      while (j < frames.length && frames[j] === frames[j - 1] + 4096) j++; // a run of consecutive frames: one call
      if (this.core.ptMap(this.root, start + BigInt(i) * PAGE, j - i, frames[i], L.PTE_USER | L.PTE_READ) !== 0) return false;
      i = j;
    }
    return true;
  }

  /**
   * A MAP_SHARED file mapping made by mmapAnonymous gets the file's shared frames for its pages
   * [0, pages): cached ones as they are, new ones filled by fill (the file's bytes). False when
   * the core has no frame left.
   */
  mapSharedPages(start: bigint, firstPage: bigint, pages: number, cache: SharedFilePages, fill: (frame: Uint8Array, page: bigint) => void): boolean {
    const flags = pteFlags(PROT_READ | PROT_WRITE, true);
    for (let i = 0; i < pages; i++) {
      const page = firstPage + BigInt(i);
      let frame = cache.frames.get(page);
      if (frame === undefined) {
        frame = this.core.allocFrame();
        if (frame === 0) return false;
        fill(new Uint8Array(this.core.memory.buffer, frame, 4096), page);
        cache.frames.set(page, frame);
      }
      if (this.core.ptMap(this.root, start + BigInt(i) * PAGE, 1, frame, flags) !== 0) return false;
    }
    return true;
  }

  /** Finds a free range of len bytes, top-down below MMAP_TOP (Linux's default layout). */
  findFree(len: bigint, below = MMAP_TOP): bigint | null {
    let top = below;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = i >= 0 ? this.vmas[i] : null;
      if (v && v.start >= top) continue;
      const floor = v ? (v.end > MMAP_MIN ? v.end : MMAP_MIN) : MMAP_MIN;
      if (top - floor >= len) return top - len;
      if (v && v.start < top) top = v.start;
      if (top <= MMAP_MIN) break;
    }
    return null;
  }

  /** mprotect over [start, end): ENOMEM when part of the range is unmapped. */
  protect(start: bigint, end: bigint, prot: number): number {
    for (let a = start; a < end;) {
      const v = this.find(a);
      if (!v) return -ENOMEM;
      if (v.mayProt !== undefined && (prot & ~v.mayProt)) return -EACCES;
      a = v.end;
    }
    this.splitAt(start); this.splitAt(end);
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) continue;
      const shared = (v.flags & MAP_TYPE) === MAP_SHARED;
      if (v.populated) this.ptProtectRange(v.start, v.end, pteFlags(prot, shared) & (L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC));
      else if (prot !== 0) {
        if (!this.ptMapRange(v.start, v.end, pteFlags(prot, shared))) return -ENOMEM;
        v.populated = true;
      }
      v.prot = prot;
      if (prot & PROT_EXEC) v.everExec = true;
    }
    this.merge();
    return 0;
  }

  /** Joins neighbouring VMAs that are indistinguishable, as Linux does after splits. */
  private merge(): void {
    const out: Vma[] = [];
    for (const v of this.vmas) {
      const p = out[out.length - 1];
      const contiguousFile = p && p.file === v.file && (p.file === undefined || (p.offset ?? 0n) + (p.end - p.start) === v.offset);
      if (p && p.end === v.start && p.prot === v.prot && p.flags === v.flags && p.name === v.name && p.populated === v.populated && !!p.everExec === !!v.everExec && p.mayProt === v.mayProt && contiguousFile) {
        p.end = v.end;
        dropFile(v.file);
      } else out.push(v);
    }
    this.vmas = out;
  }

  // ---- the system calls' semantics ----------------------------------------------------------
  /** mmap of anonymous memory (file contents are filled in by the caller); address or -errno. */
  mmapAnonymous(addr: bigint, length: bigint, prot: number, flags: number, name = "", file?: MappedFile, offset?: bigint): bigint {
    if (length === 0n) return BigInt(-EINVAL);
    const len = pageUp(length);
    if (len === 0n || len > TASK_SIZE) return BigInt(-ENOMEM);
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return BigInt(-EINVAL);
    // Memory the process could write without a file behind it is committed; one commitment larger
    // than the machine can ever hold fails up front, as Linux's heuristic overcommit does.
    const committed = type === MAP_PRIVATE ? (prot & PROT_WRITE) !== 0 : !file;
    if (committed && !(flags & MAP_NORESERVE) && len > this.commitLimit) return BigInt(-ENOMEM);
    let start: bigint;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (addr & (PAGE - 1n)) return BigInt(-EINVAL);
      if (addr + len > TASK_SIZE || addr + len < addr) return BigInt(-ENOMEM);
      // Below vm.mmap_min_addr needs CAP_SYS_RAWIO, which a container's root does not have.
      if (addr < MMAP_MIN) return BigInt(-EPERM);
      if (!(flags & MAP_FIXED) && this.overlaps(addr, addr + len)) return BigInt(-EEXIST);
      start = addr;
    } else {
      const hint = pageDown(addr);
      if (hint >= MMAP_MIN && hint + len <= TASK_SIZE && !this.overlaps(hint, hint + len)) start = hint;
      else {
        const found = this.findFree(len);
        if (found === null) return BigInt(-ENOMEM);
        start = found;
      }
    }
    // What stays with the mapping (Linux's vm_flags); MAP_FIXED and friends only steer placement.
    const lasting = (type === MAP_SHARED_VALIDATE ? MAP_SHARED : type) | (flags & (MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_NORESERVE | MAP_LOCKED | MAP_STACK));
    const keepFlags = lasting;
    if (!this.mapFixed(start, start + len, prot, keepFlags, name, file, offset)) return BigInt(-ENOMEM);
    return start;
  }

  /** munmap: EINVAL for a misaligned address or zero length; unmapped holes are fine. */
  munmap(addr: bigint, length: bigint): number {
    if ((addr & (PAGE - 1n)) || length === 0n) return -EINVAL;
    const end = addr + pageUp(length);
    if (end > TASK_SIZE || end < addr) return -EINVAL;
    this.unmap(addr, end);
    return 0;
  }

  mprotect(addr: bigint, length: bigint, prot: number): number {
    if (addr & (PAGE - 1n)) return -EINVAL;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | 0x01000000 | 0x02000000)) return -EINVAL;
    const end = addr + pageUp(length);
    if (end < addr || end > TASK_SIZE) return -ENOMEM;
    if (end === addr) return 0;
    return this.protect(addr, end, prot & 7);
  }

  /** Sets up the heap right after the loaded image. */
  initBrk(end: bigint): void { this.brkStart = this.brkCur = pageUp(end); }

  /** brk(2): the new break, or the old one when the request cannot be honoured. */
  brk(want: bigint): bigint {
    if (want < this.brkStart || want > TASK_SIZE) return this.brkCur;
    const oldTop = pageUp(this.brkCur), newTop = pageUp(want);
    if (newTop < oldTop) this.unmap(newTop, oldTop);
    else if (newTop > oldTop) {
      if (this.overlaps(oldTop, newTop) || newTop - this.brkStart > this.commitLimit) return this.brkCur;
      const heap = this.vmas.find((v) => v.name === "[heap]" && v.end === oldTop);
      if (!this.ptMapRange(oldTop, newTop, pteFlags(PROT_READ | PROT_WRITE, false))) {
        this.ptUnmapRange(oldTop, newTop);
        return this.brkCur;
      }
      if (heap) heap.end = newTop;
      else this.insert({ start: oldTop, end: newTop, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS, name: "[heap]", populated: true });
    }
    this.brkCur = want;
    return want;
  }

  /** MADV_DONTNEED: private pages in [start, end) read back as zeros (their frames are dropped). */
  discard(start: bigint, end: bigint): number {
    let covered = true;
    for (let a = start; a < end;) {
      const v = this.find(a);
      if (!v) { covered = false; const nxt = this.vmas.find((x) => x.start > a); if (!nxt) break; a = nxt.start; continue; }
      const s0 = v.start > start ? v.start : start, e0 = v.end < end ? v.end : end;
      const shared = (v.flags & MAP_TYPE) === MAP_SHARED;
      if (v.populated && !shared) {
        this.ptMapRange(s0, e0, pteFlags(v.prot, false));
        if (v.everExec) this.dropDecodedCode();
      }
      a = v.end;
    }
    return covered ? 0 : -ENOMEM;
  }

  /**
   * mremap(2) over page-aligned lengths: shrink, grow in place, or (MREMAP_MAYMOVE) move the pages
   * to a new place — the frames move with their state (copy-on-write, shared), nothing is copied.
   * fixed is MREMAP_FIXED's address; dontUnmap leaves the old range mapped and empty.
   */
  remap(addr: bigint, oldLen: bigint, newLen: bigint, mayMove: boolean, fixed: bigint | null, dontUnmap: boolean): bigint {
    const v = this.find(addr);
    if (!v || addr + oldLen > v.end) return BigInt(-EFAULT);
    if (fixed !== null) {
      if (fixed & (PAGE - 1n)) return BigInt(-EINVAL);
      if (fixed + newLen > TASK_SIZE || fixed + newLen < fixed) return BigInt(-EINVAL);
      if (fixed < addr + oldLen && addr < fixed + newLen) return BigInt(-EINVAL);
    }
    if (dontUnmap && (oldLen !== newLen || (v.flags & MAP_TYPE) !== MAP_PRIVATE || !(v.flags & MAP_ANONYMOUS))) return BigInt(-EINVAL);
    if (fixed === null && !dontUnmap) {
      if (newLen <= oldLen) {
        if (newLen < oldLen) this.unmap(addr + newLen, addr + oldLen);
        return addr;
      }
      const end = addr + oldLen, newEnd = addr + newLen;
      if (end === v.end && newEnd <= TASK_SIZE && !this.overlaps(end, newEnd)) {
        if (v.populated && !this.ptMapRange(end, newEnd, pteFlags(v.prot, (v.flags & MAP_TYPE) === MAP_SHARED))) {
          this.ptUnmapRange(end, newEnd);
          return BigInt(-ENOMEM);
        }
        v.end = newEnd;
        return addr;
      }
      if (!mayMove) return BigInt(-ENOMEM);
    }
    if ((v.flags & MAP_TYPE) === MAP_PRIVATE && (v.prot & PROT_WRITE) && newLen > this.commitLimit) return BigInt(-ENOMEM);
    let to: bigint;
    if (fixed !== null) { this.unmap(fixed, fixed + newLen); to = fixed; }
    else {
      const found = this.findFree(newLen);
      if (found === null) return BigInt(-ENOMEM);
      to = found;
    }
    const keep = oldLen < newLen ? oldLen : newLen;
    const moved: Vma = { ...v, start: to, end: to + newLen, offset: v.offset !== undefined ? v.offset + (addr - v.start) : undefined };
    if (v.populated) {
      for (let o = 0n; o < keep; o += PAGE) {
        const pte = this.core.ptLookup(this.root, addr + o);
        if ((pte & BigInt(L.PTE_PRESENT)) === 0n) continue;
        const bits = Number(pte & 0xfffn) & ~L.PTE_PRESENT;
        const frame = (bits & L.PTE_LAZY) ? 0 : Number(pte & BigInt(L.PTE_FRAME_MASK));
        if (this.core.ptMap(this.root, to + o, 1, frame, bits) !== 0) { this.ptUnmapRange(to, to + o); return BigInt(-ENOMEM); }
      }
      if (newLen > keep && !this.ptMapRange(to + keep, to + newLen, pteFlags(v.prot, (v.flags & MAP_TYPE) === MAP_SHARED))) {
        this.ptUnmapRange(to, to + newLen);
        return BigInt(-ENOMEM);
      }
    }
    // The moved mapping holds the file before the old one lets go, so a file whose last user this
    // is (a shared page cache, a segment marked for removal) lives on.
    holdFile(moved.file);
    if (dontUnmap) {
      // The old range stays mapped but its pages start over as zero-fill.
      if (v.populated) this.ptMapRange(addr, addr + oldLen, pteFlags(v.prot, false));
    } else {
      // The pages now live at the new place: drop the old view without writing file pages back twice.
      const wb = v.file?.writeBack;
      if (v.file && wb) v.file.writeBack = false;
      this.unmap(addr, addr + oldLen);
      if (v.file && wb) v.file.writeBack = true;
    }
    this.insert(moved);
    if (v.everExec) this.dropDecodedCode();
    return to;
  }

  /**
   * A fault just below a MAP_GROWSDOWN mapping extends it down to the faulting page, as far as
   * the stack limit allows and never into the gap Linux keeps above the next mapping.
   */
  growDown(addr: bigint, stackLimit: bigint): boolean {
    const page = pageDown(addr);
    const v = this.vmas.find((x) => (x.flags & MAP_GROWSDOWN) && x.start > page);
    if (!v || this.vmas.some((x) => x.start <= page && page < x.end)) return false;
    const below = this.vmas.filter((x) => x.end <= v.start).pop();
    if (v.end - page > stackLimit) return false;
    if (below && below.end + STACK_GUARD_GAP > page) return false;
    if (page < MMAP_MIN) return false;
    if (v.populated && !this.ptMapRange(page, v.start, pteFlags(v.prot, false))) return false;
    v.start = page;
    return true;
  }

  /** Bytes of address space mapped (VmSize), and in writable private mappings (what Linux commits). */
  usage(): { size: bigint; committed: bigint; heap: bigint; stack: bigint } {
    let size = 0n, committed = 0n, heap = 0n, stack = 0n;
    for (const v of this.vmas) {
      const n = v.end - v.start;
      size += n;
      if ((v.flags & MAP_TYPE) === MAP_PRIVATE && (v.prot & PROT_WRITE)) committed += n;
      if (v.name === "[heap]") heap += n;
      if (v.name === "[stack]") stack += n;
    }
    return { size, committed, heap, stack };
  }

  /** The text of /proc/<pid>/maps, in Linux's format. */
  mapsText(): string {
    const hex = (n: bigint, w: number): string => n.toString(16).padStart(w, "0");
    const lines: string[] = [];
    for (const v of this.vmas) {
      const perms = (v.prot & PROT_READ ? "r" : "-") + (v.prot & PROT_WRITE ? "w" : "-") + (v.prot & PROT_EXEC ? "x" : "-") +
        ((v.flags & MAP_TYPE) === MAP_SHARED ? "s" : "p");
      const dev = v.file?.dev ?? 0n;
      // glibc's encoding of dev_t (gnu_dev_major/minor), which is what stat returns.
      const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn), minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
      let line = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(v.file ? v.offset ?? 0n : 0n, 8)} ${hex(major, 2)}:${hex(minor, 2)} ${v.file?.ino ?? 0n} `;
      if (v.name) line = line.padEnd(73, " ") + v.name;
      lines.push(line);
    }
    return lines.map((l) => l + "\n").join("");
  }

  /** mincore(2)'s view: is each page of [start, end) backed by a frame? null when part is unmapped. */
  residency(start: bigint, end: bigint): Uint8Array | null {
    for (let a = start; a < end;) {
      const v = this.find(a);
      if (!v) return null;
      a = v.end;
    }
    const out = new Uint8Array(Number((end - start) / PAGE));
    for (let i = 0; i < out.length; i++) {
      const pte = this.core.ptLookup(this.root, start + BigInt(i) * PAGE);
      out[i] = (pte & BigInt(L.PTE_PRESENT)) !== 0n && (pte & BigInt(L.PTE_LAZY)) === 0n ? 1 : 0;
    }
    return out;
  }
}
