// The host's stdio as guest files. Descriptors 0–2 of the first process are character devices over
// the host's descriptors 0–2: writes go straight to the host, and reads from a host pipe or
// terminal are asynchronous (the JS thread never blocks): a read that finds nothing buffered starts
// one host read and answers "would block", so the reading thread parks on the device's wait queue
// until the bytes arrive. When a host descriptor is a terminal, the device answers the terminal
// ioctls with a termios and foreground process group kept here, and the host's window size.
// A host descriptor on a regular file (`< input`, `> output`) is seekable as on Linux: the guest's
// offset starts at the host's; reads are by position and the host's offset follows when the guest
// lets go (reading forward: Node cannot move a host offset back); writes move it while they are
// sequential, and are by position after a seek elsewhere.
import type { Host, HostStat } from "./host/types.js";
import { EBADF, EINVAL, ENXIO, ESPIPE } from "./errno.js";
import {
  Inode, Superblock, DeviceFile, OpenFile, RegularFile, WaitQueue, WOULD_BLOCK, Mount, Dentry, O_ACCMODE, O_RDONLY, O_WRONLY,
  O_APPEND, O_TRUNC, S_IFMT, S_IFSOCK, S_IFREG, S_IFBLK, S_IFCHR, S_IFIFO, POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM,
  type CharDevice, type Stat, type StatFs, type Path, type OwnOpen, type FileIO,
} from "./vfs/index.js";

/** Size of the kernel's struct termios (TCGETS/TCSETS): four flag words, c_line, c_cc[19]. */
export const TERMIOS_SIZE = 36;

/** The termios a fresh Linux terminal has (`stty sane`). */
export function defaultTermios(): Uint8Array {
  const b = new Uint8Array(TERMIOS_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x4500, true); // ICRNL | IXON | IUTF8
  dv.setUint32(4, 0x5, true); // OPOST | ONLCR
  dv.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
  dv.setUint32(12, 0x8a3b, true); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  b.set([3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0], 17);
  return b;
}

/** The terminal the host's stdio is attached to: what the terminal ioctls read and set. */
export class HostTerminal {
  termios = defaultTermios();
  /** Foreground process group (TIOCGPGRP/TIOCSPGRP) and session (TIOCSCTTY); 0 until set. */
  pgrp = 0;
  sid = 0;
  /** A size set with TIOCSWINSZ; until then the host's own. */
  size: { rows: number; cols: number; xpixel: number; ypixel: number } | null = null;
  constructor(private host: Host, readonly hostFd: number) {}
  windowSize(): { rows: number; cols: number; xpixel: number; ypixel: number } {
    if (this.size) return this.size;
    // The host knows the size through an output descriptor on the same terminal best.
    for (const fd of [1, 2, this.hostFd]) {
      if (!this.host.isatty(fd)) continue;
      const ws = this.host.windowSize(fd);
      if (ws) return { rows: ws.rows, cols: ws.cols, xpixel: 0, ypixel: 0 };
    }
    return { rows: 24, cols: 80, xpixel: 0, ypixel: 0 };
  }
}

/** One host descriptor as a device. */
export class HostStdio implements CharDevice {
  readonly waitQueue = new WaitQueue();
  readonly isatty: boolean;
  /** Bytes that arrived from the host and were not read yet. */
  private queued: Uint8Array[] = [];
  private eof = false;
  private error = 0;
  private reading = false;
  /** Reads go through readAsync (pipes, terminals, sockets); files and /dev/null are read in place. */
  private readonly async: boolean;

  /**
   * The host descriptor's offset while the guest's follows it, or -1 when the host descriptor is
   * no file the guest may seek (a pipe, a terminal, a host that cannot tell the offset).
   */
  hostPos = -1;

