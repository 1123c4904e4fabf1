// Descriptor system calls: the read/write families, lseek, close, dup, fcntl (with POSIX record
// locks), pipes, memfd, and the in-kernel copies (sendfile, copy_file_range, splice). A transfer
// that would block parks the thread on the file's wait queue unless the description is
// O_NONBLOCK; a write to a pipe without readers raises SIGPIPE. man 2 pages named per handler.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, SyscallValue } from "../runtime/process.js";
import {
  O_APPEND, O_NONBLOCK, O_CLOEXEC, O_PATH, SETFL_MASK, SEEK_SET, SEEK_CUR, SEEK_END, CLOSE_RANGE_UNSHARE,
  PipeEnd, SocketFile, RegularFile, DeviceFile, MemFile, TmpfsSuperblock, F_SEAL_SEAL, F_SEAL_WRITE, F_SEAL_SHRINK,
  F_SEAL_GROW, F_SEAL_FUTURE_WRITE, F_SEAL_EXEC, F_ALL_SEALS, type OpenFile, type Inode,
} from "../runtime/vfs/index.js";
import { F_RDLCK, F_WRLCK, F_UNLCK } from "../runtime/files.js";
import {
  EBADF, EPIPE, EFAULT, EINVAL, ESPIPE, EAGAIN, EBUSY, EPERM, EOPNOTSUPP, EXDEV, EOVERFLOW, EISDIR,
} from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { TASK_SIZE } from "../runtime/mm.js";
import { sendSignal } from "./signal.js";
import { blockOn, WOULD_BLOCK } from "./fs_wait.js";
import { fdOf, uintOf, ctxOf, fileOf, readPath, installFile, syncFdLimit } from "./fs.js";
import { socketRead, socketWrite } from "./socket.js";
import { newPipe } from "../runtime/fastfd.js";

const SIGPIPE = 13;
/** Linux's MAX_RW_COUNT: no read or write moves more in one call. */
const MAX_RW = 0x7ffff000;
/** The host buffer a read of something that is not a regular file gets: they return short counts anyway. */
const MAX_IO = 1 << 20;
const UIO_MAXIOV = 1024;
/** The in-kernel copies (sendfile, copy_file_range, splice) move at most MAX_IO per call: callers loop on short counts. */
const sizeOf = (v: bigint): number => (v > BigInt(MAX_IO) ? MAX_IO : Number(v));

/** Bytes a write takes from the guest: all of them, as Linux (a pipe writer blocks until they went in). */
const writeSize = (v: bigint): number => (v > BigInt(MAX_RW) ? MAX_RW : Number(v));
/**
 * The host buffer for a read of want bytes at pos: a regular file fills it up to its end, as Linux
 * does (programs read a whole file in one call), but a count far beyond the end costs no more than
 * the file holds; other files give what they have, at most MAX_IO here.
 */
function readSize(f: OpenFile, want: bigint | number, pos = -1): number {
  const w = typeof want === "number" ? want : want > BigInt(MAX_RW) ? MAX_RW : Number(want);
  if (w <= MAX_IO) return w;
  if (!(f instanceof RegularFile)) return MAX_IO;
  return Math.min(w, Math.max(MAX_IO, f.bytesFrom(pos < 0 ? f.pos : pos)));
}

/** Linux's access_ok: a user buffer must lie wholly below TASK_SIZE, checked before any transfer. */
const accessOk = (va: bigint, len: bigint): boolean => va + len >= va && va + len <= TASK_SIZE;

/** A write to a pipe nobody reads raises SIGPIPE (and still fails with EPIPE if it is ignored). */
function checkPipe(k: Kernel, t: Thread, r: number): number {
  if (r === -EPIPE) sendSignal(k, t.process, SIGPIPE);
  return r;
}

/** Runs attempt, parking on f's wait queue while it would block, unless f is O_NONBLOCK. */
function io(k: Kernel, t: Thread, f: OpenFile, attempt: () => SyscallValue, nonblock = false): SyscallResult {
  // Most transfers finish at once: the wait queue and the park are set up only when one would block.
  const first = attempt();
  if (first !== WOULD_BLOCK || nonblock || (f.flags & O_NONBLOCK)) return first;
  let tried = true;
  return blockOn(k, t, [f.waitQueue], () => { if (tried) { tried = false; return WOULD_BLOCK; } return attempt(); });
}

