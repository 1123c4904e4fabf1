// Memory system calls over the process's AddressSpace (runtime/mm.ts).
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import {
  MAP_ANONYMOUS, MAP_TYPE, MAP_SHARED, MAP_SHARED_VALIDATE, PAGE, PROT_READ, PROT_WRITE,
  pageUp, TASK_SIZE, SharedFilePages, type AddressSpace, type MappedFile,
} from "../runtime/mm.js";
import { EBADF, EINVAL, ENODEV, EACCES, EFAULT, ENOMEM, EOVERFLOW, EPERM } from "../runtime/errno.js";
import { RLIMIT_MEMLOCK } from "../runtime/process.js";
import { O_ACCMODE, O_WRONLY, O_RDWR, O_PATH } from "../runtime/files.js";
import type { SyscallResult } from "./types.js";
import type { Inode } from "../runtime/vfs/inode.js";
import { MemFile } from "../runtime/vfs/memfs.js";
import { F_SEAL_WRITE, F_SEAL_FUTURE_WRITE } from "../runtime/vfs/abi.js";

/** brk(2) */
export function sysBrk(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.mm.brk(a[0]);
}

/** An open file as mmap needs it (the VFS's open file description). */
interface MappableFile {
  flags: number;
  refs?: number;
  pread(buf: Uint8Array, pos: number): number;
  pwrite?(data: Uint8Array, pos: number): number;
  stat(): { mode: number; size: bigint; dev: bigint; ino: bigint } | number;
  release?(): void;
  /** The file, whose descriptors read and write through a shared mapping's frames. */
  inode?: Inode;
}

/**
 * mmap(2). File pages are read into the mapping when it is made (a private mapping then behaves
 * as Linux's copy-on-write file pages do, as long as nobody writes the file meanwhile); shared
 * mappings of a file all map the same frames (SharedFilePages), and a writable one writes its
 * pages back to the file at msync, munmap and exit; meanwhile the file's descriptors read and
 * write through those frames (Inode.mappedPages). MAP_SHARED memory stays shared across fork.
 */
export function sysMmap(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, len, protB, flagsB, fdB, off] = a;
  const prot = Number(protB & 0xffffffffn), flags = Number(flagsB & 0xffffffffn);
  const mm = t.process.mm;
  if (flags & MAP_ANONYMOUS) return mm.mmapAnonymous(addr, len, prot & 7, flags);
  if (off & (PAGE - 1n)) return -EINVAL;
  const f = t.process.fds.get(Number(BigInt.asIntN(32, fdB))) as unknown as MappableFile | undefined;
  if (!f) return -EBADF;
  const type = flags & MAP_TYPE;
  const shared = type === MAP_SHARED || type === MAP_SHARED_VALIDATE;
  const acc = f.flags & O_ACCMODE;
  if (acc === O_WRONLY || (f.flags & O_PATH)) return -EACCES;
  if (shared && (prot & PROT_WRITE) && acc !== O_RDWR) return -EACCES;
  // A file sealed against writes maps shared only read-only (memfd_check_seals_mmap).
  if (shared && (prot & PROT_WRITE) && f.inode instanceof MemFile && (f.inode.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) return -EPERM;
  if (len === 0n) return -EINVAL;
  const st = f.stat();
  if (typeof st === "number") return st;
  if ((st.mode & 0o170000) !== 0o100000) return -ENODEV;
  if (off + pageUp(len) < off || off > 0x7fffffffffffffffn) return -EOVERFLOW;
  const file: MappedFile = { dev: st.dev, ino: st.ino, handle: f, writeBack: shared && acc === O_RDWR };
  if (shared) file.pages = sharedPagesOf(k, st.dev, st.ino, f.inode);
  const start = mm.mmapAnonymous(addr, len, PROT_READ | PROT_WRITE, flags, k.files.nameOf(f as never), file, off);
  if (file.pages && !file.pages.users) file.pages.release(); // the mapping failed: nobody uses a new cache
  if (start < 0n) return start;
  const size = pageUp(len);
  const fileLeft = st.size > off ? st.size - off : 0n;
  const want = Number(fileLeft < size ? fileLeft : size);
  if (file.pages) {
    // Shared pages come from the file's cache, read from the file when first mapped.
    const fill = (frame: Uint8Array, page: bigint) => {
      const pos = Number(page * PAGE);
      const n = Math.min(4096, Number(st.size) - pos);
      if (n > 0) f.pread(frame.subarray(0, n), pos);
    };
    if (!mm.mapSharedPages(start, off / PAGE, Number(pageUp(BigInt(want)) / PAGE), file.pages, fill)) {
      unmapQuietly(mm, start, size);
      return -ENOMEM;
    }
  }
  for (let done = file.pages ? want : 0; done < want;) {
    const chunk = new Uint8Array(Math.min(want - done, 1 << 20));
    const n = f.pread(chunk, Number(off) + done);
    if (n <= 0) break;
    if (!k.machine.copyOut(start + BigInt(done), chunk.subarray(0, n))) { unmapQuietly(mm, start, size); return -ENOMEM; }
    done += n;
  }
  // Pages wholly past end of file have no page-table entries: touching them raises SIGBUS, as on
  // Linux (the page holding EOF is zero-filled after it).
  const eofPage = pageUp(fileLeft);
  if (eofPage < size) {
    const v = mm.find(start);
    if (v) v.eofOffset = off + eofPage;
    k.machine.core.ptUnmap(mm.root, start + eofPage, Number((size - eofPage) / 4096n));
  }
  if (mm.mprotect(start, len, prot & 7) !== 0) { unmapQuietly(mm, start, size); return -ENOMEM; }
  return start;
}

