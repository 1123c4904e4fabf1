// File-system change notification (Linux's fsnotify) as far as inotify(7) needs it: the VFS calls
// these hooks at its choke points, and they hand events to the watches on the inode and, for
// events on a child, on its parent directory (with the child's name). Every hook is behind a check
// of `fsnotify.watches`, so a kernel without watches pays one load per operation.
//
// Operations done through this VFS are seen at once. What a host process does to a watched host
// file is seen by polling: an inode that can tell (changeStamp, hostfs) is checked every
// HOST_POLL_MS, and a change the guest did not make becomes IN_MODIFY (size or mtime) or IN_ATTRIB;
// the guest's own events renew the stamp, so they are not reported twice. A host process's changes
// to the entries of a watched host directory are not seen.
import type { Inode } from "./inode.js";
import type { Path } from "./mount.js";
import type { OpenFile } from "./file.js";
import { O_PATH } from "./abi.js";

export const IN_ACCESS = 0x1, IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8, IN_CLOSE_NOWRITE = 0x10,
  IN_OPEN = 0x20, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200,
  IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000,
  IN_ONLYDIR = 0x1000000, IN_DONT_FOLLOW = 0x2000000, IN_EXCL_UNLINK = 0x4000000, IN_MASK_CREATE = 0x10000000,
  IN_MASK_ADD = 0x20000000, IN_ISDIR = 0x40000000, IN_ONESHOT = 0x80000000;
export const IN_ALL_EVENTS = 0xfff;
/** /proc/sys/fs/inotify/max_queued_events: events an inotify instance holds before IN_Q_OVERFLOW. */
export const MAX_QUEUED_EVENTS = 16384;

/** One watch on one inode; its group (an inotify instance) queues the events. */
export interface Watch {
  readonly inode: Inode;
  /** Event bits wanted (IN_ALL_EVENTS part) plus IN_ONESHOT and the like. */
  mask: number;
  /** Queues an event for this watch (name null: the event is about the watched inode itself). */
  event(mask: number, cookie: number, name: string | null): void;
  /** The watch ends (IN_IGNORED): rm_watch, IN_ONESHOT, or its inode went away. */
  ignore(): void;
}

/** The number of watches in all kernels: zero means no hook does anything more than test it. */
export const fsnotify = { watches: 0 };

const byInode = new WeakMap<Inode, Watch[]>();
let cookies = 0;

/** Inodes whose host-side changes are polled for, with the stamp last seen. */
type Stamp = { data: string; meta: string };
type Stamped = Inode & { changeStamp?(): Stamp | null };
const polled = new Map<Inode, Stamp | null>();
const HOST_POLL_MS = 500;
let poller: ReturnType<typeof setInterval> | null = null;

function pollHost(): void {
  for (const [inode, last] of polled) {
    const now = (inode as Stamped).changeStamp!();
    polled.set(inode, now);
    if (!last || !now) continue; // gone: its name's removal is the guest's to see (or not) through the directory
    if (now.data !== last.data) deliver(inode, IN_MODIFY, 0, null, false);
    else if (now.meta !== last.meta) deliver(inode, IN_ATTRIB, 0, null, false);
  }
}

export function addWatch(w: Watch): void {
  const l = byInode.get(w.inode);
  if (l) l.push(w); else byInode.set(w.inode, [w]);
  fsnotify.watches++;
  const stamped = w.inode as Stamped;
  if (stamped.changeStamp && !stamped.isDir() && !polled.has(w.inode)) {
    polled.set(w.inode, stamped.changeStamp());
    // Not unref'd: a guest waiting on the watch (tail -f) is what keeps the host process alive.
    // Closing the inotify descriptor (at the latest when its process exits) removes the watch.
    if (!poller) poller = setInterval(pollHost, HOST_POLL_MS);
  }
}

export function removeWatch(w: Watch): void {
  const l = byInode.get(w.inode);
  const i = l ? l.indexOf(w) : -1;
  if (i < 0) return;
  l!.splice(i, 1);
  if (l!.length === 0) {
    byInode.delete(w.inode);
    polled.delete(w.inode);
    if (polled.size === 0 && poller) { clearInterval(poller); poller = null; }
  }
  fsnotify.watches--;
}

/** A cookie tying an IN_MOVED_FROM to its IN_MOVED_TO (global like Linux's fsnotify_get_cookie). */
export function moveCookie(): number { cookies = (cookies + 1) >>> 0; return cookies; }

/** Delivers mask to the watches of inode that want it; IN_ONESHOT watches end after one event. */
function deliver(inode: Inode, mask: number, cookie: number, name: string | null, fromGuest = true): void {
  const l = byInode.get(inode);
  if (!l) return;
  // The guest changed a polled host file itself: the next poll must not report it again.
  if (fromGuest && name === null && polled.has(inode)) polled.set(inode, (inode as Stamped).changeStamp!());
  for (const w of [...l]) {
    if (!(w.mask & mask & IN_ALL_EVENTS)) continue;
    w.event(mask, cookie, name);
    if (w.mask & IN_ONESHOT) w.ignore();
  }
}

/**
 * An event about inode only (no parent event): link-count changes, IN_MOVE_SELF, IN_DELETE_SELF.
 * These carry no IN_ISDIR, even for a directory (as Linux reports them).
 */
export function notifyInode(inode: Inode, mask: number): void {
  deliver(inode, mask, 0, null);
}

/** An event about a directory entry, for the directory's watches (create, delete, moves). */
export function notifyName(dir: Inode, child: Inode, mask: number, name: string, cookie = 0): void {
  if (child.isDir()) mask |= IN_ISDIR;
  deliver(dir, mask, cookie, name);
}

/** An event on what p names: the parent directory's watches (with the name), then the inode's own. */
export function notifyPath(p: Path | null, inode: Inode, mask: number): void {
  if (inode.isDir()) mask |= IN_ISDIR;
  const parent = p && p.dentry.inode === inode ? p.dentry.parent : null;
  if (parent) deliver(parent.inode, mask, 0, p!.dentry.name);
  deliver(inode, mask, 0, null);
}

/** The inode lost its last name: IN_DELETE_SELF, and every watch on it ends. */
export function notifyGone(inode: Inode): void {
  notifyInode(inode, IN_DELETE_SELF);
}

/** The watches that end once the inode is gone (after the directory's IN_DELETE, as Linux's evict). */
export function dropWatches(inode: Inode): void {
  const l = byInode.get(inode);
  if (l) for (const w of [...l]) w.ignore();
}

/** The last descriptor of f closed (Linux's fsnotify_close in __fput); O_PATH descriptors report nothing. */
export function notifyClose(f: OpenFile): void {
  if (f.flags & O_PATH) return;
  notifyPath(f.path, f.inode, f.writable ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
}