  constructor(private host: Host, readonly hostFd: number, readonly terminal: HostTerminal | null, private input: boolean) {
    this.isatty = terminal !== null;
    const st = host.fstat(hostFd);
    const type = typeof st === "number" ? 0 : st.mode & S_IFMT;
    this.async = this.isatty || !(type === S_IFREG || type === S_IFBLK || (type === S_IFCHR && !host.isatty(hostFd)));
    if ((type === S_IFREG || type === S_IFBLK) && host.fdOffset) {
      const at = host.fdOffset(hostFd);
      if (at !== null) this.hostPos = Number(at);
    }
  }

  get seekable(): boolean { return this.hostPos >= 0; }

  /** The host's offset now (another descriptor on the same host description may have moved it). */
  refreshHostPos(): number {
    const at = this.host.fdOffset?.(this.hostFd);
    if (at !== null && at !== undefined) this.hostPos = Number(at);
    return this.hostPos;
  }

  /** The host file's size now. */
  size(): number {
    const st = this.host.fstat(this.hostFd);
    return typeof st === "number" ? 0 : Number(st.size);
  }

  /**
   * A seekable descriptor's read or write at pos. sequential: the host descriptor's own
   * description moving its offset, which the host's read and write follow while pos is it.
   */
  readAt(out: Uint8Array, pos: number, _sequential: boolean): number {
    // Always by position: a reader that reads ahead and seeks back (head, read(1) in shells) must
    // leave the host's offset where it stopped, and Node cannot move a host offset back. The
    // host's offset catches up when the guest lets go of the description (catchUp).
    return this.host.pread(this.hostFd, out, BigInt(pos));
  }
  /** Moves the host descriptor's offset forward to pos by reading (Node has no lseek). */
  catchUp(pos: number): void {
    const chunk = new Uint8Array(Math.min(1 << 20, Math.max(0, pos - this.hostPos)));
    while (this.hostPos < pos) {
      const n = this.host.read(this.hostFd, chunk.subarray(0, Math.min(chunk.length, pos - this.hostPos)));
      if (n <= 0) return;
      this.hostPos += n;
    }
  }
  /** As readAt; append: write at the end (the host's own description appends when it has O_APPEND). */
  writeAt(data: Uint8Array, pos: number, sequential: boolean, append: boolean): number {
    if (sequential && (append || pos === this.hostPos)) {
      const n = this.host.write(this.hostFd, data);
      if (n > 0) { if (append) this.refreshHostPos(); else this.hostPos += n; }
      return n;
    }
    return this.host.fs.pwrite(this.hostFd, data, append ? this.size() : pos);
  }
  truncate(size: number): number { return this.host.fs.ftruncate(this.hostFd, size); }

  /** The host file opened again (a new description with its own offset and access), or -errno. */
  reopen(flags: number): FileIO | number {
    if (!this.host.reopenFd) return -ENXIO;
    const acc = flags & O_ACCMODE;
    const fd = this.host.reopenFd(this.hostFd, acc !== O_WRONLY, acc !== O_RDONLY);
    if (fd < 0) return fd;
    const host = this.host;
    return {
      read: (buf, pos) => host.fs.pread(fd, buf, pos),
      write: (data, pos) => host.fs.pwrite(fd, data, pos),
      size: () => { const st = host.fstat(fd); return typeof st === "number" ? 0 : Number(st.size); },
      truncate: (size) => host.fs.ftruncate(fd, size),
      sync: () => host.fs.fsync(fd),
      close: () => host.close(fd),
    };
  }

  /** Bytes buffered and not yet read (FIONREAD). */
  get buffered(): number { return this.queued.reduce((s, c) => s + c.length, 0); }

  read(out: Uint8Array): number {
    if (!this.async) return this.host.read(this.hostFd, out);
    if (out.length === 0) return 0;
    if (this.queued.length) {
      let n = 0;
      while (n < out.length && this.queued.length) {
        const c = this.queued[0];
        const m = Math.min(c.length, out.length - n);
        out.set(c.subarray(0, m), n);
        n += m;
        if (m === c.length) this.queued.shift(); else this.queued[0] = c.subarray(m);
      }
      return n;
    }
    if (this.eof) {
      // A terminal's end of input (^D) is read once; a pipe's lasts.
      if (this.isatty) this.eof = false;
      return 0;
    }
    if (this.error) { const e = this.error; this.error = 0; return e; }
    this.fill(out.length);
    return WOULD_BLOCK;
  }

