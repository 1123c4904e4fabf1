// The kernel's file layer over the VFS (runtime/vfs): the machine's mount layout, each process's
// file-system context (root, cwd, umask, credentials, descriptor table), the host's stdio as the
// first process's descriptors, POSIX record locks, and the hooks fork and execve use.
import type { Kernel } from "./kernel.js";
import type { Process } from "./process.js";
import type { ExecError } from "./elf.js";
import type { ProgramCache, CachedProgram } from "./progcache.js";
import {
  Vfs, FdTable, HostSuperblock, TmpfsSuperblock, Superblock, createDevfs, createProcfs, WaitQueue, AT_FDCWD,
  O_RDONLY, O_RDWR, O_LARGEFILE, permission, Mount, Dentry, MemFile, RegularFile, DeviceFile, type FsContext, type Path, type Cred, type Inode, type OpenFile, type Stat,
} from "./vfs/index.js";
import { MS_NOEXEC, MS_NOSUID, MS_NODEV } from "./vfs/mount.js";
import { hostStdioFiles, HostStdio } from "./tty.js";
import { DEV_TTY } from "./vfs/devfs.js";
import { createProcSource } from "./procsource.js";
import { consoleFiles, claimConsole, mountDevpts } from "./pty.js";
import { EACCES, ERRNO_TEXT, errnoName } from "./errno.js";

export {
  FdTable, O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK,
  O_DSYNC, O_DIRECT, O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_PATH, O_TMPFILE,
  S_IFMT, S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO, SEEK_SET, SEEK_CUR, SEEK_END,
  type OpenFile, type FsContext,
} from "./vfs/index.js";

/** Where a process is in the tree; shared between processes made with CLONE_FS. */
interface FsState { root: Path; cwd: Path }

/** A process's FsContext: root and cwd of its own, the rest read from the Process as it is now. */
class ProcessFs implements FsContext {
  constructor(private proc: Process, public state: FsState) {}
  get root(): Path { return this.state.root; }
  set root(p: Path) { this.state.root = p; }
  get cwd(): Path { return this.state.cwd; }
  set cwd(p: Path) { this.state.cwd = p; }
  get umask(): number { return this.proc.umask; }
  set umask(m: number) { this.proc.umask = m; }
  get cred(): Cred { return { uid: this.proc.uid, gid: this.proc.gid, groups: this.proc.groups }; }
  get fds(): FdTable { return this.proc.fds as FdTable; }
}

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

/** One POSIX record lock: [start, end) of a file, held by a process. */
export interface RecordLock { pid: number; type: number; start: number; end: number }

/**
 * fcntl's advisory record locks, kept in the kernel per inode. They belong to a process and all of
 * them on a file go when the process closes any descriptor of that file (POSIX's rule).
 */
export class RecordLocks {
  /** Fires whenever locks are released, for F_SETLKW waiters. */
  readonly waitQueue = new WaitQueue();
  private byInode = new Map<Inode, RecordLock[]>();

  /** The first lock of another process that a lock of this type on [start, end) would conflict with. */
  conflict(inode: Inode, pid: number, type: number, start: number, end: number): RecordLock | null {
    for (const l of this.byInode.get(inode) ?? []) {
      if (l.pid === pid || l.end <= start || end <= l.start) continue;
      if (type === F_WRLCK || l.type === F_WRLCK) return l;
    }
    return null;
  }

  /** Sets (or with F_UNLCK clears) pid's lock on [start, end), splitting and merging its own locks. */
  set(inode: Inode, pid: number, type: number, start: number, end: number): void {
    const out: RecordLock[] = [];
    for (const l of this.byInode.get(inode) ?? []) {
      if (l.pid !== pid || l.end <= start || end <= l.start) { out.push(l); continue; }
      if (l.start < start) out.push({ ...l, end: start });
      if (end < l.end) out.push({ ...l, start: end });
    }
    if (type !== F_UNLCK) {
      let n: RecordLock = { pid, type, start, end };
      // Adjacent or overlapping locks of the same type become one, as Linux reports them.
      for (let i = out.length - 1; i >= 0; i--) {
        const l = out[i];
        if (l.pid === pid && l.type === type && l.start <= n.end && n.start <= l.end) {
          n = { pid, type, start: Math.min(l.start, n.start), end: Math.max(l.end, n.end) };
          out.splice(i, 1);
        }
      }
      out.push(n);
    }
    out.sort((a, b) => a.start - b.start);
    if (out.length) this.byInode.set(inode, out); else this.byInode.delete(inode);
    this.waitQueue.notify();
  }

