// hostfs: a host directory mounted into the guest. The kernel reaches the host only through the
// small synchronous HostFs interface below (runtime/host/nodefs.ts implements it for Node).
//
// Confinement: every host path this file builds is the mount's root followed by names the VFS
// looked up one at a time — never ".", "..", or a name with "/" — and every intermediate name was
// seen by lstat as a directory. Symlinks are never followed by the host (lstat, O_NOFOLLOW, lchown,
// lutimes); the VFS reads their text and resolves it in the guest's tree, where ".." stops at the
// guest root and "/" is the guest root. So no path, link or ".." chain reaches outside the folder.
// (A host process racing to swap a directory for a symlink between two calls is outside this model.)
import { EPERM, EOPNOTSUPP, EIO } from "../errno.js";
import { Inode, Superblock, type Cred, type DirEntry, type FileIO, type Attr } from "./inode.js";
import { S_IFMT, S_IFDIR, S_IFREG, S_IFIFO, S_IFSOCK, O_ACCMODE, O_RDONLY, dtypeOf, type Stat, type StatFs } from "./abi.js";

/** Host open flags, independent of the host OS's numbering. The host must never follow a final symlink. */
export interface HostOpenFlags { read: boolean; write: boolean; create?: boolean; exclusive?: boolean }

/** The synchronous host file-system primitives hostfs needs. Errors are negative Linux errnos. */
export interface HostFs {
  /** Canonical absolute path of a host directory (for the mount root only). */
  realpath(path: string): string | number;
  lstat(path: string): Stat | number;
  readdir(path: string): string[] | number;
  readlink(path: string): string | number;
  /** Opens without following a final symlink; a host descriptor. */
  open(path: string, flags: HostOpenFlags, mode: number): number;
  close(fd: number): void;
  pread(fd: number, buf: Uint8Array, pos: number): number;
  pwrite(fd: number, data: Uint8Array, pos: number): number;
  fstat(fd: number): Stat | number;
  ftruncate(fd: number, size: number): number;
  fsync(fd: number): number;
  mkdir(path: string, mode: number): number;
  rmdir(path: string): number;
  unlink(path: string): number;
  rename(from: string, to: string): number;
  link(existing: string, newPath: string): number;
  symlink(target: string, path: string): number;
  /** chmod of a path already known (by lstat) not to be a symlink. */
  chmod(path: string, mode: number): number;
  lchown(path: string, uid: number, gid: number): number;
  lutimes(path: string, atimeNs: bigint, mtimeNs: bigint): number;
  statfs(path: string): StatFs | number;
}

const DIR_TTL_MS = 1000, DIR_CACHE_MAX = 4096;

const join = (dir: string, name: string) => (dir.endsWith("/") ? dir + name : dir + "/" + name);

/** One host file system object, known by its host (dev, ino); hostPath is the last path it was reached by. */
export class HostInode extends Inode {
  /** A descriptor from create(), handed to the open that follows it (the file may be mode 0444). */
  freshFd = -1;
  constructor(readonly hsb: HostSuperblock, public hostPath: string, st: Stat) {
    super(hsb, st.ino, st.mode);
    this.refresh(st);
  }
  private get host(): HostFs { return this.hsb.host; }

  refresh(st: Stat): void {
    st = this.hsb.typed(st);
    this.ino = st.ino; this.mode = st.mode; this.nlink = st.nlink; this.uid = st.uid; this.gid = st.gid;
    this.rdev = st.rdev; this.atimeNs = st.atimeNs; this.mtimeNs = st.mtimeNs; this.ctimeNs = st.ctimeNs;
    this.last = st;
  }
  private last!: Stat;

  /** Host descriptors open on this object: what still reaches it once its last name is gone. */
  private openFds = new Set<number>();

  /** The host's own figures, fresh (dev and ino included, so `stat` matches the host's). */
  stat(): Stat {
    const st = this.host.lstat(this.hostPath);
    if (typeof st !== "number" && st.ino === this.ino) this.refresh(st);
    else {
      // Unlinked (or replaced) while open: fstat of an open descriptor sees size and nlink 0.
      for (const fd of this.openFds) {
        const f = this.host.fstat(fd);
        if (typeof f !== "number") { this.refresh(f); break; }
      }
    }
    return { ...this.last };
  }
  size(): number { return Number(this.stat().size); }
  blocks(): number { return Number(this.last.blocks); }
  /** What a host process changing this object alters (inotify polls it); null once it is gone. */
  changeStamp(): { data: string; meta: string } | null {
    const st = this.host.lstat(this.hostPath);
    if (typeof st === "number" || st.ino !== this.ino) return null;
    return { data: `${st.size}:${st.mtimeNs}`, meta: `${st.ctimeNs}:${st.mode}:${st.uid}:${st.gid}:${st.nlink}` };
  }

