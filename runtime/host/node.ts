// The host interface over Node: synchronous fs calls for stdio and files, hrtime for clocks.
import * as fs from "node:fs";
import * as os from "node:os";
import * as tty from "node:tty";
import { randomFillSync } from "node:crypto";
import type { Host, HostStat } from "./types.js";
import { errnoFromCode, EAGAIN } from "../errno.js";
import { NodeHostFs } from "./nodefs.js";
import { cancellableSleep } from "./sleep.js";

function errno(e: unknown): number { return -errnoFromCode((e as NodeJS.ErrnoException).code); }

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Waits a little without spinning, for descriptors the host left non-blocking. */
function backoff(): void { Atomics.wait(sleeper, 0, 0, 2); }

function toStat(s: fs.BigIntStats): HostStat {
  return {
    dev: s.dev, ino: s.ino, mode: Number(s.mode), nlink: Number(s.nlink), uid: Number(s.uid), gid: Number(s.gid),
    rdev: s.rdev, size: s.size, blksize: Number(s.blksize), blocks: s.blocks,
    atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs,
  };
}

/** The terminal's size through whichever stdio stream is on it. */
function terminalSize(): { rows: number; cols: number } | null {
  for (const s of [process.stdout, process.stderr]) {
    if ((s as tty.WriteStream).isTTY) { const [cols, rows] = (s as tty.WriteStream).getWindowSize(); return { rows, cols }; }
  }
  return null;
}

/**
 * The terminal on stdin as a pty master. Raw mode is undone when the bridge closes and, as a
 * guard, when Node exits or is told to end by SIGTERM/SIGHUP/SIGQUIT (the signal is then re-sent
 * with its default action), so a crash never leaves the user's terminal raw.
 */
function nodeTerminal(): Host["terminal"] {
  let wasRaw: boolean | null = null;
  const restore = () => {
    if (wasRaw === null) return;
    try { (process.stdin as tty.ReadStream).setRawMode(wasRaw); } catch { /* the terminal is gone */ }
    wasRaw = null;
    process.off("exit", restore);
    for (const [sig, h] of guards) process.off(sig, h);
  };
  const guards = (["SIGTERM", "SIGHUP", "SIGQUIT"] as NodeJS.Signals[]).map((sig) => [sig, () => {
    restore();
    process.kill(process.pid, sig);
  }] as const);
  return {
    setRawMode(raw) {
      const stdin = process.stdin as tty.ReadStream;
      if (!stdin.isTTY) return;
      if (!raw) { restore(); return; }
      if (wasRaw !== null) return;
      wasRaw = stdin.isRaw;
      stdin.setRawMode(true);
      process.on("exit", restore);
      for (const [sig, h] of guards) process.on(sig, h);
    },
    size: terminalSize,
    onInput(data, end) {
      const stdin = process.stdin;
      const onData = (d: Buffer) => data(new Uint8Array(d.buffer, d.byteOffset, d.length));
      stdin.on("data", onData);
      stdin.on("end", end);
      stdin.resume();
      return () => { stdin.off("data", onData); stdin.off("end", end); stdin.pause(); };
    },
    onResize(resized) {
      const h = () => { const s = terminalSize(); if (s) resized(s); };
      process.on("SIGWINCH", h);
      return () => { process.off("SIGWINCH", h); };
    },
  };
}

const bootRealtime = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();


const RANDOM_POOL = 4096;
const randomPool = new Uint8Array(RANDOM_POOL);
let randomAt = RANDOM_POOL;

