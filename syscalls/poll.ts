// Readiness: poll/ppoll, select/pselect6, epoll (level-triggered, with EPOLLET and EPOLLONESHOT)
// and eventfd. Every file reports a poll mask and has a wait queue; a wait parks the thread on the
// queues of the files it watches, with a host timer for the timeout. man 2 pages named per handler.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, SyscallValue } from "../runtime/process.js";
import {
  OpenFile, Inode, Superblock, PseudoSuperblock, Mount, Dentry, WaitQueue, O_RDWR, O_NONBLOCK, O_CLOEXEC, POLLIN, POLLPRI,
  POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLWRNORM, type StatFs,
} from "../runtime/vfs/index.js";
import { EBADF, EFAULT, EINVAL, EEXIST, ENOENT, EPERM } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { blockOn, WOULD_BLOCK } from "./fs_wait.js";
import { fdOf, intOf, uintOf, installFile } from "./fs.js";
import { setTemporaryMask } from "../runtime/signals.js";

const POLLRDBAND = 0x80, POLLWRBAND = 0x200;
/** What select counts as readable, writable and exceptional (fs/select.c). */
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

/** A timeout in ms from a struct timespec pointer (null pointer: none); -EINVAL/-EFAULT. */
function readTimespecMs(k: Kernel, va: bigint): number | null | { err: number } {
  if (va === 0n) return null;
  const b = k.machine.copyIn(va, 16);
  if (!b) return { err: -EFAULT };
  const dv = new DataView(b.buffer);
  const s = dv.getBigInt64(0, true), ns = dv.getBigInt64(8, true);
  if (s < 0n || ns < 0n || ns >= 1_000_000_000n) return { err: -EINVAL };
  // Round up: a wait is never shorter than asked.
  return Number(s) * 1000 + Math.ceil(Number(ns) / 1e6);
}

/** The sigmask argument of ppoll/pselect6/epoll_pwait: checked, and applied for the call (0, or -errno). */
function applySigmask(k: Kernel, t: Thread, va: bigint, size: bigint): number {
  if (va === 0n) return 0;
  if (size !== 8n) return -EINVAL;
  const mask = k.machine.readU64(va);
  if (mask === null) return -EFAULT;
  setTemporaryMask(t, mask);
  return 0;
}

// ---- poll -------------------------------------------------------------------------------------

function doPoll(k: Kernel, t: Thread, fdsVa: bigint, nfds: number, timeoutMs: number | null): SyscallResult {
  if (nfds < 0 || nfds > Number(t.process.rlimits[7][0] > 1048576n ? 1048576n : t.process.rlimits[7][0])) return -EINVAL;
  const raw = nfds === 0 ? new Uint8Array(0) : k.machine.copyIn(fdsVa, nfds * 8);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const entries: Array<{ fd: number; events: number; file: OpenFile | undefined }> = [];
  for (let i = 0; i < nfds; i++) {
    const fd = dv.getInt32(i * 8, true);
    entries.push({ fd, events: dv.getUint16(i * 8 + 4, true), file: fd >= 0 ? t.process.fds.get(fd) : undefined });
  }
  const report = (all: boolean): SyscallValue => {
    let count = 0;
    entries.forEach((e, i) => {
      let rev = 0;
      if (e.fd >= 0) rev = e.file ? e.file.poll() & (e.events | POLLERR | POLLHUP) : POLLNVAL;
      if (!all) rev = 0;
      dv.setUint16(i * 8 + 6, rev, true);
      if (rev) count++;
    });
    if (all && count === 0 && timeoutMs !== 0) return WOULD_BLOCK;
    return k.machine.copyOut(fdsVa, raw) ? count : -EFAULT;
  };
  const queues = entries.filter((e) => e.file).map((e) => e.file!.waitQueue);
  return blockOn(k, t, queues, () => report(true), { timeoutMs, onTimeout: () => report(false) });
}

/** poll(2) */
export function sysPoll(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ms = intOf(a[2]);
  return doPoll(k, t, a[0], uintOf(a[1]), ms < 0 ? null : ms);
}

/** ppoll(2) */
export function sysPpoll(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ms = readTimespecMs(k, a[2]);
  if (ms !== null && typeof ms === "object") return ms.err;
  const e = applySigmask(k, t, a[3], a[4]);
  if (e) return e;
  return doPoll(k, t, a[0], uintOf(a[1]), ms);
}

