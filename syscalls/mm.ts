// Memory system calls over the process's AddressSpace (runtime/mm.ts).
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import {
  MAP_ANONYMOUS, MAP_TYPE, MAP_SHARED, MAP_SHARED_VALIDATE, PAGE, PROT_READ, PROT_WRITE,
  pageUp, TASK_SIZE,
} from "../runtime/mm.js";
import { EBADF, EINVAL, ENODEV, EACCES, EFAULT, ENOMEM } from "../runtime/errno.js";
import { O_ACCMODE, O_WRONLY } from "../runtime/files.js";
import type { SyscallResult } from "./types.js";

/** brk(2) */
export function sysBrk(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.mm.brk(a[0]);
}

/** mmap(2): anonymous memory; private (or read-only shared) file mappings are filled by copying. */
export function sysMmap(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, len, protB, flagsB, fdB, off] = a;
  const prot = Number(protB & 0xffffffffn), flags = Number(flagsB & 0xffffffffn);
  const mm = t.process.mm;
  if (flags & MAP_ANONYMOUS) return mm.mmapAnonymous(addr, len, prot & 7, flags);
  if (off & (PAGE - 1n)) return -EINVAL;
  const f = t.process.fds.get(Number(BigInt.asIntN(32, fdB)));
  if (!f) return -EBADF;
  if ((f.flags & O_ACCMODE) === O_WRONLY) return -EACCES;
  const type = flags & MAP_TYPE;
  // A writable shared file mapping would need the page cache of the next stage.
  if ((type === MAP_SHARED || type === MAP_SHARED_VALIDATE) && (prot & PROT_WRITE)) return -ENODEV;
  if (len === 0n) return -EINVAL;
  const st = f.stat();
  if (typeof st === "number" || (st.mode & 0o170000) !== 0o100000) return -ENODEV;
  const start = mm.mmapAnonymous(addr, len, PROT_READ | PROT_WRITE, flags, f.path);
  if (start < 0n) return start;
  const size = pageUp(len);
  const fileLeft = st.size > off ? st.size - off : 0n;
  const want = Number(fileLeft < size ? fileLeft : size);
  for (let done = 0; done < want;) {
    const chunk = new Uint8Array(Math.min(want - done, 1 << 20));
    const n = f.pread(chunk, off + BigInt(done));
    if (n <= 0) break;
    if (!k.machine.copyOut(start + BigInt(done), chunk.subarray(0, n))) { mm.munmap(start, len); return -ENOMEM; }
    done += n;
  }
  if (mm.mprotect(start, len, prot & 7) !== 0) { mm.munmap(start, len); return -ENOMEM; }
  return start;
}

/** munmap(2) */
export function sysMunmap(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.mm.munmap(a[0], a[1]);
}

/** mprotect(2) */
export function sysMprotect(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.mm.mprotect(a[0], a[1], Number(a[2] & 0xffffffffn));
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

/** mremap(2): in place only; a move is ENOMEM, which glibc's realloc answers by copying. */
export function sysMremap(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [addr, oldLen, newLen, flagsB] = a;
  const flags = Number(flagsB & 0xffffffffn);
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (addr & (PAGE - 1n)) return -EINVAL;
  const o = pageUp(oldLen), n = pageUp(newLen);
  if (n === 0n) return -EINVAL;
  if (o === 0n || (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))) return -ENOMEM;
  const r = t.process.mm.resize(addr, o, n);
  return r === BigInt(-EFAULT) ? -EFAULT : r;
}

