// inotify(7): inotify_init/inotify_init1, inotify_add_watch, inotify_rm_watch, and the instance's
// descriptor (read gives struct inotify_event records; poll, epoll and FIONREAD see the queue).
// The VFS produces the events (runtime/vfs/fsnotify.ts). man 2 pages named per handler.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import {
  OpenFile, WaitQueue, WOULD_BLOCK, O_RDONLY, O_NONBLOCK, O_CLOEXEC, POLLIN, POLLRDNORM, AT_FDCWD, permission,
  addWatch, removeWatch, IN_ALL_EVENTS, IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR, IN_DONT_FOLLOW,
  IN_EXCL_UNLINK, IN_MASK_CREATE, IN_MASK_ADD, IN_ISDIR, IN_ONESHOT, MAX_QUEUED_EVENTS, type Inode, type Watch,
} from "../runtime/vfs/index.js";
import { EBADF, EINVAL, EEXIST, ENOTDIR } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { fdOf, intOf, uintOf, installFile, readPath, ctxOf } from "./fs.js";
import { anonPath } from "./poll.js";

/** Every bit inotify_add_watch knows (ALL_INOTIFY_BITS). */
const ALL_INOTIFY_BITS = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW |
  IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT;
/** What a watch keeps of the mask it was given. */
const WATCH_BITS = IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK;
/** sizeof(struct inotify_event): int wd; u32 mask, cookie, len; then the name. */
const EVENT_SIZE = 16;

interface QueuedEvent { wd: number; mask: number; cookie: number; name: string | null }

/** Bytes an event takes in read's buffer: Linux pads the name with NULs to a multiple of 16. */
function eventSize(e: QueuedEvent): number {
  return EVENT_SIZE + (e.name === null ? 0 : (e.name.length + 1 + 15) & ~15);
}

class InotifyWatch implements Watch {
  constructor(readonly group: InotifyFile, readonly wd: number, readonly inode: Inode, public mask: number) {}
  event(mask: number, cookie: number, name: string | null): void { this.group.queue(this.wd, mask, cookie, name); }
  ignore(): void { this.group.drop(this); }
}

export class InotifyFile extends OpenFile {
  private events: QueuedEvent[] = [];
  /** Read offset into events (shifting a long array on every read would be quadratic). */
  private head = 0;
  private overflowQueued = false;
  private readonly wq = new WaitQueue();
  private readonly watches = new Map<number, InotifyWatch>();
  private readonly byInode = new Map<Inode, InotifyWatch>();
  private nextWd = 1;

  constructor(flags: number) {
    const { inode, path } = anonPath("inotify", false);
    super(flags | O_RDONLY, inode, path);
  }
  get waitQueue(): WaitQueue { return this.wq; }
  protected get seekable(): boolean { return false; }

  private get length(): number { return this.events.length - this.head; }

  /**
   * fsnotify_add_event: past max_queued_events one IN_Q_OVERFLOW (wd -1) stands for everything
   * dropped; an event equal to the last queued one is merged into it (inotify_merge).
   */
  queue(wd: number, mask: number, cookie: number, name: string | null): void {
    if (this.length >= MAX_QUEUED_EVENTS) {
      if (this.overflowQueued) return;
      this.overflowQueued = true;
      this.events.push({ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: null });
    } else {
      const last = this.length ? this.events[this.events.length - 1] : null;
      if (last && last.wd === wd && last.mask === mask && last.cookie === cookie && last.name === name) return;
      this.events.push({ wd, mask, cookie, name });
    }
    this.wq.notify();
  }

  /** Ends a watch: IN_IGNORED for it, and it leaves the inode. */
  drop(w: InotifyWatch): void {
    if (this.watches.get(w.wd) !== w) return;
    this.watches.delete(w.wd);
    this.byInode.delete(w.inode);
    removeWatch(w);
    this.queue(w.wd, IN_IGNORED, 0, null);
  }

