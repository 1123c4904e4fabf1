// File system calls over the descriptor table: read/write families, lseek, close, ioctl on
// terminals, stat, openat (host files, read-only) and readlink. man 2 pages named per handler.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import type { HostStat } from "../runtime/host/types.js";
import { HostFile, SEEK_CUR, O_ACCMODE, O_RDONLY, O_APPEND, O_CREAT, O_TRUNC, O_DIRECTORY, O_CLOEXEC, O_NONBLOCK, O_PATH, O_TMPFILE, S_IFDIR, S_IFMT, type OpenFile } from "../runtime/files.js";
import { EBADF, EPIPE, ESPIPE, EFAULT, EINVAL, ENOTTY, EROFS, ERANGE, ENOENT, ENOTDIR, EISDIR } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { sendSignal } from "./signal.js";

const SIGPIPE = 13;

/** A write to a pipe nobody reads raises SIGPIPE (and still fails with EPIPE if it is ignored). */
function checkPipe(k: Kernel, t: Thread, r: number): number {
  if (r === -EPIPE) sendSignal(k, t.process, SIGPIPE);
  return r;
}

export const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000, AT_NO_AUTOMOUNT = 0x800;
/** Largest transfer done in one call; Linux also returns short counts (it caps at 0x7ffff000). */
const MAX_IO = 1 << 20;
const UIO_MAXIOV = 1024;

const fdOf = (v: bigint): number => Number(BigInt.asIntN(32, v));
const sizeOf = (v: bigint): number => (v > BigInt(MAX_IO) ? MAX_IO : Number(v));

function file(t: Thread, fd: bigint): OpenFile | undefined { return t.process.fds.get(fdOf(fd)); }

/** read(2) */
export function sysRead(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  if (BigInt.asIntN(64, a[2]) < 0n) return -EINVAL;
  const buf = new Uint8Array(sizeOf(a[2]));
  const n = f.read(buf);
  if (n <= 0) return n;
  return k.machine.copyOut(a[1], buf.subarray(0, n)) ? n : -EFAULT;
}

/** write(2) */
export function sysWrite(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  if (BigInt.asIntN(64, a[2]) < 0n) return -EINVAL;
  const data = k.machine.copyIn(a[1], sizeOf(a[2]));
  if (!data) return -EFAULT;
  return data.length === 0 ? 0 : checkPipe(k, t, f.write(data));
}

/** pread64(2) */
export function sysPread64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  if (BigInt.asIntN(64, a[3]) < 0n || BigInt.asIntN(64, a[2]) < 0n) return -EINVAL;
  const buf = new Uint8Array(sizeOf(a[2]));
  const n = f.pread(buf, a[3]);
  if (n <= 0) return n;
  return k.machine.copyOut(a[1], buf.subarray(0, n)) ? n : -EFAULT;
}

/** pwrite64(2): only the host's stdio is writable yet, and it cannot seek. */
export function sysPwrite64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  if (BigInt.asIntN(64, a[3]) < 0n) return -EINVAL;
  if ((f.flags & O_ACCMODE) === O_RDONLY) return -EBADF;
  return -ESPIPE;
}

/** The iovec array {base, len}[cnt]; null on EFAULT, a number on EINVAL. */
function readIovecs(k: Kernel, iov: bigint, cnt: bigint): Array<[bigint, number]> | number {
  if (cnt > BigInt(UIO_MAXIOV)) return -EINVAL;
  const raw = k.machine.copyIn(iov, Number(cnt) * 16);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const out: Array<[bigint, number]> = [];
  let total = 0n;
  for (let i = 0; i < Number(cnt); i++) {
    const len = dv.getBigUint64(i * 16 + 8, true);
    if (BigInt.asIntN(64, len) < 0n) return -EINVAL;
    total += len;
    if (total > 0x7fffffffn) return -EINVAL;
    out.push([dv.getBigUint64(i * 16, true), Number(len)]);
  }
  return out;
}

