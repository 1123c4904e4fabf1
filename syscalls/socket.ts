// Socket system calls over AF_UNIX (runtime/vfs/socket.ts) and loopback-only TCP/UDP
// (runtime/vfs/inet.ts): socket, socketpair, bind, listen, accept, connect, the send/recv families
// with SCM_RIGHTS and SCM_CREDENTIALS, shutdown, the name calls and socket options. Other address
// families answer EAFNOSUPPORT. man 2 pages named per handler; errors are checked in Linux's order.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, SyscallValue } from "../runtime/process.js";
import {
  O_NONBLOCK, O_CLOEXEC, AT_FDCWD, S_IFMT, S_IFSOCK, permission, byteString, type OpenFile,
  SocketFile, SockFs, UnixSocket, dropInFlight, AF_UNIX, AF_UNSPEC, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
  SOCK_SEQPACKET, AF_INET, AF_INET6, InetSocket, PortTable, formatInet, isAny, isLoopback, isV4, anyFor, V4_LOOPBACK,
  V6_LOOPBACK, IPPROTO_TCP, IPPROTO_UDP, optionKey, NetlinkSocket, NETLINK_ROUTE, AF_NETLINK, LOOPBACK,
  type InetName, type Ucred, type Received,
} from "../runtime/vfs/index.js";
import {
  EBADF, EFAULT, EINVAL, ENOTSOCK, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EADDRINUSE, EEXIST,
  ECONNREFUSED, EPROTOTYPE, EISCONN, EOPNOTSUPP, ENOTCONN, EPIPE, EPERM, ENOPROTOOPT, EAGAIN, EMSGSIZE, ENOBUFS, EDOM,
  EADDRNOTAVAIL, ENETUNREACH, EACCES, EINPROGRESS, ENOENT, ENOTTY, ENODEV,
} from "../runtime/errno.js";
import type { SyscallResult, Park } from "./types.js";
import { isPark } from "./types.js";
import { blockOn, WOULD_BLOCK } from "./fs_wait.js";
import { fdOf, intOf, uintOf, ctxOf, installFile } from "./fs.js";
import { sendSignal } from "./signal.js";

const SIGPIPE = 13;
const MAX_IO = 1 << 20;
/** Linux's MAX_RW_COUNT: a send takes this much at most (a blocking stream send waits until all went). */
const MAX_RW = 0x7ffff000;
const UIO_MAXIOV = 1024;
const NPROTO = 46, SOCK_MAX = 11, SOCK_TYPE_MASK = 0xf;
const SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC;
const SOCKADDR_STORAGE = 128, SOCKADDR_UN = 110;
const SOMAXCONN = 4096;

export const MSG_OOB = 1, MSG_PEEK = 2, MSG_CTRUNC = 8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80,
  MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_NETLINK = 270;
const SOL_SOCKET = 1, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, SCM_MAX_FD = 253;
const SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6, SO_SNDBUF = 7,
  SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_LINGER = 13, SO_REUSEPORT = 15, SO_PASSCRED = 16,
  SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, SO_ACCEPTCONN = 30,
  SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_PROTOCOL = 38, SO_DOMAIN = 39, SO_PRIORITY = 12;
/** Where SO_LINGER's l_linger is kept (no option has this number). */
const SO_LINGER_TIME = 0xffff;
/** net.core.wmem_max / rmem_max, and the floors Linux puts under SO_SNDBUF / SO_RCVBUF. */
const WMEM_MAX = 212992, RMEM_MAX = 212992, SOCK_MIN_SNDBUF = 4608, SOCK_MIN_RCVBUF = 2304;

// ---- per-machine state and small helpers ------------------------------------------------------

const sockfsOf = new WeakMap<Kernel, SockFs>();
function sockfs(k: Kernel): SockFs {
  let s = sockfsOf.get(k);
  if (!s) { s = new SockFs(k.files.vfs.clock); sockfsOf.set(k, s); }
  return s;
}

/** SO_PEERCRED's view of the caller (effective ids). */
const peerCredOf = (t: Thread): Ucred => ({ pid: t.process.pid, uid: t.process.euid, gid: t.process.egid });
/** The credentials a message carries by default (scm_send: real ids). */
const scmCredOf = (t: Thread): Ucred => ({ pid: t.process.pid, uid: t.process.uid, gid: t.process.gid });

/** The socket behind fd: -EBADF, or -ENOTSOCK for any other file. */
function sockFile(t: Thread, fd: bigint): SocketFile | number {
  const f = t.process.fds.get(fdOf(fd));
  if (!f) return -EBADF;
  return f instanceof SocketFile ? f : -ENOTSOCK;
}

function newSocketFd(k: Kernel, t: Thread, s: UnixSocket, flags: number): number {
  const f = sockfs(k).file(s, flags & SOCK_NONBLOCK, t.process.euid, t.process.egid);
  return installFile(t, f, (flags & SOCK_CLOEXEC) !== 0);
}

/** move_addr_to_kernel: the caller's sockaddr bytes. */
function readSockaddr(k: Kernel, va: bigint, len: number): Uint8Array | number {
  if (len < 0 || len > SOCKADDR_STORAGE) return -EINVAL;
  if (len === 0) return new Uint8Array(0);
  return k.machine.copyIn(va, len) ?? -EFAULT;
}

/** move_addr_to_user: as much of addr as fits, and its real length in *lenVa. */
function writeSockaddr(k: Kernel, va: bigint, lenVa: bigint, addr: Uint8Array): number {
  const b = k.machine.copyIn(lenVa, 4);
  if (!b) return -EFAULT;
  const room = new DataView(b.buffer).getInt32(0, true);
  if (room < 0) return -EINVAL;
  const n = Math.min(room, addr.length);
  if (n && !k.machine.copyOut(va, addr.subarray(0, n))) return -EFAULT;
  return k.machine.writeU32(lenVa, addr.length) ? 0 : -EFAULT;
}

/** The address of an unbound socket as getsockname shows it: only the family. */
const UNNAMED = new Uint8Array([AF_UNIX, 0]);

/** sun_path of a filesystem address up to its NUL (the kernel ends it at addrlen), as bytes. */
function pathBytes(addr: Uint8Array): Uint8Array {
  const p = addr.subarray(2);
  const nul = p.indexOf(0);
  return nul < 0 ? p : p.subarray(0, nul);
}

/** unix_validate_addr */
function validUnixAddr(addr: Uint8Array): boolean {
  return addr.length >= 2 && (addr[0] | (addr[1] << 8)) === AF_UNIX && addr.length <= SOCKADDR_UN;
}

/** The socket an address names (unix_find_other): ENOENT etc. from the path walk, EACCES, ECONNREFUSED, EPROTOTYPE. */
function findUnix(k: Kernel, t: Thread, addr: Uint8Array, type: number): UnixSocket | number {
  if (!validUnixAddr(addr)) return -EINVAL;
  const names = sockfs(k).names;
  if (addr.length > 2 && addr[2] !== 0) {
    const ctx = ctxOf(k, t);
    const p = k.files.vfs.lookup(ctx, AT_FDCWD, byteString(pathBytes(addr)), true);
    if (typeof p === "number") return p;
    const inode = p.dentry.inode;
    const e = permission(inode, 2, ctx.cred);
    if (e) return e;
    if ((inode.mode & S_IFMT) !== S_IFSOCK) return -ECONNREFUSED;
    const s = names.atInode(inode);
    if (!s) return -ECONNREFUSED;
    return s.type === type ? s : -EPROTOTYPE;
  }
  return names.atAbstract(type, addr.subarray(2)) ?? -ECONNREFUSED;
}

function autobind(k: Kernel, s: UnixSocket): void {
  const names = sockfs(k).names;
  for (;;) {
    const a = UnixSocket.autobindName();
    if (names.bindAbstract(s.type, a.subarray(2), s)) { s.addr = a; return; }
  }
}

/**
 * Waits while attempt() would block (unless nonblocking), with the socket option's timeout ending
 * the wait in EAGAIN. progress() is what an interrupted call has already done: a signal then
 * returns that count rather than EINTR, as Linux does for partial transfers.
 */