/**
 * The buffer small reads land in before their copy-out. Reads fill their buffer synchronously and
 * keep no reference to it, so one will do; it lives outside the JS heap, where a host read can
 * fill it without V8 first moving a small on-heap array out.
 */
const SMALL_READ = 4096;
const smallReadBuf = new Uint8Array(new ArrayBuffer(SMALL_READ));

/** Reads up to size bytes and hands them to deliver (which copies them out). */
function readWith(k: Kernel, t: Thread, f: OpenFile, size: number, deliver: (buf: Uint8Array) => number): SyscallResult {
  if (f instanceof SocketFile) return socketRead(k, t, f, size, deliver);
  return io(k, t, f, () => {
    // a short read bounds the host buffer
    const buf = size <= SMALL_READ ? smallReadBuf.subarray(0, size) : new Uint8Array(size);
    const n = f.read(buf);
    return n <= 0 ? n : deliver(buf.subarray(0, n));
  });
}

/**
 * Writes all of data (a blocking description waits for room as often as needed, as Linux's
 * pipe_write does); returns the bytes written, or the error when nothing was.
 */
function writeAll(k: Kernel, t: Thread, f: OpenFile, data: Uint8Array, nonblock = false): SyscallResult {
  // Sockets decide themselves which EPIPE raises SIGPIPE (streams do, datagrams do not).
  if (f instanceof SocketFile && !nonblock) return socketWrite(k, t, f, data);
  let done = 0;
  return io(k, t, f, () => {
    while (done < data.length) {
      const n = f.write(done === 0 ? data : data.subarray(done));
      if (n === WOULD_BLOCK) return done > 0 && (nonblock || (f.flags & O_NONBLOCK)) ? done : WOULD_BLOCK;
      if (n < 0) return done > 0 ? done : checkPipe(k, t, n);
      if (n === 0) break;
      done += n;
    }
    return done;
  }, nonblock);
}

/** read(2) */
export function sysRead(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  if (f.readable && !accessOk(a[1], a[2])) return -EFAULT;
  if (BigInt.asIntN(64, a[2]) < 0n) return -EINVAL;
  if (!f.readable) return -EBADF;
  return readWith(k, t, f, readSize(f, a[2]), (b) => (k.machine.copyOut(a[1], b) ? b.length : -EFAULT));
}

/** write(2) */
export function sysWrite(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  if (f.writable && !accessOk(a[1], a[2])) return -EFAULT;
  if (BigInt.asIntN(64, a[2]) < 0n) return -EINVAL;
  if (!f.writable) return -EBADF;
  if (discards(f)) return writeSize(a[2]);
  const data = k.machine.copyIn(a[1], writeSize(a[2]));
  if (!data) return -EFAULT;
  return data.length === 0 && !(f instanceof SocketFile) ? 0 : writeAll(k, t, f, data);
}

/** /dev/null and /dev/zero take a write's count without reading its buffer. */
const discards = (f: OpenFile): boolean => f instanceof DeviceFile && !!f.device.discardsWrites;

/** pread64(2) */
export function sysPread64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  const pos = BigInt.asIntN(64, a[3]);
  if (BigInt.asIntN(64, a[2]) < 0n || pos < 0n) return -EINVAL;
  if (!accessOk(a[1], a[2])) return -EFAULT;
  const buf = new Uint8Array(readSize(f, a[2], Number(pos)));
  const n = f.pread(buf, Number(pos));
  if (n <= 0) return n;
  return k.machine.copyOut(a[1], buf.subarray(0, n)) ? n : -EFAULT;
}

/** pwrite64(2) */
export function sysPwrite64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  const pos = BigInt.asIntN(64, a[3]);
  if (BigInt.asIntN(64, a[2]) < 0n || pos < 0n) return -EINVAL;
  if (!accessOk(a[1], a[2])) return -EFAULT;
  const data = k.machine.copyIn(a[1], writeSize(a[2]));
  if (!data) return -EFAULT;
  if (data.length === 0) return f.writable ? 0 : -EBADF;
  return checkPipe(k, t, f.pwrite(data, Number(pos)));
}