/** writev(2): the pieces are gathered and written in one host write, as one atomic record. */
export function sysWritev(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  const iovs = readIovecs(k, a[1], a[2]);
  if (typeof iovs === "number") return iovs;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [base, len] of iovs) {
    if (len === 0) continue;
    const n = Math.min(len, MAX_IO * 16 - total);
    if (n <= 0) break;
    const d = k.machine.copyIn(base, n);
    if (!d) return total > 0 ? checkPipe(k, t, f.write(concat(parts, total))) : -EFAULT;
    parts.push(d); total += n;
  }
  return total === 0 ? 0 : checkPipe(k, t, f.write(concat(parts, total)));
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** readv(2) */
export function sysReadv(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  const iovs = readIovecs(k, a[1], a[2]);
  if (typeof iovs === "number") return iovs;
  const total = Math.min(iovs.reduce((s, [, l]) => s + l, 0), MAX_IO);
  if (total === 0) return 0;
  const buf = new Uint8Array(total);
  const n = f.read(buf);
  if (n <= 0) return n;
  let o = 0;
  for (const [base, len] of iovs) {
    if (o >= n) break;
    const m = Math.min(len, n - o);
    if (!k.machine.copyOut(base, buf.subarray(o, o + m))) return o > 0 ? o : -EFAULT;
    o += m;
  }
  return n;
}

/** lseek(2) */
export function sysLseek(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  return f.lseek(a[1], Number(a[2] & 0xffffffffn));
}

/** close(2) */
export function sysClose(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.fds.close(fdOf(a[0]));
}

export const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f,
  TIOCGWINSZ = 0x5413, FIONBIO = 0x5421;

/** The termios a fresh Linux terminal has (stty sane): what TCGETS reports for a host tty. */
function defaultTermios(): Uint8Array {
  const b = new Uint8Array(36);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x4500, true); // ICRNL | IXON | IUTF8
  dv.setUint32(4, 0x5, true); // OPOST | ONLCR
  dv.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
  dv.setUint32(12, 0x8a3b, true); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  b.set([3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0], 17);
  return b;
}

/** ioctl(2): terminal queries on the host's descriptors; anything else is ENOTTY as on a file. */
export function sysIoctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  const req = Number(a[1] & 0xffffffffn);
  if (req === FIONBIO) {
    const v = k.machine.readU32(a[2]);
    if (v === null) return -EFAULT;
    f.flags = v ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
    return 0;
  }
  if (!f.isatty()) return -ENOTTY;
  switch (req) {
    case TCGETS: return k.machine.copyOut(a[2], defaultTermios()) ? 0 : -EFAULT;
    case TCSETS: case TCSETSW: case TCSETSF: return k.machine.copyIn(a[2], 36) ? 0 : -EFAULT;
    case TIOCGPGRP: return k.machine.writeU32(a[2], t.process.pgid) ? 0 : -EFAULT;
    case TIOCGWINSZ: {
      const ws = f.windowSize?.() ?? null;
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setUint16(0, ws?.rows ?? 24, true); dv.setUint16(2, ws?.cols ?? 80, true);
      return k.machine.copyOut(a[2], b) ? 0 : -EFAULT;
    }
    default: return -ENOTTY;
  }
}

/** Linux's struct stat for x86-64 (144 bytes). */
export function encodeStat(st: HostStat): Uint8Array {
  const b = new Uint8Array(144);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, st.dev, true);
  dv.setBigUint64(8, st.ino, true);
  dv.setBigUint64(16, BigInt(st.nlink), true);
  dv.setUint32(24, st.mode, true);
  dv.setUint32(28, st.uid, true);
  dv.setUint32(32, st.gid, true);
  dv.setBigUint64(40, st.rdev, true);
  dv.setBigInt64(48, st.size, true);
  dv.setBigInt64(56, BigInt(st.blksize), true);
  dv.setBigInt64(64, st.blocks, true);
  const times = [st.atimeNs, st.mtimeNs, st.ctimeNs];
  times.forEach((ns, i) => {
    dv.setBigInt64(72 + i * 16, ns / 1_000_000_000n, true);
    dv.setBigInt64(80 + i * 16, ns % 1_000_000_000n, true);
  });
  return b;
}

function putStat(k: Kernel, st: HostStat | number, buf: bigint): number {
  if (typeof st === "number") return st;
  return k.machine.copyOut(buf, encodeStat(st)) ? 0 : -EFAULT;
}

/** fstat(2) */
export function sysFstat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  return putStat(k, f.stat(), a[1]);
}

