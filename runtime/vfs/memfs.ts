// Memory inodes and tmpfs. Regular file data lives in 4 KiB pages held in a map, so a file
// truncated to a huge size costs nothing until written and SEEK_DATA/SEEK_HOLE see page holes
// the way tmpfs reports them.
import { ENOENT, ENXIO, EFBIG, ENOSPC, EPERM } from "../errno.js";
import { Inode, Superblock, type Attr, type Cred, type DirEntry, type FileIO, type MemoryPages } from "./inode.js";
import {
  S_IFDIR, S_IFLNK, S_IFREG, S_IFMT, S_ISGID, TMPFS_MAGIC, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
  F_SEAL_FUTURE_WRITE, F_SEAL_EXEC, dtypeOf, type StatFs,
} from "./abi.js";

const PAGE = 4096;
/** Linux's MAX_LFS_FILESIZE on 64-bit. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/**
 * The bytes a set of in-memory files may hold (a tmpfs's size=, a container's upper layer): page
 * allocations past the limit fail with ENOSPC instead of growing host memory without end.
 */
export class ByteBudget {
  used = 0;
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  give(n: number): void { this.used = Math.max(0, this.used - n); }
}

/** The size a tmpfs or an upper layer gets when none is given (what statfs reports). */
export const DEFAULT_FS_BYTES = 8 * 2 ** 30;

/** Sparse byte storage in pages. */
export class PageStore {
  private pages = new Map<number, Uint8Array>();
  length = 0;
  /** Charged for every page this store holds; null when unaccounted (see detachBudget). */
  constructor(private budget: ByteBudget | null = null) {}
  /**
   * The file's last name is gone: its pages leave the budget (they live on only as long as open
   * descriptors, and writes through those are no longer charged).
   */
  detachBudget(): void {
    this.budget?.give(this.pages.size * PAGE);
    this.budget = null;
  }
  /** A new page at idx, or null when the budget is spent. */
  private newPage(idx: number): Uint8Array | null {
    if (this.budget && !this.budget.take(PAGE)) return null;
    const page = new Uint8Array(PAGE);
    this.pages.set(idx, page);
    return page;
  }
  /** Told of every change: bytes [start, end) may differ now, and the length may have changed (copies kept elsewhere follow). */
  watchers: Set<(start: number, end: number) => void> | null = null;
  private changed(start: number, end: number): void { if (this.watchers) for (const w of this.watchers) w(start, end); }

  get pageCount(): number { return this.pages.size; }

  read(buf: Uint8Array, pos: number): number {
    if (pos >= this.length) return 0;
    const n = Math.min(buf.length, this.length - pos);
    let done = 0;
    while (done < n) {
      const p = pos + done, idx = Math.floor(p / PAGE), off = p % PAGE;
      const m = Math.min(PAGE - off, n - done);
      const page = this.pages.get(idx);
      if (page) buf.set(page.subarray(off, off + m), done);
      else buf.fill(0, done, done + m);
      done += m;
    }
    return n;
  }

  /** Bytes written; short, or -ENOSPC when nothing was, once the budget is spent. */
  write(data: Uint8Array, pos: number): number {
    if (pos + data.length > MAX_FILE_SIZE) return -EFBIG;
    let done = 0;
    while (done < data.length) {
      const p = pos + done, idx = Math.floor(p / PAGE), off = p % PAGE;
      const m = Math.min(PAGE - off, data.length - done);
      const page = this.pages.get(idx) ?? this.newPage(idx);
      if (!page) break;
      page.set(data.subarray(done, done + m), off);
      done += m;
    }
    if (done === 0 && data.length > 0) return -ENOSPC;
    if (pos + done > this.length) this.length = pos + done;
    this.changed(pos, pos + done);
    return done;
  }

  truncate(size: number): void {
    const old = this.length;
    if (size < this.length) {
      const keep = Math.ceil(size / PAGE);
      for (const idx of [...this.pages.keys()]) if (idx >= keep) { this.pages.delete(idx); this.budget?.give(PAGE); }
      const last = this.pages.get(Math.floor(size / PAGE));
      if (last && size % PAGE) last.fill(0, size % PAGE);
    }
    this.length = size;
    this.changed(Math.min(size, old), Math.max(size, old));
  }

  /** Allocates the pages of [pos, pos+len) (fallocate mode 0) and extends the size; -ENOSPC past the budget (the size stays). */
  allocate(pos: number, len: number): number {
    for (let idx = Math.floor(pos / PAGE); idx * PAGE < pos + len; idx++) if (!this.pages.has(idx) && !this.newPage(idx)) return -ENOSPC;
    if (pos + len > this.length) this.length = pos + len;
    this.changed(pos, pos + len);
    return 0;
  }

