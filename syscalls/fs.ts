// File-system system calls by path: open, stat, directories, links, attributes, the process's cwd
// and root, statfs and sync, over the VFS (runtime/vfs) through each process's FsContext. man 2
// pages named per handler. Paths cross from guest memory as byte strings (one char per byte).
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_REMOVEDIR,
  O_ACCMODE, O_CREAT, O_TMPFILE, O_CLOEXEC, O_PATH, O_LARGEFILE, O_NONBLOCK, O_RDONLY, O_WRONLY, S_IFIFO,
  S_IFREG, S_IFBLK, S_IFDIR, S_IFLNK,
  PATH_MAX, UTIME_NOW, UTIME_OMIT, makedev, encodeStat, encodeStatx, encodeStatfs, byteString, bytesOf,
  PipeEnd, type FsContext, type OpenFile, type Target, type Stat,
} from "../runtime/vfs/index.js";
import { EBADF, EFAULT, EINVAL, ENAMETOOLONG, ERANGE, EPERM, E2BIG, ENODATA, EOPNOTSUPP, ESPIPE } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { blockOn, WOULD_BLOCK } from "./fs_wait.js";

// ---- shared helpers for the file families ---------------------------------------------------

export const fdOf = (v: bigint): number => Number(BigInt.asIntN(32, v));
export const intOf = (v: bigint): number => Number(BigInt.asIntN(32, v));
export const uintOf = (v: bigint): number => Number(v & 0xffffffffn);

/** The calling process's FsContext (and /proc/self is now this process). */
export function ctxOf(k: Kernel, t: Thread): FsContext { return k.files.context(t.process); }

export function fileOf(t: Thread, fd: bigint): OpenFile | undefined { return t.process.fds.get(fdOf(fd)); }

/** A NUL-terminated path from guest memory as a byte string; -EFAULT, or -ENAMETOOLONG at PATH_MAX. */
export function readPath(k: Kernel, va: bigint): string | number {
  const s = k.machine.copyInBytes(va, PATH_MAX);
  return s === null ? -EFAULT : s === undefined ? -ENAMETOOLONG : s;
}

/** The soft RLIMIT_NOFILE as the descriptor table's limit. */
export function syncFdLimit(t: Thread): void {
  const cur = t.process.rlimits[7][0];
  t.process.fds.limit = Number(cur > 1048576n ? 1048576n : cur);
}

/** Installs a new open file at the lowest free descriptor (releasing it if there is none). */
export function installFile(t: Thread, f: OpenFile, cloexec: boolean): number {
  syncFdLimit(t);
  f.refs++; // hold it across install, which may fail
  const fd = t.process.fds.install(f, cloexec);
  if (--f.refs === 0) f.release();
  return fd;
}

// ---- open -------------------------------------------------------------------------------------

/** Is f a FIFO (a named pipe, not pipe(2)'s) whose open must wait for the other side? */
function fifoMustWait(f: OpenFile, flags: number): boolean {
  if (!(f instanceof PipeEnd) || f.inode.type !== S_IFIFO || !f.path?.dentry.parent) return false;
  if (flags & O_NONBLOCK) return false;
  const acc = flags & O_ACCMODE;
  return (acc === O_RDONLY && f.pipe.writers === 0) || (acc === O_WRONLY && f.pipe.readers === 0);
}

function openCommon(k: Kernel, t: Thread, dirfd: number, pathVa: bigint, flags: number, mode: number): SyscallResult {
  const path = readPath(k, pathVa);
  if (typeof path === "number") return path;
  const ctx = ctxOf(k, t);
  // A 64-bit kernel opens every file as large.
  const f = k.files.vfs.openat(ctx, dirfd, path, (flags | O_LARGEFILE) & ~O_CLOEXEC, mode);
  if (typeof f === "number") return f;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  if (fifoMustWait(f, flags)) {
    // open(2) of a FIFO waits for the other end (fifo(7)); the half-open end counts meanwhile.
    const p = (f as PipeEnd).pipe;
    const ready = () => ((flags & O_ACCMODE) === O_RDONLY ? p.writers > 0 : p.readers > 0);
    return blockOn(k, t, [p.waitQueue], () => (ready() ? installFile(t, f, cloexec) : WOULD_BLOCK), { onAbort: () => f.release() });
  }
  return installFile(t, f, cloexec);
}

