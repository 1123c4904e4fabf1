// The host interface in a browser: guest output goes to callbacks, clocks come from
// performance.now, randomness from crypto.getRandomValues, and there are no host files (a
// sandbox's files are its image's; hostfs mounts fail with ENOENT). Input arrives through
// pushInput. Nothing here needs Node.
import type { Host } from "./types.js";
import type { HostFs } from "../vfs/hostfs.js";
import { EBADF, ENOENT, EAGAIN } from "../errno.js";
import { cancellableSleep } from "./sleep.js";

export interface BrowserHostOptions {
  /** Guest bytes written to host descriptor 1 or 2 (a sandbox replaces stdio with its own). */
  output?(fd: number, data: Uint8Array): void;
  /** Diagnostics (console.warn by default). */
  log?(line: string): void;
  hostname?: string;
  /** Reported RAM (default 1 GiB). */
  memoryBytes?: bigint;
}

const noFiles = (): number => -ENOENT;

/** A HostFs with nothing in it: every path is missing. */
const emptyFs: HostFs = {
  realpath: noFiles, lstat: noFiles, readdir: noFiles, readlink: noFiles, open: noFiles, close() {},
  pread: () => -EBADF, pwrite: () => -EBADF, fstat: () => -EBADF, ftruncate: () => -EBADF, fsync: () => -EBADF,
  mkdir: noFiles, rmdir: noFiles, unlink: noFiles, rename: noFiles, link: noFiles, symlink: noFiles, chmod: noFiles,
  lchown: noFiles, lutimes: noFiles, statfs: noFiles,
};

export interface BrowserHost extends Host {
  /** Bytes for host descriptor 0. */
  pushInput(data: Uint8Array): void;
  endInput(): void;
}

export function browserHost(o: BrowserHostOptions = {}): BrowserHost {
  const perf = globalThis.performance;
  const origin = BigInt(Math.round((perf.timeOrigin ?? Date.now()) * 1e6));
  const nowNs = () => BigInt(Math.round(perf.now() * 1e6));
  const input: Uint8Array[] = [];
  let ended = false;
  let waiter: { buf: Uint8Array; done: (n: number) => void } | null = null;
  const take = (buf: Uint8Array): number | null => {
    if (!input.length) return ended ? 0 : null;
    const c = input[0];
    const n = Math.min(c.length, buf.length);
    buf.set(c.subarray(0, n));
    if (n === c.length) input.shift(); else input[0] = c.subarray(n);
    return n;
  };
  const wakeReader = () => {
    if (!waiter) return;
    const n = take(waiter.buf);
    if (n === null) return;
    const w = waiter; waiter = null;
    queueMicrotask(() => w.done(n));
  };
  const memory = o.memoryBytes ?? 1n << 30n;
  return {
    pushInput(data) { input.push(data.slice()); wakeReader(); },
    endInput() { ended = true; wakeReader(); },
    write(fd, data) {
      if (fd !== 1 && fd !== 2) return -EBADF;
      o.output?.(fd, data);
      return data.length;
    },
    read(fd, buf) { return fd === 0 ? take(buf) ?? -EAGAIN : -EBADF; },
    readAsync(fd, buf, done) {
      if (fd !== 0) { queueMicrotask(() => done(-EBADF)); return; }
      const n = take(buf);
      if (n !== null) queueMicrotask(() => done(n)); else waiter = { buf, done };
    },
    fs: emptyFs,
    pread: () => -EBADF,
    isatty: () => false,
    fdFlags: (fd) => (fd === 0 ? 0 : fd <= 2 ? 1 : null),
    windowSize: () => null,
    fstat(fd) {
      if (fd < 0 || fd > 2) return -EBADF;
      const t = origin + nowNs();
      return { dev: 0xdn, ino: BigInt(fd + 1), mode: 0o010600, nlink: 1, uid: 0, gid: 0, rdev: 0n, size: 0n, blksize: 4096, blocks: 0n, atimeNs: t, mtimeNs: t, ctimeNs: t };
    },
    stat: noFiles, openRead: noFiles, close() {}, readFile: noFiles, readlink: noFiles, readdir: noFiles,
    cwd: () => "/",
    realtimeNs: () => origin + nowNs(),
    monotonicNs: nowNs,
    randomBytes(buf) {
      // getRandomValues fills at most 65536 bytes per call.
      for (let i = 0; i < buf.length; i += 65536) globalThis.crypto.getRandomValues(buf.subarray(i, Math.min(buf.length, i + 65536)) as Uint8Array<ArrayBuffer>);
    },
    sleep: (ms, abort) => cancellableSleep(ms, abort),
    // A macrotask, so rendering and input events get their turn between time slices.
    yieldToHost: () => new Promise((r) => setTimeout(r, 0)),
    hostname: () => o.hostname ?? "wasl",
    cpuCount: () => (globalThis.navigator?.hardwareConcurrency ?? 1),
    totalMemory: () => memory,
    freeMemory: () => memory / 2n,
    uptimeSeconds: () => Math.floor(perf.now() / 1000),
    log: (line) => (o.log ? o.log(line) : console.warn(line)),
  };
}