// ---- select -----------------------------------------------------------------------------------

function doSelect(k: Kernel, t: Thread, a: bigint[], timeoutMs: number | null, after?: (ms: number | null) => void): SyscallResult {
  let n = intOf(a[0]);
  if (n < 0) return -EINVAL;
  const fds = t.process.fds;
  const max = Math.max(-1, ...fds.fds()) + 1;
  if (n > max) n = max;
  const bytes = Math.ceil(n / 64) * 8;
  const sets: Array<Uint8Array | null> = [];
  for (const va of [a[1], a[2], a[3]]) {
    if (va === 0n || bytes === 0) { sets.push(null); continue; }
    const b = k.machine.copyIn(va, bytes);
    if (!b) return -EFAULT;
    sets.push(b);
  }
  const isSet = (b: Uint8Array | null, fd: number) => !!b && (b[fd >> 3] & (1 << (fd & 7))) !== 0;
  const watched: Array<{ fd: number; file: OpenFile }> = [];
  for (let fd = 0; fd < n; fd++) {
    if (!isSet(sets[0], fd) && !isSet(sets[1], fd) && !isSet(sets[2], fd)) continue;
    const f = fds.get(fd);
    if (!f) return -EBADF;
    watched.push({ fd, file: f });
  }
  const start = Date.now();
  const report = (all: boolean): SyscallValue => {
    const out = sets.map((s) => (s ? new Uint8Array(s.length) : null));
    let count = 0;
    if (all) for (const { fd, file } of watched) {
      const m = file.poll();
      const hits = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];
      hits.forEach((mask, i) => {
        if (isSet(sets[i], fd) && (m & mask)) { out[i]![fd >> 3] |= 1 << (fd & 7); count++; }
      });
    }
    if (all && count === 0 && timeoutMs !== 0) return WOULD_BLOCK;
    for (let i = 0; i < 3; i++) if (out[i] && !k.machine.copyOut([a[1], a[2], a[3]][i], out[i]!)) return -EFAULT;
    after?.(timeoutMs === null ? null : Math.max(0, timeoutMs - (Date.now() - start)));
    return count;
  };
  return blockOn(k, t, watched.map((w) => w.file.waitQueue), () => report(true), { timeoutMs, onTimeout: () => report(false) });
}

/** select(2): the timeval is updated with the time not slept, as Linux does. */
export function sysSelect(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  let ms: number | null = null;
  if (a[4] !== 0n) {
    const b = k.machine.copyIn(a[4], 16);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    const s = dv.getBigInt64(0, true), us = dv.getBigInt64(8, true);
    if (s < 0n || us < 0n || us >= 1_000_000n) return -EINVAL;
    ms = Number(s) * 1000 + Math.ceil(Number(us) / 1000);
  }
  return doSelect(k, t, a, ms, (left) => {
    if (left === null) return;
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(Math.floor(left / 1000)), true);
    dv.setBigInt64(8, BigInt((left % 1000) * 1000), true);
    k.machine.copyOut(a[4], b);
  });
}

/** pselect6(2): the sixth argument is {const sigset_t *ss; size_t ss_len}. */
export function sysPselect6(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ms = readTimespecMs(k, a[4]);
  if (ms !== null && typeof ms === "object") return ms.err;
  if (a[5] !== 0n) {
    // The sixth argument points at { const sigset_t *ss; size_t ss_len }.
    const b = k.machine.copyIn(a[5], 16);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    const e = applySigmask(k, t, dv.getBigUint64(0, true), dv.getBigUint64(8, true));
    if (e) return e;
  }
  return doSelect(k, t, a, ms);
}

// ---- anonymous inodes (epoll, eventfd) ---------------------------------------------------

const ANON_INODE_FS_MAGIC = 0x09041934;

/** Linux's anon inode: mode 0600 with no file type bits. */
class AnonInode extends Inode { constructor(sb: Superblock) { super(sb, 1n, 0o600); } }
let anon: { sb: PseudoSuperblock; mount: Mount } | null = null;

/**
 * The shared inode and a path named like Linux's anon_inode files ("anon_inode:[eventpoll]";
 * inotify's has no brackets: bracket false).
 */
