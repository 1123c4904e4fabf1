// Open file descriptions: the object open(2) creates and dup/fork share. It holds the offset, the
// status flags and what the file is; one small class per kind of file.
import { EBADF, EINVAL, EISDIR, ESPIPE, EOVERFLOW, ENXIO, ENOTDIR } from "../errno.js";
import {
  O_ACCMODE, O_RDONLY, O_WRONLY, O_APPEND, O_PATH, SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE,
  POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, encodeDirent64, type Stat,
} from "./abi.js";
import type { Inode, FileIO, DirEntry } from "./inode.js";
import type { Path } from "./mount.js";
import { WaitQueue, type Pipe, type Pollable } from "./pipe.js";
import { fsnotify, notifyPath, IN_ACCESS, IN_MODIFY } from "./fsnotify.js";

const MAX_OFF = 0x7fffffffffffffffn;

export abstract class OpenFile {
  /** Descriptors referring to this description (FdTable keeps it); release() runs at zero. */
  refs = 0;
  /** The offset (pos), where no subclass keeps it elsewhere. */
  protected offset = 0;
  get pos(): number { return this.offset; }
  set pos(v: number) { this.offset = v; }
  constructor(public flags: number, readonly inode: Inode, readonly path: Path | null) {}

  get readable(): boolean { return !(this.flags & O_PATH) && (this.flags & O_ACCMODE) !== O_WRONLY; }
  get writable(): boolean { return !(this.flags & O_PATH) && (this.flags & O_ACCMODE) !== O_RDONLY; }

  read(buf: Uint8Array): number {
    if (!this.readable) return -EBADF;
    const n = this.readAt(buf, this.pos);
    if (n > 0) this.pos += n;
    return n;
  }
  write(data: Uint8Array): number {
    if (!this.writable) return -EBADF;
    const n = this.writeAt(data, this.pos, true);
    return n;
  }
  pread(buf: Uint8Array, pos: number): number {
    if (!this.readable) return -EBADF;
    if (!this.seekable) return -ESPIPE;
    if (pos < 0) return -EINVAL;
    return this.readAt(buf, pos);
  }
  pwrite(data: Uint8Array, pos: number): number {
    if (!this.writable) return -EBADF;
    if (!this.seekable) return -ESPIPE;
    if (pos < 0) return -EINVAL;
    return this.writeAt(data, pos, false);
  }
  /** New offset, or -errno. Offsets are 64-bit signed on the guest side. */
  lseek(offset: bigint, whence: number): bigint {
    if (this.flags & O_PATH) return BigInt(-EBADF);
    if (!this.seekable) return BigInt(-ESPIPE);
    let base: bigint;
    switch (whence) {
      case SEEK_SET: base = 0n; break;
      case SEEK_CUR: base = BigInt(this.pos); break;
      case SEEK_END: base = BigInt(this.endOffset()); break;
      case SEEK_DATA: case SEEK_HOLE: {
        const r = this.seekData(Number(offset), whence === SEEK_HOLE);
        if (r < 0) return BigInt(r);
        this.pos = r;
        return BigInt(r);
      }
      default: return BigInt(-EINVAL);
    }
    const p = base + offset;
    if (p < 0n) return BigInt(-EINVAL);
    if (p > MAX_OFF) return BigInt(-EOVERFLOW);
    this.pos = Number(p);
    return p;
  }
  getdents64(_size: number): Uint8Array | number { return (this.flags & O_PATH) ? -EBADF : -ENOTDIR; }
  /** ftruncate(2) */
  truncate(_size: number): number { return -EINVAL; }
  fsync(): number { return (this.flags & O_PATH) ? -EBADF : 0; }
  stat(): Stat { return this.inode.stat(); }
  /** Readiness for poll/epoll: files that never block are always ready. */
  poll(): number { return (this.readable ? POLLIN | POLLRDNORM : 0) | (this.writable ? POLLOUT | POLLWRNORM : 0); }
  get waitQueue(): WaitQueue { return NEVER; }
  release(): void {}

  protected get seekable(): boolean { return true; }
  protected endOffset(): number { return this.inode.size(); }
  protected seekData(_pos: number, _hole: boolean): number { return -EINVAL; }
  protected readAt(_buf: Uint8Array, _pos: number): number { return -EINVAL; }
  /** advance: move this.pos (write), or not (pwrite). */
  protected writeAt(_data: Uint8Array, _pos: number, _advance: boolean): number { return -EINVAL; }
}