  /** Drops every lock pid holds on inode (a close), or on every file (exit). */
  release(pid: number, inode?: Inode): void {
    let changed = false;
    for (const [i, list] of this.byInode) {
      if (inode && i !== inode) continue;
      const keep = list.filter((l) => l.pid !== pid);
      if (keep.length === list.length) continue;
      changed = true;
      if (keep.length) this.byInode.set(i, keep); else this.byInode.delete(i);
    }
    if (changed) this.waitQueue.notify();
  }
}

/**
 * flock(2)'s whole-file locks. Unlike record locks they belong to the open file description: dup'ed
 * and inherited descriptors share one lock, and it goes when the description's last descriptor
 * closes (a description whose refs reached 0 holds nothing, so a lock is never left behind).
 */
export class FileLocks {
  /** Fires whenever a lock is dropped or a descriptor closes, for blocked flock() callers. */
  readonly waitQueue = new WaitQueue();
  private byInode = new Map<Inode, Map<OpenFile, boolean>>();

  /** Takes (or converts to) a shared or exclusive lock for file; false if another description's lock conflicts. */
  lock(file: OpenFile, exclusive: boolean): boolean {
    const held = this.held(file.inode);
    for (const [other, ex] of held) {
      if (other === file) continue;
      if (exclusive || ex) return false;
    }
    held.set(file, exclusive);
    return true;
  }
  /** Drops file's lock (LOCK_UN, or before a conversion that has to wait, as Linux does). */
  unlock(file: OpenFile): void {
    const held = this.byInode.get(file.inode);
    if (held?.delete(file)) {
      if (held.size === 0) this.byInode.delete(file.inode);
      this.waitQueue.notify();
    }
  }
  /** Whether file holds a lock of the other kind (a conversion). */
  holdsOther(file: OpenFile, exclusive: boolean): boolean {
    const ex = this.byInode.get(file.inode)?.get(file);
    return ex !== undefined && ex !== exclusive;
  }
  /** The live locks on inode; descriptions closed since are forgotten here. */
  private held(inode: Inode): Map<OpenFile, boolean> {
    let held = this.byInode.get(inode);
    if (!held) { held = new Map(); this.byInode.set(inode, held); }
    for (const f of held.keys()) if (f.refs === 0) held.delete(f);
    return held;
  }
}

export class KernelFiles {
  readonly locks = new RecordLocks();
  readonly flocks = new FileLocks();
  /** The pid whose system call is running (what /proc/self names); set on every path lookup. */
  currentPid = 0;
  private contexts = new WeakMap<Process, ProcessFs>();
  private exes = new WeakMap<Process, Path>();

  constructor(readonly k: Kernel, readonly vfs: Vfs) {}

  /** proc's file-system context; a process the file layer has not seen starts at the root. */
  context(proc: Process): FsContext {
    let c = this.contexts.get(proc);
    if (!c) {
      const root = this.vfs.mounts.rootPath();
      c = new ProcessFs(proc, { root, cwd: root });
      this.contexts.set(proc, c);
      this.watchCloses(proc);
    }
    this.currentPid = proc.pid;
    return c;
  }

  /** Closing a descriptor drops the process's record locks on that file (and maybe a flock). */
  private watchCloses(proc: Process): void {
    (proc.fds as FdTable).onClose = (f: OpenFile) => {
      this.locks.release(proc.pid, f.inode);
      // The description may have lost its last descriptor: a blocked flock() may now succeed.
      if (this.flocks.waitQueue.size) this.flocks.waitQueue.notify();
    };
  }