function sockWait(k: Kernel, t: Thread, f: SocketFile, nonblock: boolean, timeoutMs: number, attempt: () => SyscallValue,
  progress: () => number = () => 0, also: UnixSocket[] = []): SyscallResult {
  if (nonblock || (f.flags & O_NONBLOCK)) return attempt();
  const r = blockOn(k, t, [f.sock.waitQueue, ...also.map((s) => s.waitQueue)], attempt,
    timeoutMs > 0 ? { timeoutMs, onTimeout: () => progress() || -EAGAIN } : {});
  if (!isPark(r)) return r;
  const park: Park = { park: r.park, interrupt: (v?: SyscallValue) => r.interrupt!(progress() > 0 ? progress() : v) };
  return park;
}

// ---- iovecs and msghdr ------------------------------------------------------------------------

type Iovecs = Array<[bigint, number]>;

function readIovecs(k: Kernel, iov: bigint, cnt: bigint): Iovecs | number {
  if (cnt > BigInt(UIO_MAXIOV)) return -EMSGSIZE; // sendmsg/recvmsg say EMSGSIZE, not readv's EINVAL
  if (cnt === 0n) return [];
  const raw = k.machine.copyIn(iov, Number(cnt) * 16);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const out: Iovecs = [];
  let total = 0n;
  for (let i = 0; i < Number(cnt); i++) {
    const base = dv.getBigUint64(i * 16, true), len = dv.getBigUint64(i * 16 + 8, true);
    if (BigInt.asIntN(64, len) < 0n) return -EINVAL;
    total += len;
    if (total > 0x7fffffffn) return -EINVAL;
    out.push([base, Number(len)]);
  }
  return out;
}

const iovTotal = (iovs: Iovecs) => iovs.reduce((s, [, l]) => s + l, 0);

function gather(k: Kernel, iovs: Iovecs): Uint8Array | null {
  const out = new Uint8Array(Math.min(iovTotal(iovs), MAX_RW));
  let o = 0;
  for (const [base, len] of iovs) {
    const n = Math.min(len, out.length - o);
    if (n <= 0) continue;
    const d = k.machine.copyIn(base, n);
    if (!d) return null;
    out.set(d, o); o += n;
  }
  return out;
}

/** Copies data into the buffers starting at byte offset at of their concatenation. */
function scatterAt(k: Kernel, iovs: Iovecs, data: Uint8Array, at: number): boolean {
  let skip = at, o = 0;
  for (const [base, len] of iovs) {
    if (o >= data.length) break;
    if (skip >= len) { skip -= len; continue; }
    const m = Math.min(len - skip, data.length - o);
    if (!k.machine.copyOut(base + BigInt(skip), data.subarray(o, o + m))) return false;
    o += m; skip = 0;
  }
  return true;
}

interface MsgHdr { name: bigint; namelen: number; iov: bigint; iovlen: bigint; control: bigint; controllen: bigint }

function readMsgHdr(k: Kernel, va: bigint): MsgHdr | number {
  const b = k.machine.copyIn(va, 56);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  return {
    name: dv.getBigUint64(0, true), namelen: dv.getInt32(8, true), iov: dv.getBigUint64(16, true),
    iovlen: dv.getBigUint64(24, true), control: dv.getBigUint64(32, true), controllen: dv.getBigUint64(40, true),
  };
}

/** Ancillary data of a send: descriptors (with a reference each) and credentials. */
interface Ancillary { files: OpenFile[] | null; cred: Ucred | null }

function dropFiles(files: OpenFile[] | null): void { if (files) for (const f of files) dropInFlight(f); }

/** __scm_send: walks the cmsghdrs; SOL_SOCKET ones must be SCM_RIGHTS or SCM_CREDENTIALS. */
function parseControl(k: Kernel, t: Thread, h: MsgHdr): Ancillary | number {
  const anc: Ancillary = { files: null, cred: null };
  if (h.controllen === 0n) return anc;
  if (h.controllen > 0x7fffffffn) return -ENOBUFS;
  const len = Number(h.controllen);
  const raw = k.machine.copyIn(h.control, len);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const fail = (e: number) => { dropFiles(anc.files); return e; };
  for (let off = 0; off + 16 <= len;) {
    const clen = Number(dv.getBigUint64(off, true));
    if (clen < 16 || clen > len - off) return fail(-EINVAL);
    const level = dv.getInt32(off + 8, true), type = dv.getInt32(off + 12, true);
    if (level === SOL_SOCKET) {
      if (type === SCM_RIGHTS) {
        const n = Math.floor((clen - 16) / 4);
        if (n > 0) {
          if ((anc.files?.length ?? 0) + n > SCM_MAX_FD) return fail(-EINVAL);
          anc.files ??= [];
          for (let i = 0; i < n; i++) {
            const f = t.process.fds.get(dv.getInt32(off + 16 + i * 4, true));
            if (!f) return fail(-EBADF);
            f.refs++;
            anc.files.push(f);
          }
        }
      } else if (type === SCM_CREDENTIALS) {
        if (clen !== 28) return fail(-EINVAL);
        const c = { pid: dv.getInt32(off + 16, true), uid: dv.getUint32(off + 20, true), gid: dv.getUint32(off + 24, true) };
        const p = t.process, root = p.euid === 0;
        if (c.pid !== p.pid && !root) return fail(-EPERM);
        if (![p.uid, p.euid, p.suid].includes(c.uid) && !root) return fail(-EPERM);
        if (![p.gid, p.egid, p.sgid].includes(c.gid) && !root) return fail(-EPERM);
        anc.cred = c;
      } else return fail(-EINVAL);
    }
    off += (clen + 7) & ~7;
  }
  return anc;
}

/** Writes cmsgs into the caller's control buffer as put_cmsg/scm_detach_fds do. */
class ControlOut {
  private out: Uint8Array;
  used = 0;
  truncated = false;
  constructor(room: number) { this.out = new Uint8Array(Math.max(0, room)); }
  /** One cmsg; false (and MSG_CTRUNC) when it does not fit whole. */
  put(type: number, data: Uint8Array): boolean {
    const room = this.out.length - this.used;
    if (room < 16) { this.truncated = true; return false; }
    let clen = 16 + data.length;
    if (room < clen) { this.truncated = true; clen = room; }
    const dv = new DataView(this.out.buffer, this.used);
    dv.setBigUint64(0, BigInt(clen), true);
    dv.setInt32(8, SOL_SOCKET, true);
    dv.setInt32(12, type, true);
    this.out.set(data.subarray(0, clen - 16), this.used + 16);
    this.used += Math.min((clen + 7) & ~7, room);
    return clen === 16 + data.length;
  }
  /** How many descriptors fit in one SCM_RIGHTS cmsg. */
  fdRoom(): number { return Math.max(0, Math.floor((this.out.length - this.used - 16) / 4)); }
  bytes(): Uint8Array { return this.out.subarray(0, this.used); }
}

// ---- socket, socketpair ------------------------------------------------------------------------