/** The iovec array {base, len}[cnt]; a negative errno for EINVAL/EFAULT. */
function readIovecs(k: Kernel, iov: bigint, cnt: bigint): Array<[bigint, number]> | number {
  if (cnt > BigInt(UIO_MAXIOV)) return -EINVAL;
  if (cnt === 0n) return [];
  const raw = k.machine.copyIn(iov, Number(cnt) * 16);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const out: Array<[bigint, number]> = [];
  let total = 0n;
  for (let i = 0; i < Number(cnt); i++) {
    const len = dv.getBigUint64(i * 16 + 8, true);
    if (BigInt.asIntN(64, len) < 0n) return -EINVAL;
    if (!accessOk(dv.getBigUint64(i * 16, true), len)) return -EFAULT;
    total += len;
    if (total > 0x7fffffffn) return -EINVAL;
    out.push([dv.getBigUint64(i * 16, true), Number(len)]);
  }
  return out;
}

/** Copies the gathered buffers in (writes); null on EFAULT of the first piece. */
function gather(k: Kernel, iovs: Array<[bigint, number]>): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [base, len] of iovs) {
    if (len === 0) continue;
    const n = Math.min(len, MAX_RW - total);
    if (n <= 0) break;
    const d = k.machine.copyIn(base, n);
    if (!d) { if (total === 0) return null; break; }
    parts.push(d); total += n;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Copies bytes out across the buffers (reads); the count, or -EFAULT when nothing fit. */
function scatter(k: Kernel, iovs: Array<[bigint, number]>, data: Uint8Array): number {
  let o = 0;
  for (const [base, len] of iovs) {
    if (o >= data.length) break;
    const m = Math.min(len, data.length - o);
    if (!k.machine.copyOut(base, data.subarray(o, o + m))) return o > 0 ? o : -EFAULT;
    o += m;
  }
  return data.length;
}

const iovTotal = (iovs: Array<[bigint, number]>) => Math.min(iovs.reduce((s, [, l]) => s + l, 0), MAX_RW);

/** readv(2) */
export function sysReadv(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  if (!f.readable) return -EBADF;
  const iovs = readIovecs(k, a[1], a[2]);
  if (typeof iovs === "number") return iovs;
  const total = readSize(f, iovTotal(iovs));
  if (total === 0) return 0;
  return readWith(k, t, f, total, (b) => scatter(k, iovs, b));
}

/** writev(2): the pieces are written as one record (atomic on a pipe up to PIPE_BUF). */
export function sysWritev(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  if (!f.writable) return -EBADF;
  const iovs = readIovecs(k, a[1], a[2]);
  if (typeof iovs === "number") return iovs;
  if (discards(f)) return Math.min(iovs.reduce((n, [, l]) => n + l, 0), MAX_RW);
  const data = gather(k, iovs);
  if (!data) return -EFAULT;
  return data.length === 0 && !(f instanceof SocketFile) ? 0 : writeAll(k, t, f, data);
}

const RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 16;

/** preadv2(2); preadv(2) is flags 0. An offset of -1 (preadv2 only) reads at the file position. */
export function sysPreadv2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  const flags = uintOf(a[5]);
  if (flags & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)) return -EOPNOTSUPP;
  const pos = BigInt.asIntN(64, a[3]);
  const iovs = readIovecs(k, a[1], a[2]);
  if (typeof iovs === "number") return iovs;
  if (pos === -1n) {
    if (!f.readable) return -EBADF;
    const total = readSize(f, iovTotal(iovs));
    if (total === 0) return 0;
    if (flags & RWF_NOWAIT) { const b = new Uint8Array(total); const n = f.read(b); return n <= 0 ? n : scatter(k, iovs, b.subarray(0, n)); }
    return readWith(k, t, f, total, (b) => scatter(k, iovs, b));
  }
  if (pos < 0n) return -EINVAL;
  const buf = new Uint8Array(readSize(f, iovTotal(iovs), Number(pos)));
  const n = f.pread(buf, Number(pos));
  return n <= 0 ? n : scatter(k, iovs, buf.subarray(0, n));
}
/** preadv(2) */
export function sysPreadv(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysPreadv2(k, t, [a[0], a[1], a[2], a[3], a[4], 0n]); }