/** openat(2) */
export function sysOpenat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[2]);
  return openCommon(k, t, fdOf(a[0]), a[1], flags, (flags & O_CREAT) || (flags & O_TMPFILE) === O_TMPFILE ? uintOf(a[3]) : 0);
}

/** open(2) */
export function sysOpen(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysOpenat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2]]);
}

/** creat(2): open with O_CREAT|O_WRONLY|O_TRUNC. */
export function sysCreat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysOpenat(k, t, [BigInt(AT_FDCWD), a[0], BigInt(0o1101), a[1]]);
}

/** Linux's VALID_OPEN_FLAGS: the access mode and every O_* flag open(2) defines. */
const VALID_OPEN_FLAGS = 0o3 | 0o37777700;
/** openat2(2): struct open_how {flags, mode, resolve}; RESOLVE_* restrictions are not offered. */
export function sysOpenat2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const size = Number(a[3] > 4096n ? 4096n : a[3]);
  if (size < 24) return -EINVAL;
  const raw = k.machine.copyIn(a[2], size);
  if (!raw) return -EFAULT;
  // Bytes past the structure this kernel knows must be zero (copy_struct_from_user).
  if (raw.subarray(24).some((b) => b !== 0)) return -E2BIG;
  const dv = new DataView(raw.buffer);
  const flags = dv.getBigUint64(0, true), mode = dv.getBigUint64(8, true), resolve = dv.getBigUint64(16, true);
  if (flags > 0xffffffffn || (Number(flags) & ~VALID_OPEN_FLAGS)) return -EINVAL;
  const f = Number(flags);
  if (mode > 0o7777n || (mode !== 0n && !(f & O_CREAT) && (f & O_TMPFILE) !== O_TMPFILE)) return -EINVAL;
  if (resolve !== 0n) return -EINVAL;
  return openCommon(k, t, fdOf(a[0]), a[1], f, Number(mode));
}

// ---- stat -------------------------------------------------------------------------------------

function putStat(k: Kernel, st: Stat | number, buf: bigint): number {
  if (typeof st === "number") return st;
  return k.machine.copyOut(buf, encodeStat(st)) ? 0 : -EFAULT;
}

/** newfstatat(2) */
export function sysNewfstatat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  return putStat(k, k.files.vfs.statat(ctxOf(k, t), fdOf(a[0]), path, flags), a[2]);
}

/** stat(2) */
export function sysStat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysNewfstatat(k, t, [BigInt(AT_FDCWD), a[0], a[1], 0n]);
}

/** lstat(2) */
export function sysLstat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysNewfstatat(k, t, [BigInt(AT_FDCWD), a[0], a[1], BigInt(AT_SYMLINK_NOFOLLOW)]);
}

/** fstat(2) */
export function sysFstat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  return putStat(k, f.stat(), a[1]);
}

/** statx(2) */
export function sysStatx(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[2]), mask = uintOf(a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE || (mask & 0x80000000)) return -EINVAL;
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  const ctx = ctxOf(k, t), vfs = k.files.vfs;
  const st = vfs.statat(ctx, fdOf(a[0]), path, flags);
  if (typeof st === "number") return st;
  return k.machine.copyOut(a[4], encodeStatx(st, vfs.mountIdOf(ctx, fdOf(a[0]), path, flags))) ? 0 : -EFAULT;
}

// ---- links ------------------------------------------------------------------------------------

/** readlinkat(2) */
export function sysReadlinkat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  const size = BigInt.asIntN(64, a[3]);
  if (size <= 0n) return -EINVAL;
  const target = k.files.vfs.readlinkat(ctxOf(k, t), fdOf(a[0]), path);
  if (typeof target === "number") return target;
  const bytes = bytesOf(target);
  const n = Math.min(bytes.length, Number(size > 65536n ? 65536n : size));
  return k.machine.copyOut(a[2], bytes.subarray(0, n)) ? n : -EFAULT;
}

/** readlink(2) */
export function sysReadlink(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysReadlinkat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2]]);
}

/** Reads the paths at the given argument positions, then calls fn with them. */
function withPaths(k: Kernel, vas: bigint[], fn: (...paths: string[]) => number): number {
  const paths: string[] = [];
  for (const va of vas) {
    const p = readPath(k, va);
    if (typeof p === "number") return p;
    paths.push(p);
  }
  return fn(...paths);
}