  private child(name: string): string {
    // The VFS never passes these; refusing them here keeps the confinement argument local.
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) throw new Error(`hostfs: bad name ${JSON.stringify(name)}`);
    return join(this.hostPath, name);
  }

  lookup(name: string): Inode | number {
    const p = this.child(name);
    const known = this.hsb.recentDir(p);
    if (known) return known;
    const st = this.host.lstat(p);
    if (typeof st === "number") return st;
    const i = this.hsb.inodeFor(p, st);
    if (i.isDir()) this.hsb.rememberDir(p, i);
    return i;
  }
  list(): DirEntry[] | number {
    const names = this.host.readdir(this.hostPath);
    if (typeof names === "number") return names;
    const out: DirEntry[] = [];
    for (const name of names) {
      const st = this.host.lstat(this.child(name));
      if (typeof st === "number") continue; // removed on the host meanwhile
      out.push({ name, ino: st.ino, type: dtypeOf(this.hsb.typed(st).mode) });
    }
    return out;
  }
  private made(p: string, e: number): Inode | number {
    if (e < 0) return e;
    const st = this.host.lstat(p);
    return typeof st === "number" ? st : this.hsb.inodeFor(p, st);
  }
  create(name: string, mode: number, _cred: Cred): Inode | number {
    const p = this.child(name);
    const fd = this.host.open(p, { read: true, write: true, create: true, exclusive: true }, mode);
    if (fd < 0) return fd;
    const i = this.made(p, 0);
    if (typeof i === "number") { this.host.close(fd); return i; }
    (i as HostInode).freshFd = fd;
    return i;
  }
  mkdir(name: string, mode: number): Inode | number { const p = this.child(name); return this.made(p, this.host.mkdir(p, mode)); }
  symlink(name: string, target: string): Inode | number { const p = this.child(name); return this.made(p, this.host.symlink(target, p)); }
  mknod(name: string, mode: number): Inode | number {
    // Node has no mknod/mkfifo/bind; a FIFO or socket node (mknod(2), mkfifo(3), bind(2) make
    // them) is an empty host file that this mount shows with the node's type, so the guest's
    // open (a FIFO opens the kernel's named pipe for the inode), stat, connect and unlink work.
    const type = mode & S_IFMT;
    if (type === S_IFSOCK || type === S_IFIFO) {
      const p = this.child(name);
      const fd = this.host.open(p, { read: false, write: true, create: true, exclusive: true }, mode & 0o7777);
      if (fd < 0) return fd;
      this.host.close(fd);
      this.host.chmod(p, mode & 0o7777); // the host's umask must not apply twice
      const st = this.host.lstat(p);
      if (typeof st === "number") return st;
      this.hsb.specialNodes.set(`${st.dev}:${st.ino}`, type);
      return this.made(p, 0);
    }
    // Only regular files otherwise.
    if (type !== S_IFREG) return -EPERM;
    const i = this.create(name, mode, { uid: 0, gid: 0, groups: [] });
    if (typeof i !== "number" && (i as HostInode).freshFd >= 0) { this.host.close((i as HostInode).freshFd); (i as HostInode).freshFd = -1; }
    return i;
  }
  link(name: string, target: Inode): number {
    if (!(target instanceof HostInode) || target.hsb !== this.hsb) return -EPERM;
    return this.host.link(target.hostPath, this.child(name));
  }
  unlink(name: string): number {
    const p = this.child(name);
    const st = this.hsb.specialNodes.size ? this.host.lstat(p) : -1; // only FIFO and socket nodes need forgetting
    const e = this.host.unlink(p);
    if (e === 0 && typeof st !== "number" && st.nlink <= 1) this.hsb.specialNodes.delete(`${st.dev}:${st.ino}`);
    return e;
  }
  rmdir(name: string): number { this.hsb.forgetDirs(); return this.host.rmdir(this.child(name)); }
  rename(oldName: string, newDir: Inode, newName: string, exchange: boolean): number {
    this.hsb.forgetDirs();
    const nd = newDir as HostInode;
    const from = this.child(oldName), to = nd.child(newName);
    if (!exchange) {
      const e = this.host.rename(from, to);
      if (e === 0) this.hsb.repath(from, to);
      return e;
    }
    // The host API has no renameat2: swap through a temporary name in the target directory.
    const tmp = join(nd.hostPath, `.wasl-exchange-${this.ino}-${nd.ino}`);
    let e = this.host.rename(from, tmp);
    if (e < 0) return e;
    e = this.host.rename(to, from);
    if (e < 0) { this.host.rename(tmp, from); return e; }
    e = this.host.rename(tmp, to);
    if (e < 0) return EIO;
    this.hsb.repath(from, tmp); this.hsb.repath(to, from); this.hsb.repath(tmp, to);
    return 0;
  }
  tmpfile(): Inode | number { return -EOPNOTSUPP; }
  readlink(): string | number { return this.host.readlink(this.hostPath); }

  openIO(flags: number): FileIO | number {
    let fd = this.freshFd;
    this.freshFd = -1;
    const acc = flags & O_ACCMODE;
    if (fd < 0) {
      fd = this.host.open(this.hostPath, { read: acc !== 1, write: acc !== O_RDONLY }, 0);
      if (fd < 0) return fd;
    }
    const host = this.host;
    this.openFds.add(fd);
    return {
      read: (buf, pos) => host.pread(fd, buf, pos),
      write: (data, pos) => host.pwrite(fd, data, pos),
      size: () => { const st = host.fstat(fd); return typeof st === "number" ? 0 : Number(st.size); },
      truncate: (size) => host.ftruncate(fd, size),
      sync: () => host.fsync(fd),
      close: () => { this.openFds.delete(fd); host.close(fd); },
    };
  }
  truncate(size: number): number {
    const fd = this.host.open(this.hostPath, { read: false, write: true }, 0);
    if (fd < 0) return fd;
    const e = this.host.ftruncate(fd, size);
    this.host.close(fd);
    return e;
  }
  setattr(a: Attr): number {
    if (this.isDir()) this.hsb.forgetDirs();
    let e = 0;
    if (a.mode !== undefined && (this.mode & S_IFMT) !== 0o120000) e = this.host.chmod(this.hostPath, a.mode & 0o7777);
    if (e === 0 && (a.uid !== undefined || a.gid !== undefined)) e = this.host.lchown(this.hostPath, a.uid ?? -1, a.gid ?? -1);
    if (e === 0 && (a.atimeNs !== undefined || a.mtimeNs !== undefined)) {
      const cur = this.stat();
      e = this.host.lutimes(this.hostPath, a.atimeNs ?? cur.atimeNs, a.mtimeNs ?? cur.mtimeNs);
    }
    this.stat();
    return e;
  }
}