/** The host path a guest path names, relative to dirfd (AT_FDCWD or an open directory). */
function resolveAt(k: Kernel, t: Thread, dirfd: bigint, path: string): string | number {
  if (path.startsWith("/")) return k.resolvePath("/", path);
  const d = fdOf(dirfd);
  if (d === AT_FDCWD) return k.resolvePath(t.process.cwd, path);
  const f = t.process.fds.get(d);
  if (!f) return -EBADF;
  const st = f.stat();
  if (typeof st === "number") return st;
  if ((st.mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
  return k.resolvePath(f.path, path);
}

function readPath(k: Kernel, p: bigint): string | number {
  const s = k.machine.copyInString(p, 4096);
  return s === null ? -EFAULT : s;
}

/** newfstatat(2) */
export function sysNewfstatat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  if (path === "") {
    if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
    if (fdOf(a[0]) === AT_FDCWD) return putStat(k, k.host.stat(t.process.cwd, true), a[2]);
    const f = file(t, a[0]);
    return f ? putStat(k, f.stat(), a[2]) : -EBADF;
  }
  const hp = resolveAt(k, t, a[0], path);
  if (typeof hp === "number") return hp;
  return putStat(k, k.host.stat(hp, !(flags & AT_SYMLINK_NOFOLLOW)), a[2]);
}

/** stat(2) */
export function sysStat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysNewfstatat(k, t, [BigInt(AT_FDCWD), a[0], a[1], 0n]);
}

/** lstat(2) */
export function sysLstat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysNewfstatat(k, t, [BigInt(AT_FDCWD), a[0], a[1], BigInt(AT_SYMLINK_NOFOLLOW)]);
}

/** openat(2): host files and directories, read-only for now. */
export function sysOpenat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[2] & 0xffffffffn);
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  if (path === "") return -ENOENT;
  let hp = resolveAt(k, t, a[0], path);
  if (typeof hp === "number") return hp;
  if (hp === "/proc/self/exe") hp = t.process.exe;
  if ((flags & O_ACCMODE) !== O_RDONLY || (flags & (O_CREAT | O_TRUNC)) || (flags & O_TMPFILE) === O_TMPFILE) {
    const st = k.host.stat(hp, true);
    if (typeof st === "number" && !(flags & O_CREAT)) return st;
    if (typeof st !== "number" && (st.mode & S_IFMT) === S_IFDIR) return -EISDIR;
    return -EROFS;
  }
  const st = k.host.stat(hp, true);
  if (typeof st === "number") return st;
  const isDir = (st.mode & S_IFMT) === S_IFDIR;
  if ((flags & O_DIRECTORY) && !isDir) return -ENOTDIR;
  const h = k.host.openRead(hp, isDir);
  if (h < 0) return h;
  const lim = Number(t.process.rlimits[7][0] > 1048576n ? 1048576n : t.process.rlimits[7][0]);
  const fd = t.process.fds.install(new HostFile(k.host, h, flags & ~(O_CLOEXEC | O_PATH), hp, isDir), (flags & O_CLOEXEC) !== 0, 0, lim);
  if (fd < 0) k.host.close(h);
  return fd;
}

/** open(2) */
export function sysOpen(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysOpenat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2]]);
}

/** readlinkat(2): /proc/self/exe is the running program; other paths are the host's links. */
export function sysReadlinkat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  const size = BigInt.asIntN(64, a[3]);
  if (size <= 0n) return -EINVAL;
  if (path === "") return -ENOENT;
  const hp = resolveAt(k, t, a[0], path);
  if (typeof hp === "number") return hp;
  let target: string | number;
  if (hp === "/proc/self/exe" || hp === `/proc/${t.process.pid}/exe`) target = t.process.exe;
  else target = k.host.readlink(hp);
  if (typeof target === "number") return target;
  const bytes = new TextEncoder().encode(target);
  const n = Math.min(bytes.length, Number(size > 4096n ? 4096n : size));
  return k.machine.copyOut(a[2], bytes.subarray(0, n)) ? n : -EFAULT;
}

/** readlink(2) */
export function sysReadlink(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysReadlinkat(k, t, [BigInt(AT_FDCWD), a[0], a[1], a[2]]);
}

/** getcwd(2) */
export function sysGetcwd(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const bytes = new TextEncoder().encode(t.process.cwd + "\0");
  if (BigInt(bytes.length) > a[1]) return -ERANGE;
  return k.machine.copyOut(a[0], bytes) ? bytes.length : -EFAULT;
}

export const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1;
/** Status flags F_SETFL may change (the rest of the flags word is fixed at open). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | 0o40000 /* O_DIRECT */ | 0o1000000 /* O_NOATIME */ | 0o20000 /* O_ASYNC */;