export function anonPath(name: string, bracket = true): { inode: Inode; path: { mnt: Mount; dentry: Dentry } } {
  if (!anon) { const sb = new PseudoSuperblock("anon_inodefs", ANON_INODE_FS_MAGIC, () => 0n, (sb) => new AnonInode(sb)); anon = { sb, mount: new Mount(sb, new Dentry("/", null, sb.root), null, null, 0, "anon_inodefs") }; }
  return { inode: anon.sb.root, path: { mnt: anon.mount, dentry: new Dentry(bracket ? `anon_inode:[${name}]` : `anon_inode:${name}`, null, anon.sb.root) } };
}

// ---- epoll ------------------------------------------------------------------------------------

export const EPOLLIN = 1, EPOLLOUT = 4, EPOLLERR = 8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000,
  EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 0x80000000;
const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

interface Interest {
  fd: number; file: OpenFile; events: number; data: bigint;
  /** Something happened since the last report (what edge-triggered interests wait for). */
  edge: boolean;
  /** EPOLLONESHOT after its report, until EPOLL_CTL_MOD re-arms it. */
  disabled: boolean;
  unsubscribe: () => void;
}

export class EpollFile extends OpenFile {
  readonly interests: Interest[] = [];
  private queue = new WaitQueue();
  constructor(flags: number) {
    const { inode, path } = anonPath("eventpoll");
    super(flags | O_RDWR, inode, path);
  }
  get waitQueue(): WaitQueue { return this.queue; }
  protected get seekable(): boolean { return false; }
  read(): number { return -EINVAL; }
  write(): number { return -EINVAL; }

  find(file: OpenFile, fd: number): Interest | undefined { return this.interests.find((i) => i.file === file && i.fd === fd); }

  add(fd: number, file: OpenFile, events: number, data: bigint): void {
    const it: Interest = { fd, file, events, data, edge: true, disabled: false, unsubscribe: () => {} };
    it.unsubscribe = file.waitQueue.add(() => { it.edge = true; this.queue.notify(); });
    this.interests.push(it);
    this.queue.notify();
  }

  remove(it: Interest): void {
    it.unsubscribe();
    this.interests.splice(this.interests.indexOf(it), 1);
  }

  /** Ready events, at most max; edge-triggered and one-shot interests are consumed as they are reported. */
  collect(max: number, consume: boolean): Array<[number, bigint]> {
    const out: Array<[number, bigint]> = [];
    for (const it of [...this.interests]) {
      if (out.length >= max) break;
      // A file whose last descriptor closed leaves every epoll set (as Linux's eventpoll_release).
      if (it.file.refs === 0) { this.remove(it); continue; }
      if (it.disabled || ((it.events & EPOLLET) && !it.edge)) continue;
      const m = it.file.poll() & (it.events | EPOLLERR | EPOLLHUP) & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
      if (!m) continue;
      out.push([m, it.data]);
      if (consume) {
        if (it.events & EPOLLET) it.edge = false;
        if (it.events & EPOLLONESHOT) it.disabled = true;
      }
    }
    return out;
  }

  poll(): number { return this.collect(1, false).length ? POLLIN | POLLRDNORM : 0; }
  release(): void { for (const it of [...this.interests]) this.remove(it); }
}

/** epoll_create1(2) */
export function sysEpollCreate1(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[0]);
  if (flags & ~O_CLOEXEC) return -EINVAL;
  return installFile(t, new EpollFile(0), (flags & O_CLOEXEC) !== 0);
}

/** epoll_create(2): size is only checked. */
export function sysEpollCreate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (intOf(a[0]) <= 0) return -EINVAL;
  return installFile(t, new EpollFile(0), false);
}