  seekData(pos: number, hole: boolean): number {
    if (pos >= this.length) return -ENXIO;
    let idx = Math.floor(pos / PAGE);
    for (;;) {
      const start = Math.max(idx * PAGE, pos);
      if (start >= this.length) return hole ? this.length : -ENXIO;
      if (this.pages.has(idx) !== hole) return start;
      if (!hole) {
        // Jump to the next allocated page instead of stepping through a huge hole.
        let next = Infinity;
        for (const k of this.pages.keys()) if (k > idx && k < next) next = k;
        if (next === Infinity) return -ENXIO;
        idx = next;
      } else idx++;
    }
  }

  /** A copy of the whole content (for the ELF loader and tests). */
  bytes(): Uint8Array { const b = new Uint8Array(this.length); this.read(b, 0); return b; }
}

export class MemFile extends Inode implements FileIO {
  readonly data: PageStore;
  constructor(sb: Superblock, mode: number) {
    super(sb, sb.nextIno(), S_IFREG | (mode & 0o7777));
    this.data = new PageStore(sb instanceof TmpfsSuperblock ? sb.budget : null);
  }
  size(): number { return this.data.length; }
  blocks(): number { return this.data.pageCount * (PAGE / 512); }
  openIO(): FileIO { return this; }
  memoryPages(): MemoryPages { return { store: this.data, replaced: null }; }
  /**
   * File seals, as shmem keeps them: a tmpfs file starts sealed against seals (F_SEAL_SEAL) and
   * memfd_create(MFD_ALLOW_SEALING) clears that; fcntl(F_ADD_SEALS) adds, these methods enforce.
   * F_SEAL_FUTURE_WRITE also refuses the write-back of a shared mapping made writable before it.
   */
  seals = F_SEAL_SEAL;
  read(buf: Uint8Array, pos: number): number { return this.data.read(buf, pos); }
  write(d: Uint8Array, pos: number): number {
    if (this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) return -EPERM;
    if ((this.seals & F_SEAL_GROW) && pos + d.length > this.data.length) {
      // shmem writes page by page and stops at the first piece that would grow the file.
      let upTo = pos;
      for (;;) {
        const next = Math.min((Math.floor(upTo / PAGE) + 1) * PAGE, pos + d.length);
        if (next > this.data.length) break;
        upTo = next;
      }
      if (upTo === pos) return -EPERM;
      d = d.subarray(0, upTo - pos);
    }
    const n = this.data.write(d, pos);
    if (n > 0) this.touchM();
    return n;
  }
  truncate(size: number): number {
    if (size > MAX_FILE_SIZE) return -EFBIG;
    const now = this.data.length;
    if ((size < now && (this.seals & F_SEAL_SHRINK)) || (size > now && (this.seals & F_SEAL_GROW))) return -EPERM;
    this.data.truncate(size);
    this.touchM();
    return 0;
  }
  setattr(a: Attr): number {
    if ((this.seals & F_SEAL_EXEC) && a.mode !== undefined && ((a.mode ^ this.mode) & 0o111)) return -EPERM;
    return super.setattr(a);
  }
  seekData(pos: number, hole: boolean): number { return this.data.seekData(pos, hole); }
  allocate(pos: number, len: number): number {
    if (pos + len > MAX_FILE_SIZE) return -EFBIG;
    if ((this.seals & F_SEAL_GROW) && pos + len > this.data.length) return -EPERM;
    const e = this.data.allocate(pos, len);
    if (e === 0) this.touchC();
    return e;
  }
}

export class MemSymlink extends Inode {
  constructor(sb: Superblock, readonly target: string) { super(sb, sb.nextIno(), S_IFLNK | 0o777); }
  size(): number { return this.target.length; }
  readlink(): string { return this.target; }
}

/** FIFOs, sockets and device nodes: just metadata here; the VFS attaches pipes and drivers. */
export class MemNode extends Inode {
  constructor(sb: Superblock, mode: number, rdev: bigint) { super(sb, sb.nextIno(), mode); this.rdev = rdev; }
}

export class MemDir extends Inode {
  /** Insertion-ordered, like tmpfs lists new entries at one end. */
  readonly entries = new Map<string, Inode>();
  constructor(sb: Superblock, mode: number) { super(sb, sb.nextIno(), S_IFDIR | (mode & 0o7777)); this.nlink = 2; }
  size(): number { return 40 + this.entries.size * 20; }

  lookup(name: string): Inode | number { return this.entries.get(name) ?? -ENOENT; }
  list(): DirEntry[] { return [...this.entries].map(([name, i]) => ({ name, ino: i.ino, type: dtypeOf(i.mode) })); }