/** mkdirat(2) */
export function sysMkdirat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return withPaths(k, [a[1]], (p) => k.files.vfs.mkdirat(ctxOf(k, t), fdOf(a[0]), p, uintOf(a[2])));
}
/** mkdir(2) */
export function sysMkdir(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysMkdirat(k, t, [BigInt(AT_FDCWD), a[0], a[1]]); }

/** mknodat(2): the dev argument is the old 32-bit encoding (new_decode_dev). */
export function sysMknodat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const dev = uintOf(a[3]);
  const rdev = makedev((dev & 0xfff00) >>> 8, (dev & 0xff) | ((dev >>> 12) & 0xfff00));
  return withPaths(k, [a[1]], (p) => k.files.vfs.mknodat(ctxOf(k, t), fdOf(a[0]), p, uintOf(a[2]), rdev));
}
/** mknod(2) */
export function sysMknod(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysMknodat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2]]); }

/** unlinkat(2) */
export function sysUnlinkat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return withPaths(k, [a[1]], (p) => k.files.vfs.unlinkat(ctxOf(k, t), fdOf(a[0]), p, uintOf(a[2])));
}
/** unlink(2) */
export function sysUnlink(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysUnlinkat(k, t, [BigInt(AT_FDCWD), a[0], 0n]); }
/** rmdir(2) */
export function sysRmdir(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysUnlinkat(k, t, [BigInt(AT_FDCWD), a[0], BigInt(AT_REMOVEDIR)]); }

/** renameat2(2) */
export function sysRenameat2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return withPaths(k, [a[1], a[3]], (o, n) => k.files.vfs.renameat2(ctxOf(k, t), fdOf(a[0]), o, fdOf(a[2]), n, uintOf(a[4])));
}
/** renameat(2) */
export function sysRenameat(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysRenameat2(k, t, [a[0], a[1], a[2], a[3], 0n]); }
/** rename(2) */
export function sysRename(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysRenameat2(k, t, [BigInt(AT_FDCWD), a[0], BigInt(AT_FDCWD), a[1], 0n]);
}

/** linkat(2) */
export function sysLinkat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return withPaths(k, [a[1], a[3]], (o, n) => k.files.vfs.linkat(ctxOf(k, t), fdOf(a[0]), o, fdOf(a[2]), n, uintOf(a[4])));
}
/** link(2) */
export function sysLink(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysLinkat(k, t, [BigInt(AT_FDCWD), a[0], BigInt(AT_FDCWD), a[1], 0n]);
}

/** symlinkat(2) */
export function sysSymlinkat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return withPaths(k, [a[0], a[2]], (target, p) => k.files.vfs.symlinkat(ctxOf(k, t), target, fdOf(a[1]), p));
}
/** symlink(2) */
export function sysSymlink(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysSymlinkat(k, t, [a[0], BigInt(AT_FDCWD), a[1]]); }

// ---- attributes -------------------------------------------------------------------------------

/** What dirfd/path/flags names (path read from guest memory). */
function targetAt(k: Kernel, t: Thread, dirfd: bigint, pathVa: bigint, flags: number): Target | number {
  const path = readPath(k, pathVa);
  if (typeof path === "number") return path;
  return k.files.vfs.target(ctxOf(k, t), fdOf(dirfd), path, flags);
}

function targetFd(k: Kernel, t: Thread, fd: bigint): Target | number { return k.files.vfs.fd(ctxOf(k, t), fdOf(fd)); }

/** fchmodat2(2) */
export function sysFchmodat2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const tg = targetAt(k, t, a[0], a[1], flags);
  return typeof tg === "number" ? tg : k.files.vfs.chmod(ctxOf(k, t), tg, uintOf(a[2]));
}
/** fchmodat(2) (no flags argument) */
export function sysFchmodat(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysFchmodat2(k, t, [a[0], a[1], a[2], 0n]); }
/** chmod(2) */
export function sysChmod(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysFchmodat2(k, t, [BigInt(AT_FDCWD), a[0], a[1], 0n]); }
/** fchmod(2) */
export function sysFchmod(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tg = targetFd(k, t, a[0]);
  return typeof tg === "number" ? tg : k.files.vfs.chmod(ctxOf(k, t), tg, uintOf(a[1]));
}