  /** Starts one host read unless one is running; it asks for no more than the guest wants. */
  private fill(want: number): void {
    if (this.reading) return;
    this.reading = true;
    const buf = new Uint8Array(Math.max(1, Math.min(want, 65536)));
    this.host.readAsync(this.hostFd, buf, (n) => {
      this.reading = false;
      if (n > 0) this.queued.push(buf.subarray(0, n));
      else if (n === 0) this.eof = true;
      else this.error = n;
      this.waitQueue.notify();
    });
  }

  write(data: Uint8Array): number { return this.host.write(this.hostFd, data); }
  lseek(): bigint { return BigInt(-ESPIPE); }

  poll(): number {
    let m = POLLOUT | POLLWRNORM;
    if (!this.input) return m;
    if (!this.async || this.queued.length || this.eof || this.error) m |= POLLIN | POLLRDNORM;
    else this.fill(4096);
    return m;
  }
}

class StdioSuperblock extends Superblock {
  readonly fsType = "devpts";
  root: Inode;
  constructor(clock: () => bigint) {
    super(clock);
    this.root = new StdioInode(this, null);
  }
  statfs(): StatFs {
    return { type: 0x1cd1, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, namelen: 255, frsize: 4096, fsid: 0n };
  }
}

/**
 * A stdio descriptor: a stream (no positional I/O, as on a pipe or terminal), or a seekable file
 * when the host descriptor is one. followsHost: the host descriptor's own description (0-2 as the
 * guest starts with them); an open of /proc/self/fd/N is a new description with its own offset.
 */
class StdioFile extends DeviceFile {
  constructor(flags: number, inode: Inode, path: Path, readonly stdio: HostStdio, private readonly followsHost: boolean) {
    super(flags, inode, path, stdio);
    if (stdio.seekable && followsHost) this.pos = stdio.hostPos;
  }
  protected get seekable(): boolean { return this.stdio.seekable; }
  protected endOffset(): number { return this.stdio.size(); }
  read(buf: Uint8Array): number {
    if (!this.stdio.seekable) return super.read(buf);
    if (!this.readable) return -EBADF;
    const n = this.stdio.readAt(buf, this.pos, this.followsHost);
    if (n > 0) this.pos += n;
    return n;
  }
  write(data: Uint8Array): number {
    if (!this.stdio.seekable) return super.write(data);
    if (!this.writable) return -EBADF;
    const append = (this.flags & O_APPEND) !== 0;
    const n = this.stdio.writeAt(data, this.pos, this.followsHost, append);
    if (n > 0) this.pos = append ? (this.followsHost ? this.stdio.hostPos : this.stdio.size()) : this.pos + n;
    return n;
  }
  protected readAt(buf: Uint8Array, pos: number): number { return this.stdio.readAt(buf, pos, false); }
  // pwrite with O_APPEND appends, as Linux does.
  protected writeAt(data: Uint8Array, pos: number): number { return this.stdio.writeAt(data, pos, false, (this.flags & O_APPEND) !== 0); }
  lseek(offset: bigint, whence: number): bigint {
    if (!this.stdio.seekable) return super.lseek(offset, whence);
    // While the guest follows the host's offset, another descriptor on the same host description
    // (2>&1) may have moved it.
    if (this.followsHost && this.pos === this.stdio.hostPos) this.pos = this.stdio.refreshHostPos();
    return OpenFile.prototype.lseek.call(this, offset, whence);
  }
  release(): void {
    // The host's description keeps the offset the guest left (a shell's next command reads on
    // from there), as far as reading forward can move it.
    if (this.followsHost && this.stdio.seekable && this.pos > this.stdio.hostPos) this.stdio.catchUp(this.pos);
    super.release();
  }
  truncate(size: number): number {
    if (!this.stdio.seekable) return super.truncate(size);
    if (!this.writable || size < 0) return -EINVAL;
    return this.stdio.truncate(size);
  }
}