/** pwritev2(2); pwritev(2) is flags 0. */
export function sysPwritev2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  const flags = uintOf(a[5]);
  if (flags & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)) return -EOPNOTSUPP;
  const pos = BigInt.asIntN(64, a[3]);
  const iovs = readIovecs(k, a[1], a[2]);
  if (typeof iovs === "number") return iovs;
  const data = gather(k, iovs);
  if (!data) return -EFAULT;
  if (pos === -1n) {
    if (!f.writable) return -EBADF;
    return data.length === 0 ? 0 : writeAll(k, t, f, data, (flags & RWF_NOWAIT) !== 0);
  }
  if (pos < 0n) return -EINVAL;
  if (data.length === 0) return f.writable ? 0 : -EBADF;
  return checkPipe(k, t, f.pwrite(data, Number(pos)));
}
/** pwritev(2) */
export function sysPwritev(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysPwritev2(k, t, [a[0], a[1], a[2], a[3], a[4], 0n]); }

/** lseek(2) */
export function sysLseek(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  return f.lseek(BigInt.asIntN(64, a[1]), uintOf(a[2]));
}

// ---- descriptors ------------------------------------------------------------------------------

/** close(2) */
export function sysClose(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.fds.close(fdOf(a[0]));
}

/** close_range(2) */
export function sysCloseRange(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const first = uintOf(a[0]), last = uintOf(a[1]), flags = uintOf(a[2]);
  if (first > last) return -EINVAL;
  if (flags & CLOSE_RANGE_UNSHARE) {
    if (flags & ~(CLOSE_RANGE_UNSHARE | 4)) return -EINVAL;
    k.files.unshareFiles(t.process);
  }
  return t.process.fds.closeRange(first, last, flags & ~CLOSE_RANGE_UNSHARE);
}

/** dup(2) */
export function sysDup(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  syncFdLimit(t);
  return t.process.fds.dup(fdOf(a[0]));
}

/** dup2(2) */
export function sysDup2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  syncFdLimit(t);
  return t.process.fds.dup2(fdOf(a[0]), fdOf(a[1]));
}

/** dup3(2) */
export function sysDup3(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  syncFdLimit(t);
  return t.process.fds.dup3(fdOf(a[0]), fdOf(a[1]), uintOf(a[2]));
}

export const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6,
  F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_DUPFD_CLOEXEC = 1030,
  F_ADD_SEALS = 1033, F_GET_SEALS = 1034, FD_CLOEXEC = 1;
/** Largest pipe a process may ask for (/proc/sys/fs/pipe-max-size's default). */
const PIPE_MAX_SIZE = 1 << 20;

/** struct flock {short l_type, l_whence; off_t l_start, l_len; pid_t l_pid} → a byte range. */
function lockRange(f: OpenFile, b: DataView): { type: number; start: number; end: number } | number {
  const type = b.getInt16(0, true), whence = b.getInt16(2, true);
  const start0 = b.getBigInt64(8, true), len = b.getBigInt64(16, true);
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  let base: bigint;
  if (whence === SEEK_SET) base = 0n;
  else if (whence === SEEK_CUR) base = BigInt(f.pos);
  else if (whence === SEEK_END) base = f.stat().size;
  else return -EINVAL;
  let start = base + start0, end: bigint | null;
  if (len > 0n) end = start + len;
  else if (len === 0n) end = null;
  else { end = start; start += len; }
  if (start < 0n) return -EINVAL;
  if (end !== null && end > 0x7fffffffffffffffn) return -EOVERFLOW;
  return { type, start: Number(start), end: end === null ? Infinity : Number(end) };
}

/** F_GETLK/F_SETLK/F_SETLKW: POSIX record locks owned by the process. */
function fcntlLock(k: Kernel, t: Thread, f: OpenFile, cmd: number, va: bigint): SyscallResult {
  const raw = k.machine.copyIn(va, 32);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const r = lockRange(f, dv);
  if (typeof r === "number") return r;
  const locks = k.files.locks, pid = t.process.pid, inode = f.inode;
  if (cmd === F_GETLK) {
    if (r.type === F_UNLCK) return -EINVAL;
    const c = locks.conflict(inode, pid, r.type, r.start, r.end);
    if (!c) dv.setInt16(0, F_UNLCK, true);
    else {
      dv.setInt16(0, c.type, true); dv.setInt16(2, SEEK_SET, true);
      dv.setBigInt64(8, BigInt(c.start), true);
      dv.setBigInt64(16, c.end === Infinity ? 0n : BigInt(c.end - c.start), true);
      dv.setInt32(24, c.pid, true);
    }
    return k.machine.copyOut(va, raw) ? 0 : -EFAULT;
  }
  if ((r.type === F_RDLCK && !f.readable) || (r.type === F_WRLCK && !f.writable)) return -EBADF;
  const attempt = () => {
    if (r.type !== F_UNLCK && locks.conflict(inode, pid, r.type, r.start, r.end)) return cmd === F_SETLK ? -EAGAIN : WOULD_BLOCK;
    locks.set(inode, pid, r.type, r.start, r.end);
    return 0;
  };
  return cmd === F_SETLK ? attempt() : blockOn(k, t, [locks.waitQueue], attempt);
}