/** fchownat(2) */
export function sysFchownat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[4]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const tg = targetAt(k, t, a[0], a[1], flags);
  return typeof tg === "number" ? tg : k.files.vfs.chown(ctxOf(k, t), tg, intOf(a[2]), intOf(a[3]));
}
/** chown(2) */
export function sysChown(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysFchownat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2], 0n]); }
/** lchown(2) */
export function sysLchown(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysFchownat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2], BigInt(AT_SYMLINK_NOFOLLOW)]);
}
/** fchown(2) */
export function sysFchown(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tg = targetFd(k, t, a[0]);
  return typeof tg === "number" ? tg : k.files.vfs.chown(ctxOf(k, t), tg, intOf(a[1]), intOf(a[2]));
}

type Times = [[bigint, number], [bigint, number]] | null;

/** Two struct timespec (null pointer: both now). */
function readTimespecs(k: Kernel, va: bigint): Times | number {
  if (va === 0n) return null;
  const b = k.machine.copyIn(va, 32);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  const ns = (o: number) => { const v = dv.getBigInt64(o, true); return v < -1n || v > 0x7fffffffn ? -1 : Number(v); };
  return [[dv.getBigInt64(0, true), ns(8)], [dv.getBigInt64(16, true), ns(24)]];
}

/** Two struct timeval (microseconds), as utimes and futimesat take them. */
function readTimevals(k: Kernel, va: bigint): Times | number {
  if (va === 0n) return null;
  const b = k.machine.copyIn(va, 32);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  const out: [bigint, number][] = [];
  for (const o of [0, 16]) {
    const us = dv.getBigInt64(o + 8, true);
    if (us < 0n || us >= 1_000_000n) return -EINVAL;
    out.push([dv.getBigInt64(o, true), Number(us) * 1000]);
  }
  return [out[0], out[1]];
}

/** utimensat(2): a NULL path means dirfd itself (futimens). */
export function sysUtimensat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const times = readTimespecs(k, a[2]);
  if (typeof times === "number") return times;
  if (times && times.some(([, ns]) => ns !== UTIME_NOW && ns !== UTIME_OMIT && (ns < 0 || ns > 999_999_999))) return -EINVAL;
  let tg: Target | number;
  if (a[1] === 0n) tg = fdOf(a[0]) === AT_FDCWD ? -EFAULT : targetFd(k, t, a[0]);
  else tg = targetAt(k, t, a[0], a[1], flags);
  return typeof tg === "number" ? tg : k.files.vfs.utimens(ctxOf(k, t), tg, times);
}

/** futimesat(2) */
export function sysFutimesat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const times = readTimevals(k, a[2]);
  if (typeof times === "number") return times;
  const tg = a[1] === 0n ? targetFd(k, t, a[0]) : targetAt(k, t, a[0], a[1], 0);
  return typeof tg === "number" ? tg : k.files.vfs.utimens(ctxOf(k, t), tg, times);
}
/** utimes(2) */
export function sysUtimes(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysFutimesat(k, t, [BigInt(AT_FDCWD), a[0], a[1]]); }
/** utime(2): struct utimbuf {actime, modtime} in seconds. */
export function sysUtime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  let times: Times = null;
  if (a[1] !== 0n) {
    const b = k.machine.copyIn(a[1], 16);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    times = [[dv.getBigInt64(0, true), 0], [dv.getBigInt64(8, true), 0]];
  }
  const tg = targetAt(k, t, BigInt(AT_FDCWD), a[0], 0);
  return typeof tg === "number" ? tg : k.files.vfs.utimens(ctxOf(k, t), tg, times);
}

/** truncate(2) */
export function sysTruncate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const len = BigInt.asIntN(64, a[1]);
  if (len < 0n) return -EINVAL;
  return withPaths(k, [a[0]], (p) => k.files.vfs.truncate(ctxOf(k, t), AT_FDCWD, p, Number(len)));
}

/** ftruncate(2) */
export function sysFtruncate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  const len = BigInt.asIntN(64, a[1]);
  if (len < 0n) return -EINVAL;
  return f.truncate(Number(len));
}

/** fallocate(2): mode 0 only (allocate and extend). */
export function sysFallocate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  const off = BigInt.asIntN(64, a[2]), len = BigInt.asIntN(64, a[3]);
  if (off < 0n || len <= 0n) return -EINVAL;
  return k.files.vfs.fallocate(f, intOf(a[1]), Number(off), Number(len));
}