export class HostSuperblock extends Superblock {
  readonly fsType = "hostfs";
  root: HostInode;
  private cache = new Map<string, HostInode>();
  /**
   * Directories found by path within the last DIR_TTL_MS: a walk through them asks the host only
   * for the last component. Like a FUSE mount's entry timeout (1 s by default), a directory the
   * host renames, removes or re-permits meanwhile is seen late; changes made through this mount
   * drop the cache, and the final component of every lookup (what stat and open see) is always
   * asked anew.
   */
  private dirs = new Map<string, { inode: HostInode; until: number }>();
  /** Host files (dev:ino) that stand for FIFO and socket nodes made in this mount, with that type. */
  readonly specialNodes = new Map<string, number>();

  /** st as the guest sees it: a FIFO's or socket's placeholder file has the node's type. */
  typed(st: Stat): Stat {
    if (this.specialNodes.size === 0 || (st.mode & S_IFMT) !== S_IFREG) return st;
    const type = this.specialNodes.get(`${st.dev}:${st.ino}`);
    return type === undefined ? st : { ...st, mode: type | (st.mode & 0o7777) };
  }

  /** Mounts the host directory rootPath (made canonical first). Throws if it is not a directory. */
  constructor(clock: () => bigint, readonly host: HostFs, rootPath: string) {
    super(clock);
    const real = host.realpath(rootPath);
    if (typeof real === "number") throw new Error(`hostfs: cannot resolve ${rootPath} (errno ${-real})`);
    const st = host.lstat(real);
    if (typeof st === "number" || (st.mode & S_IFMT) !== S_IFDIR) throw new Error(`hostfs: ${rootPath} is not a directory`);
    this.root = this.inodeFor(real, st);
  }

  inodeFor(path: string, st: Stat): HostInode {
    st = this.typed(st);
    const key = `${st.dev}:${st.ino}`;
    let i = this.cache.get(key);
    if (i && (i.mode & S_IFMT) === (st.mode & S_IFMT)) { i.hostPath = path; i.refresh(st); return i; }
    i = new HostInode(this, path, st);
    this.cache.set(key, i);
    return i;
  }

  // (Date.now: a clock step only makes an entry live shorter or longer; Node's performance.now costs more.)
  recentDir(path: string): HostInode | null {
    const e = this.dirs.get(path);
    if (!e) return null;
    if (e.until >= Date.now()) return e.inode;
    this.dirs.delete(path);
    return null;
  }
  rememberDir(path: string, inode: HostInode): void {
    if (this.dirs.size >= DIR_CACHE_MAX) this.dirs.clear();
    this.dirs.set(path, { inode, until: Date.now() + DIR_TTL_MS });
  }
  /** Forgets every directory found by path (after a change through this mount, or between sandbox runs). */
  forgetDirs(): void { this.dirs.clear(); }

  /** After a rename on the host: cached inodes under from are now under to. */
  repath(from: string, to: string): void {
    for (const i of this.cache.values()) {
      if (i.hostPath === from) i.hostPath = to;
      else if (i.hostPath.startsWith(from + "/")) i.hostPath = to + i.hostPath.slice(from.length);
    }
  }

  statfs(): StatFs {
    const s = this.host.statfs(this.root.hostPath);
    if (typeof s === "number") return { type: 0, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, namelen: 255, frsize: 4096, fsid: 0n };
    return s;
  }
}