export const nodeHost: Host = {
  // isatty, not process.stdin.isTTY: making the stdin stream costs a short run's start a millisecond or two.
  terminal: tty.isatty(0) ? nodeTerminal() : undefined,
  write(fd, data) {
    let done = 0;
    while (done < data.length) {
      try {
        done += fs.writeSync(fd, data, done, data.length - done);
      } catch (e) {
        const err = errno(e);
        if (err === -EAGAIN) { backoff(); continue; }
        return done > 0 ? done : err;
      }
    }
    return done;
  },
  read(fd, buf) {
    for (;;) {
      try { return fs.readSync(fd, buf, 0, buf.length, null); } catch (e) {
        const err = errno(e);
        if (err === -EAGAIN) { backoff(); continue; }
        if ((e as NodeJS.ErrnoException).code === "EOF") return 0;
        return err;
      }
    }
  },
  readAsync(fd, buf, done) {
    // A read in libuv's thread pool; a descriptor someone left non-blocking is polled gently.
    const attempt = () => fs.read(fd, buf, 0, buf.length, null, (e, n) => {
      if (!e) { done(n); return; }
      const err = errno(e);
      if (err === -EAGAIN) { setTimeout(attempt, 5); return; }
      done((e as NodeJS.ErrnoException).code === "EOF" ? 0 : err);
    });
    attempt();
  },
  fs: new NodeHostFs(),
  pread(fd, buf, pos) {
    try { return fs.readSync(fd, buf, 0, buf.length, pos); } catch (e) { return errno(e); }
  },
  fdOffset(fd) {
    // Node has no lseek; a Linux host says it in /proc.
    try {
      const m = /^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
      return m ? BigInt(m[1]) : null;
    } catch { return null; }
  },
  reopenFd(fd, read, write) {
    const c = fs.constants;
    try { return fs.openSync(`/proc/self/fd/${fd}`, read && write ? c.O_RDWR : write ? c.O_WRONLY : c.O_RDONLY); }
    catch (e) { return errno(e); }
  },
  isatty(fd) { return tty.isatty(fd); },
  fdFlags(fd) {
    // Linux hosts say it in /proc; elsewhere the caller falls back to the usual stdio modes.
    try {
      const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
      return m ? parseInt(m[1], 8) : null;
    } catch { return null; }
  },
  windowSize(fd) {
    if (!tty.isatty(fd)) return null;
    const stream = fd === 1 ? process.stdout : fd === 2 ? process.stderr : null;
    const s = stream && (stream as tty.WriteStream).isTTY ? (stream as tty.WriteStream).getWindowSize() : [80, 24];
    return { cols: s[0], rows: s[1] };
  },
  fstat(fd) { try { return toStat(fs.fstatSync(fd, { bigint: true })); } catch (e) { return errno(e); } },
  stat(path, follow) {
    try { return toStat(follow ? fs.statSync(path, { bigint: true }) : fs.lstatSync(path, { bigint: true })); }
    catch (e) { return errno(e); }
  },
  openRead(path, directory) {
    try { return fs.openSync(path, fs.constants.O_RDONLY | (directory ? fs.constants.O_DIRECTORY : 0)); }
    catch (e) { return errno(e); }
  },
  close(fd) { try { fs.closeSync(fd); } catch { /* already closed */ } },
  readFile(path) { try { return fs.readFileSync(path); } catch (e) { return errno(e); } },
  readlink(path) { try { return fs.readlinkSync(path); } catch (e) { return errno(e); } },
  readdir(path) {
    try {
      // opendir keeps the file system's own order (readdirSync sorts), as getdents64 would.
      const dir = fs.opendirSync(path);
      const all: fs.Dirent[] = [];
      try { for (let d = dir.readSync(); d; d = dir.readSync()) all.push(d); } finally { dir.closeSync(); }
      return all.map((d) => {
        let ino = 0n;
        try { ino = fs.lstatSync(`${path}/${d.name}`, { bigint: true }).ino; } catch { /* raced away */ }
        const type = d.isFile() ? 0o100000 : d.isDirectory() ? 0o40000 : d.isSymbolicLink() ? 0o120000 : d.isFIFO() ? 0o10000
          : d.isSocket() ? 0o140000 : d.isCharacterDevice() ? 0o20000 : d.isBlockDevice() ? 0o60000 : 0;
        return { name: d.name, ino, type };
      });
    } catch (e) { return errno(e); }
  },
  cwd() { return process.cwd(); },
  realtimeNs() { return bootRealtime + process.hrtime.bigint(); },
  monotonicNs() { return process.hrtime.bigint(); },
  randomBytes(buf) {
    // Small requests (AT_RANDOM at every exec, getrandom for a malloc seed) come from a pool:
    // one randomFillSync costs microseconds whatever the size. Each pooled byte is handed out once.
    if (buf.length > RANDOM_POOL / 16) { randomFillSync(buf); return; }
    if (randomAt + buf.length > RANDOM_POOL) { randomFillSync(randomPool); randomAt = 0; }
    buf.set(randomPool.subarray(randomAt, randomAt + buf.length));
    randomPool.fill(0, randomAt, randomAt + buf.length);
    randomAt += buf.length;
  },
  sleep(ms, abort) { return cancellableSleep(ms, abort); },
  yieldToHost() { return new Promise((resolve) => setImmediate(resolve)); },
  hostname() { return os.hostname(); },
  cpuCount() { return os.availableParallelism ? os.availableParallelism() : os.cpus().length; },
  totalMemory() { return BigInt(os.totalmem()); },
  freeMemory() { return BigInt(os.freemem()); },
  uptimeSeconds() { return Math.floor(os.uptime()); },
  log(line) { try { fs.writeSync(2, line + "\n"); } catch { /* stderr gone */ } },
};