  /** Descriptors 0–2 of the first process: the host's stdio. */
  stdioFds(): FdTable {
    const t = new FdTable();
    // On a host terminal the guest gets a pty slave instead (the host's stdin is its master).
    const console = consoleFiles(this.k);
    for (const [fd, f] of hostStdioFiles(this.k.host, this.vfs.clock).entries()) {
      t.install(console?.[fd] ?? f, false);
      // /dev/tty is the host's terminal when stdio is on one.
      const dev = (f as DeviceFile).device;
      if (dev instanceof HostStdio && dev.isatty && !this.vfs.devices.has(DEV_TTY)) this.vfs.devices.set(DEV_TTY, dev);
    }
    return t;
  }

  /** Sets up a new first process: its cwd is the guest path cwd (the root when that does not resolve). */
  initProcess(proc: Process, cwd: string): void {
    const c = this.context(proc) as ProcessFs;
    const p = this.vfs.lookup(c, AT_FDCWD, cwd, true);
    if (typeof p !== "number" && p.dentry.inode.isDir()) c.cwd = p;
    proc.cwd = this.vfs.pathOf(c, c.cwd);
    claimConsole(this.k, proc);
  }

  /**
   * fork/clone: the child's descriptor table is a copy (or, with CLONE_FILES, the same table) and
   * its root and cwd are copies (or, with CLONE_FS, shared).
   */
  forkFiles(parent: Process, child: Process, opts: { shareFiles?: boolean; shareFs?: boolean } = {}): void {
    const pc = this.context(parent) as ProcessFs;
    child.fds = opts.shareFiles ? parent.fds : (parent.fds as FdTable).fork();
    const c = new ProcessFs(child, opts.shareFs ? pc.state : { ...pc.state });
    this.contexts.set(child, c);
    this.watchCloses(child);
    child.cwd = parent.cwd;
    const exe = this.exes.get(parent);
    if (exe) this.exes.set(child, exe);
  }

  /** At a successful execve: close-on-exec descriptors close. */
  execFiles(proc: Process): void { (proc.fds as FdTable).closeOnExec(); }

  /** At exit: the process's record locks go (its descriptors are closed by the kernel). */
  exitFiles(proc: Process): void { this.locks.release(proc.pid); }

  /**
   * The program file for execve, read through the VFS with Linux's checks: a regular file the
   * caller may execute, on a mount without noexec. path is the resolved guest path. The bytes
   * are shared with the image store when the file is an image's: read them, never write them.
   */
  readExecutable(proc: Process, file: string, cache?: ProgramCache): ExecutableFile | ExecError {
    const ctx = this.context(proc);
    const fail = (e: number): ExecError => ({ errno: -e, message: ERRNO_TEXT[-e] ?? errnoName(-e) });
    const p = this.vfs.lookup(ctx, AT_FDCWD, file, true);
    if (typeof p === "number") return fail(p);
    const inode = p.dentry.inode;
    if (inode.isDir()) return { errno: EACCES, message: "Is a directory" };
    if (!inode.isRegular() || (p.mnt.flags & MS_NOEXEC)) return fail(-EACCES);
    const e = permission(inode, 1, ctx.cred);
    if (e) return fail(e);
    // Taken before the read: a change during the read then fails the next exec's check.
    const st = inode.stat(), version = inode.dataVersion;
    const hit = cache?.get(inode, st);
    if (hit) return { bytes: hit.bytes, path: this.vfs.pathOf(ctx, p), at: p, stat: st, program: hit };
    const f = this.vfs.openPath(ctx, p, O_RDONLY);
    if (typeof f === "number") return fail(f);
    try {
      const bytes = f.inode.sharedContent() ?? readAll(f);
      if (typeof bytes === "number") return fail(bytes);
      return { bytes, path: this.vfs.pathOf(ctx, p), at: p, stat: st, program: cache?.add(inode, st, version, bytes) };
    } finally { f.release(); }
  }

  /** At execve's point of no return: the program (not its interpreter) becomes /proc/<pid>/exe. */
  setExe(proc: Process, at: Path): void { this.exes.set(proc, at); }

  /** The executable's path (for /proc/<pid>/exe). */
  exePath(proc: Process): Path | null {
    const p = this.exes.get(proc);
    if (p) return p;
    if (!proc.exe) return null;
    const r = this.vfs.lookup(this.context(proc), AT_FDCWD, proc.exe, true);
    return typeof r === "number" ? null : r;
  }