/** The socket type after flags, or -errno, following __sys_socket and unix_create. */
function socketType(family: number, typeArg: number, protocol: number): number {
  const flags = typeArg & ~SOCK_TYPE_MASK;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  const type = typeArg & SOCK_TYPE_MASK;
  if (family < 0 || family >= NPROTO) return -EAFNOSUPPORT;
  if (type < 0 || type >= SOCK_MAX) return -EINVAL;
  if (family !== AF_UNIX) return -EAFNOSUPPORT;
  if (protocol !== 0 && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
  if (type === SOCK_STREAM || type === SOCK_DGRAM || type === SOCK_SEQPACKET) return type;
  if (type === SOCK_RAW) return SOCK_DGRAM; // Linux's af_unix treats SOCK_RAW as datagrams
  return -ESOCKTNOSUPPORT;
}

/** socket(2) */
export function sysSocket(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const typeArg = intOf(a[1]), family = intOf(a[0]);
  if (family === AF_INET || family === AF_INET6) {
    const type = inetType(typeArg, intOf(a[2]));
    if (type < 0) return type;
    const tables = portsOf(k);
    return newSocketFd(k, t, new InetSocket(type, family, type === SOCK_STREAM ? tables.tcp : tables.udp), typeArg);
  }
  if (family === AF_NETLINK) {
    // Raw and datagram are the same for netlink; only NETLINK_ROUTE is served.
    const flags = typeArg & ~SOCK_TYPE_MASK, type = typeArg & SOCK_TYPE_MASK;
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
    if (type !== SOCK_RAW && type !== SOCK_DGRAM) return -ESOCKTNOSUPPORT;
    if (intOf(a[2]) !== NETLINK_ROUTE) return -EPROTONOSUPPORT;
    return newSocketFd(k, t, new NetlinkSocket(NETLINK_ROUTE, k, t.process.pid), typeArg);
  }
  const type = socketType(family, typeArg, intOf(a[2]));
  if (type < 0) return type;
  return newSocketFd(k, t, new UnixSocket(type), typeArg);
}

/** socketpair(2) */
export function sysSocketpair(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const typeArg = intOf(a[1]);
  const type = socketType(intOf(a[0]), typeArg, intOf(a[2]));
  if (type < 0) return type;
  const s0 = new UnixSocket(type), s1 = new UnixSocket(type);
  const c = peerCredOf(t);
  UnixSocket.pair(s0, s1, c, c);
  const fd0 = newSocketFd(k, t, s0, typeArg);
  if (fd0 < 0) { s1.close(); s0.close(); return fd0; }
  const fd1 = newSocketFd(k, t, s1, typeArg);
  if (fd1 < 0) { t.process.fds.close(fd0); s1.close(); return fd1; }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setInt32(0, fd0, true);
  new DataView(b.buffer).setInt32(4, fd1, true);
  if (!k.machine.copyOut(a[3], b)) { t.process.fds.close(fd0); t.process.fds.close(fd1); return -EFAULT; }
  return 0;
}

// ---- bind, listen, connect, accept ------------------------------------------------------------

/** bind(2): a filesystem path makes a socket inode (EADDRINUSE if the name exists); a leading NUL is abstract; no path autobinds. */
export function sysBind(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const addr = readSockaddr(k, a[1], intOf(a[2]));
  if (typeof addr === "number") return addr;
  const s = f.sock;
  if (s instanceof InetSocket) return inetBind(t, s, addr);
  if (s instanceof NetlinkSocket) return s.bindTo(addr);
  if (addr.length === 2 && (addr[0] | (addr[1] << 8)) === AF_UNIX) {
    if (!s.addr) autobind(k, s); // an already bound socket keeps its name, without error
    return 0;
  }
  if (!validUnixAddr(addr)) return -EINVAL;
  const names = sockfs(k).names;
  if (addr[2] !== 0) {
    const pb = pathBytes(addr);
    const path = byteString(pb);
    const ctx = ctxOf(k, t);
    const vfs = k.files.vfs;
    // Linux makes the node before it looks at the socket: EADDRINUSE wins over EINVAL.
    const e = vfs.mknodat(ctx, AT_FDCWD, path, S_IFSOCK | 0o777, 0n);
    if (e === -EEXIST) return -EADDRINUSE;
    if (e < 0) return e;
    if (s.addr) { vfs.unlinkat(ctx, AT_FDCWD, path); return -EINVAL; }
    const p = vfs.lookup(ctx, AT_FDCWD, path, false);
    if (typeof p === "number") return p;
    names.bindInode(p.dentry.inode, s);
    const stored = new Uint8Array(2 + pb.length + 1);
    stored.set(addr.subarray(0, 2)); stored.set(pb, 2);
    s.addr = stored;
    return 0;
  }
  if (s.addr) return -EINVAL;
  if (!names.bindAbstract(s.type, addr.slice(2), s)) return -EADDRINUSE;
  s.addr = addr.slice();
  return 0;
}

/** listen(2) */
export function sysListen(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const s = f.sock;
  if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
  if (s instanceof InetSocket) {
    if (s.state === "connected") return -EINVAL;
    if (!s.local && !s.ports.bind(s, anyFor(s.family), 0)) return -EADDRINUSE;
  } else if (!s.addr || s.state === "connected") return -EINVAL;
  let backlog = uintOf(a[1]) >>> 0;
  if (backlog > SOMAXCONN) backlog = SOMAXCONN;
  s.maxBacklog = backlog;
  s.listenCred = peerCredOf(t);
  s.state = "listening";
  s.waitQueue.notify();
  return 0;
}

/** connect(2): stream and seqpacket sockets queue a connection on the listener; datagram sockets set their peer. */
export function sysConnect(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const addr = readSockaddr(k, a[1], intOf(a[2]));
  if (typeof addr === "number") return addr;
  const s = f.sock;
  if (s instanceof InetSocket) return inetConnect(k, t, f, s, addr);
  if (s instanceof NetlinkSocket) {
    // The default destination: only the kernel (nl_pid 0) answers here.
    if (addr.length < 12 || (addr[0] | (addr[1] << 8)) !== AF_NETLINK) return -EINVAL;
    return s.autobind();
  }
  if (s.type === SOCK_DGRAM) {
    if (addr.length >= 2 && (addr[0] | (addr[1] << 8)) === AF_UNSPEC) {
      s.peer = null; s.state = "unconnected";
      return 0;
    }
    const other = findUnix(k, t, addr, s.type);
    if (typeof other === "number") return other;
    if (s.passcred && !s.addr) autobind(k, s);
    if (other.peer && other.peer !== s) return -EPERM;
    s.peer = other; s.state = "connected";
    s.peerCred = null;
    return 0;
  }
  if (!validUnixAddr(addr)) return -EINVAL;
  if (s.state === "connected") return -EISCONN;
  if (s.state === "listening") return -EINVAL;
  const listener = findUnix(k, t, addr, s.type);
  if (typeof listener === "number") return listener;
  if (s.passcred && !s.addr) autobind(k, s);
  const attempt = (): SyscallValue => {
    if (s.state === "connected") return -EISCONN;
    if (listener.dead || listener.state !== "listening") return -ECONNREFUSED;
    if (listener.backlog.length > listener.maxBacklog) return WOULD_BLOCK;
    const server = new UnixSocket(s.type);
    server.addr = listener.addr;
    server.passcred = listener.passcred;
    UnixSocket.pair(s, server, peerCredOf(t), listener.listenCred!);
    listener.backlog.push(server);
    listener.waitQueue.notify();
    s.waitQueue.notify();
    return 0;
  };
  return sockWait(k, t, f, false, f.sock.sndtimeoMs, attempt, () => 0, [listener]);
}

function doAccept(k: Kernel, t: Thread, a: bigint[], flags: number): SyscallResult {
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const s = f.sock;
  if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
  if (s.state !== "listening") return -EINVAL;
  const attempt = (): SyscallValue => {
    if (s.dead) return -EINVAL;
    const server = s.backlog.shift();
    if (!server) return WOULD_BLOCK;
    s.waitQueue.notify();
    const fd = newSocketFd(k, t, server, flags);
    if (fd < 0) { server.close(); return fd; }
    if (a[1] !== 0n) {
      const e = writeSockaddr(k, a[1], a[2], server.peerName ?? server.peer?.addr ?? UNNAMED);
      if (e < 0) { t.process.fds.close(fd); return e; }
    }
    return fd;
  };
  return sockWait(k, t, f, false, s.rcvtimeoMs, attempt);
}

/** accept(2) */
export function sysAccept(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return doAccept(k, t, a, 0); }
/** accept4(2) */
export function sysAccept4(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return doAccept(k, t, a, intOf(a[3])); }

/** shutdown(2) */
export function sysShutdown(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const how = intOf(a[1]);
  if (how < 0 || how > 2) return -EINVAL;
  return f.sock.shut(how);
}

/** getsockname(2) */
export function sysGetsockname(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const s = f.sock;
  return writeSockaddr(k, a[1], a[2], s instanceof InetSocket || s instanceof NetlinkSocket ? s.name : s.addr ?? UNNAMED);
}

/** getpeername(2) */
export function sysGetpeername(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const s = f.sock;
  if (s instanceof InetSocket) return s.state === "connected" && s.peerName ? writeSockaddr(k, a[1], a[2], s.peerName) : -ENOTCONN;
  const p = s.peer;
  if (!p || s.state !== "connected") return -ENOTCONN;
  return writeSockaddr(k, a[1], a[2], p.addr ?? UNNAMED);
}

// ---- sending ----------------------------------------------------------------------------------

/**
 * Sends data with ancillary anc, to target or the peer: streams send all of it (blocking as
 * needed; a partial count if interrupted), records go whole. EPIPE on a stream raises SIGPIPE
 * unless MSG_NOSIGNAL. The references in anc.files are consumed.
 */
function sendData(k: Kernel, t: Thread, f: SocketFile, data: Uint8Array, flags: number, anc: Ancillary, target: UnixSocket | null,
  dest?: InetName): SyscallResult {
  const s = f.sock;
  if (s instanceof InetSocket && (anc.files || anc.cred)) { dropFiles(anc.files); return -EINVAL; } // sock_cmsg_send knows neither
  const cred = anc.cred ?? scmCredOf(t);
  let files = anc.files;
  let done = 0;
  const nonblock = (flags & MSG_DONTWAIT) !== 0;
  const finish = (r: SyscallValue): SyscallValue => {
    dropFiles(files); files = null;
    if (r === -EPIPE && s.type === SOCK_STREAM && !(flags & MSG_NOSIGNAL)) sendSignal(k, t.process, SIGPIPE);
    return r;
  };
  const attempt = (): SyscallValue => {
    if (s.type !== SOCK_STREAM) {
      const r = s instanceof InetSocket ? s.sendRecord(data, null, null, null, dest) : s.sendRecord(data, files, cred, target);
      if (r === WOULD_BLOCK) return r;
      if (r >= 0) files = null;
      return finish(r);
    }
    for (;;) {
      const r = s.sendStream(done === 0 ? data : data.subarray(done), files, cred);
      if (r === WOULD_BLOCK) {
        if (done > 0 && (nonblock || (f.flags & O_NONBLOCK))) return finish(done);
        return WOULD_BLOCK;
      }
      if (r < 0) return done > 0 ? finish(done) : finish(r);
      if (r > 0) files = null;
      done += r;
      if (done >= data.length) return finish(done);
    }
  };
  const r = sockWait(k, t, f, nonblock, s.sndtimeoMs, attempt, () => done, target ? [target] : []);
  if (isPark(r)) r.park.then(() => { dropFiles(files); files = null; });
  else if (r === WOULD_BLOCK) { dropFiles(files); files = null; }
  return r;
}

/** The target of a send with an address: datagram sockets look it up; others refuse or ignore it. */
function sendTarget(k: Kernel, t: Thread, s: UnixSocket, addr: Uint8Array): UnixSocket | null | number {
  if (addr.length === 0) return null;
  // Netlink: every message goes to the kernel, which is all there is to talk to.
  if (s instanceof NetlinkSocket) return addr.length >= 12 && (addr[0] | (addr[1] << 8)) === AF_NETLINK ? null : -EINVAL;
  if (s.type === SOCK_STREAM) return s.state === "connected" ? -EISCONN : -EOPNOTSUPP;
  if (s.type === SOCK_SEQPACKET) return null;
  const other = findUnix(k, t, addr, s.type);
  if (typeof other === "number") return other;
  if (s.passcred && !s.addr) autobind(k, s);
  return other;
}

/** write(2), writev(2) on a socket: send without flags. */
export function socketWrite(k: Kernel, t: Thread, f: SocketFile, data: Uint8Array): SyscallResult {
  return sendData(k, t, f, data, 0, { files: null, cred: null }, null);
}

/** sendto(2); send(2) is sendto without an address. */
export function sysSendto(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const len = a[2] > BigInt(MAX_RW) ? MAX_RW : Number(a[2]);
  const flags = intOf(a[3]);
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const addr = a[4] === 0n ? new Uint8Array(0) : readSockaddr(k, a[4], intOf(a[5]));
  if (typeof addr === "number") return addr;
  const data = len === 0 ? new Uint8Array(0) : k.machine.copyIn(a[1], len);
  if (!data) return -EFAULT;
  if (f.sock instanceof InetSocket) {
    const dest = inetDest(f.sock, addr);
    if (typeof dest === "number") return dest;
    return sendData(k, t, f, data, flags, { files: null, cred: null }, null, dest ?? undefined);
  }
  const target = sendTarget(k, t, f.sock, addr);
  if (typeof target === "number") return target;
  return sendData(k, t, f, data, flags, { files: null, cred: null }, target);
}

function sendMsg(k: Kernel, t: Thread, f: SocketFile, va: bigint, flags: number): SyscallResult {
  const h = readMsgHdr(k, va);
  if (typeof h === "number") return h;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const addr = h.name === 0n ? new Uint8Array(0) : readSockaddr(k, h.name, h.namelen);
  if (typeof addr === "number") return addr;
  const iovs = readIovecs(k, h.iov, h.iovlen);
  if (typeof iovs === "number") return iovs;
  const anc = parseControl(k, t, h);
  if (typeof anc === "number") return anc;
  const data = gather(k, iovs);
  if (!data) { dropFiles(anc.files); return -EFAULT; }
  if (f.sock instanceof InetSocket) {
    const dest = inetDest(f.sock, addr);
    if (typeof dest === "number") { dropFiles(anc.files); return dest; }
    return sendData(k, t, f, data, flags, anc, null, dest ?? undefined);
  }
  const target = sendTarget(k, t, f.sock, addr);
  if (typeof target === "number") { dropFiles(anc.files); return target; }
  return sendData(k, t, f, data, flags, anc, target);
}

/** sendmsg(2) */
export function sysSendmsg(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  return sendMsg(k, t, f, a[1], intOf(a[2]));
}

// ---- receiving --------------------------------------------------------------------------------

interface RecvResult { n: number; full: number; got: Received }

/**
 * Receives up to size bytes and hands them to deliver as they arrive (at their offset; a
 * MSG_WAITALL stream read delivers several pieces). finish turns the total into the result.
 */
function recvData(k: Kernel, t: Thread, f: SocketFile, size: number, flags: number,
  deliver: (piece: Uint8Array, at: number, got: Received) => number, finish: (r: RecvResult) => SyscallValue): SyscallResult {
  const s = f.sock;
  const peek = (flags & MSG_PEEK) !== 0;
  const waitall = (flags & MSG_WAITALL) !== 0 && !peek && s.type === SOCK_STREAM;
  let total = 0;
  const attempt = (): SyscallValue => {
    for (;;) {
      const buf = new Uint8Array(Math.min(size - total, MAX_IO));
      const got: Received = { files: null, cred: null, from: null };
      const n = s.type === SOCK_STREAM ? s.recvStream(buf, peek, got) : s.recvRecord(buf, peek, got);
      if (n === WOULD_BLOCK) return total > 0 && !waitall ? finishAt(total) : WOULD_BLOCK;
      if (n < 0) return total > 0 ? finishAt(total) : n;
      const copied = Math.min(n, buf.length);
      const e = deliver(buf.subarray(0, copied), total, got);
      if (e < 0) return e;
      total += copied;
      if (n === 0 || !waitall || total >= size || got.files) return finish({ n: total, full: n, got });
    }
  };
  const finishAt = (n: number) => finish({ n, full: n, got: { files: null, cred: null, from: null } });
  return sockWait(k, t, f, (flags & MSG_DONTWAIT) !== 0, s.rcvtimeoMs, attempt, () => total);
}

/** read(2), readv(2) on a socket: deliver copies the bytes out. Passed descriptors are closed. */
export function socketRead(k: Kernel, t: Thread, f: SocketFile, size: number, deliver: (b: Uint8Array) => number): SyscallResult {
  return recvData(k, t, f, size, 0, (piece, _at, got) => {
    dropFiles(got.files);
    const r = deliver(piece);
    return r < 0 ? r : 0;
  }, (r) => r.n);
}

/** recvfrom(2); recv(2) is recvfrom without an address. */
export function sysRecvfrom(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const flags = intOf(a[3]);
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const size = a[2] > BigInt(MAX_IO) ? MAX_IO : Number(a[2]);
  let from: Uint8Array | null = null;
  return recvData(k, t, f, size, flags, (piece, at, got) => {
    dropFiles(flags & MSG_PEEK ? null : got.files);
    if (at === 0) from = got.from;
    return piece.length === 0 || k.machine.copyOut(a[1] + BigInt(at), piece) ? 0 : -EFAULT;
  }, (r) => {
    if (a[4] !== 0n) {
      const e = writeSockaddr(k, a[4], a[5], from ?? new Uint8Array(0));
      if (e < 0) return e;
    }
    return (flags & MSG_TRUNC) && f.sock.type !== SOCK_STREAM ? r.full : r.n;
  });
}

/** Installs received descriptors as far as the control buffer has room; the rest are closed. */
function putRights(t: Thread, ctl: ControlOut, files: OpenFile[], peek: boolean, cloexec: boolean): void {
  const room = ctl.fdRoom();
  const fds: number[] = [];
  for (const f of files.slice(0, room)) {
    const fd = installFile(t, f, cloexec);
    if (fd < 0) break;
    fds.push(fd);
  }
  if (!peek) dropFiles(files);
  if (fds.length < files.length) ctl.truncated = true;
  if (fds.length === 0) return;
  const b = new Uint8Array(fds.length * 4);
  fds.forEach((fd, i) => new DataView(b.buffer).setInt32(i * 4, fd, true));
  ctl.put(SCM_RIGHTS, b);
}

function recvMsg(k: Kernel, t: Thread, f: SocketFile, va: bigint, flags: number): SyscallResult {
  const h = readMsgHdr(k, va);
  if (typeof h === "number") return h;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const iovs = readIovecs(k, h.iov, h.iovlen);
  if (typeof iovs === "number") return iovs;
  const size = Math.min(iovTotal(iovs), MAX_IO);
  const peek = (flags & MSG_PEEK) !== 0;
  const s = f.sock;
  let first: Received | null = null;
  const ctl = new ControlOut(h.controllen > 0x7fffffffn ? 0x7fffffff : Number(h.controllen));
  return recvData(k, t, f, size, flags, (piece, at, got) => {
    if (!first) {
      first = got;
      if (s.passcred && !(s instanceof InetSocket)) {
        const c = got.cred ?? { pid: 0, uid: 65534, gid: 65534 };
        const b = new Uint8Array(12);
        const dv = new DataView(b.buffer);
        dv.setInt32(0, c.pid, true); dv.setUint32(4, c.uid, true); dv.setUint32(8, c.gid, true);
        ctl.put(SCM_CREDENTIALS, b);
      }
    }
    if (got.files) putRights(t, ctl, got.files, peek, (flags & MSG_CMSG_CLOEXEC) !== 0);
    return scatterAt(k, iovs, piece, at) ? 0 : -EFAULT;
  }, (r) => {
    let mflags = 0;
    if (s.type !== SOCK_STREAM && r.full > r.n) mflags |= MSG_TRUNC;
    if (ctl.truncated) mflags |= MSG_CTRUNC;
    const from = first?.from ?? null;
    let namelen = 0;
    if (h.name !== 0n && from) {
      const n = Math.min(Math.max(h.namelen, 0), from.length);
      if (n && !k.machine.copyOut(h.name, from.subarray(0, n))) return -EFAULT;
      namelen = from.length;
    }
    const cb = ctl.bytes();
    if (cb.length && !k.machine.copyOut(h.control, cb)) return -EFAULT;
    if (!k.machine.writeU32(va + 8n, namelen)) return -EFAULT;
    const tail = new Uint8Array(16);
    const dv = new DataView(tail.buffer);
    dv.setBigUint64(0, BigInt(cb.length), true);
    dv.setInt32(8, mflags, true);
    if (!k.machine.copyOut(va + 40n, tail.subarray(0, 12))) return -EFAULT;
    return (flags & MSG_TRUNC) && s.type !== SOCK_STREAM ? r.full : r.n;
  });
}

/** recvmsg(2) */
export function sysRecvmsg(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  return recvMsg(k, t, f, a[1], intOf(a[2]));
}

const MSG_WAITFORONE = 0x10000;

/** sendmmsg(2): messages one after another, each count stored in its msg_len. */
export function sysSendmmsg(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  return mmsg(k, t, f, a[1], Math.min(uintOf(a[2]), UIO_MAXIOV), intOf(a[3]), 0, sendMsg);
}

/** recvmmsg(2): waits for every message unless MSG_WAITFORONE; a timeout is refused (see the table note). */
export function sysRecvmmsg(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  if (a[4] !== 0n) return -EINVAL;
  const flags = intOf(a[3]);
  return mmsg(k, t, f, a[1], Math.min(uintOf(a[2]), UIO_MAXIOV), flags & ~MSG_WAITFORONE,
    flags & MSG_WAITFORONE ? MSG_DONTWAIT : 0, recvMsg);
}

/**
 * Runs one() over the struct mmsghdr array (64 bytes each: a msghdr and msg_len), adding
 * laterFlags after the first message. Once a message went, a later error ends the call with the
 * count so far, as Linux does.
 */
function mmsg(k: Kernel, t: Thread, f: SocketFile, va: bigint, n: number, flags: number, laterFlags: number,
  one: (k: Kernel, t: Thread, f: SocketFile, va: bigint, flags: number) => SyscallResult): SyscallResult {
  let done = 0;
  let current: Park | null = null;
  /** null to go on, or the call's result. */
  const step = (r: SyscallValue): SyscallValue | null => {
    if (r < 0) return done > 0 ? done : r;
    if (!k.machine.writeU32(va + BigInt(done * 64 + 56), Number(r))) return done > 0 ? done : -EFAULT;
    done++;
    return null;
  };
  const run = (): SyscallResult => {
    while (done < n) {
      const r = one(k, t, f, va + BigInt(done * 64), done > 0 ? flags | laterFlags : flags);
      if (isPark(r)) {
        current = r;
        return { park: r.park.then((v) => { const e = step(v); if (e !== null) return e; const next = run(); return isPark(next) ? next.park : next; }) };
      }
      const e = step(r);
      if (e !== null) return e;
    }
    return done;
  };
  if (n === 0) return 0;
  const r = run();
  if (!isPark(r)) return r;
  return { park: r.park, interrupt: (v?: SyscallValue) => current?.interrupt?.(v) };
}


// ---- AF_INET / AF_INET6 on loopback ------------------------------------------------------------

const portTables = new WeakMap<Kernel, { tcp: PortTable; udp: PortTable }>();
function portsOf(k: Kernel): { tcp: PortTable; udp: PortTable } {
  let p = portTables.get(k);
  if (!p) { p = { tcp: new PortTable(), udp: new PortTable() }; portTables.set(k, p); }
  return p;
}

/** inet_create: TCP streams and UDP datagrams; raw and other types are not available. */
function inetType(typeArg: number, protocol: number): number {
  const flags = typeArg & ~SOCK_TYPE_MASK;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  const type = typeArg & SOCK_TYPE_MASK;
  if (type === SOCK_STREAM) return protocol === 0 || protocol === IPPROTO_TCP ? type : -EPROTONOSUPPORT;
  if (type === SOCK_DGRAM) return protocol === 0 || protocol === IPPROTO_UDP ? type : -EPROTONOSUPPORT;
  if (type >= SOCK_MAX) return -EINVAL;
  return -ESOCKTNOSUPPORT;
}

/** A sockaddr_in / sockaddr_in6 as the socket's family reads it: the name, or -errno. */
function parseInet(s: InetSocket, addr: Uint8Array, forBind: boolean): InetName | number {
  const fam = addr.length >= 2 ? addr[0] | (addr[1] << 8) : -1;
  if (s.family === AF_INET) {
    if (addr.length < 16) return -EINVAL;
    // bind accepts AF_UNSPEC for INADDR_ANY, as Linux does for old programs.
    const anyAddr = (addr[4] | addr[5] | addr[6] | addr[7]) === 0;
    if (fam !== AF_INET && !(forBind && fam === AF_UNSPEC && anyAddr)) return -EAFNOSUPPORT;
    const ip = anyFor(AF_INET);
    ip.set(addr.subarray(4, 8), 12);
    return { ip, port: (addr[2] << 8) | addr[3] };
  }
  if (addr.length < 24) return -EINVAL;
  if (fam !== AF_INET6) return forBind ? -EAFNOSUPPORT : -EAFNOSUPPORT;
  const ip = addr.slice(8, 24);
  if (isV4(ip) && s.v6only) return forBind ? -EINVAL : -ENETUNREACH;
  return { ip, port: (addr[2] << 8) | addr[3] };
}

function inetBind(t: Thread, s: InetSocket, addr: Uint8Array): number {
  const n = parseInet(s, addr, true);
  if (typeof n === "number") return n;
  // The only device is lo: its addresses and the wildcard can be bound.
  if (!isAny(n.ip) && !isLoopback(n.ip)) return -EADDRNOTAVAIL;
  if (n.port !== 0 && n.port < 1024 && t.process.euid !== 0) return -EACCES;
  if (s.local) return -EINVAL;
  return s.ports.bind(s, n.ip, n.port) ? 0 : -EADDRINUSE;
}

/** Where a send or connect goes: a loopback name (0.0.0.0 and :: mean this host), or ENETUNREACH. */
function inetRoute(s: InetSocket, addr: Uint8Array): InetName | number {
  const n = parseInet(s, addr, false);
  if (typeof n === "number") return n;
  if (isAny(n.ip)) return { ip: isV4(n.ip) ? V4_LOOPBACK : V6_LOOPBACK, port: n.port };
  return isLoopback(n.ip) ? n : -ENETUNREACH;
}

/** sendto's address for an inet socket: ignored by TCP, routed for UDP (null: none given). */
function inetDest(s: InetSocket, addr: Uint8Array): InetName | null | number {
  if (addr.length === 0 || s.type === SOCK_STREAM) return null;
  return inetRoute(s, addr);
}

/** Gives s its local name for a connection to dest: its bound port, or an ephemeral one; the source address is loopback. */
function inetSource(s: InetSocket, dest: InetName): number {
  if (!s.local && !s.ports.bind(s, anyFor(s.family), 0)) return -EAGAIN;
  if (isAny(s.local!.ip)) s.local!.ip = s.loopbackFor(dest.ip);
  return 0;
}

function inetConnect(k: Kernel, t: Thread, f: SocketFile, s: InetSocket, addr: Uint8Array): SyscallResult {
  if (addr.length >= 2 && (addr[0] | (addr[1] << 8)) === AF_UNSPEC) {
    if (s.type === SOCK_DGRAM || s.state !== "connected") { s.remote = null; s.peerName = null; if (s.type === SOCK_DGRAM) s.state = "unconnected"; return 0; }
    return -EINVAL;
  }
  const dest = inetRoute(s, addr);
  if (typeof dest === "number") return dest;
  if (s.type === SOCK_DGRAM) {
    const e = inetSource(s, dest);
    if (e) return e;
    s.remote = dest; s.state = "connected"; s.err = 0;
    s.peerName = formatInet(s.family, dest);
    return 0;
  }
  if (s.state === "connected" || s.state === "listening") return -EISCONN;
  const listener = s.ports.find(dest.ip, dest.port, (l) => l.state === "listening");
  if (!listener) return -ECONNREFUSED;
  const nonblock = (f.flags & O_NONBLOCK) !== 0;
  const attempt = (): SyscallValue => {
    if (s.state === "connected") return -EISCONN;
    if (listener.dead || listener.state !== "listening") return -ECONNREFUSED;
    if (listener.backlog.length > listener.maxBacklog) return WOULD_BLOCK;
    const e = inetSource(s, dest);
    if (e) return e;
    const server = new InetSocket(SOCK_STREAM, listener.family, listener.ports);
    server.local = { ip: dest.ip, port: dest.port };
    server.remote = { ip: s.local!.ip, port: s.local!.port };
    server.addr = formatInet(server.family, server.local);
    server.peerName = formatInet(server.family, server.remote);
    server.kept = new Map(listener.kept);
    s.remote = dest;
    s.peerName = formatInet(s.family, dest);
    UnixSocket.pair(s, server, peerCredOf(t), peerCredOf(t));
    s.peerCred = server.peerCred = null; // SO_PEERCRED is an AF_UNIX notion
    listener.backlog.push(server);
    listener.waitQueue.notify();
    s.waitQueue.notify();
    // A nonblocking connect reports the handshake as under way even on loopback.
    return nonblock ? -EINPROGRESS : 0;
  };
  return sockWait(k, t, f, false, s.sndtimeoMs, attempt, () => 0, [listener]);
}

const SOL_IP = 0, SOL_TCP = 6, SOL_IPV6 = 41, IPV6_V6ONLY = 26, TCP_CONGESTION = 13, TCP_FASTOPEN = 23,
  TCP_FASTOPEN_CONNECT = 30, TCP_MAXSEG = 2;
const TCP_CA_NAME_MAX = 16, CONGESTION_CONTROLS = ["reno", "cubic"];
/** TCP_TIMEOUT_INIT and TCP_RTO_MAX in seconds: what TCP_DEFER_ACCEPT's seconds are rounded through. */
const RTO_INIT = 1, RTO_MAX = 120;

/** TCP_DEFER_ACCEPT keeps a count of SYN-ACK retransmissions; seconds read back as the time they cover. */
function deferAcceptRounded(seconds: number): number {
  if (seconds <= 0) return 0;
  let retrans = 1, timeout = RTO_INIT, period = RTO_INIT;
  while (seconds > period && retrans < 255) { retrans++; timeout = Math.min(timeout * 2, RTO_MAX); period += timeout; }
  return period;
}

/**
 * An integer option with nothing to do on a loopback-only network but whose value is kept and read
 * back: Linux's default, the errno that refuses a value (0: accepted) and what the value becomes.
 */
interface KeptOption { dflt: number; refuse?: (v: number, s: UnixSocket) => number; keep?: (v: number) => number }
const bool: KeptOption = { dflt: 0, keep: (v) => (v ? 1 : 0) };
const range = (dflt: number, lo: number, hi: number): KeptOption => ({ dflt, refuse: (v) => (v < lo || v > hi ? EINVAL : 0) });
/** Hop limits: -1 restores the default. */
const hops = (dflt: number, lo: number): KeptOption =>
  ({ dflt, refuse: (v) => (v !== -1 && (v < lo || v > 255) ? EINVAL : 0), keep: (v) => (v === -1 ? dflt : v) });

/** SOL_TCP options of stream sockets (tcp(7)); TCP_CONGESTION is a string and handled apart. */
const TCP_OPTIONS: Record<number, KeptOption> = {
  1: bool, // TCP_NODELAY
  [TCP_MAXSEG]: { dflt: 0, refuse: (v) => (v && (v < 88 || v > 32767) ? EINVAL : 0) },
  3: bool, // TCP_CORK
  4: range(7200, 1, 32767), // TCP_KEEPIDLE
  5: range(75, 1, 32767), // TCP_KEEPINTVL
  6: range(9, 1, 127), // TCP_KEEPCNT
  7: range(6, 1, 127), // TCP_SYNCNT
  8: { dflt: 60, keep: (v) => (v < 0 ? -1 : v === 0 ? 60 : Math.min(v, 120)) }, // TCP_LINGER2
  9: { dflt: 0, keep: deferAcceptRounded }, // TCP_DEFER_ACCEPT
  12: { dflt: 1, keep: (v) => (v ? 1 : 0) }, // TCP_QUICKACK
  18: range(0, 0, 0x7fffffff), // TCP_USER_TIMEOUT
  [TCP_FASTOPEN]: { dflt: 0, refuse: (v, s) => (v < 0 || s.state === "connected" ? EINVAL : 0) },
  25: { dflt: 0 }, // TCP_NOTSENT_LOWAT
  [TCP_FASTOPEN_CONNECT]: { dflt: 0, refuse: (v, s) => (v < 0 || v > 1 || s.state !== "unconnected" ? EINVAL : 0) },
};
/** SOL_IP options (ip(7)), on IPv4 and IPv6 sockets alike. */
const IP_OPTIONS: Record<number, KeptOption> = {
  1: { dflt: 0, keep: (v) => v & 0xff }, // IP_TOS
  2: hops(64, 1), // IP_TTL
  10: range(1, 0, 5), // IP_MTU_DISCOVER (default IP_PMTUDISC_WANT)
  11: bool, // IP_RECVERR
  15: bool, // IP_FREEBIND
  24: bool, // IP_BIND_ADDRESS_NO_PORT
  33: hops(1, 0), // IP_MULTICAST_TTL
  34: { dflt: 1, keep: (v) => (v ? 1 : 0) }, // IP_MULTICAST_LOOP
};
/** SOL_IPV6 options (ipv6(7)) of IPv6 sockets; IPV6_V6ONLY is handled apart. */
const IPV6_OPTIONS: Record<number, KeptOption> = {
  16: hops(64, 0), // IPV6_UNICAST_HOPS
  18: hops(1, 0), // IPV6_MULTICAST_HOPS
  19: range(1, 0, 1), // IPV6_MULTICAST_LOOP
  23: range(1, 0, 5), // IPV6_MTU_DISCOVER
  25: bool, // IPV6_RECVERR
  67: hops(0, 0), // IPV6_TCLASS
};

function inetOptionSpec(s: InetSocket, level: number, name: number): KeptOption | undefined {
  if (level === SOL_TCP) return s.type === SOCK_STREAM ? TCP_OPTIONS[name] : undefined;
  if (level === SOL_IP) return IP_OPTIONS[name];
  if (level === SOL_IPV6) return s.family === AF_INET6 ? IPV6_OPTIONS[name] : undefined;
  return undefined;
}

/** Reads an IP-level option of an inet socket (tcp(7), ip(7), ipv6(7)); undefined: ENOPROTOOPT. */
function inetOptionGet(s: InetSocket, level: number, name: number): number | undefined {
  if (level === SOL_IPV6 && s.family === AF_INET6 && name === IPV6_V6ONLY) return s.v6only ? 1 : 0;
  const spec = inetOptionSpec(s, level, name);
  if (!spec) return undefined;
  const v = s.kept.get(optionKey(level, name));
  // An MSS not set by hand is the default one before the handshake, loopback's after it.
  if (level === SOL_TCP && name === TCP_MAXSEG && !v) return s.state === "connected" ? 65483 : 536;
  return v ?? spec.dflt;
}

/** Sets an IP-level option of an inet socket: 0 or a negative errno. */
function inetOptionSet(s: InetSocket, level: number, name: number, v: number): number {
  if (level === SOL_IPV6 && s.family === AF_INET6 && name === IPV6_V6ONLY) {
    if (s.local) return -EINVAL;
    s.v6only = v !== 0;
    return 0;
  }
  const spec = inetOptionSpec(s, level, name);
  if (!spec) return -ENOPROTOOPT;
  const refused = spec.refuse?.(v, s) ?? 0;
  if (refused) return -refused;
  s.kept.set(optionKey(level, name), spec.keep ? spec.keep(v) : v);
  return 0;
}

// ---- network device ioctls ----------------------------------------------------------------------

export const SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCGIFADDR = 0x8915,
  SIOCGIFBRDADDR = 0x8919, SIOCGIFNETMASK = 0x891b, SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933;
const IFREQ_SIZE = 40, IFNAMSIZ = 16;

/** The ifreq name field as a string. */
function ifreqName(b: Uint8Array): string {
  const end = b.subarray(0, IFNAMSIZ).indexOf(0);
  return new TextDecoder().decode(b.subarray(0, end < 0 ? IFNAMSIZ : end));
}

/** sockaddr_in for an IPv4 address, at offset 16 of an ifreq. */
function putInet(b: Uint8Array, ip: number[]): void {
  b[16] = AF_INET; b[17] = 0;
  b.set(ip, 20);
}

/**
 * netdevice(7): the SIOCGIF* requests about lo on any socket (addresses on inet sockets only, as
 * Linux answers them from the inet layer); changes are EPERM, other requests ENOTTY.
 */
export function sysSocketDeviceIoctl(k: Kernel, f: SocketFile, req: number, arg: bigint): SyscallResult {
  const inet = f.sock instanceof InetSocket && f.sock.family === AF_INET;
  if (req === SIOCGIFCONF) {
    if (!inet) return -ENOTTY;
    const conf = k.machine.copyIn(arg, 16);
    if (!conf) return -EFAULT;
    const dv = new DataView(conf.buffer);
    const room = dv.getInt32(0, true), bufP = dv.getBigUint64(8, true);
    let len = IFREQ_SIZE;
    if (bufP !== 0n) {
      if (room < IFREQ_SIZE) len = 0;
      else {
        const r = new Uint8Array(IFREQ_SIZE);
        r.set(new TextEncoder().encode(LOOPBACK.name));
        putInet(r, [127, 0, 0, 1]);
        if (!k.machine.copyOut(bufP, r)) return -EFAULT;
      }
    }
    dv.setInt32(0, len, true);
    return k.machine.copyOut(arg, conf.subarray(0, 4)) ? 0 : -EFAULT;
  }
  const known = [SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX];
  if (!known.includes(req)) return (req & 0xff00) === 0x8900 && req >= 0x8910 && req < 0x8960 ? -EPERM : -ENOTTY;
  if ((req === SIOCGIFADDR || req === SIOCGIFBRDADDR || req === SIOCGIFNETMASK) && !inet) return -ENOTTY;
  const b = k.machine.copyIn(arg, IFREQ_SIZE);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  if (req === SIOCGIFNAME) {
    if (dv.getInt32(16, true) !== LOOPBACK.index) return -ENODEV;
    b.fill(0, 0, IFNAMSIZ);
    b.set(new TextEncoder().encode(LOOPBACK.name));
  } else {
    if (ifreqName(b) !== LOOPBACK.name) return -ENODEV;
    b.fill(0, IFNAMSIZ);
    switch (req) {
      case SIOCGIFINDEX: dv.setInt32(16, LOOPBACK.index, true); break;
      case SIOCGIFFLAGS: dv.setUint16(16, LOOPBACK.flags & 0xffff, true); break;
      case SIOCGIFMTU: dv.setInt32(16, LOOPBACK.mtu, true); break;
      case SIOCGIFHWADDR: dv.setUint16(16, LOOPBACK.hwType, true); break;
      case SIOCGIFADDR: putInet(b, [127, 0, 0, 1]); break;
      case SIOCGIFNETMASK: putInet(b, [255, 0, 0, 0]); break;
      case SIOCGIFBRDADDR: putInet(b, [0, 0, 0, 0]); break;
    }
  }
  return k.machine.copyOut(arg, b) ? 0 : -EFAULT;
}

// ---- options ----------------------------------------------------------------------------------

/** getsockopt(2): SOL_SOCKET options; other levels are EOPNOTSUPP on AF_UNIX. */
export function sysGetsockopt(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const level = intOf(a[1]), name = intOf(a[2]);
  const lenRaw = k.machine.copyIn(a[4], 4);
  if (!lenRaw) return -EFAULT;
  const room = new DataView(lenRaw.buffer).getInt32(0, true);
  const s0 = f.sock;
  if (level !== SOL_SOCKET && s0 instanceof InetSocket && (level === SOL_IP || level === SOL_TCP || level === SOL_IPV6 || level === IPPROTO_UDP)) {
    if (room < 0) return -EINVAL;
    let b: Uint8Array;
    if (level === SOL_TCP && name === TCP_CONGESTION && s0.type === SOCK_STREAM) {
      // The algorithm's name in its 16-byte, NUL-padded field.
      b = new Uint8Array(TCP_CA_NAME_MAX);
      b.set(new TextEncoder().encode(CONGESTION_CONTROLS[s0.kept.get(optionKey(level, name)) ?? 1]));
    } else {
      const r = inetOptionGet(s0, level, name);
      if (r === undefined) return -ENOPROTOOPT;
      b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, r, true);
    }
    const n = Math.min(room, b.length);
    if (n && !k.machine.copyOut(a[3], b.subarray(0, n))) return -EFAULT;
    return k.machine.writeU32(a[4], n) ? 0 : -EFAULT;
  }
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  if (room < 0) return -EINVAL;
  const s = f.sock;
  let v: Uint8Array;
  const int = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, n, true); return b; };
  const timeval = (ms: number) => {
    const b = new Uint8Array(16); const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true); dv.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
    return b;
  };
  switch (name) {
    case SO_TYPE: v = int(s.type); break;
    case SO_ERROR: v = int(s.err); s.err = 0; break;
    case SO_DOMAIN: v = int(s instanceof InetSocket ? s.family : AF_UNIX); break;
    case SO_PROTOCOL: v = int(s instanceof InetSocket ? s.protocol : 0); break;
    case SO_ACCEPTCONN: v = int(s.state === "listening" ? 1 : 0); break;
    case SO_SNDBUF: v = int(s.sndbuf); break;
    case SO_RCVBUF: v = int(s.rcvbuf); break;
    case SO_REUSEADDR: v = int(s.reuseaddr ? 1 : 0); break;
    case SO_PASSCRED: v = int(s.passcred ? 1 : 0); break;
    case SO_REUSEPORT: v = int(s instanceof InetSocket && s.reuseport ? 1 : 0); break;
    case SO_KEEPALIVE: case SO_DEBUG: case SO_DONTROUTE: case SO_BROADCAST: case SO_OOBINLINE: case SO_PRIORITY:
      v = int(s.kept.get(optionKey(SOL_SOCKET, name)) ?? 0); break;
    case SO_RCVLOWAT: case SO_SNDLOWAT: v = int(1); break;
    case SO_LINGER:
      v = new Uint8Array(8);
      new DataView(v.buffer).setInt32(0, s.kept.get(optionKey(SOL_SOCKET, SO_LINGER)) ?? 0, true);
      new DataView(v.buffer).setInt32(4, s.kept.get(optionKey(SOL_SOCKET, SO_LINGER_TIME)) ?? 0, true);
      break;
    case SO_RCVTIMEO: v = timeval(s.rcvtimeoMs); break;
    case SO_SNDTIMEO: v = timeval(s.sndtimeoMs); break;
    case SO_PEERCRED: {
      const c = s.peerCred;
      v = new Uint8Array(12);
      const dv = new DataView(v.buffer);
      dv.setInt32(0, c ? c.pid : 0, true); dv.setInt32(4, c ? c.uid : -1, true); dv.setInt32(8, c ? c.gid : -1, true);
      break;
    }
    default: return -ENOPROTOOPT;
  }
  const n = Math.min(room, v.length);
  if (n && !k.machine.copyOut(a[3], v.subarray(0, n))) return -EFAULT;
  return k.machine.writeU32(a[4], n) ? 0 : -EFAULT;
}

