// The VFS: path resolution in the manner of Linux's namei and the file-system system calls over
// it, with Linux's errno for every failure and in Linux's order of checks. Every operation is
// synchronous and returns a result or a negative errno; nothing throws.
//
// Paths and names are byte strings: one char per byte of the guest's string (latin1), so any byte
// sequence a guest uses as a name survives exactly and lengths are byte counts. The kernel converts
// guest memory to and from this form (TextDecoder("latin1") is not it: use String.fromCharCode on
// the bytes, or Buffer's "latin1"); hostfs converts at the host boundary.
import {
  ENOENT, ENOTDIR, EISDIR, EEXIST, EINVAL, ELOOP, ENAMETOOLONG, EBADF, EXDEV, EBUSY, ENOTEMPTY,
  EPERM, EROFS, EACCES, ENXIO, EOPNOTSUPP, ENODEV, ESPIPE, EFBIG,
} from "../errno.js";
import {
  O_ACCMODE, O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_TMPFILE,
  O_CLOEXEC, O_NONBLOCK, O_DIRECT, O_NOCTTY, AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH,
  AT_NO_AUTOMOUNT, AT_SYMLINK_FOLLOW, AT_REMOVEDIR, AT_EACCESS, AT_STATX_SYNC_TYPE, RENAME_NOREPLACE,
  RENAME_EXCHANGE, RENAME_WHITEOUT, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK,
  S_ISUID, S_ISGID, S_ISVTX, PATH_MAX, NAME_MAX, MAXSYMLINKS, UTIME_NOW, UTIME_OMIT, W_OK, PIPEFS_MAGIC,
  ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC, major, minor, type Stat, type StatFs,
} from "./abi.js";
import { Inode, Superblock, PseudoSuperblock, permission, isOwner, type Cred } from "./inode.js";
import { Dentry, Mount, MountTable, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, samePath, type Path } from "./mount.js";
import { OpenFile, RegularFile, DirectoryFile, PipeEnd, DeviceFile, PathFile, type CharDevice } from "./file.js";
import { Pipe } from "./pipe.js";
import { MemFile } from "./memfs.js";
import {
  fsnotify, notifyPath, notifyName, notifyInode, notifyGone, dropWatches, moveCookie, notifyClose, IN_OPEN, IN_MODIFY,
  IN_ATTRIB, IN_ACCESS, IN_CREATE, IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO, IN_MOVE_SELF,
} from "./fsnotify.js";
import type { FdTable } from "./fdtable.js";

/** A process's file-system view (Linux's fs_struct plus its files_struct and credentials). */
export interface FsContext {
  root: Path;
  cwd: Path;
  umask: number;
  cred: Cred;
  fds: FdTable;
}

/** What a path or descriptor names: the inode, where it was found, and the open file if any. */
export interface Target { inode: Inode; path: Path | null; file?: OpenFile }

/**
 * A symlink whose target is an object, not text (/proc/self/fd/N, /proc/self/exe, cwd): following
 * it lands on that path, like Linux's magic links.
 */
export interface MagicLink { magicTarget(): Path | number }
function isMagic(i: Inode): i is Inode & MagicLink { return typeof (i as Partial<MagicLink>).magicTarget === "function"; }

/**
 * An inode whose opens are its own, whatever its type says: the host's stdio reached through
 * /proc/self/fd (a host file, pipe or terminal). It gets the flags after the permission check.
 */
export interface OwnOpen { openOwn(flags: number, p: Path): OpenFile | number }
function opensItself(i: Inode): i is Inode & OwnOpen { return typeof (i as Partial<OwnOpen>).openOwn === "function"; }

type LastKind = "norm" | "dot" | "dotdot" | "root";
interface Parent { dir: Path; name: string; kind: LastKind; trailing: boolean }
interface Walk { links: number }

const R = 4, W = 2, X = 1;

// One class for every anonymous inode: a class made per superblock (one per kernel) would cost a
// new class and its shapes each time.
class AnonInode extends Inode {}


export class Vfs {
  readonly mounts: MountTable;
  /** Character device drivers by rdev (devfs registers its own; the kernel adds ttys). */
  readonly devices = new Map<bigint, CharDevice>();
  private fifos = new WeakMap<Inode, Pipe>();
  /** The anonymous superblock pipe(2) inodes live in. */
  private pipeSb: PseudoSuperblock;
  private pipeMount: Mount;

  constructor(rootSb: Superblock, readonly clock: () => bigint, rootSource = "rootfs", rootFlags = 0) {
    this.mounts = new MountTable(rootSb, rootSource, rootFlags);
    this.pipeSb = new PseudoSuperblock("pipefs", PIPEFS_MAGIC, clock, (sb) => new AnonInode(sb, 1n, S_IFDIR | 0o700));
    this.pipeMount = new Mount(this.pipeSb, new Dentry("pipe:", null, this.pipeSb.root), null, null, 0, "pipefs");
  }

  /** A context at the namespace root, as root, with the given descriptor table. */
  context(fds: FdTable, cred: Cred = { uid: 0, gid: 0, groups: [] }, umask = 0o022): FsContext {
    const root = this.mounts.rootPath();
    return { root, cwd: root, umask, cred, fds };
  }

  // ================================ path resolution ================================

  private checkPath(path: string): number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG; // PATH_MAX counts the NUL