  /** New inodes get the creator's ids; a setgid directory passes its group (and setgid to subdirs). */
  private own(i: Inode, cred: Cred): Inode {
    i.uid = cred.uid;
    i.gid = this.mode & S_ISGID ? this.gid : cred.gid;
    if (i.isDir() && (this.mode & S_ISGID)) i.mode |= S_ISGID;
    return i;
  }
  create(name: string, mode: number, cred: Cred): Inode | number { return this.addNew(name, new MemFile(this.sb, mode), cred); }
  mkdir(name: string, mode: number, cred: Cred): Inode | number {
    const r = this.addNew(name, new MemDir(this.sb, mode), cred);
    if (typeof r !== "number") this.nlink++;
    return r;
  }
  symlink(name: string, target: string, cred: Cred): Inode | number { return this.addNew(name, new MemSymlink(this.sb, target), cred); }
  mknod(name: string, mode: number, rdev: bigint, cred: Cred): Inode | number {
    const i = (mode & S_IFMT) === S_IFREG ? new MemFile(this.sb, mode) : new MemNode(this.sb, mode, rdev);
    return this.addNew(name, i, cred);
  }
  tmpfile(mode: number, cred: Cred): Inode | number {
    const f = this.own(new MemFile(this.sb, mode), cred);
    f.nlink = 0;
    return f;
  }
  private addNew(name: string, i: Inode, cred: Cred): Inode | number {
    if (this.sb instanceof TmpfsSuperblock && this.sb.inodesFree() <= 0) return -ENOSPC;
    this.own(i, cred);
    this.entries.set(name, i);
    if (this.sb instanceof TmpfsSuperblock) this.sb.inodesUsed++;
    this.touchM();
    return i;
  }
  link(name: string, target: Inode): number {
    this.entries.set(name, target);
    target.nlink++;
    target.touchC();
    this.touchM();
    return 0;
  }
  private drop(name: string): Inode | undefined {
    const i = this.entries.get(name);
    if (!i) return undefined;
    this.entries.delete(name);
    this.touchM();
    return i;
  }
  unlink(name: string): number {
    const i = this.drop(name);
    if (!i) return -ENOENT;
    i.nlink--;
    i.touchC();
    if (i.nlink === 0 && this.sb instanceof TmpfsSuperblock) this.sb.inodesUsed--;
    if (i.nlink === 0 && i instanceof MemFile) i.data.detachBudget();
    return 0;
  }
  rmdir(name: string): number {
    const i = this.drop(name);
    if (!i) return -ENOENT;
    i.nlink = 0;
    this.nlink--;
    if (this.sb instanceof TmpfsSuperblock) this.sb.inodesUsed--;
    return 0;
  }
  rename(oldName: string, newDir: Inode, newName: string, exchange: boolean): number {
    const nd = newDir as MemDir;
    const src = this.entries.get(oldName);
    if (!src) return -ENOENT;
    const dst = nd.entries.get(newName);
    if (exchange) {
      if (!dst) return -ENOENT;
      this.entries.set(oldName, dst);
      nd.entries.set(newName, src);
      if (src.isDir() !== dst.isDir() && this !== nd) {
        const d = src.isDir() ? 1 : -1;
        this.nlink -= d; nd.nlink += d;
      }
      src.touchC(); dst.touchC(); this.touchM(); nd.touchM();
      return 0;
    }
    if (dst) {
      if (dst.isDir()) { nd.rmdir(newName); } else nd.unlink(newName);
    }
    this.entries.delete(oldName);
    nd.entries.set(newName, src);
    if (src.isDir() && this !== nd) { this.nlink--; nd.nlink++; }
    src.touchC(); this.touchM(); nd.touchM();
    return 0;
  }
}

/** tmpfs: a tree of memory inodes with size and inode limits for statfs. */
export class TmpfsSuperblock extends Superblock {
  readonly fsType: string = "tmpfs";
  root: MemDir;
  inodesUsed = 1;
  /** What its files' pages may take (limits.bytes, else DEFAULT_FS_BYTES; limits.budget to share one). */
  readonly budget: ByteBudget;
  constructor(clock: () => bigint, readonly limits: { bytes?: number; inodes?: number; mode?: number; budget?: ByteBudget } = {}) {
    super(clock);
    this.budget = limits.budget ?? new ByteBudget(limits.bytes ?? DEFAULT_FS_BYTES);
    this.root = new MemDir(this, limits.mode ?? 0o1777);
  }
  inodesFree(): number { return (this.limits.inodes ?? 1 << 30) - this.inodesUsed; }
  statfs(): StatFs {
    const blocks = BigInt(Math.floor(this.budget.limit / PAGE));
    const free = BigInt(Math.floor((this.budget.limit - this.budget.used) / PAGE));
    return {
      type: TMPFS_MAGIC, bsize: PAGE, blocks, bfree: free, bavail: free,
      files: BigInt(this.limits.inodes ?? 1 << 30), ffree: BigInt(this.inodesFree()), namelen: 255, frsize: PAGE,
      fsid: 0n,
    };
  }
}