/** What fstat on a stdio descriptor reports: the host descriptor's own stat (pipe, file, tty). */
class StdioInode extends Inode implements OwnOpen {
  constructor(sb: Superblock, private query: (() => HostStat | number) | null, private readonly stdio: HostStdio | null = null) {
    super(sb, 1n, S_IFIFO | 0o600);
    const st = query?.();
    if (st && typeof st !== "number") { this.ino = st.ino; this.mode = st.mode; }
  }
  stat(): Stat {
    const st = this.query?.();
    if (!st || typeof st === "number") return super.stat();
    return { ...st };
  }
  /**
   * An open through /proc/self/fd/N (/dev/stdout): Linux opens the file, pipe or terminal behind
   * the descriptor again. A file gets a new description (its own offset; O_TRUNC truncates).
   */
  openOwn(flags: number, p: Path): OpenFile | number {
    // A socket cannot be opened by path, through /proc either.
    if (!this.stdio || (this.mode & S_IFMT) === S_IFSOCK) return -ENXIO;
    if (!this.stdio.seekable) return new StdioFile(flags, this, p, this.stdio, false);
    // A file: opened again on the host with the access asked for (ffmpeg reads back the mp4 it
    // writes to /dev/stdout); where the host cannot, positional I/O on the host descriptor.
    const io = this.stdio.reopen(flags);
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) !== O_RDONLY) {
      const e = typeof io === "number" ? this.stdio.truncate(0) : io.truncate(0);
      if (e < 0) { if (typeof io !== "number") io.close?.(); return e; }
    }
    if (typeof io !== "number") return new RegularFile(flags & ~O_TRUNC, this, p, io);
    return new StdioFile(flags & ~O_TRUNC, this, p, this.stdio, false);
  }
}

/**
 * The three open files of the host's stdio. Access modes follow the host descriptors' (a shell's
 * terminal is read-write on all three); a host that cannot tell gets read-only 0, write-only 1 and 2.
 */
export function hostStdioFiles(host: Host, clock: () => bigint): OpenFile[] {
  const sb = new StdioSuperblock(clock);
  const mount = new Mount(sb, new Dentry("/", null, sb.root), null, null, 0, "devpts");
  let terminal: HostTerminal | null = null;
  return [0, 1, 2].map((fd) => {
    const hostFlags = host.fdFlags(fd);
    const flags = hostFlags === null ? (fd === 0 ? O_RDONLY : O_WRONLY) : hostFlags & (O_ACCMODE | O_APPEND);
    const tty = host.isatty(fd);
    if (tty && !terminal) terminal = new HostTerminal(host, fd);
    const dev = new HostStdio(host, fd, tty ? terminal : null, fd === 0 || (flags & O_ACCMODE) !== O_WRONLY);
    const inode = new StdioInode(sb, () => host.fstat(fd), dev);
    // /proc/self/fd/N names what the host calls it ("pipe:[123]", "/dev/pts/0", a file's path).
    const name = host.readlink(`/proc/self/fd/${fd}`);
    const dentry = new Dentry(typeof name === "string" ? name : fd === 0 ? "/dev/stdin" : fd === 1 ? "/dev/stdout" : "/dev/stderr", null, inode);
    return new StdioFile(flags, inode, { mnt: mount, dentry }, dev, true);
  });
}

/** The host terminal behind a descriptor's file, if it is one of the host's stdio terminals. */
export function terminalOf(f: OpenFile): HostTerminal | null {
  return f instanceof DeviceFile && f.device instanceof HostStdio ? f.device.terminal : null;
}