    return 0;
  }

  /** The directory a relative path starts from: the cwd or the directory dirfd refers to. */
  private startAt(ctx: FsContext, dirfd: number, path: string): Path | number {
    if (path.startsWith("/")) return ctx.root;
    if (dirfd === AT_FDCWD) return ctx.cwd;
    const f = ctx.fds.get(dirfd);
    if (!f) return -EBADF;
    if (!f.path || !f.inode.isDir()) return -ENOTDIR;
    return f.path;
  }

  /** ".." from p: stays at the process root, climbs out of mounts, then steps into mounts on the parent. */
  dotdot(ctx: FsContext, p: Path): Path {
    for (;;) {
      if (samePath(p, ctx.root)) return p;
      if (p.dentry !== p.mnt.root) break;
      if (!p.mnt.parent) return p;
      p = { mnt: p.mnt.parent, dentry: p.mnt.mountpoint! };
    }
    return this.mounts.down({ mnt: p.mnt, dentry: p.dentry.parent ?? p.dentry });
  }

  /** The child dentry name of dir, asking the file system (it is the authority; the cache keeps identities). */
  private lookupChild(dir: Path, name: string, crossMounts = true): Path | number {
    if (name.length > NAME_MAX) return -ENAMETOOLONG;
    const d = dir.dentry;
    if (d.deleted) return -ENOENT;
    const cached = d.children.get(name);
    if (cached && cached.mounts > 0) {
      // A mount point is pinned while something is mounted on it here (EBUSY to unlink and
      // rename), and the walk goes on into the mount: asking the file system below (a host lstat
      // for hostfs) would change nothing.
      const p = { mnt: dir.mnt, dentry: cached };
      const into = this.mounts.down(p);
      if (into !== p) return crossMounts ? into : p;
    }
    const r = d.inode.lookup(name);
    if (typeof r === "number") {
      if (cached && cached.mounts === 0) d.children.delete(name);
      return r;
    }
    let child: Dentry;
    if (cached && cached.inode === r) child = cached;
    else {
      child = new Dentry(name, d, r);
      if (r.keepsDentry) d.children.set(name, child);
      else if (cached && cached.mounts === 0) d.children.delete(name);
    }
    const p = { mnt: dir.mnt, dentry: child };
    return crossMounts ? this.mounts.down(p) : p;
  }

  private followLink(ctx: FsContext, linkDir: Path, link: Path, w: Walk): Path | number {
    if (w.links++ >= MAXSYMLINKS) return -ELOOP;
    const inode = link.dentry.inode;
    if (isMagic(inode)) return inode.magicTarget();
    const target = inode.readlink();
    if (typeof target === "number") return target;
    if (target === "") return -ENOENT;
    // Relative targets resolve from the directory holding the link; absolute ones from the
    // process root — never from a host path, which is what confines hostfs mounts.
    return this.walk(ctx, target.startsWith("/") ? ctx.root : linkDir, target, true, w);
  }

  /** One intermediate step: cur must be a searchable directory; symlinks are followed. */
  private step(ctx: FsContext, cur: Path, comp: string, w: Walk): Path | number {
    const inode = cur.dentry.inode;
    if (!inode.isDir()) return -ENOTDIR;
    const e = permission(inode, X, ctx.cred);
    if (e) return e;
    if (comp === ".") return cur;
    if (comp === "..") return this.dotdot(ctx, cur);
    const r = this.lookupChild(cur, comp);
    if (typeof r === "number") return r;
    return r.dentry.inode.isSymlink() ? this.followLink(ctx, cur, r, w) : r;
  }

  /** Walks all but the last component (Linux's path_parentat). */
  private walkParent(ctx: FsContext, start: Path, path: string, w: Walk): Parent | number {
    const e = this.checkPath(path);
    if (e) return e;
    const comps = path.split("/").filter((c) => c !== "");
    let cur = path.startsWith("/") ? ctx.root : start;
    if (comps.length === 0) return { dir: cur, name: "/", kind: "root", trailing: false };
    for (let i = 0; i < comps.length - 1; i++) {
      const r = this.step(ctx, cur, comps[i], w);
      if (typeof r === "number") return r;
      cur = r;
    }
    const last = comps[comps.length - 1];
    const kind: LastKind = last === "." ? "dot" : last === ".." ? "dotdot" : "norm";
    return { dir: cur, name: last, kind, trailing: path.endsWith("/") };
  }

  /** Looks up a parent's last component; follows a final symlink when follow or a trailing slash asks. */
  private finish(ctx: FsContext, p: Parent, follow: boolean, w: Walk): Path | number {
    if (p.kind === "root") return p.dir;
    const dirInode = p.dir.dentry.inode;
    if (!dirInode.isDir()) return -ENOTDIR;
    const e = permission(dirInode, X, ctx.cred);
    if (e) return e;
    let r: Path | number;
    if (p.kind === "dot") r = p.dir;
    else if (p.kind === "dotdot") r = this.dotdot(ctx, p.dir);
    else r = this.lookupChild(p.dir, p.name);
    if (typeof r === "number") return r;
    if (r.dentry.inode.isSymlink() && (follow || p.trailing)) {
      r = this.followLink(ctx, p.dir, r, w);
      if (typeof r === "number") return r;
    }
    if (p.trailing && !r.dentry.inode.isDir()) return -ENOTDIR;
    return r;
  }

  private walk(ctx: FsContext, start: Path, path: string, follow: boolean, w: Walk): Path | number {
    const p = this.walkParent(ctx, start, path, w);
    return typeof p === "number" ? p : this.finish(ctx, p, follow, w);
  }

  /** Resolves path from dirfd (namei). */
  lookup(ctx: FsContext, dirfd: number, path: string, follow = true): Path | number {
    const e = this.checkPath(path);
    if (e) return e;
    const start = this.startAt(ctx, dirfd, path);
    if (typeof start === "number") return start;
    return this.walk(ctx, start, path, follow, { links: 0 });
  }

  private parentAt(ctx: FsContext, dirfd: number, path: string, w: Walk = { links: 0 }): Parent | number {
    const e = this.checkPath(path);
    if (e) return e;
    const start = this.startAt(ctx, dirfd, path);
    if (typeof start === "number") return start;
    const p = this.walkParent(ctx, start, path, w);
    if (typeof p === "number") return p;
    if (!p.dir.dentry.inode.isDir()) return -ENOTDIR;
    return p;
  }

  /**
   * What an *at call with flags names: AT_EMPTY_PATH with "" is dirfd itself (a file of any kind),
   * AT_SYMLINK_NOFOLLOW keeps a final symlink.
   */
  target(ctx: FsContext, dirfd: number, path: string, flags: number): Target | number {
    if (path === "" && (flags & AT_EMPTY_PATH)) {
      if (dirfd === AT_FDCWD) return { inode: ctx.cwd.dentry.inode, path: ctx.cwd };
      const f = ctx.fds.get(dirfd);
      if (!f) return -EBADF;
      return { inode: f.inode, path: f.path, file: f };
    }
    const p = this.lookup(ctx, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
    return typeof p === "number" ? p : { inode: p.dentry.inode, path: p };
  }

  private fileTarget(ctx: FsContext, fd: number): Target | number {
    const f = ctx.fds.get(fd);
    if (!f) return -EBADF;
    return { inode: f.inode, path: f.path, file: f };
  }

  private readonlyAt(p: Path | null): boolean { return !!p && p.mnt.readonly; }

  /** The guest-visible absolute path of p as seen from ctx's root (d_path). */
  pathOf(ctx: FsContext | null, p: Path): string {
    const root = ctx?.root ?? this.mounts.rootPath();
    const parts: string[] = [];
    let cur = p;
    for (let guard = 0; guard < 4096; guard++) {
      if (samePath(cur, root)) break;
      if (cur.dentry === cur.mnt.root) {
        if (!cur.mnt.parent) break;
        cur = { mnt: cur.mnt.parent, dentry: cur.mnt.mountpoint! };
        continue;
      }
      // An anonymous dentry (pipe:[n]) has no place in the tree: its name is its path.
      if (!cur.dentry.parent) return cur.dentry.name;
      parts.push(cur.dentry.name);
      cur = { mnt: cur.mnt, dentry: cur.dentry.parent };
    }
    const s = "/" + parts.reverse().join("/");
    return p.dentry.deleted ? s + " (deleted)" : s;
  }

  // ================================ open ================================

  /** open(2)/openat(2). The descriptor (and O_CLOEXEC) is the caller's business: see FdTable.install. */
  openat(ctx: FsContext, dirfd: number, path: string, flags: number, mode = 0): OpenFile | number {
    flags &= ~O_CLOEXEC;
    if ((flags & O_TMPFILE) === O_TMPFILE) return this.openTmpfile(ctx, dirfd, path, flags, mode);
    if ((flags & O_CREAT) && (flags & O_DIRECTORY)) return -EINVAL;
    if (flags & O_PATH) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW;
    const w: Walk = { links: 0 };
    let created = false;
    let r: Path | number;
    if (flags & O_CREAT) {
      let p = this.parentAt(ctx, dirfd, path, w);
      for (;;) {
        if (typeof p === "number") return p;
        if (p.kind !== "norm" || p.trailing) return -EISDIR;
        const dir = p.dir.dentry.inode;
        let e = permission(dir, X, ctx.cred);
        if (e) return e;
        const existing = this.lookupChild(p.dir, p.name);
        if (typeof existing === "number") {
          if (existing !== -ENOENT) return existing;
          if (p.dir.dentry.deleted) return -ENOENT;
          if (this.readonlyAt(p.dir)) return -EROFS;
          if ((e = permission(dir, W | X, ctx.cred))) return e;
          const made = dir.create(p.name, mode & ~ctx.umask & 0o7777, ctx.cred);
          if (typeof made === "number") return made;
          if (fsnotify.watches) notifyName(dir, made, IN_CREATE, p.name);
          r = this.lookupChild(p.dir, p.name);
          created = true;
          break;
        }
        if (flags & O_EXCL) return -EEXIST;
        if (!existing.dentry.inode.isSymlink()) { r = existing; break; }
        if (flags & O_NOFOLLOW) return -ELOOP;
        // A symlink under O_CREAT: follow it, creating its target if that does not exist.
        if (w.links++ >= MAXSYMLINKS) return -ELOOP;
        const li = existing.dentry.inode;
        if (isMagic(li)) { r = li.magicTarget(); break; }
        const target = li.readlink();
        if (typeof target === "number") return target;
        if (target === "") return -ENOENT;
        p = this.walkParent(ctx, target.startsWith("/") ? ctx.root : p.dir, target, w);
        if (typeof p !== "number" && !p.dir.dentry.inode.isDir()) return -ENOTDIR;
      }
    } else {
      const e = this.checkPath(path);
      if (e) return e;
      const start = this.startAt(ctx, dirfd, path);
      if (typeof start === "number") return start;
      r = this.walk(ctx, start, path, !(flags & O_NOFOLLOW), w);
    }
    if (typeof r === "number") return r;
    return this.openPath(ctx, r, flags, created);
  }

  /** Opens what p names (the last half of open: Linux's do_open and the file's own open). */
  openPath(ctx: FsContext, p: Path, flags: number, created = false): OpenFile | number {
    const inode = p.dentry.inode;
    if (inode.isSymlink()) return (flags & O_PATH) ? new PathFile(flags, inode, p) : -ELOOP;
    if ((flags & O_CREAT) && inode.isDir()) return -EISDIR;
    if ((flags & O_DIRECTORY) && !inode.isDir()) return -ENOTDIR;
    if (flags & O_PATH) return new PathFile(flags, inode, p);
    const acc = flags & O_ACCMODE;
    if (acc === 3) return -EINVAL;
    let mask = (acc === O_RDONLY ? R : acc === O_WRONLY ? W : R | W);
    if (flags & O_TRUNC) mask |= W;
    const type = inode.type;
    if (inode.isDir() && (mask & W)) return -EISDIR;
    if ((mask & W) && (type === S_IFREG || type === S_IFDIR) && p.mnt.readonly) return -EROFS;
    if (!created) {
      const e = permission(inode, mask, ctx.cred);
      if (e) return e;
    }
    const noctty = flags;
    flags &= ~(O_CREAT | O_EXCL | O_NOCTTY);
    if (opensItself(inode)) return inode.openOwn(flags, p);
    switch (type) {
      case S_IFREG: {
        const io = inode.openIO(flags);
        if (typeof io === "number") return io;
        // Linux's vfs_open reports the open before handle_truncate's IN_MODIFY.
        if (fsnotify.watches) notifyPath(p, inode, IN_OPEN);
        if ((flags & O_TRUNC) && !created) {
          if (inode.size() !== 0) {
            inode.dataVersion++;
            const e = io.truncate(0);
            if (e < 0) { io.close?.(); return e; }
          }
          if (fsnotify.watches) notifyPath(p, inode, IN_MODIFY);
        }
        return new RegularFile(flags & ~O_TRUNC, inode, p, io);
      }
      case S_IFDIR:
        if (fsnotify.watches) notifyPath(p, inode, IN_OPEN);
        return new DirectoryFile(flags, inode, p, this.dirSource(ctx, p));
      case S_IFIFO: {
        const pipe = this.fifoPipe(inode);
        if (acc === O_WRONLY && (flags & O_NONBLOCK) && pipe.readers === 0) return -ENXIO;
        if (fsnotify.watches) notifyPath(p, inode, IN_OPEN);
        return new PipeEnd(flags, inode, p, pipe);
      }
      case S_IFCHR: {
        if (p.mnt.flags & MS_NODEV) return -EACCES;
        const dev = this.devices.get(inode.rdev);
        if (!dev) return -ENXIO;
        if (dev.openFile) return dev.openFile(flags | (noctty & O_NOCTTY), inode, p);
        const e = dev.open ? dev.open(flags) : 0;
        if (e < 0) return e;
        if (fsnotify.watches) notifyPath(p, inode, IN_OPEN);
        return new DeviceFile(flags, inode, p, dev);
      }
      default: return -ENXIO; // block devices have no drivers; sockets are opened with connect(2)
    }
  }

  private dirSource(ctx: FsContext, p: Path) {
    return {
      list: () => p.dentry.inode.list(),
      dotIno: () => p.dentry.inode.ino,
      dotdotIno: () => this.dotdot(ctx, p).dentry.inode.ino,
    };
  }

  private openTmpfile(ctx: FsContext, dirfd: number, path: string, flags: number, mode: number): OpenFile | number {
    const acc = flags & O_ACCMODE;
    if (acc !== O_WRONLY && acc !== 2) return -EINVAL;
    const d = this.lookup(ctx, dirfd, path, true);
    if (typeof d === "number") return d;
    if (!d.dentry.inode.isDir()) return -ENOTDIR;
    if (d.mnt.readonly) return -EROFS;
    const e = permission(d.dentry.inode, W | X, ctx.cred);
    if (e) return e;
    const i = d.dentry.inode.tmpfile(mode & ~ctx.umask & 0o7777, ctx.cred);
    if (typeof i === "number") return i;
    const dentry = new Dentry(`#${i.ino}`, d.dentry, i);
    dentry.deleted = true;
    const io = i.openIO(flags);
    if (typeof io === "number") return io;
    const f = new RegularFile(flags & ~(O_TMPFILE | O_CREAT), i, { mnt: d.mnt, dentry }, io);
    return f;
  }

  /** The pipe behind a FIFO inode, made on first open and shared by every open of it. */
  private fifoPipe(inode: Inode): Pipe {
    let p = this.fifos.get(inode);
    if (!p) { p = new Pipe(); this.fifos.set(inode, p); }
    return p;
  }

  /** pipe2(2): [read end, write end]; flags O_NONBLOCK and O_DIRECT (O_CLOEXEC is the caller's). */
  pipe(ctx: FsContext, flags: number, makePipe = () => new Pipe()): [PipeEnd, PipeEnd] | number {
    if (flags & ~(O_NONBLOCK | O_CLOEXEC | O_DIRECT)) return -EINVAL;
    flags &= O_NONBLOCK | O_DIRECT;
    const inode = new AnonInode(this.pipeSb, this.pipeSb.nextIno(), S_IFIFO | 0o600);
    inode.uid = ctx.cred.uid; inode.gid = ctx.cred.gid;
    const pipe = makePipe();
    const path = { mnt: this.pipeMount, dentry: new Dentry(`pipe:[${inode.ino}]`, null, inode) };
    return [new PipeEnd(flags | O_RDONLY, inode, path, pipe), new PipeEnd(flags | O_WRONLY, inode, path, pipe)];
  }

  // ================================ creation ================================

  /** The common front half of mkdir, mknod, symlink and link (Linux's filename_create). */
  private createParent(ctx: FsContext, dirfd: number, path: string, isDir: boolean): Parent | number {
    const p = this.parentAt(ctx, dirfd, path);
    if (typeof p === "number") return p;
    if (p.kind !== "norm") return -EEXIST;
    const dir = p.dir.dentry.inode;
    let e = permission(dir, X, ctx.cred);
    if (e) return e;
    const existing = this.lookupChild(p.dir, p.name, false);
    if (typeof existing !== "number") return -EEXIST;
    if (existing !== -ENOENT) return existing;
    if (p.trailing && !isDir) return -ENOENT;
    if (p.dir.dentry.deleted) return -ENOENT;
    if (p.dir.mnt.readonly) return -EROFS;
    if ((e = permission(dir, W | X, ctx.cred))) return e;
    return p;
  }

  /** mkdir(2)/mkdirat(2) */
  mkdirat(ctx: FsContext, dirfd: number, path: string, mode: number): number {
    const p = this.createParent(ctx, dirfd, path, true);
    if (typeof p === "number") return p;
    const r = p.dir.dentry.inode.mkdir(p.name, mode & ~ctx.umask & 0o1777, ctx.cred);
    if (typeof r === "number") return r;
    if (fsnotify.watches) notifyName(p.dir.dentry.inode, r, IN_CREATE, p.name);
    return 0;
  }

  /** mknod(2)/mknodat(2): regular files, FIFOs, sockets; device nodes for root. */
  mknodat(ctx: FsContext, dirfd: number, path: string, mode: number, rdev: bigint): number {
    let type = mode & S_IFMT;
    if (type === 0) type = S_IFREG;
    if (type === S_IFDIR) return -EPERM;
    if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) return -EINVAL;
    const p = this.createParent(ctx, dirfd, path, false);
    if (typeof p === "number") return p;
    if ((type === S_IFCHR || type === S_IFBLK) && ctx.cred.uid !== 0) return -EPERM;
    const perm = mode & ~ctx.umask & 0o7777;
    const dir = p.dir.dentry.inode;
    const r = type === S_IFREG ? dir.create(p.name, perm, ctx.cred)
      : dir.mknod(p.name, type | perm, type === S_IFCHR || type === S_IFBLK ? rdev : 0n, ctx.cred);
    if (typeof r === "number") return r;
    if (fsnotify.watches) notifyName(dir, r, IN_CREATE, p.name);
    return 0;
  }

  /** symlink(2)/symlinkat(2) */
  symlinkat(ctx: FsContext, target: string, dirfd: number, path: string): number {
    if (target === "") return -ENOENT;
    if (target.length >= PATH_MAX) return -ENAMETOOLONG;
    const p = this.createParent(ctx, dirfd, path, false);
    if (typeof p === "number") return p;
    const r = p.dir.dentry.inode.symlink(p.name, target, ctx.cred);
    if (typeof r === "number") return r;
    if (fsnotify.watches) notifyName(p.dir.dentry.inode, r, IN_CREATE, p.name);
    return 0;
  }

  /** link(2)/linkat(2) */
  linkat(ctx: FsContext, olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    const old = this.target(ctx, olddirfd, oldpath, (flags & AT_EMPTY_PATH) | (flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW));
    if (typeof old === "number") return old;
    if (!old.path) return -ENOENT;
    const p = this.createParent(ctx, newdirfd, newpath, false);
    if (typeof p === "number") return p;
    if (old.path.mnt !== p.dir.mnt) return -EXDEV;
    if (old.inode.isDir()) return -EPERM;
    if (old.inode.nlink === 0 && !(old.file && old.inode instanceof MemFile && !(old.file.flags & O_EXCL))) return -ENOENT;
    const e = p.dir.dentry.inode.link(p.name, old.inode);
    if (e < 0) return e;
    if (fsnotify.watches) { notifyInode(old.inode, IN_ATTRIB); notifyName(p.dir.dentry.inode, old.inode, IN_CREATE, p.name); }
    return 0;
  }

  // ================================ removal and rename ================================

  private sticky(dir: Inode, child: Inode, cred: Cred): number {
    if ((dir.mode & S_ISVTX) && cred.uid !== 0 && cred.uid !== child.uid && cred.uid !== dir.uid) return -EPERM;
    return 0;
  }

  private forget(dir: Dentry, name: string): void {
    const d = dir.children.get(name);
    if (d) { d.deleted = true; dir.children.delete(name); }
  }

  /** unlink(2)/unlinkat(2) (rmdir with AT_REMOVEDIR) */
  unlinkat(ctx: FsContext, dirfd: number, path: string, flags = 0): number {
    if (flags & ~AT_REMOVEDIR) return -EINVAL;
    if (flags & AT_REMOVEDIR) return this.rmdirat(ctx, dirfd, path);
    const p = this.parentAt(ctx, dirfd, path);
    if (typeof p === "number") return p;
    if (p.kind !== "norm") return -EISDIR;
    if (p.dir.mnt.readonly) return -EROFS;
    const dir = p.dir.dentry.inode;
    let e = permission(dir, X, ctx.cred);
    if (e) return e;
    const c = this.lookupChild(p.dir, p.name, false);
    if (typeof c === "number") return c;
    const child = c.dentry.inode;
    if (p.trailing) return child.isDir() ? -EISDIR : -ENOTDIR;
    if ((e = permission(dir, W | X, ctx.cred)) || (e = this.sticky(dir, child, ctx.cred))) return e;
    if (child.isDir()) return -EISDIR;
    if (c.dentry.mounts) return -EBUSY;
    const last = child.nlink <= 1;
    e = dir.unlink(p.name);
    if (e < 0) return e;
    this.forget(p.dir.dentry, p.name);
    if (fsnotify.watches) this.notifyRemoved(dir, child, p.name, last);
    return 0;
  }

  /** rmdir(2) */
  rmdirat(ctx: FsContext, dirfd: number, path: string): number {
    const p = this.parentAt(ctx, dirfd, path);
    if (typeof p === "number") return p;
    if (p.kind === "dotdot") return -ENOTEMPTY;
    if (p.kind === "dot") return -EINVAL;
    if (p.kind === "root") return -EBUSY;
    if (p.dir.mnt.readonly) return -EROFS;
    const dir = p.dir.dentry.inode;
    let e = permission(dir, X, ctx.cred);
    if (e) return e;
    const c = this.lookupChild(p.dir, p.name, false);
    if (typeof c === "number") return c;
    const child = c.dentry.inode;
    if ((e = permission(dir, W | X, ctx.cred)) || (e = this.sticky(dir, child, ctx.cred))) return e;
    if (!child.isDir()) return -ENOTDIR;
    if (c.dentry.mounts) return -EBUSY;
    const l = child.list();
    if (typeof l === "number") return l;
    if (l.length) return -ENOTEMPTY;
    e = dir.rmdir(p.name);
    if (e < 0) return e;
    this.forget(p.dir.dentry, p.name);
    if (fsnotify.watches) this.notifyRemoved(dir, child, p.name, true);
    return 0;
  }

  /**
   * The events of an unlink or rmdir in Linux's order: the link count (files), IN_DELETE_SELF when
   * that was the last name, the directory's IN_DELETE, then the watches on the inode end. Linux
   * waits for the last open descriptor before IN_DELETE_SELF; here it comes with the last name.
   */
  private notifyRemoved(dir: Inode, child: Inode, name: string, last: boolean): void {
    if (!child.isDir()) notifyInode(child, IN_ATTRIB);
    if (last) notifyGone(child);
    notifyName(dir, child, IN_DELETE, name);
    if (last) dropWatches(child);
  }

  /** rename(2)/renameat(2)/renameat2(2) */
  renameat2(ctx: FsContext, olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags = 0): number {
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return -EINVAL;
    if (flags & RENAME_WHITEOUT) return -EINVAL;
    const exchange = (flags & RENAME_EXCHANGE) !== 0;
    const op = this.parentAt(ctx, olddirfd, oldpath);
    if (typeof op === "number") return op;
    const np = this.parentAt(ctx, newdirfd, newpath);
    if (typeof np === "number") return np;
    if (op.dir.mnt !== np.dir.mnt) return -EXDEV;
    if (op.kind !== "norm") return -EBUSY;
    if (np.kind !== "norm") return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
    if (op.dir.mnt.readonly) return -EROFS;
    const odir = op.dir.dentry.inode, ndir = np.dir.dentry.inode;
    let e = permission(odir, X, ctx.cred) || permission(ndir, X, ctx.cred);
    if (e) return e;
    const o = this.lookupChild(op.dir, op.name, false);
    if (typeof o === "number") return o;
    const n = this.lookupChild(np.dir, np.name, false);
    if (typeof n === "number" && n !== -ENOENT) return n;
    const target = typeof n === "number" ? null : n;
    if ((flags & RENAME_NOREPLACE) && target) return -EEXIST;
    if (exchange && !target) return -ENOENT;
    const src = o.dentry.inode;
    if (!src.isDir() && (op.trailing || np.trailing)) return -ENOTDIR;
    if (exchange && target && !target.dentry.inode.isDir() && (op.trailing || np.trailing)) return -ENOTDIR;
    // Neither may be an ancestor of the other's new parent (lock_rename's trap).
    if (isAncestor(o.dentry, np.dir.dentry)) return -EINVAL;
    if (target && isAncestor(target.dentry, op.dir.dentry)) return exchange ? -EINVAL : -ENOTEMPTY;
    if (target && target.dentry.inode === src) return 0;
    if ((e = permission(odir, W | X, ctx.cred)) || (e = this.sticky(odir, src, ctx.cred))) return e;
    if ((e = permission(ndir, W | X, ctx.cred))) return e;
    if (target) {
      const t = target.dentry.inode;
      if ((e = this.sticky(ndir, t, ctx.cred))) return e;
      if (!exchange) {
        if (src.isDir() && !t.isDir()) return -ENOTDIR;
        if (!src.isDir() && t.isDir()) return -EISDIR;
      }
    }
    // A moved directory's ".." changes: that needs write permission on the directory itself.
    if (odir !== ndir && ctx.cred.uid !== 0) {
      if (src.isDir() && (e = permission(src, W, ctx.cred))) return e;
      if (exchange && target?.dentry.inode.isDir() && (e = permission(target.dentry.inode, W, ctx.cred))) return e;
    }
    if (o.dentry.mounts || target?.dentry.mounts) return -EBUSY;
    if (target && !exchange && target.dentry.inode.isDir()) {
      const l = target.dentry.inode.list();
      if (typeof l === "number") return l;
      if (l.length) return -ENOTEMPTY;
    }
    const replaced = target && !exchange ? target.dentry.inode : null;
    const replacedLast = !!replaced && (replaced.isDir() || replaced.nlink <= 1);
    e = odir.rename(op.name, ndir, np.name, exchange);
    if (e < 0) return e;
    if (fsnotify.watches) {
      // fsnotify_move, once per direction for an exchange.
      let c = moveCookie();
      notifyName(odir, src, IN_MOVED_FROM, op.name, c);
      notifyName(ndir, src, IN_MOVED_TO, np.name, c);
      if (replaced) notifyInode(replaced, IN_ATTRIB);
      notifyInode(src, IN_MOVE_SELF);
      if (exchange && target) {
        const t = target.dentry.inode;
        c = moveCookie();
        notifyName(ndir, t, IN_MOVED_FROM, np.name, c);
        notifyName(odir, t, IN_MOVED_TO, op.name, c);
        notifyInode(t, IN_MOVE_SELF);
      }
      if (replaced && replacedLast) { notifyGone(replaced); dropWatches(replaced); }
    }
    const od = op.dir.dentry, nd = np.dir.dentry;
    od.children.delete(op.name);
    if (exchange && target) {
      nd.children.delete(np.name);
      moveDentry(target.dentry, od, op.name);
    } else if (target) this.forget(nd, np.name);
    moveDentry(o.dentry, nd, np.name);
    return 0;
  }

  // ================================ attributes ================================

  /** stat family: the Stat of what dirfd/path/flags name. */
  statat(ctx: FsContext, dirfd: number, path: string, flags: number): Stat | number {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return -EINVAL;
    const t = this.target(ctx, dirfd, path, flags);
    if (typeof t === "number") return t;
    return t.file ? t.file.stat() : t.inode.stat();
  }

  /** The mount id statx reports for what dirfd/path/flags name. */
  mountIdOf(ctx: FsContext, dirfd: number, path: string, flags: number): number {
    const t = this.target(ctx, dirfd, path, flags);
    return typeof t === "number" || !t.path ? 0 : t.path.mnt.id;
  }

  /** readlink(2)/readlinkat(2): the link text (the caller truncates to its buffer). */
  readlinkat(ctx: FsContext, dirfd: number, path: string): string | number {
    const t = this.target(ctx, dirfd, path, AT_SYMLINK_NOFOLLOW | (path === "" ? AT_EMPTY_PATH : 0));
    if (typeof t === "number") return t;
    if (!t.inode.isSymlink()) return -EINVAL;
    return t.inode.readlink();
  }

  private writableTarget(t: Target): number {
    if (t.file && (t.file.flags & O_PATH)) return -EBADF;
    if (this.readonlyAt(t.path)) return -EROFS;
    return 0;
  }

  /** chmod family; t from target() or fd(). */
  chmod(ctx: FsContext, t: Target, mode: number): number {
    let e = this.writableTarget(t);
    if (e) return e;
    if ((e = isOwner(t.inode, ctx.cred))) return e;
    if (t.inode.isSymlink()) return -EOPNOTSUPP;
    mode &= 0o7777;
    // Without the file's group, a non-root caller cannot set setgid (Linux clears it silently).
    if (ctx.cred.uid !== 0 && t.inode.gid !== ctx.cred.gid && !ctx.cred.groups.includes(t.inode.gid)) mode &= ~S_ISGID;
    e = t.inode.setattr({ mode });
    if (e === 0 && fsnotify.watches) notifyPath(t.path, t.inode, IN_ATTRIB);
    return e;
  }

  /** chown family; -1 (0xffffffff) keeps an id. */
  chown(ctx: FsContext, t: Target, uid: number, gid: number): number {
    let e = this.writableTarget(t);
    if (e) return e;
    uid = uid === -1 || uid === 0xffffffff ? -1 : uid >>> 0;
    gid = gid === -1 || gid === 0xffffffff ? -1 : gid >>> 0;
    const i = t.inode, c = ctx.cred;
    if (c.uid !== 0) {
      // chown_ok/chgrp_ok: only the owner, keeping the uid, giving the file to one of its groups.
      if (uid !== -1 && !(c.uid === i.uid && uid === i.uid)) return -EPERM;
      if (gid !== -1 && !(c.uid === i.uid && (gid === i.gid || gid === c.gid || c.groups.includes(gid)))) return -EPERM;
    }
    const attr: { uid?: number; gid?: number; mode?: number } = {};
    if (uid !== -1) attr.uid = uid;
    if (gid !== -1) attr.gid = gid;
    // Changing owners drops set-id bits of non-directories (setgid only if group-executable).
    if ((uid !== -1 || gid !== -1) && !i.isDir() && !i.isSymlink()) {
      let m = i.mode & 0o7777 & ~S_ISUID;
      if (i.mode & 0o010) m &= ~S_ISGID;
      if (m !== (i.mode & 0o7777)) attr.mode = m;
    }
    e = i.setattr(attr);
    if (e === 0 && fsnotify.watches && (uid !== -1 || gid !== -1)) notifyPath(t.path, i, IN_ATTRIB);
    return e;
  }

  /**
   * utimensat(2)/futimens: times is null (both now) or [atime, mtime] as [sec, nsec] pairs with
   * UTIME_NOW/UTIME_OMIT in nsec.
   */
  utimens(ctx: FsContext, t: Target, times: [[bigint, number], [bigint, number]] | null): number {
    const ts = times ?? [[0n, UTIME_NOW], [0n, UTIME_NOW]];
    for (const [, ns] of ts) if (ns !== UTIME_NOW && ns !== UTIME_OMIT && (ns < 0 || ns > 999_999_999)) return -EINVAL;
    if (ts[0][1] === UTIME_OMIT && ts[1][1] === UTIME_OMIT) return 0;
    let e = this.writableTarget(t);
    if (e) return e;
    const explicit = ts.some(([, ns]) => ns !== UTIME_NOW && ns !== UTIME_OMIT);
    if (isOwner(t.inode, ctx.cred)) {
      if (explicit) return -EPERM;
      if ((e = permission(t.inode, W, ctx.cred))) return e;
    }
    const now = this.clock();
    const val = ([s, ns]: [bigint, number]) => ns === UTIME_OMIT ? undefined : ns === UTIME_NOW ? now : s * 1_000_000_000n + BigInt(ns);
    e = t.inode.setattr({ atimeNs: val(ts[0]), mtimeNs: val(ts[1]), ctimeNs: now });
    // fsnotify_change: both times are a utime (IN_ATTRIB); one alone reads as an access or a modification.
    if (e === 0 && fsnotify.watches) {
      const a = ts[0][1] !== UTIME_OMIT, m = ts[1][1] !== UTIME_OMIT;
      notifyPath(t.path, t.inode, a && m ? IN_ATTRIB : a ? IN_ACCESS : IN_MODIFY);
    }
    return e;
  }

  /** truncate(2) by path. */
  truncate(ctx: FsContext, dirfd: number, path: string, length: number): number {
    if (length < 0) return -EINVAL;
    const p = this.lookup(ctx, dirfd, path, true);
    if (typeof p === "number") return p;
    const i = p.dentry.inode;
    if (i.isDir()) return -EISDIR;
    if (!i.isRegular()) return -EINVAL;
    if (p.mnt.readonly) return -EROFS;
    let e = permission(i, W, ctx.cred);
    if (e) return e;
    i.dataVersion++;
    e = i.truncate(length);
    if (e === 0 && fsnotify.watches) notifyPath(p, i, IN_MODIFY);
    return e;
  }

  /** fallocate(2) with mode 0: allocates and extends like writing zeros would, without changing data. */
  fallocate(file: OpenFile, mode: number, offset: number, len: number): number {
    if (offset < 0 || len <= 0) return -EINVAL;
    if (mode !== 0) return -EOPNOTSUPP;
    if (!file.writable) return -EBADF;
    const i = file.inode;
    if (i.isDir()) return -EISDIR;
    if (i.type === S_IFIFO) return -ESPIPE;
    if (!(file instanceof RegularFile)) return -ENODEV;
    if (offset + len > Number.MAX_SAFE_INTEGER) return -EFBIG;
    const e = i instanceof MemFile ? i.allocate(offset, len) : this.allocateHost(file, offset, len);
    if (e === 0 && fsnotify.watches) notifyPath(file.path, i, IN_MODIFY);
    return e;
  }

  private allocateHost(file: RegularFile, offset: number, len: number): number {
    const size = file.io.size();
    file.inode.dataVersion++;
    return offset + len > size ? file.io.truncate(offset + len) : 0;
  }

  /** access(2)/faccessat(2)/faccessat2(2); mode R_OK|W_OK|X_OK or F_OK. */
  faccessat(ctx: FsContext, dirfd: number, path: string, mode: number, flags = 0): number {
    if (mode & ~7) return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    const t = this.target(ctx, dirfd, path, flags);
    if (typeof t === "number") return t;
    if (mode === 0) return 0;
    const type = t.inode.type;
    if ((mode & W_OK) && (type === S_IFREG || type === S_IFDIR || type === S_IFLNK) && this.readonlyAt(t.path)) return -EROFS;
    if ((mode & X) && t.path && (t.path.mnt.flags & MS_NOEXEC) && type === S_IFREG) return -EACCES;
    return permission(t.inode, mode, ctx.cred);
  }

  /** statfs(2)/fstatfs(2): the figures and the ST_* flags of the mount. */
  statfs(t: Target): { statfs: StatFs; flags: number } {
    const mnt = t.path?.mnt;
    let flags = 0;
    if (mnt) {
      if (mnt.flags & MS_RDONLY) flags |= ST_RDONLY;
      if (mnt.flags & MS_NOSUID) flags |= ST_NOSUID;
      if (mnt.flags & MS_NODEV) flags |= ST_NODEV;
      if (mnt.flags & MS_NOEXEC) flags |= ST_NOEXEC;
    }
    return { statfs: t.inode.sb.statfs(), flags };
  }

  /** fd-based variants (fchmod, fchown, futimens, fstatfs, fstat) take this Target. */
  fd(ctx: FsContext, fd: number): Target | number { return this.fileTarget(ctx, fd); }

  // ================================ directories of the process ================================

  /** chdir(2)/fchdir (with path "" and AT_EMPTY_PATH)/chroot: the new directory, checked. */
  chdirTarget(ctx: FsContext, dirfd: number, path: string, flags = 0): Path | number {
    const t = this.target(ctx, dirfd, path, flags);
    if (typeof t === "number") return t;
    if (!t.path || !t.inode.isDir()) return -ENOTDIR;
    const e = permission(t.inode, X, ctx.cred);
    return e || t.path;
  }

  /** getcwd(2): the path, or -ENOENT once the directory was removed. */
  getcwd(ctx: FsContext): string | number {
    if (ctx.cwd.dentry.deleted) return -ENOENT;
    return this.pathOf(ctx, ctx.cwd);
  }

  /** The whole content of a regular file (for the ELF loader, #! scripts). */
  readFile(ctx: FsContext, dirfd: number, path: string): Uint8Array | number {
    const f = this.openat(ctx, dirfd, path, O_RDONLY);
    if (typeof f === "number") return f;
    try {
      if (!f.inode.isRegular()) return -EACCES;
      const out = new Uint8Array(f.inode.size());
      let o = 0;
      while (o < out.length) {
        const n = f.pread(out.subarray(o), o);
        if (n < 0) return n;
        if (n === 0) break;
        o += n;
      }
      return out.subarray(0, o);
    } finally { if (fsnotify.watches) notifyClose(f); f.release(); }
  }

  // ================================ mounts ================================

  /** mount(2) of a new superblock on a directory. */
  mount(ctx: FsContext, target: string, sb: Superblock, flags = 0, source = sb.fsType): Mount | number {
    const p = this.lookup(ctx, AT_FDCWD, target, true);
    if (typeof p === "number") return p;
    if (!p.dentry.inode.isDir()) return -ENOTDIR;
    return this.mounts.attach(p, sb, new Dentry("/", null, sb.root), flags, source);
  }

  /** mount --bind source target (non-recursive, as MS_BIND without MS_REC). */
  bindMount(ctx: FsContext, source: string, target: string, flags = 0): Mount | number {
    const s = this.lookup(ctx, AT_FDCWD, source, true);
    if (typeof s === "number") return s;
    const t = this.lookup(ctx, AT_FDCWD, target, true);
    if (typeof t === "number") return t;
    if (s.dentry.inode.isDir() !== t.dentry.inode.isDir()) return -ENOTDIR;
    return this.mounts.attach(t, s.mnt.sb, s.dentry, flags, s.mnt.source);
  }

  /**
   * mount --bind of the file `name` in sb's root directory onto the non-directory target, as
   * container runtimes put /etc/hosts into a container: the target is then pinned (unlink and
   * rename over it give EBUSY) and reads and writes go to sb's file.
   */
  bindFile(ctx: FsContext, target: string, sb: Superblock, name: string, flags = 0, source = sb.fsType): Mount | number {
    const t = this.lookup(ctx, AT_FDCWD, target, true);
    if (typeof t === "number") return t;
    if (t.dentry.inode.isDir()) return -ENOTDIR;
    const file = sb.root.lookup(name);
    if (typeof file === "number") return file;
    if (file.isDir()) return -EISDIR;
    return this.mounts.attach(t, sb, new Dentry(name, new Dentry("/", null, sb.root), file), flags, source);
  }

  /** umount(2): target must be a mount's root; EBUSY while something is mounted under it. */
  umount(ctx: FsContext, target: string): number {
    const p = this.lookup(ctx, AT_FDCWD, target, true);
    if (typeof p === "number") return p;
    if (p.dentry !== p.mnt.root || !p.mnt.parent) return -EINVAL;
    if (this.mounts.childrenOf(p.mnt).length) return -EBUSY;
    this.mounts.detach(p.mnt);
    return 0;
  }

  /**
   * /proc/<pid>/mountinfo lines (proc(5)): mount id, parent id, st_dev, the mount's root inside
   * its file system, mount point, per-mount options, no propagation fields, "-", type, source and
   * the file system's options. Ids are offset as Linux's start well above zero; the root mount's
   * parent is one below its own id, outside the table as in a container.
   */
  mountinfoText(ctx: FsContext | null): string {
    const esc = (s: string) => s.replace(/[ \t\n\\]/g, (c) => "\\" + c.charCodeAt(0).toString(8).padStart(3, "0"));
    const ID_BASE = 20;
    let out = "";
    for (const m of this.mounts.mounts) {
      const where = m.mountpoint && m.parent ? this.pathOf(ctx, { mnt: m, dentry: m.root }) : "/";
      const names: string[] = [];
      for (let d: Dentry | null = m.root; d && d.parent; d = d.parent) names.unshift(d.name);
      const opts = [m.readonly ? "ro" : "rw"];
      if (m.flags & MS_NOSUID) opts.push("nosuid");
      if (m.flags & MS_NODEV) opts.push("nodev");
      if (m.flags & MS_NOEXEC) opts.push("noexec");
      const extra = m.sb.mountOptions();
      const id = m.id + ID_BASE, parent = m.parent ? m.parent.id + ID_BASE : id - 1;
      out += `${id} ${parent} ${major(m.sb.dev)}:${minor(m.sb.dev)} ${esc("/" + names.join("/"))} ${esc(where)} ${opts.join(",")} - ` +
        `${m.sb.fsType} ${esc(m.source)} ${m.readonly ? "ro" : "rw"}${extra ? "," + extra : ""}\n`;
    }
    return out;
  }

  /** /proc/mounts lines as Linux prints them, for the mounts visible from ctx's root. */
  mountsText(ctx: FsContext | null): string {
    const esc = (s: string) => s.replace(/[ \t\n\\]/g, (c) => "\\" + c.charCodeAt(0).toString(8).padStart(3, "0"));
    let out = "";
    for (const m of this.mounts.mounts) {
      const where = m.mountpoint && m.parent ? this.pathOf(ctx, { mnt: m, dentry: m.root }) : "/";
      const opts = [m.readonly ? "ro" : "rw"];
      if (m.flags & MS_NOSUID) opts.push("nosuid");
      if (m.flags & MS_NODEV) opts.push("nodev");
      if (m.flags & MS_NOEXEC) opts.push("noexec");
      const extra = m.sb.mountOptions();
      if (extra) opts.push(extra);
      out += `${esc(m.source)} ${esc(where)} ${m.sb.fsType} ${opts.join(",")} 0 0\n`;
    }
    return out;
  }
}

function isAncestor(a: Dentry, d: Dentry | null): boolean {
  for (; d; d = d.parent) if (d === a) return true;
  return false;
}

function moveDentry(d: Dentry, newParent: Dentry, name: string): void {
  d.parent = newParent;
  d.name = name;
  newParent.children.set(name, d);
}