/** setsockopt(2): the SOL_SOCKET options AF_UNIX honours; others are accepted where Linux accepts them. */
export function sysSetsockopt(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = sockFile(t, a[0]);
  if (typeof f === "number") return f;
  const level = intOf(a[1]), name = intOf(a[2]), len = intOf(a[4]);
  const s0 = f.sock;
  if (level !== SOL_SOCKET && s0 instanceof InetSocket && (level === SOL_IP || level === SOL_TCP || level === SOL_IPV6 || level === IPPROTO_UDP)) {
    if (level === SOL_TCP && name === TCP_CONGESTION && s0.type === SOCK_STREAM) {
      if (len < 1) return -EINVAL;
      const b = k.machine.copyIn(a[3], Math.min(len, TCP_CA_NAME_MAX - 1));
      if (!b) return -EFAULT;
      const end = b.indexOf(0);
      const i = CONGESTION_CONTROLS.indexOf(new TextDecoder().decode(end < 0 ? b : b.subarray(0, end)));
      if (i < 0) return -ENOENT;
      s0.kept.set(optionKey(level, name), i);
      return 0;
    }
    if (len < 4) return -EINVAL;
    const b = k.machine.copyIn(a[3], 4);
    if (!b) return -EFAULT;
    return inetOptionSet(s0, level, name, new DataView(b.buffer).getInt32(0, true));
  }
  // SOL_NETLINK options (NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, memberships…) change nothing
  // the route requests served here answer.
  if (level === SOL_NETLINK && s0 instanceof NetlinkSocket) return len < 4 ? -EINVAL : 0;
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  if (len < 0) return -EINVAL;
  const s = f.sock;
  if (name === SO_RCVTIMEO || name === SO_SNDTIMEO) {
    if (len < 16) return -EINVAL;
    const b = k.machine.copyIn(a[3], 16);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    const sec = dv.getBigInt64(0, true), usec = dv.getBigInt64(8, true);
    if (usec < 0n || usec >= 1000000n) return -EDOM;
    const ms = sec < 0n ? 0 : Number(sec) * 1000 + Math.ceil(Number(usec) / 1000);
    if (name === SO_RCVTIMEO) s.rcvtimeoMs = ms; else s.sndtimeoMs = ms;
    return 0;
  }
  if (name === SO_LINGER) {
    if (len < 8) return -EINVAL;
    const b = k.machine.copyIn(a[3], 8);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    // l_onoff 0 turns lingering off and leaves the time as it was.
    const on = dv.getInt32(0, true) !== 0;
    s.kept.set(optionKey(SOL_SOCKET, SO_LINGER), on ? 1 : 0);
    if (on) s.kept.set(optionKey(SOL_SOCKET, SO_LINGER_TIME), Math.max(0, dv.getInt32(4, true)));
    return 0;
  }
  const known = [SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE,
    SO_OOBINLINE, SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED, SO_RCVLOWAT, SO_ACCEPTCONN, SO_SNDBUFFORCE,
    SO_RCVBUFFORCE, SO_PROTOCOL, SO_DOMAIN, SO_PRIORITY];
  if (!known.includes(name)) return -ENOPROTOOPT;
  if (len < 4) return -EINVAL;
  const b = k.machine.copyIn(a[3], 4);
  if (!b) return -EFAULT;
  const v = new DataView(b.buffer).getInt32(0, true);
  const force = name === SO_SNDBUFFORCE || name === SO_RCVBUFFORCE;
  if (force && t.process.euid !== 0) return -EPERM;
  switch (name) {
    case SO_SNDBUF: case SO_SNDBUFFORCE:
      s.sndbuf = Math.max(SOCK_MIN_SNDBUF, Math.min(force ? 0x3fffffff : WMEM_MAX, v >>> 0) * 2);
      s.waitQueue.notify();
      return 0;
    case SO_RCVBUF: case SO_RCVBUFFORCE:
      s.rcvbuf = Math.max(SOCK_MIN_RCVBUF, Math.min(force ? 0x3fffffff : RMEM_MAX, v >>> 0) * 2);
      return 0;
    case SO_REUSEADDR: s.reuseaddr = v !== 0; return 0;
    case SO_REUSEPORT: if (s instanceof InetSocket) s.reuseport = v !== 0; return 0;
    case SO_PASSCRED: s.passcred = v !== 0; return 0;
    case SO_TYPE: case SO_ERROR: case SO_PEERCRED: case SO_ACCEPTCONN: case SO_PROTOCOL: case SO_DOMAIN:
      return -ENOPROTOOPT;
    case SO_DEBUG:
      if (v && t.process.euid !== 0) return -EACCES;
      s.kept.set(optionKey(SOL_SOCKET, name), v ? 1 : 0);
      return 0;
    case SO_KEEPALIVE: case SO_DONTROUTE: case SO_BROADCAST: case SO_OOBINLINE:
      // Flags with no effect on a local socket, kept to be read back.
      s.kept.set(optionKey(SOL_SOCKET, name), v ? 1 : 0);
      return 0;
    case SO_PRIORITY:
      if ((v < 0 || v > 6) && t.process.euid !== 0) return -EPERM;
      s.kept.set(optionKey(SOL_SOCKET, name), v);
      return 0;
    default: return 0; // SO_RCVLOWAT: every read is woken by one byte
  }
}