/** Each machine's shared-mapping page caches, by file (dev:ino), while some mapping uses them. */
const sharedPages = new WeakMap<Kernel, Map<string, SharedFilePages>>();

function sharedPagesOf(k: Kernel, dev: bigint, ino: bigint, inode: Inode | undefined): SharedFilePages {
  let byFile = sharedPages.get(k);
  if (!byFile) { byFile = new Map(); sharedPages.set(k, byFile); }
  const key = `${dev}:${ino}`;
  let cache = byFile.get(key);
  if (!cache) {
    const c = new SharedFilePages(k.machine.core, () => { if (byFile!.get(key) === c) byFile!.delete(key); }, inode);
    byFile.set(key, c);
    cache = c;
    // The core's copies of the file's pages (read fast path) would not see the mapping's stores.
    if (inode) k.dropFileCopies(inode);
  }
  return cache;
}

/** Undoes a half-made mapping without writing its pages to the file. */
function unmapQuietly(mm: AddressSpace, start: bigint, size: bigint): void {
  const v = mm.find(start);
  if (v?.file) v.file.writeBack = false;
  mm.munmap(start, size);
}

/** munmap(2) */
export function sysMunmap(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.mm.munmap(a[0], a[1]);
}

/** mprotect(2) */
export function sysMprotect(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.mm.mprotect(a[0], a[1], Number(a[2] & 0xffffffffn));
}

// Memory protection keys: the CPU reports no PKU (CPUID.7:ECX.OSPKE is clear). x86 Linux on such a
// CPU finds key 0 free in an allocation map it never initialised, fails to program it and answers
// EINVAL; pkey_free and pkey_mprotect find no allocated key (EINVAL) but for the default key -1.

/** pkey_alloc(2): EINVAL, the answer of x86 Linux on a CPU without protection keys. */
export function sysPkeyAlloc(): SyscallResult { return -EINVAL; }

/** pkey_free(2): no key is ever allocated. */
export function sysPkeyFree(): SyscallResult { return -EINVAL; }

/** pkey_mprotect(2): mprotect(2) with key -1; any other key is not allocated (EINVAL). */
export function sysPkeyMprotect(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (Number(BigInt.asIntN(32, a[3])) === -1) return sysMprotect(k, t, a);
  // Linux checks the range before the key: an unaligned start is EINVAL, an empty range succeeds.
  if (a[0] & (PAGE - 1n)) return -EINVAL;
  if (a[1] === 0n) return 0;
  return -EINVAL;
}

export const MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
  MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12, MADV_UNMERGEABLE = 13,
  MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_WIPEONFORK = 18,
  MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23;

/** Advice that only tunes paging and can be ignored without changing what the program sees. */
const HINTS = new Set([MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK,
  MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_COLD, MADV_PAGEOUT,
  MADV_POPULATE_READ, MADV_POPULATE_WRITE]);

/** madvise(2): DONTNEED zeroes private pages; hints are accepted. */
export function sysMadvise(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, len] = a;
  const advice = Number(a[2] & 0xffffffffn);
  if (addr & (PAGE - 1n)) return -EINVAL;
  const end = addr + pageUp(len);
  if (end < addr || end > TASK_SIZE) return -EINVAL;
  if (advice === MADV_DONTNEED) return t.process.mm.discard(addr, end);
  if (!HINTS.has(advice)) return -EINVAL;
  for (let p = addr; p < end;) {
    const v = t.process.mm.find(p);
    if (!v) return -ENOMEM;
    p = v.end;
  }
  return 0;
}