export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

/** flock(2): whole-file locks of the open file description; blocks unless LOCK_NB. */
export function sysFlock(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = t.process.fds.get(fdOf(a[0]));
  if (!f || (f.flags & O_PATH)) return -EBADF;
  const op = uintOf(a[1]), kind = op & ~LOCK_NB;
  const locks = k.files.flocks;
  if (kind === LOCK_UN) { locks.unlock(f); return 0; }
  if (kind !== LOCK_SH && kind !== LOCK_EX) return -EINVAL;
  const exclusive = kind === LOCK_EX;
  // A conversion is not atomic on Linux: the old lock goes first, then the new one is waited for.
  if (locks.holdsOther(f, exclusive) && !locks.lock(f, exclusive)) locks.unlock(f);
  const attempt = () => (locks.lock(f, exclusive) ? 0 : (op & LOCK_NB) ? -EAGAIN : WOULD_BLOCK);
  return (op & LOCK_NB) ? attempt() : blockOn(k, t, [locks.waitQueue], attempt);
}

/** The shmem inode whose seals a description reaches, or null (seals are tmpfs's and memfd's only). */
function sealable(f: OpenFile): MemFile | null {
  return f instanceof RegularFile && f.inode instanceof MemFile && f.inode.sb instanceof TmpfsSuperblock ? f.inode : null;
}

/** A MAP_SHARED mapping of the file that may write it (Linux's i_mmap_writable), in any process. */
function mappedWritable(k: Kernel, inode: Inode): boolean {
  const caches = inode.mappedPages;
  if (!caches?.size) return false;
  for (const p of k.processes.values())
    for (const v of p.mm.vmas) if (v.file?.writeBack && v.file.pages && caches.has(v.file.pages)) return true;
  return false;
}

/** fcntl F_ADD_SEALS, in the order of Linux's memfd_add_seals. */
function addSeals(k: Kernel, f: OpenFile, arg: bigint): number {
  if (arg > 0xffffffffn) return -EINVAL;
  if (!f.writable) return -EPERM;
  let seals = Number(arg);
  if (seals & ~F_ALL_SEALS) return -EINVAL;
  const i = sealable(f);
  if (!i) return -EINVAL;
  if (i.seals & F_SEAL_SEAL) return -EPERM;
  if ((seals & F_SEAL_WRITE) && !(i.seals & F_SEAL_WRITE) && mappedWritable(k, i)) return -EBUSY;
  // An executable file sealed against exec is sealed against writes too (W^X from the start).
  if ((seals & F_SEAL_EXEC) && (i.mode & 0o111)) seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
  i.seals |= seals;
  return 0;
}

/** fcntl(2) */
export function sysFcntl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const fd = fdOf(a[0]), cmd = uintOf(a[1]);
  const fds = t.process.fds;
  const f = fds.get(fd);
  if (!f) return -EBADF;
  const arg = uintOf(a[2]);
  // O_PATH descriptors allow only the descriptor-level commands.
  if ((f.flags & O_PATH) && ![F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL].includes(cmd)) return -EBADF;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      syncFdLimit(t);
      return fds.dup(fd, Number(BigInt.asIntN(32, a[2])) < 0 ? fds.limit : arg, cmd === F_DUPFD_CLOEXEC);
    }
    case F_GETFD: return fds.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: return fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
    case F_GETFL: return f.flags;
    case F_SETFL:
      // O_APPEND cannot be cleared on an append-only file; there are none here.
      f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F_GETLK: case F_SETLK: case F_SETLKW: return fcntlLock(k, t, f, cmd, a[2]);
    case F_GETOWN: return 0;
    case F_SETOWN: return 0;
    case F_ADD_SEALS: return addSeals(k, f, a[2]);
    case F_GET_SEALS: { const i = sealable(f); return i ? i.seals : -EINVAL; }
    case F_GETPIPE_SZ: return f instanceof PipeEnd ? f.pipe.capacity : -EBADF;
    case F_SETPIPE_SZ: {
      if (!(f instanceof PipeEnd)) return -EBADF;
      if (arg > PIPE_MAX_SIZE && t.process.uid !== 0) return -EPERM;
      if (arg > 0x7fffffff) return -EINVAL;
      // A power-of-two number of pages, at least one.
      let size = 4096;
      while (size < arg) size *= 2;
      return f.pipe.resize(size) ? size : -EBUSY;
    }
    default: return -EINVAL;
  }
}