/** fcntl(2): descriptor flags, status flags and duplication. */
export function sysFcntl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const fd = fdOf(a[0]);
  const fds = t.process.fds;
  const f = fds.get(fd);
  if (!f) return -EBADF;
  const arg = Number(a[2] & 0xffffffffn);
  switch (Number(a[1] & 0xffffffffn)) {
    case F_GETFD: return fds.cloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: return fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
    case F_GETFL: return f.flags;
    case F_SETFL: f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK); return 0;
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = Number(BigInt.asIntN(32, a[2]));
      const lim = Number(t.process.rlimits[7][0] > 1048576n ? 1048576n : t.process.rlimits[7][0]);
      if (min < 0 || min >= lim) return -EINVAL;
      return fds.install(f, Number(a[1]) === F_DUPFD_CLOEXEC, min, lim);
    }
    default: return -EINVAL;
  }
}

const DT_BY_MODE: Record<number, number> = { 0o10000: 1, 0o20000: 2, 0o40000: 4, 0o60000: 6, 0o100000: 8, 0o120000: 10, 0o140000: 12 };

/** getdents64(2): struct linux_dirent64 records; d_off is the position after the entry. */
export function sysGetdents64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  if (!f) return -EBADF;
  if (!f.readdir || !f.advanceDir) return -ENOTDIR;
  const entries = f.readdir();
  if (typeof entries === "number") return entries;
  const room = Number(a[2] > BigInt(MAX_IO) ? BigInt(MAX_IO) : a[2]);
  const out = new Uint8Array(room);
  const dv = new DataView(out.buffer);
  const pos = f.lseek(0n, SEEK_CUR);
  const enc = new TextEncoder();
  let o = 0, n = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (o + reclen > room) break;
    dv.setBigUint64(o, e.ino, true);
    dv.setBigInt64(o + 8, (pos < 0n ? 0n : pos) + BigInt(n + 1), true);
    dv.setUint16(o + 16, reclen, true);
    out[o + 18] = DT_BY_MODE[e.type] ?? 0;
    out.set(name, o + 19);
    o += reclen; n++;
  }
  if (n === 0 && entries.length > 0) return -EINVAL;
  if (!k.machine.copyOut(a[1], out.subarray(0, o))) return -EFAULT;
  f.advanceDir(n);
  return o;
}

/** sendfile(2): a read from in_fd (at *offset when given) and a write to out_fd, in chunks. */
export function sysSendfile(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const out = file(t, a[0]), src = file(t, a[1]);
  if (!out || !src) return -EBADF;
  if ((out.flags & O_ACCMODE) === O_RDONLY || (src.flags & O_ACCMODE) === 1 /* O_WRONLY */) return -EBADF;
  let offset: bigint | null = null;
  if (a[2] !== 0n) {
    offset = k.machine.readU64(a[2]);
    if (offset === null) return -EFAULT;
    if (BigInt.asIntN(64, offset) < 0n) return -EINVAL;
  }
  const buf = new Uint8Array(sizeOf(a[3]));
  const n = offset === null ? src.read(buf) : src.pread(buf, offset);
  if (n <= 0) return n;
  const w = checkPipe(k, t, out.write(buf.subarray(0, n)));
  if (w < 0) return w;
  if (offset !== null && !k.machine.writeU64(a[2], offset + BigInt(w))) return -EFAULT;
  return w;
}

function fdLimit(t: Thread): number {
  const cur = t.process.rlimits[7][0];
  return Number(cur > 1048576n ? 1048576n : cur);
}

/** dup(2) */
export function sysDup(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = file(t, a[0]);
  return f ? t.process.fds.install(f, false, 0, fdLimit(t)) : -EBADF;
}

/** dup3(2) */
export function sysDup3(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const oldfd = fdOf(a[0]), newfd = fdOf(a[1]), flags = Number(a[2] & 0xffffffffn);
  if (flags & ~O_CLOEXEC) return -EINVAL;
  const f = t.process.fds.get(oldfd);
  if (!f) return -EBADF;
  if (oldfd === newfd) return -EINVAL;
  if (newfd < 0 || newfd >= fdLimit(t)) return -EBADF;
  t.process.fds.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
  return newfd;
}

/** dup2(2): like dup3, but the same descriptor twice is a valid no-op. */
export function sysDup2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (fdOf(a[0]) === fdOf(a[1])) return file(t, a[0]) ? fdOf(a[0]) : -EBADF;
  return sysDup3(k, t, [a[0], a[1], 0n]);
}