/** A queue nothing ever waits on long: for files that are always ready. */
const NEVER = new WaitQueue();

/**
 * What the core's read fast path keeps of a description it may read itself (runtime/fastfd.ts):
 * the offset, which lives there meanwhile, and copies of the file's pages.
 */
export interface FastFileState {
  pos: number;
  /** The kernel read n bytes at pos for a buffer of size bytes (the core may want those pages). */
  didRead(pos: number, size: number, n: number): void;
  release(): void;
}

export class RegularFile extends OpenFile {
  /** Set while the core may read this description (its offset is then the core's). */
  fast: FastFileState | null = null;
  constructor(flags: number, inode: Inode, path: Path | null, readonly io: FileIO) { super(flags, inode, path); }
  get pos(): number { return this.fast ? this.fast.pos : this.offset; }
  set pos(v: number) { if (this.fast) this.fast.pos = v; else this.offset = v; }
  protected readAt(buf: Uint8Array, pos: number): number {
    const n = this.io.read(buf, pos);
    const mapped = this.inode.mappedPages;
    if (n > 0 && mapped) for (const m of mapped) m.readOver(buf.subarray(0, n), pos);
    if (n > 0 && fsnotify.watches) notifyPath(this.path, this.inode, IN_ACCESS);
    // The core's copies would miss the mappings' stores: while the file is mapped shared, reads stay here.
    if (n > 0 && this.fast && !mapped?.size) this.fast.didRead(pos, buf.length, n);
    return n;
  }
  protected writeAt(data: Uint8Array, pos: number, advance: boolean): number {
    this.inode.dataVersion++;
    // O_APPEND writes at the end even for pwrite, as Linux does.
    if (this.flags & O_APPEND) pos = this.io.size();
    const n = this.io.write(data, pos);
    if (n > 0 && this.inode.mappedPages) for (const m of this.inode.mappedPages) m.writeThrough(data.subarray(0, n), pos);
    if (n > 0 && advance) this.pos = pos + n;
    if (n > 0 && fsnotify.watches) notifyPath(this.path, this.inode, IN_MODIFY);
    return n;
  }
  protected endOffset(): number { return this.io.size(); }
  /** Bytes the file holds from pos on. */
  bytesFrom(pos: number): number { return Math.max(0, this.io.size() - pos); }
  protected seekData(pos: number, hole: boolean): number {
    const size = this.io.size();
    if (pos < 0 || pos >= size) return -ENXIO;
    if (this.io.seekData) return this.io.seekData(pos, hole);
    return hole ? size : pos;
  }
  truncate(size: number): number {
    if (!this.writable) return -EINVAL;
    if (size < 0) return -EINVAL;
    this.inode.dataVersion++;
    const e = this.io.truncate(size);
    if (e === 0 && this.inode.mappedPages) for (const m of this.inode.mappedPages) m.truncated(size);
    if (e === 0 && fsnotify.watches) notifyPath(this.path, this.inode, IN_MODIFY);
    return e;
  }
  fsync(): number { return this.io.sync ? this.io.sync() : 0; }
  release(): void {
    if (this.fast) { this.offset = this.fast.pos; this.fast.release(); this.fast = null; }
    this.io.close?.();
  }
}

/** Produces "." and ".." entries' inode numbers and the listing for a directory description. */
export interface DirSource { list(): DirEntry[] | number; dotIno(): bigint; dotdotIno(): bigint }