// ---- pipes and memfd -------------------------------------------------------------------------

/** pipe2(2) */
export function sysPipe2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[1]);
  // The buffer is in machine memory, where the core's read/write fast path finds it.
  const ends = k.files.vfs.pipe(ctxOf(k, t), flags, () => newPipe(k.machine));
  if (typeof ends === "number") return ends;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const r = installFile(t, ends[0], cloexec);
  if (r < 0) { ends[1].release(); return r; }
  const w = installFile(t, ends[1], cloexec);
  if (w < 0) { t.process.fds.close(r); return w; }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setInt32(0, r, true);
  new DataView(b.buffer).setInt32(4, w, true);
  if (!k.machine.copyOut(a[0], b)) { t.process.fds.close(r); t.process.fds.close(w); return -EFAULT; }
  return 0;
}

/** pipe(2) */
export function sysPipe(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysPipe2(k, t, [a[0], 0n]); }

const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;

/** memfd_create(2): no huge pages. */
export function sysMemfdCreate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[1]);
  if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) return -EINVAL;
  if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC)) return -EINVAL;
  const name = readPath(k, a[0]);
  if (typeof name === "number") return name;
  if (name.length > 249) return -EINVAL;
  const f = k.files.memfd(t.process, name);
  const inode = f.inode as MemFile;
  // Without MFD_ALLOW_SEALING the file stays sealed against seals; MFD_NOEXEC_SEAL allows them and
  // seals exec away.
  if (flags & MFD_NOEXEC_SEAL) { inode.mode &= ~0o111; inode.seals = F_SEAL_EXEC; }
  else if (flags & MFD_ALLOW_SEALING) inode.seals = 0;
  return installFile(t, f, (flags & MFD_CLOEXEC) !== 0);
}

// ---- in-kernel copies -------------------------------------------------------------------------

interface Ends { src: OpenFile; dst: OpenFile; srcPos: number | null; dstPos: number | null; count: number; nonblock: boolean }

/**
 * Moves up to count bytes from src to dst through a kernel buffer: positional I/O where a position
 * is given, the descriptions' offsets otherwise. done(read, written) finishes the call (bytes read
 * but not written go back to a seekable source).
 */
function transfer(k: Kernel, t: Thread, e: Ends, done: (read: number, written: number) => SyscallValue): SyscallResult {
  let data: Uint8Array | null = null;
  let written = 0;
  const attempt = (): SyscallValue => {
    if (!data) {
      const buf = new Uint8Array(Math.min(e.count, MAX_IO));
      const n = e.srcPos !== null ? e.src.pread(buf, e.srcPos) : e.src.read(buf);
      if (n <= 0) return n;
      data = buf.subarray(0, n);
    }
    while (written < data.length) {
      const chunk = data.subarray(written);
      const w = e.dstPos !== null ? e.dst.pwrite(chunk, e.dstPos + written) : e.dst.write(chunk);
      if (w === WOULD_BLOCK) {
        if (e.nonblock || (e.dst.flags & O_NONBLOCK)) break;
        return WOULD_BLOCK;
      }
      if (w < 0) {
        if (written === 0) { if (e.srcPos === null) rewind(e.src, data.length); return checkPipe(k, t, w); }
        break;
      }
      if (w === 0) break;
      written += w;
    }
    if (written === 0 && data.length > 0) { if (e.srcPos === null) rewind(e.src, data.length); return -EAGAIN; }
    if (e.srcPos === null && written < data.length) rewind(e.src, data.length - written);
    return done(data.length, written);
  };
  const queues = [e.src.waitQueue, e.dst.waitQueue];
  if (e.nonblock || (e.src.flags & O_NONBLOCK)) return attempt();
  return blockOn(k, t, queues, attempt);
}

function rewind(f: OpenFile, n: number): void { if (!(f instanceof PipeEnd) && f.inode.isRegular()) f.pos -= n; }

