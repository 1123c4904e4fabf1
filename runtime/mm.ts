// The memory manager: a process's address space is a page-table root in the core plus a sorted
// list of VMAs (what Linux's mm_struct keeps). Frames are allocated lazily by the core on first
// touch; this file decides what is mapped where and with which permissions.
import type { CoreExports } from "./machine.js";
import * as L from "./gen/layout.js";
import { EINVAL, ENOMEM, EEXIST, EFAULT, EPERM } from "./errno.js";

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

  private constructor(private core: CoreExports, root: number) { this.root = root; }

  /** An empty address space; null when the core has no frame for the root table. */
  static create(core: CoreExports): AddressSpace | null {
    const root = core.ptNew();
    return root === 0 ? null : new AddressSpace(core, root);
  }

  /** Frees the page tables and drops every frame reference. */
  destroy(): void {
    const code = this.vmas.some((v) => v.everExec);
    this.core.ptFree(this.root);
    this.vmas = [];
    if (code) this.dropDecodedCode();
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
    this.vmas.splice(i + 1, 0, { ...v, start: addr });
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
        if (v.populated) this.ptUnmapRange(v.start, v.end);
        code ||= !!v.everExec;
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
  mapFixed(start: bigint, end: bigint, prot: number, flags: number, name: string): boolean {
    this.unmap(start, end);
    const populated = prot !== 0;
    if (populated && !this.ptMapRange(start, end, pteFlags(prot, (flags & MAP_TYPE) === MAP_SHARED))) {
      this.ptUnmapRange(start, end);
      return false;
    }
    this.insert({ start, end, prot, flags, name, populated, everExec: (prot & PROT_EXEC) !== 0 });
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
      if (p && p.end === v.start && p.prot === v.prot && p.flags === v.flags && p.name === v.name && p.populated === v.populated && !!p.everExec === !!v.everExec) p.end = v.end;
      else out.push(v);
    }
    this.vmas = out;
  }

  // ---- the system calls' semantics ----------------------------------------------------------
  /** mmap of anonymous memory (file contents are filled in by the caller); address or -errno. */
  mmapAnonymous(addr: bigint, length: bigint, prot: number, flags: number, name = ""): bigint {
    if (length === 0n) return BigInt(-EINVAL);
    const len = pageUp(length);
    if (len === 0n || len > TASK_SIZE) return BigInt(-ENOMEM);
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return BigInt(-EINVAL);
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
    if (!this.mapFixed(start, start + len, prot, keepFlags, name)) return BigInt(-ENOMEM);
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
      if (this.overlaps(oldTop, newTop)) return this.brkCur;
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

  /** mremap without moving: shrink, or grow in place when the pages after are free. */
  resize(addr: bigint, oldLen: bigint, newLen: bigint): bigint {
    const v = this.find(addr);
    if (!v || addr + oldLen > v.end) return BigInt(-EFAULT);
    if (newLen <= oldLen) {
      if (newLen < oldLen) this.unmap(addr + newLen, addr + oldLen);
      return addr;
    }
    const end = addr + oldLen, newEnd = addr + newLen;
    if (end !== v.end || newEnd > TASK_SIZE || this.overlaps(end, newEnd)) return BigInt(-ENOMEM);
    if (v.populated && !this.ptMapRange(end, newEnd, pteFlags(v.prot, (v.flags & MAP_TYPE) === MAP_SHARED))) {
      this.ptUnmapRange(end, newEnd);
      return BigInt(-ENOMEM);
    }
    v.end = newEnd;
    return addr;
  }
}