/** epoll_ctl(2); struct epoll_event is packed on x86-64: u32 events, u64 data. */
export function sysEpollCtl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ep = t.process.fds.get(fdOf(a[0])), fd = fdOf(a[2]), op = intOf(a[1]);
  const f = t.process.fds.get(fd);
  if (!ep || !f) return -EBADF;
  let events = 0, data = 0n;
  if (op !== EPOLL_CTL_DEL) {
    const b = k.machine.copyIn(a[3], 12);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    events = dv.getUint32(0, true); data = dv.getBigUint64(4, true);
  }
  if (!(ep instanceof EpollFile) || f === ep) return -EINVAL;
  // Regular files and directories are always ready, so Linux refuses to watch them.
  if (f.inode.isRegular() || f.inode.isDir()) return -EPERM;
  const it = ep.find(f, fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (it) return -EEXIST;
      ep.add(fd, f, events | EPOLLERR | EPOLLHUP, data);
      return 0;
    case EPOLL_CTL_MOD:
      if (!it) return -ENOENT;
      if (events & EPOLLEXCLUSIVE) return -EINVAL;
      it.events = events | EPOLLERR | EPOLLHUP; it.data = data; it.disabled = false; it.edge = true;
      return 0;
    case EPOLL_CTL_DEL:
      if (!it) return -ENOENT;
      ep.remove(it);
      return 0;
    default: return -EINVAL;
  }
}

function doEpollWait(k: Kernel, t: Thread, a: bigint[], timeoutMs: number | null): SyscallResult {
  const ep = t.process.fds.get(fdOf(a[0]));
  const max = intOf(a[2]);
  if (!ep) return -EBADF;
  if (max <= 0 || max > 0x7fffffff / 12) return -EINVAL;
  if (!(ep instanceof EpollFile)) return -EINVAL;
  const attempt = (): SyscallValue => {
    const ready = ep.collect(max, true);
    if (ready.length === 0) return timeoutMs === 0 ? 0 : WOULD_BLOCK;
    const b = new Uint8Array(ready.length * 12);
    const dv = new DataView(b.buffer);
    ready.forEach(([m, d], i) => { dv.setUint32(i * 12, m, true); dv.setBigUint64(i * 12 + 4, d, true); });
    return k.machine.copyOut(a[1], b) ? ready.length : -EFAULT;
  };
  return blockOn(k, t, [ep.waitQueue], attempt, { timeoutMs });
}

/** epoll_wait(2) */
export function sysEpollWait(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ms = intOf(a[3]);
  return doEpollWait(k, t, a, ms < 0 ? null : ms);
}

/** epoll_pwait(2) */
export function sysEpollPwait(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const e = applySigmask(k, t, a[4], a[5]);
  if (e) return e;
  const ms = intOf(a[3]);
  return doEpollWait(k, t, a, ms < 0 ? null : ms);
}

/** epoll_pwait2(2): the timeout is a struct timespec. */
export function sysEpollPwait2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ms = readTimespecMs(k, a[3]);
  if (ms !== null && typeof ms === "object") return ms.err;
  const e = applySigmask(k, t, a[4], a[5]);
  if (e) return e;
  return doEpollWait(k, t, a, ms);
}

// ---- eventfd ----------------------------------------------------------------------------------

const EFD_SEMAPHORE = 1;
const EVENTFD_MAX = 0xfffffffffffffffen;

export class EventFd extends OpenFile {
  private queue = new WaitQueue();
  constructor(public count: bigint, flags: number, readonly semaphore: boolean) {
    const { inode, path } = anonPath("eventfd");
    super(flags | O_RDWR, inode, path);
  }
  get waitQueue(): WaitQueue { return this.queue; }
  protected get seekable(): boolean { return false; }
  read(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    if (this.count === 0n) return WOULD_BLOCK;
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    new DataView(buf.buffer, buf.byteOffset).setBigUint64(0, v, true);
    this.queue.notify();
    return 8;
  }
  write(data: Uint8Array): number {
    if (data.length < 8) return -EINVAL;
    const v = new DataView(data.buffer, data.byteOffset).getBigUint64(0, true);
    if (v === 0xffffffffffffffffn) return -EINVAL;
    if (EVENTFD_MAX - this.count < v) return WOULD_BLOCK;
    this.count += v;
    this.queue.notify();
    return 8;
  }
  poll(): number {
    let m = 0;
    if (this.count > 0n) m |= POLLIN | POLLRDNORM;
    if (this.count < EVENTFD_MAX) m |= POLLOUT | POLLWRNORM;
    return m;
  }
}

/** eventfd2(2) */
export function sysEventfd2(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[1]);
  if (flags & ~(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  return installFile(t, new EventFd(BigInt(uintOf(a[0])), flags & O_NONBLOCK, (flags & EFD_SEMAPHORE) !== 0), (flags & O_CLOEXEC) !== 0);
}

/** eventfd(2) */
export function sysEventfd(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return sysEventfd2(k, t, [a[0], 0n]); }