/** faccessat2(2) */
export function sysFaccessat2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return withPaths(k, [a[1]], (p) => k.files.vfs.faccessat(ctxOf(k, t), fdOf(a[0]), p, uintOf(a[2]), uintOf(a[3])));
}
/** faccessat(2) (no flags argument) */
export function sysFaccessat(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysFaccessat2(k, t, [a[0], a[1], a[2], 0n]); }
/** access(2) */
export function sysAccess(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysFaccessat2(k, t, [BigInt(AT_FDCWD), a[0], a[1], 0n]); }

// ---- the process's directories ------------------------------------------------------------

/** chdir(2) */
export function sysChdir(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const path = readPath(k, a[0]);
  if (typeof path === "number") return path;
  const ctx = ctxOf(k, t);
  const p = k.files.vfs.chdirTarget(ctx, AT_FDCWD, path);
  if (typeof p === "number") return p;
  ctx.cwd = p;
  t.process.cwd = k.files.vfs.pathOf(ctx, p);
  return 0;
}

/** fchdir(2) */
export function sysFchdir(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ctx = ctxOf(k, t);
  if (!fileOf(t, a[0])) return -EBADF;
  const p = k.files.vfs.chdirTarget(ctx, fdOf(a[0]), "", AT_EMPTY_PATH);
  if (typeof p === "number") return p;
  ctx.cwd = p;
  t.process.cwd = k.files.vfs.pathOf(ctx, p);
  return 0;
}

/** chroot(2): root only (CAP_SYS_CHROOT); the cwd stays where it is, as on Linux. */
export function sysChroot(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const path = readPath(k, a[0]);
  if (typeof path === "number") return path;
  const ctx = ctxOf(k, t);
  const p = k.files.vfs.chdirTarget(ctx, AT_FDCWD, path);
  if (typeof p === "number") return p;
  if (ctx.cred.uid !== 0) return -EPERM;
  ctx.root = p;
  return 0;
}

/** getcwd(2) */
export function sysGetcwd(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const cwd = k.files.vfs.getcwd(ctxOf(k, t));
  if (typeof cwd === "number") return cwd;
  const bytes = bytesOf(cwd + "\0");
  if (BigInt(bytes.length) > a[1]) return -ERANGE;
  return k.machine.copyOut(a[0], bytes) ? bytes.length : -EFAULT;
}

/** umask(2) */
export function sysUmask(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const old = t.process.umask;
  t.process.umask = uintOf(a[0]) & 0o777;
  return old;
}

// ---- file systems ---------------------------------------------------------------------------

function putStatfs(k: Kernel, tg: Target | number, buf: bigint): number {
  if (typeof tg === "number") return tg;
  const r = k.files.vfs.statfs(tg);
  return k.machine.copyOut(buf, encodeStatfs(r.statfs, r.flags)) ? 0 : -EFAULT;
}

/** statfs(2) */
export function sysStatfs(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return putStatfs(k, targetAt(k, t, BigInt(AT_FDCWD), a[0], 0), a[1]); }
/** fstatfs(2) */
export function sysFstatfs(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return putStatfs(k, targetFd(k, t, a[0]), a[1]); }

/** sync(2): every write already reached the file system (hostfs writes through). */
export function sysSync(): SyscallResult { return 0; }

/** syncfs(2) */
export function sysSyncfs(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return fileOf(t, a[0]) ? 0 : -EBADF; }

/** fsync(2), fdatasync(2) */
export function sysFsync(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  // Pipes, sockets, character devices and anonymous files have no fsync operation on Linux.
  if (!syncable(f)) return -EINVAL;
  return f.fsync();
}

function syncable(f: OpenFile): boolean {
  const type = f.inode.type;
  return type === S_IFREG || type === S_IFDIR || type === S_IFBLK || type === S_IFLNK;
}

const SYNC_FILE_RANGE_VALID = 1 | 2 | 4; // WAIT_BEFORE | WRITE | WAIT_AFTER

/**
 * sync_file_range(2): nothing sits between the guest and its files' storage that a range could
 * flush apart from the whole file, so it is fsync with Linux's checks in Linux's order (descriptor,
 * flags, range; only files, block devices, directories and links).
 */