export const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

/** mremap(2): shrink, grow in place, or move (MAYMOVE, FIXED, DONTUNMAP) with the pages' frames. */
export function sysMremap(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, oldLen, newLen, flagsB, newAddr] = a;
  const flags = Number(flagsB & 0xffffffffn);
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
  if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (addr & (PAGE - 1n)) return -EINVAL;
  const o = pageUp(oldLen), n = pageUp(newLen);
  if (n === 0n || n > TASK_SIZE || o > TASK_SIZE) return -EINVAL;
  // old_len 0 duplicates a shared mapping; not provided.
  if (o === 0n) return -EINVAL;
  return t.process.mm.remap(addr, o, n, (flags & MREMAP_MAYMOVE) !== 0, flags & MREMAP_FIXED ? newAddr : null, (flags & MREMAP_DONTUNMAP) !== 0);
}

export const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

/** msync(2): MAP_SHARED file pages in the range are written to the file. */
export function sysMsync(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, len] = a;
  const flags = Number(a[2] & 0xffffffffn);
  if (addr & (PAGE - 1n)) return -EINVAL;
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return -EINVAL;
  const end = addr + pageUp(len);
  if (end < addr || end > TASK_SIZE) return -ENOMEM;
  const mm = t.process.mm;
  let unmapped = false;
  for (let p = addr; p < end;) {
    const v = mm.find(p);
    if (!v) { unmapped = true; const nxt = mm.vmas.find((x) => x.start > p); if (!nxt) break; p = nxt.start; continue; }
    mm.writeBack(v, p, end);
    p = v.end;
  }
  return unmapped ? -ENOMEM : 0;
}

/** mincore(2): which pages have a frame (untouched zero-fill pages do not). */
export function sysMincore(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, len, vec] = a;
  if (addr & (PAGE - 1n)) return -EINVAL;
  const end = addr + pageUp(len);
  if (end < addr || end > TASK_SIZE) return -ENOMEM;
  const r = t.process.mm.residency(addr, end);
  if (!r) return -ENOMEM;
  return k.machine.copyOut(vec, r) ? 0 : -EFAULT;
}

const MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4, MLOCK_ONFAULT = 1;

/**
 * mlock(2)/mlock2(2)/munlock(2): guest memory is never swapped, so locking needs no work; what is
 * left of Linux's contract is the range check (ENOMEM for unmapped pages) and RLIMIT_MEMLOCK for
 * users without CAP_IPC_LOCK (per call: locked ranges are not added up).
 */
function lockRange(t: Thread, addr: bigint, len: bigint, lock: boolean): SyscallResult {
  const start = addr & ~(PAGE - 1n), end = pageUp(addr + len);
  if (end < start || end > TASK_SIZE) return -ENOMEM;
  if (start === end) return 0;
  if (!t.process.mm.residency(start, end)) return -ENOMEM;
  if (lock && t.process.euid !== 0) {
    const limit = t.process.rlimits[RLIMIT_MEMLOCK][0];
    if (limit === 0n) return -EPERM;
    if (end - start > limit) return -ENOMEM;
  }
  return 0;
}
export function sysMlock(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return lockRange(t, a[0], a[1], true); }
export function sysMunlock(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return lockRange(t, a[0], a[1], false); }
export function sysMlock2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[2] & ~BigInt(MLOCK_ONFAULT)) return -EINVAL;
  return lockRange(t, a[0], a[1], true);
}
/** mlockall(2): MCL_CURRENT and/or MCL_FUTURE (MCL_ONFAULT only with one of them). */
export function sysMlockall(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[0] & 0xffffffffn);
  if (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || !(flags & (MCL_CURRENT | MCL_FUTURE))) return -EINVAL;
  if (t.process.euid !== 0) {
    const limit = t.process.rlimits[RLIMIT_MEMLOCK][0];
    if (limit === 0n) return -EPERM;
    if ((flags & MCL_CURRENT) && t.process.mm.usage().size > limit) return -ENOMEM;
  }
  return 0;
}
export function sysMunlockall(_k: Kernel, _t: Thread, _a: bigint[]): SyscallResult { return 0; }
