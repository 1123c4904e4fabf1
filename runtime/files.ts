// Open file descriptions and the descriptor table. Each kind of file is a small class (the
// host's stdio, a host file opened read-only); the VFS of the next stage adds more kinds.
import type { Host, HostStat } from "./host/types.js";
import { EBADF, EINVAL, ESPIPE, EISDIR, EMFILE, EOVERFLOW, ENOTDIR } from "./errno.js";

export const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0o100, O_EXCL = 0o200,
  O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DSYNC = 0o10000,
  O_DIRECT = 0o40000, O_LARGEFILE = 0o100000, O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000,
  O_NOATIME = 0o1000000, O_CLOEXEC = 0o2000000, O_PATH = 0o10000000, O_TMPFILE = 0o20000000 | O_DIRECTORY;

export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000, S_IFBLK = 0o60000,
  S_IFDIR = 0o40000, S_IFCHR = 0o20000, S_IFIFO = 0o10000;

export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

/** An open file description: shared by descriptors made with dup and by fork. */
export interface OpenFile {
  /** Path for /proc/self/fd and tracing. */
  readonly path: string;
  /** O_ACCMODE and status flags (O_APPEND, O_NONBLOCK, …). */
  flags: number;
  read(buf: Uint8Array): number;
  write(data: Uint8Array): number;
  /** Positional read; -ESPIPE on streams. */
  pread(buf: Uint8Array, pos: bigint): number;
  lseek(offset: bigint, whence: number): bigint;
  stat(): HostStat | number;
  /** Directory entries from the current position (getdents64); ENOTDIR for other files. */
  readdir?(): Array<{ name: string; ino: bigint; type: number }> | number;
  /** Moves the directory position past n entries returned by readdir. */
  advanceDir?(n: number): void;
  isatty(): boolean;
  /** Terminal size, for TIOCGWINSZ on a terminal. */
  windowSize?(): { rows: number; cols: number } | null;
  /** Called when the last descriptor referring to the description is closed. */
  release(): void;
}

/** The host's stdin/stdout/stderr (or whatever the host's descriptor 0–2 is: file, pipe, tty). */
export class HostStdio implements OpenFile {
  constructor(private host: Host, readonly hostFd: number, public flags: number, readonly path: string) {}
  read(buf: Uint8Array): number { return (this.flags & O_ACCMODE) === O_WRONLY ? -EBADF : this.host.read(this.hostFd, buf); }
  write(data: Uint8Array): number { return (this.flags & O_ACCMODE) === O_RDONLY ? -EBADF : this.host.write(this.hostFd, data); }
  pread(): number { return -ESPIPE; }
  lseek(): bigint { return BigInt(-ESPIPE); }
  stat(): HostStat | number { return this.host.fstat(this.hostFd); }
  isatty(): boolean { return this.host.isatty(this.hostFd); }
  windowSize(): { rows: number; cols: number } | null { return this.host.windowSize(this.hostFd); }
  release(): void { /* the host's own descriptors stay open */ }
}

/** A host file or directory opened read-only; the offset is kept here and I/O is positional. */
export class HostFile implements OpenFile {
  private pos = 0n;
  constructor(private host: Host, private hostFd: number, public flags: number, readonly path: string, private directory: boolean) {}
  read(buf: Uint8Array): number {
    if (this.directory) return -EISDIR;
    const n = this.host.pread(this.hostFd, buf, this.pos);
    if (n > 0) this.pos += BigInt(n);
    return n;
  }
  write(): number { return -EBADF; }
  pread(buf: Uint8Array, pos: bigint): number { return this.directory ? -EISDIR : this.host.pread(this.hostFd, buf, pos); }
  lseek(offset: bigint, whence: number): bigint {
    let base: bigint;
    if (this.directory && whence !== SEEK_SET && !(whence === SEEK_CUR && offset === 0n)) return BigInt(-EINVAL);
    if (whence === SEEK_SET) base = 0n;
    else if (whence === SEEK_CUR) base = this.pos;
    else if (whence === SEEK_END) {
      const st = this.host.fstat(this.hostFd);
      if (typeof st === "number") return BigInt(st);
      base = st.size;
    } else return BigInt(-EINVAL);
    const p = base + BigInt.asIntN(64, offset);
    if (p < 0n) return BigInt(-EINVAL);
    if (p > 0x7fffffffffffffffn) return BigInt(-EOVERFLOW);
    this.pos = p;
    return p;
  }
  stat(): HostStat | number { return this.host.fstat(this.hostFd); }
  isatty(): boolean { return false; }
  release(): void { this.host.close(this.hostFd); }

  /** The listing is read once, at the first getdents64, and walked by position (the d_off cookie). */
  private listing: Array<{ name: string; ino: bigint; type: number }> | null = null;
  readdir(): Array<{ name: string; ino: bigint; type: number }> | number {
    if (!this.directory) return -ENOTDIR;
    if (this.listing === null || this.pos === 0n) {
      const entries = this.host.readdir(this.path);
      if (typeof entries === "number") return entries;
      const self = this.host.fstat(this.hostFd);
      const parent = this.host.stat(this.path === "/" ? "/" : this.path + "/..", true);
      this.listing = [
        { name: ".", ino: typeof self === "number" ? 0n : self.ino, type: S_IFDIR },
        { name: "..", ino: typeof parent === "number" ? 0n : parent.ino, type: S_IFDIR },
        ...entries,
      ];
    }
    return this.listing.slice(Number(this.pos));
  }
  advanceDir(n: number): void { this.pos += BigInt(n); }
}

interface Slot { file: OpenFile; cloexec: boolean }
const refs = new WeakMap<OpenFile, number>();

/** A process's descriptor table. */
export class FdTable {
  private slots = new Map<number, Slot>();

  get(fd: number): OpenFile | undefined { return this.slots.get(fd)?.file; }

  /** Installs file at the lowest free descriptor ≥ min; -EMFILE when none is below limit. */
  install(file: OpenFile, cloexec: boolean, min = 0, limit = 1024): number {
    let fd = min;
    while (this.slots.has(fd)) fd++;
    if (fd >= limit) return -EMFILE;
    this.slots.set(fd, { file, cloexec });
    refs.set(file, (refs.get(file) ?? 0) + 1);
    return fd;
  }

  /** Puts file at exactly fd (dup2/dup3), closing what was there. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    refs.set(file, (refs.get(file) ?? 0) + 1);
    if (this.slots.has(fd)) this.close(fd);
    this.slots.set(fd, { file, cloexec });
  }

  close(fd: number): number {
    const s = this.slots.get(fd);
    if (!s) return -EBADF;
    this.slots.delete(fd);
    const n = (refs.get(s.file) ?? 1) - 1;
    refs.set(s.file, n);
    if (n === 0) s.file.release();
    return 0;
  }

  cloexec(fd: number): boolean | undefined { return this.slots.get(fd)?.cloexec; }

  setCloexec(fd: number, on: boolean): number {
    const s = this.slots.get(fd);
    if (!s) return -EBADF;
    s.cloexec = on;
    return 0;
  }

  closeAll(): void { for (const fd of [...this.slots.keys()]) this.close(fd); }
}