export function sysSyncFileRange(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  const offset = BigInt.asIntN(64, a[1]), nbytes = BigInt.asIntN(64, a[2]);
  if (a[3] & ~BigInt(SYNC_FILE_RANGE_VALID) & 0xffffffffn) return -EINVAL;
  if (offset < 0n || nbytes < 0n || offset + nbytes > 0x7fffffffffffffffn) return -EINVAL;
  if (!syncable(f)) return -ESPIPE;
  return f.fsync();
}

// ---- directories ------------------------------------------------------------------------------

/** getdents64(2) */
export function sysGetdents64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  const size = uintOf(a[2]);
  const r = f.getdents64(Math.min(size, 1 << 20));
  if (typeof r === "number") return r;
  return k.machine.copyOut(a[1], r) ? r.length : -EFAULT;
}

/**
 * getdents(2): struct linux_dirent {d_ino, d_off, d_reclen, d_name, pad, d_type}, the same record
 * sizes as linux_dirent64, so the 64-bit records are rewritten in place.
 */
export function sysGetdents(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  const r = f.getdents64(Math.min(uintOf(a[2]), 1 << 20));
  if (typeof r === "number") return r;
  const out = new Uint8Array(r.length);
  const src = new DataView(r.buffer, r.byteOffset, r.byteLength), dst = new DataView(out.buffer);
  for (let o = 0; o < r.length;) {
    const reclen = src.getUint16(o + 16, true), type = r[o + 18];
    const nameEnd = r.indexOf(0, o + 19);
    dst.setBigUint64(o, src.getBigUint64(o, true), true);
    dst.setBigUint64(o + 8, src.getBigUint64(o + 8, true), true);
    dst.setUint16(o + 16, reclen, true);
    out.set(r.subarray(o + 19, nameEnd), o + 18);
    out[o + reclen - 1] = type;
    o += reclen;
  }
  return k.machine.copyOut(a[1], out) ? out.length : -EFAULT;
}

// ---- extended attributes and advice -----------------------------------------------------------
// No filesystem here stores extended attributes yet: lookups answer as for a file that has none
// (ENODATA, an empty list), and setting one is EOPNOTSUPP, as on a filesystem without xattr support.



/** The file an xattr call names: a path (following the last symlink or not) or an fd. */
function xattrTarget(k: Kernel, t: Thread, a: bigint[], how: "path" | "lpath" | "fd"): number {
  const tg = how === "fd" ? targetFd(k, t, a[0]) : targetAt(k, t, BigInt(AT_FDCWD), a[0], how === "lpath" ? AT_SYMLINK_NOFOLLOW : 0);
  return typeof tg === "number" ? tg : 0;
}

function xattrGet(how: "path" | "lpath" | "fd") {
  return (k: Kernel, t: Thread, a: bigint[]): SyscallResult => xattrTarget(k, t, a, how) || -ENODATA;
}
function xattrList(how: "path" | "lpath" | "fd") {
  return (k: Kernel, t: Thread, a: bigint[]): SyscallResult => xattrTarget(k, t, a, how) || 0;
}
function xattrSet(how: "path" | "lpath" | "fd") {
  return (k: Kernel, t: Thread, a: bigint[]): SyscallResult => xattrTarget(k, t, a, how) || -EOPNOTSUPP;
}

/** getxattr(2) */ export const sysGetxattr = xattrGet("path");
/** lgetxattr(2) */ export const sysLgetxattr = xattrGet("lpath");
/** fgetxattr(2) */ export const sysFgetxattr = xattrGet("fd");
/** listxattr(2) */ export const sysListxattr = xattrList("path");
/** llistxattr(2) */ export const sysLlistxattr = xattrList("lpath");
/** flistxattr(2) */ export const sysFlistxattr = xattrList("fd");
/** setxattr(2) */ export const sysSetxattr = xattrSet("path");
/** lsetxattr(2) */ export const sysLsetxattr = xattrSet("lpath");
/** fsetxattr(2) */ export const sysFsetxattr = xattrSet("fd");
/** removexattr(2) */ export const sysRemovexattr = xattrGet("path");
/** lremovexattr(2) */ export const sysLremovexattr = xattrGet("lpath");
/** fremovexattr(2) */ export const sysFremovexattr = xattrGet("fd");

/** posix_fadvise(2): advice is a hint; only its validity is checked. */
export function sysFadvise64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = fileOf(t, a[0]);
  if (!f) return -EBADF;
  if (f instanceof PipeEnd) return -ESPIPE;
  return a[3] >= 0n && a[3] <= 5n ? 0 : -EINVAL;
}