export class DirectoryFile extends OpenFile {
  private snapshot: DirEntry[] | null = null;
  constructor(flags: number, inode: Inode, path: Path | null, private source: DirSource) { super(flags, inode, path); }
  read(): number { return (this.flags & O_PATH) ? -EBADF : -EISDIR; }
  pread(): number { return (this.flags & O_PATH) ? -EBADF : -EISDIR; }
  lseek(offset: bigint, whence: number): bigint {
    if (this.flags & O_PATH) return BigInt(-EBADF);
    // Like dcache_dir_lseek: only SET and CUR; the offset is an entry index (the d_off cookie).
    const p = whence === SEEK_SET ? offset : whence === SEEK_CUR ? BigInt(this.pos) + offset : -1n;
    if (whence !== SEEK_SET && whence !== SEEK_CUR) return BigInt(-EINVAL);
    if (p < 0n) return BigInt(-EINVAL);
    if (p === 0n) this.snapshot = null;
    this.pos = Number(p > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : p);
    return p;
  }
  /** linux_dirent64 records filling at most size bytes; 0 at the end; -EINVAL if one does not fit. */
  getdents64(size: number): Uint8Array | number {
    if (this.flags & O_PATH) return -EBADF;
    if (this.pos === 0 || !this.snapshot) {
      const l = this.source.list();
      if (typeof l === "number") return l;
      this.snapshot = [{ name: ".", ino: this.source.dotIno(), type: 4 }, { name: "..", ino: this.source.dotdotIno(), type: 4 }, ...l];
    }
    const parts: Uint8Array[] = [];
    let used = 0;
    while (this.pos < this.snapshot.length) {
      const e = this.snapshot[this.pos];
      const rec = encodeDirent64(e.ino, BigInt(this.pos + 1), e.type, e.name);
      if (used + rec.length > size) {
        if (used === 0) return -EINVAL;
        break;
      }
      parts.push(rec);
      used += rec.length;
      this.pos++;
    }
    if (fsnotify.watches) notifyPath(this.path, this.inode, IN_ACCESS);
    const out = new Uint8Array(used);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

/** One end of a pipe or FIFO. */
export class PipeEnd extends OpenFile {
  constructor(flags: number, inode: Inode, path: Path | null, readonly pipe: Pipe) {
    super(flags, inode, path);
    if (this.readable) pipe.addReader();
    if (this.writable) pipe.addWriter();
  }
  get waitQueue(): WaitQueue { return this.pipe.waitQueue; }
  protected get seekable(): boolean { return false; }
  read(buf: Uint8Array): number { return this.readable ? this.pipe.read(buf) : -EBADF; }
  write(data: Uint8Array): number { return this.writable ? this.pipe.write(data) : -EBADF; }
  poll(): number { return (this.readable ? this.pipe.pollRead() : 0) | (this.writable ? this.pipe.pollWrite() : 0); }
  stat(): Stat { const s = this.inode.stat(); s.size = 0n; return s; }
  release(): void {
    if (this.readable) this.pipe.dropReader();
    if (this.writable) this.pipe.dropWriter();
  }
}

/** A character device's operations; pos is the description's offset. */
export interface CharDevice extends Partial<Pollable> {
  /** Called for each open; 0 or -errno (ENXIO for a device without a driver). */
  open?(flags: number): number;
  /**
   * A driver whose opens make their own file (ptmx: a new pty each time; /dev/tty: the caller's
   * terminal); flags still hold O_NOCTTY. Replaces open().
   */
  openFile?(flags: number, inode: Inode, path: Path): OpenFile | number;
  read(buf: Uint8Array, pos: number, file: OpenFile): number;
  write(data: Uint8Array, pos: number, file: OpenFile): number;
  /** Writes are counted without the buffer being read (Linux's write_null/write_zero): a bad pointer is no EFAULT. */
  discardsWrites?: boolean;
  /** Defaults to "offset stays 0" like /dev/null. */
  lseek?(offset: bigint, whence: number, file: OpenFile): bigint;
  isatty?: boolean;
  release?(file: OpenFile): void;
}

export class DeviceFile extends OpenFile {
  constructor(flags: number, inode: Inode, path: Path | null, readonly device: CharDevice) { super(flags, inode, path); }
  get waitQueue(): WaitQueue { return this.device.waitQueue ?? NEVER; }
  read(buf: Uint8Array): number {
    if (!this.readable) return -EBADF;
    const n = this.device.read(buf, this.pos, this);
    if (n > 0) this.pos += n;
    return n;
  }
  write(data: Uint8Array): number {
    if (!this.writable) return -EBADF;
    const n = this.device.write(data, this.pos, this);
    if (n > 0) this.pos += n;
    return n;
  }
  protected readAt(buf: Uint8Array, pos: number): number { return this.device.read(buf, pos, this); }
  protected writeAt(data: Uint8Array, pos: number): number { return this.device.write(data, pos, this); }
  lseek(offset: bigint, whence: number): bigint {
    if (this.flags & O_PATH) return BigInt(-EBADF);
    if (this.device.lseek) return this.device.lseek(offset, whence, this);
    this.pos = 0;
    return 0n;
  }
  poll(): number { return this.device.poll ? this.device.poll() : super.poll(); }
  release(): void { this.device.release?.(this); }
}

/** O_PATH descriptors, and sockets until the network layer brings its own class. */
export class PathFile extends OpenFile {
  read(): number { return -EBADF; }
  write(): number { return -EBADF; }
  pread(): number { return -EBADF; }
  pwrite(): number { return -EBADF; }
  poll(): number { return 0; }
}