/** sendfile(2) */
export function sysSendfile(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const dst = fileOf(t, a[0]), src = fileOf(t, a[1]);
  if (!dst || !src || !src.readable || !dst.writable) return -EBADF;
  if (dst.flags & O_APPEND) return -EINVAL;
  if (src.inode.isDir()) return -EINVAL;
  let srcPos: number | null = null;
  if (a[2] !== 0n) {
    const off = k.machine.readU64(a[2]);
    if (off === null) return -EFAULT;
    if (BigInt.asIntN(64, off) < 0n) return -EINVAL;
    if (src instanceof PipeEnd) return -ESPIPE;
    srcPos = Number(off);
  }
  const count = sizeOf(a[3]);
  if (count === 0) return 0;
  return transfer(k, t, { src, dst, srcPos, dstPos: null, count, nonblock: false }, (_r, w) => {
    if (srcPos !== null && !k.machine.writeU64(a[2], BigInt(srcPos + w))) return -EFAULT;
    return w;
  });
}

/** Reads an optional loff_t pointer: null pointer → null, -errno on a bad one. */
function readOffset(k: Kernel, va: bigint): number | null | { err: number } {
  if (va === 0n) return null;
  const v = k.machine.readU64(va);
  if (v === null) return { err: -EFAULT };
  if (BigInt.asIntN(64, v) < 0n) return { err: -EINVAL };
  return Number(v);
}

/** copy_file_range(2): between regular files, by the given offsets or the descriptions' own. */
export function sysCopyFileRange(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const src = fileOf(t, a[0]), dst = fileOf(t, a[2]);
  if (uintOf(a[5]) !== 0) return -EINVAL;
  if (!src || !dst || !src.readable || !dst.writable) return -EBADF;
  if (dst.flags & O_APPEND) return -EBADF;
  if (src.inode.isDir() || dst.inode.isDir()) return -EISDIR;
  if (!src.inode.isRegular() || !dst.inode.isRegular()) return -EINVAL;
  if (src.inode.sb !== dst.inode.sb && src.inode.sb.fsType !== dst.inode.sb.fsType) return -EXDEV;
  const so = readOffset(k, a[1]), dob = readOffset(k, a[3]);
  if (so !== null && typeof so === "object") return so.err;
  if (dob !== null && typeof dob === "object") return dob.err;
  const srcPos = so ?? src.pos, dstPos = dob ?? dst.pos;
  const count = sizeOf(a[4]);
  if (src.inode === dst.inode && srcPos < dstPos + count && dstPos < srcPos + count) return -EINVAL;
  if (count === 0) return 0;
  return transfer(k, t, { src, dst, srcPos, dstPos, count, nonblock: true }, (_r, w) => {
    if (so === null) src.pos += w; else if (!k.machine.writeU64(a[1], BigInt(srcPos + w))) return -EFAULT;
    if (dob === null) dst.pos += w; else if (!k.machine.writeU64(a[3], BigInt(dstPos + w))) return -EFAULT;
    return w;
  });
}

const SPLICE_F_NONBLOCK = 2;

/** splice(2): one end must be a pipe; copied through a kernel buffer (no page moving). */
export function sysSplice(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const src = fileOf(t, a[0]), dst = fileOf(t, a[2]);
  if (!src || !dst || !src.readable || !dst.writable) return -EBADF;
  const inPipe = src instanceof PipeEnd, outPipe = dst instanceof PipeEnd;
  if (!inPipe && !outPipe) return -EINVAL;
  if ((inPipe && a[1] !== 0n) || (outPipe && a[3] !== 0n)) return -ESPIPE;
  if (dst.flags & O_APPEND) return -EINVAL;
  const so = readOffset(k, a[1]), dob = readOffset(k, a[3]);
  if (so !== null && typeof so === "object") return so.err;
  if (dob !== null && typeof dob === "object") return dob.err;
  const count = sizeOf(a[4]);
  if (count === 0) return 0;
  const nonblock = (uintOf(a[5]) & SPLICE_F_NONBLOCK) !== 0;
  return transfer(k, t, { src, dst, srcPos: so, dstPos: dob, count, nonblock }, (_r, w) => {
    if (so !== null && !k.machine.writeU64(a[1], BigInt(so + w))) return -EFAULT;
    if (dob !== null && !k.machine.writeU64(a[3], BigInt(dob + w))) return -EFAULT;
    return w;
  });
}