  /** unshare(CLONE_FS): the process gets its own root, cwd and umask (a CLONE_FS sibling keeps the old ones). */
  unshareFs(proc: Process): void {
    const c = this.context(proc) as ProcessFs;
    c.state = { ...c.state };
    proc.fsContext = { ...proc.fsContext };
  }

  /** close_range(CLOSE_RANGE_UNSHARE), unshare(CLONE_FILES): the process gets its own copy of the table. */
  unshareFiles(proc: Process): void {
    proc.fds = (proc.fds as FdTable).fork();
    this.watchCloses(proc);
  }

  private memfs: { sb: TmpfsSuperblock; mount: Mount } | null = null;

  /** memfd_create(2): a tmpfs file with no name in any directory, open read-write. */
  memfd(proc: Process, name: string): OpenFile {
    if (!this.memfs) {
      const sb = new TmpfsSuperblock(this.vfs.clock, { bytes: this.k.memoryLimit });
      this.memfs = { sb, mount: new Mount(sb, new Dentry("/", null, sb.root), null, null, 0, "tmpfs") };
    }
    const ctx = this.context(proc);
    const inode = new MemFile(this.memfs.sb, 0o777);
    inode.uid = ctx.cred.uid; inode.gid = ctx.cred.gid;
    inode.nlink = 0;
    const dentry = new Dentry(`/memfd:${name} (deleted)`, null, inode);
    dentry.deleted = true;
    return new RegularFile(O_RDWR | O_LARGEFILE, inode, { mnt: this.memfs.mount, dentry }, inode);
  }

  /** The guest path of an open file (for /proc/self/maps, tracing): "" when it has none. */
  nameOf(f: OpenFile): string { return f.path ? this.vfs.pathOf(null, f.path) : ""; }
}

function readAll(f: OpenFile): Uint8Array | number {
  const chunks: Uint8Array[] = [];
  let total = 0, pos = 0;
  for (;;) {
    const b = new Uint8Array(Math.max(65536, f.inode.size() - pos));
    const n = f.pread(b, pos);
    if (n < 0) return n;
    if (n === 0) break;
    chunks.push(b.subarray(0, n)); total += n; pos += n;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** A program file execve may run: its bytes, guest path, stat, and its entry in the kernel's program cache. */
export interface ExecutableFile { bytes: Uint8Array; path: string; at: Path; stat: Stat; program?: CachedProgram }

/**
 * /dev (devfs with tmpfs /dev/pts and /dev/shm) and /proc on a root file system. Mount points the
 * root lacks (a host without /proc) are left out.
 */
export function mountSystemDirs(files: KernelFiles): void {
  const { vfs, k } = files;
  const ctx = vfs.context(new FdTable());
  const clock = vfs.clock;
  vfs.mount(ctx, "/dev", createDevfs(vfs, (b) => k.host.randomBytes(b)), MS_NOSUID, "udev");
  mountDevpts(k, vfs, (sb) => vfs.mount(ctx, "/dev/pts", sb, MS_NOSUID | MS_NOEXEC, "devpts"));
  // Like Linux's tmpfs default (half of RAM), bounded by the machine: here the guest memory limit.
  vfs.mount(ctx, "/dev/shm", new TmpfsSuperblock(clock, { mode: 0o1777, bytes: k.memoryLimit }), MS_NOSUID | MS_NODEV, "tmpfs");
  vfs.mount(ctx, "/proc", createProcfs(vfs, createProcSource(files)), MS_NOSUID | MS_NODEV | MS_NOEXEC, "proc");
}

/**
 * The file layer of a kernel. By default (`wasl exec`) the guest's root is the host's root, as
 * qemu-user and Blink do it, with devfs and procfs mounted over /dev and /proc; a container passes
 * its own root file system instead.
 */
export function createFiles(k: Kernel, root?: { sb: Superblock; source: string }): KernelFiles {
  const clock = () => k.host.realtimeNs();
  const sb = root?.sb ?? new HostSuperblock(clock, k.host.fs, "/");
  const files = new KernelFiles(k, new Vfs(sb, clock, root?.source ?? "/"));
  mountSystemDirs(files);
  return files;
}

