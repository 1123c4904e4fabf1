// The host a sandboxed kernel sees: a wrapper around the real one that keeps the guest away from
// everything the host has. Descriptors 0–2 are the sandbox's own stdin queue and output sinks (a
// pipe each, or one terminal), no host path can be stat'ed, opened or listed (the kernel's root
// is the container's overlay; host folders arrive only as confined hostfs mounts through `fs`),
// and hostname, memory figures and uptime are the sandbox's, not the machine's.
import type { Host, HostStat } from "./types.js";
import { EAGAIN, EBADF, ENOENT } from "../errno.js";

const S_IFIFO = 0o010000, S_IFCHR = 0o020000;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;

/**
 * Bytes on their way into the guest's stdin: pushed by the embedder, read by the guest as from a
 * pipe. A read with nothing queued waits (asynchronously) until bytes arrive or the queue ends.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private ended = false;
  private waiter: { buf: Uint8Array; done: (n: number) => void } | null = null;
  constructor(initial?: Uint8Array, end = false) {
    if (initial && initial.length) this.chunks.push(initial.slice());
    this.ended = end;
  }

  get closed(): boolean { return this.ended; }

  push(data: Uint8Array): void {
    if (this.ended || data.length === 0) return;
    this.chunks.push(data.slice());
    this.flush();
  }

  end(): void { this.ended = true; this.flush(); }

  /** A terminal's end of input (^D on an empty line): the next read returns 0, once. */
  pushEof(): void {
    if (this.ended) return;
    this.chunks.push(new Uint8Array(0));
    this.flush();
  }

  /** Bytes copied into buf, 0 at the end of input, null when nothing has arrived yet. */
  take(buf: Uint8Array): number | null {
    if (buf.length === 0) return 0;
    if (this.chunks.length === 0) return this.ended ? 0 : null;
    if (this.chunks[0].length === 0) { this.chunks.shift(); return 0; }
    let n = 0;
    while (n < buf.length && this.chunks.length && this.chunks[0].length) {
      const c = this.chunks[0];
      const m = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, m), n);
      n += m;
      if (m === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(m);
    }
    return n;
  }

  /** One read that completes when bytes are there; done always runs later, never inside the call. */
  readAsync(buf: Uint8Array, done: (n: number) => void): void {
    const n = this.take(buf);
    if (n !== null) { queueMicrotask(() => done(n)); return; }
    this.waiter = { buf, done };
  }

  private flush(): void {
    const w = this.waiter;
    if (!w) return;
    const n = this.take(w.buf);
    if (n === null) return;
    this.waiter = null;
    queueMicrotask(() => w.done(n));
  }
}

export interface SandboxHostOptions {
  /** What the guest reads on descriptor 0. */
  stdin: ByteQueue;
  /** Guest output on descriptor 1 or 2 (on a terminal both arrive as 1). Must not block. */
  output(fd: 1 | 2, data: Uint8Array): void;
  /** A terminal of this size on 0–2 (changed by resize), or null for pipes. */
  tty: { cols: number; rows: number } | null;
  hostname: string;
  /** The sandbox's memory limit (what sysinfo and /proc/meminfo call total RAM); null: the host's. */
  memoryBytes: bigint | null;
  /** Bytes of guest memory in use now (frames), for the free-memory figures. */
  usedBytes(): bigint;
  /** Diagnostics (unimplemented syscalls, --trace); the base host's log when absent. */
  log?: (line: string) => void;
}

/** The Host of one sandboxed kernel, over the platform's host. */
export function sandboxHost(base: Host, o: SandboxHostOptions): Host {
  const boot = base.monotonicNs();
  const stdio = (fd: number) => fd >= 0 && fd <= 2;
  const stat = (fd: number): HostStat => {
    const now = base.realtimeNs();
    const tty = o.tty !== null;
    return {
      dev: tty ? 0x16n : 0xdn, ino: BigInt(fd + 1), mode: (tty ? S_IFCHR | 0o620 : S_IFIFO | 0o600), nlink: 1, uid: 0, gid: tty ? 5 : 0,
      rdev: tty ? 0x8800n : 0n, size: 0n, blksize: 4096, blocks: 0n, atimeNs: now, mtimeNs: now, ctimeNs: now,
    };
  };
  return {
    write(fd, data) {
      if (fd !== 1 && fd !== 2) return -EBADF;
      o.output(o.tty ? 1 : fd, data);
      return data.length;
    },
    read(fd, buf) {
      if (fd !== 0) return -EBADF;
      return o.stdin.take(buf) ?? -EAGAIN;
    },
    readAsync(fd, buf, done) {
      if (fd !== 0) { queueMicrotask(() => done(-EBADF)); return; }
      o.stdin.readAsync(buf, done);
    },
    fs: base.fs,
    pread() { return -EBADF; },
    isatty(fd) { return o.tty !== null && stdio(fd); },
    fdFlags(fd) { return !stdio(fd) ? null : o.tty ? O_RDWR : fd === 0 ? O_RDONLY : O_WRONLY; },
    windowSize(fd) { return o.tty && stdio(fd) ? { rows: o.tty.rows, cols: o.tty.cols } : null; },
    fstat(fd) { return stdio(fd) ? stat(fd) : -EBADF; },
    // No host path is reachable by name: the guest's files are the container's and its mounts'.
    stat() { return -ENOENT; },
    openRead() { return -ENOENT; },
    close() { /* nothing was opened */ },
    readFile() { return -ENOENT; },
    readlink() { return -ENOENT; },
    readdir() { return -ENOENT; },
    cwd() { return "/"; },
    realtimeNs: () => base.realtimeNs(),
    monotonicNs: () => base.monotonicNs(),
    virtualClock: base.virtualClock,
    randomBytes: (buf) => base.randomBytes(buf),
    sleep: (ms, abort) => base.sleep(ms, abort),
    yieldToHost: () => base.yieldToHost(),
    hostname: () => o.hostname,
    cpuCount: () => base.cpuCount(),
    totalMemory: () => o.memoryBytes ?? base.totalMemory(),
    freeMemory: () => {
      if (o.memoryBytes === null) return base.freeMemory();
      const free = o.memoryBytes - o.usedBytes();
      return free > 0n ? free : 0n;
    },
    uptimeSeconds: () => Number((base.monotonicNs() - boot) / 1_000_000_000n),
    log: (line) => (o.log ? o.log(line) : base.log(line)),
  };
}