  /** inotify_add_watch's update or create; the watch descriptor or -errno. */
  watch(inode: Inode, mask: number): number {
    const old = this.byInode.get(inode);
    if (old) {
      if (mask & IN_MASK_CREATE) return -EEXIST;
      old.mask = (mask & IN_MASK_ADD ? old.mask : 0) | (mask & WATCH_BITS);
      return old.wd;
    }
    const wd = this.nextWd++;
    const w = new InotifyWatch(this, wd, inode, mask & WATCH_BITS);
    this.watches.set(wd, w);
    this.byInode.set(inode, w);
    addWatch(w);
    return wd;
  }

  unwatch(wd: number): number {
    const w = this.watches.get(wd);
    if (!w) return -EINVAL;
    this.drop(w);
    return 0;
  }

  /** Bytes the queued events take (FIONREAD). */
  get available(): number {
    let n = 0;
    for (let i = this.head; i < this.events.length; i++) n += eventSize(this.events[i]);
    return n;
  }

  /** Whole events only; -EINVAL when the first does not fit. */
  read(buf: Uint8Array): number {
    if (this.length === 0) return WOULD_BLOCK;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let used = 0;
    while (this.length) {
      const e = this.events[this.head];
      const size = eventSize(e);
      if (used + size > buf.length) break;
      dv.setInt32(used, e.wd, true);
      dv.setUint32(used + 4, e.mask >>> 0, true);
      dv.setUint32(used + 8, e.cookie >>> 0, true);
      dv.setUint32(used + 12, size - EVENT_SIZE, true);
      buf.fill(0, used + EVENT_SIZE, used + size);
      if (e.name !== null) for (let i = 0; i < e.name.length; i++) buf[used + EVENT_SIZE + i] = e.name.charCodeAt(i);
      used += size;
      this.head++;
      if (e.mask === IN_Q_OVERFLOW && e.wd === -1) this.overflowQueued = false;
    }
    if (used === 0) return -EINVAL;
    if (this.head === this.events.length) { this.events = []; this.head = 0; }
    else if (this.head > 1024 && this.head * 2 > this.events.length) { this.events = this.events.slice(this.head); this.head = 0; }
    return used;
  }
  write(): number { return -EINVAL; }
  poll(): number { return this.length ? POLLIN | POLLRDNORM : 0; }
  release(): void {
    for (const w of this.watches.values()) removeWatch(w);
    this.watches.clear();
    this.byInode.clear();
    this.events = [];
    this.head = 0;
  }
}

/** inotify_init1(2): flags IN_NONBLOCK and IN_CLOEXEC (O_NONBLOCK and O_CLOEXEC). */
export function sysInotifyInit1(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = uintOf(a[0]);
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  return installFile(t, new InotifyFile(flags & O_NONBLOCK), (flags & O_CLOEXEC) !== 0);
}

/** inotify_init(2) */
export function sysInotifyInit(k: Kernel, t: Thread): SyscallResult {
  return installFile(t, new InotifyFile(0), false);
}

/** inotify_add_watch(2): checks in the order of Linux's fs/notify/inotify/inotify_user.c. */
export function sysInotifyAddWatch(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const mask = uintOf(a[2]);
  if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) return -EINVAL;
  if (!(mask & ALL_INOTIFY_BITS)) return -EINVAL;
  const f = t.process.fds.get(fdOf(a[0]));
  if (!f) return -EBADF;
  if (!(f instanceof InotifyFile)) return -EINVAL;
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  const ctx = ctxOf(k, t);
  const p = k.files.vfs.lookup(ctx, AT_FDCWD, path, !(mask & IN_DONT_FOLLOW));
  if (typeof p === "number") return p;
  const inode = p.dentry.inode;
  if ((mask & IN_ONLYDIR) && !inode.isDir()) return -ENOTDIR;
  // A watch needs read permission on what it watches.
  const e = permission(inode, 4, ctx.cred);
  if (e) return e;
  return f.watch(inode, mask);
}

/** inotify_rm_watch(2) */
export function sysInotifyRmWatch(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = t.process.fds.get(fdOf(a[0]));
  if (!f) return -EBADF;
  if (!(f instanceof InotifyFile)) return -EINVAL;
  return f.unwatch(intOf(a[1]));
}
