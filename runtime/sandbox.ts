// The embeddable sandbox: a program from a container image, run with limits, its output returned.
//
//   const box = await Sandbox.create({ image: "busybox", memory: "256m", timeoutMs: 5000 });
//   const r = await box.run(["sh", "-c", "echo hi"]);      // r.exitCode, r.stdout, r.usage …
//
// A sandbox is a container (the image's layers, shared, under its own writable upper tree) plus
// host folders mounted into it, and the files Docker gives every container (/etc/hostname,
// /etc/hosts, /etc/resolv.conf: runtime/netfiles.ts). Each run or spawn boots a kernel on its
// own machine (its own Wasm instance and memory; the compiled core is shared; a finished run's
// machine is reset and reused by the sandbox's next run, see Machine.recycle) over that
// container: pid 1 is the program,
// the hostname is the sandbox's, the guest is root inside and sees nothing of the host but the
// mounts. Files written by one run are seen by the next run in the same sandbox, never by another
// sandbox or the image. Limits: memory (frames; a fault beyond kills the largest process),
// tasks (fork → EAGAIN), descriptors (EMFILE), instructions and wall time (all killed, timedOut),
// and captured output (cut at outputLimit). Nothing here imports node: modules — the host comes
// from a Platform (runtime/index.ts registers Node's; runtime/browser.ts has the browser's).
import type { ProgramCache } from "./progcache.js";
import { Kernel, SIGKILL } from "./kernel.js";
import { Machine } from "./machine.js";
import type { Process } from "./process.js";
import { RLIMIT_NOFILE, RLIMIT_NPROC } from "./process.js";
import type { Host } from "./host/types.js";
import { sandboxHost, ByteQueue } from "./host/sandbox.js";
import { deterministicHost, DETERMINISTIC_START_NS, type DeterministicOptions } from "./host/deterministic.js";
import { LineDiscipline } from "./pty.js";
import { isExecError } from "./elf.js";
import { terminalOf } from "./tty.js";
import { sendSignal } from "./signals.js";
import { ENOENT, EACCES, ERRNO_TEXT } from "./errno.js";
import * as L from "./gen/layout.js";
import {
  Vfs, FdTable, HostSuperblock, TmpfsSuperblock, MemFile, ByteBudget, ROOT, AT_FDCWD, O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, permission, hostBytes,
  type FsContext,
} from "./vfs/index.js";
import { MS_RDONLY } from "./vfs/mount.js";
import { ImageStore } from "../images/store.js";
import { openImage } from "../images/oci.js";
import { Container, NETWORK_FILES } from "../images/container.js";
import { networkFiles, parseExtraHost, isIP } from "./netfiles.js";
import type { Image } from "../images/store.js";
import type { ImageHost } from "../images/host.js";

/** What a sandbox needs from the JavaScript host it runs on. */
export interface Platform {
  /** The kernel's host interface (clocks, randomness, host files for mounts). */
  host: Host;
  /** File access for the image store; absent where there is no store (pass an Image then). */
  images?: ImageHost;
  /** The compiled Wasm core (compiled once, instantiated per machine). */
  coreModule(): Promise<WebAssembly.Module>;
  /** Builds an image the platform can make itself (the embedded default image) when a name is not in the store. */
  provideImage?(store: ImageStore, name: string): Promise<Image | null>;
  /** The host's resolv.conf, which a container's is derived from (absent: as if empty). */
  hostResolvConf?(): string | null;
}

let defaultPlatform: Platform | null = null;
/** The platform Sandbox.create uses when its options name none (runtime/index.ts sets Node's). */
export function setDefaultPlatform(p: Platform): void { defaultPlatform = p; }

export interface MountSpec {
  /** A host directory; the guest reaches nothing outside it (symlinks and ".." included). */
  host: string;
  /** Absolute path in the guest; created in the container when missing. */
  guest: string;
  /** Writes fail with EROFS. */
  readOnly?: boolean;
}

export type Env = Record<string, string> | string[];

export interface SandboxOptions {
  /** A stored image name, `oci:DIR`, `docker-archive:FILE`, a path, or an Image already opened. */
  image: string | Image;
  /** The image store: an ImageStore, or its root directory ($WASL_HOME or the cache dir by default). */
  store?: ImageStore | string;
  /**
   * Guest memory limit: bytes, or "256m", "1g", "512k". Default: the machine's 4 GiB. The bytes
   * written to the container's files, and to each tmpfs, are held to the same size (ENOSPC).
   */
  memory?: number | string;
  /** Wall-clock limit per run in milliseconds; every process is killed and `timedOut` set. */
  timeoutMs?: number;
  /** CPU budget per run, in guest instructions; like timeoutMs when used up. */
  instructions?: number | bigint;
  /** Most tasks (processes and threads) at once; fork and clone get EAGAIN beyond. */
  pids?: number;
  /** RLIMIT_NOFILE: descriptors per process; open gets EMFILE beyond. */
  files?: number;
  /** Bytes of stdout and of stderr kept by run(); the rest is dropped and `truncated` set. */
  outputLimit?: number;
  /** Only "none" exists: the guest's sockets (AF_UNIX, loopback TCP/UDP) stay inside its machine. */
  network?: "none";
  mounts?: MountSpec[];
  /** Added to the image's Env (and overriding it). Nothing comes from the host's environment. */
  env?: Env;
  /**
   * uname's nodename, /etc/hostname, and the name /etc/hosts maps to 127.0.1.1 (default: the
   * first 12 hex digits of the container id; "wasl" when deterministic).
   */
  hostname?: string;
  /** More /etc/hosts entries (`docker run --add-host`): "name:address" strings, or { name: address }. */
  extraHosts?: string[] | Record<string, string>;
  /**
   * /etc/resolv.conf's nameservers, search domains and options (`--dns`, `--dns-search`,
   * `--dns-option`). By default the file is derived from the host's as Docker does it (its
   * loopback nameservers dropped; Google's public ones when none is left), or from nothing when
   * deterministic. No nameserver is reachable from a sandbox: its network is its own loopback.
   */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** Default user for runs: "uid[:gid]" or "name[:group]" (default: the image's User, else root). */
  user?: string;
  /** Default working directory (default: the image's WorkingDir, else "/"). */
  cwd?: string;
  /** Virtual clock and seeded randomness: the same input gives byte-identical output. */
  deterministic?: boolean | Omit<DeterministicOptions, "instructions">;
  /** Diagnostics from the kernel (unimplemented syscalls, traces); the host's stderr by default. */
  log?: (line: string) => void;
  /** strace-like log of every system call through `log`. */
  trace?: boolean;
  platform?: Platform;
}

export interface RunOptions {
  /** Bytes on descriptor 0 (then end of input); empty by default. */
  stdin?: string | Uint8Array;
  env?: Env;
  cwd?: string;
  user?: string;
  timeoutMs?: number;
  instructions?: number | bigint;
}

export interface SpawnOptions extends Omit<RunOptions, "stdin"> {
  /** A terminal on 0–2 (line editing, echo, ^C → SIGINT); stderr then arrives on stdout. */
  tty?: boolean;
  cols?: number;
  rows?: number;
}

export interface Usage {
  /** Guest instructions retired. */
  instructions: number;
  /** Peak guest memory in bytes (frames in use, page tables included). */
  maxMemory: number;
  wallMs: number;
  /** System calls made. */
  syscalls: number;
}

export interface RunResult {
  /** What a shell reports: the exit status, or 128+n when signal n killed pid 1. */
  exitCode: number;
  signal: number | null;
  /** The wall-clock or instruction limit ended the run. */
  timedOut: boolean;
  /** A process was killed because guest memory ran out. */
  oomKilled: boolean;
  /** Captured output (a Buffer on Node); empty for spawn, whose output is streamed. */
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Output beyond outputLimit was dropped. */
  truncated: { stdout: boolean; stderr: boolean };
  usage: Usage;
  /** Set when the program could not be started (exitCode 127: not found, 126: not executable). */
  error?: { errno: number; message: string };
}

export interface SandboxProcess {
  /** Bytes (or text, as UTF-8) for the guest's stdin; closing it is end of input. */
  readonly stdin: WritableStream<Uint8Array | string>;
  readonly stdout: ReadableStream<Uint8Array>;
  /** Empty with tty: true (a terminal has one output). */
  readonly stderr: ReadableStream<Uint8Array>;
  /** A new terminal size; the foreground process group gets SIGWINCH. */
  resize(cols: number, rows: number): void;
  /** Sends a signal ("SIGINT", "INT" or a number; SIGTERM by default) to pid 1. */
  kill(signal?: string | number): void;
  readonly exit: Promise<RunResult>;
}

/** What Sandbox.spawnTo returns: a SandboxProcess whose output went to a callback. @internal */
export interface DirectProcess extends Pick<SandboxProcess, "resize" | "kill" | "exit"> {
  /** Bytes (or text, as UTF-8) for the guest's stdin. */
  write(chunk: Uint8Array | string): void;
  /** The end of input. */
  end(): void;
}

/** A mistake in the options or the image (not the guest's doing): `wasl run` exits 125 for these. */
export class SandboxError extends Error {}

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13,
  ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24,
  XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};
const SIGWINCH = 28;

/** A signal number from "SIGINT", "INT", "2" or 2. */
export function signalNumber(s: string | number): number {
  if (typeof s === "number") return s;
  const n = SIGNALS[s.toUpperCase().replace(/^SIG/, "")] ?? (/^\d+$/.test(s) ? Number(s) : NaN);
  if (!(n >= 1 && n <= 64)) throw new SandboxError(`unknown signal ${s}`);
  return n;
}

/** Bytes from 123, "123", "256m", "1g", "64k", "1.5g". */
export function parseSize(v: number | string): number {
  if (typeof v === "number") return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?\s*$/i.exec(v);
  if (!m) throw new SandboxError(`invalid size ${JSON.stringify(v)} (e.g. 256m, 1g)`);
  const mult = { "": 1, b: 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 }[m[2].toLowerCase() as "k"];
  return Math.floor(Number(m[1]) * mult);
}

/** A finished run's machine is kept for the next only while its memory is this small (the core starts at 32 MiB). */
const SPARE_MEMORY_MAX = 64 << 20;
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** A Buffer on Node (toString() gives the text), a plain Uint8Array elsewhere. */
function bytesOut(b: Uint8Array): Uint8Array {
  const B = (globalThis as { Buffer?: { from(a: ArrayBuffer, o: number, n: number): Uint8Array } }).Buffer;
  return B ? B.from(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength) : b;
}

function envList(e: Env | undefined): string[] {
  if (!e) return [];
  if (Array.isArray(e)) return e;
  return Object.entries(e).map(([k, v]) => `${k}=${v}`);
}

/** Later entries win by name; the order is the first appearance of each name, as Docker keeps it. */
function mergeEnv(...lists: string[][]): string[] {
  const m = new Map<string, string>();
  for (const l of lists) for (const kv of l) {
    const i = kv.indexOf("=");
    const k = i < 0 ? kv : kv.slice(0, i);
    if (i < 0) continue; // `-e NAME` without a value takes the host's: a sandbox has none to give
    m.set(k, kv);
  }
  return [...m.values()];
}

/** Output kept up to a limit. */
class Capture {
  private chunks: Uint8Array[] = [];
  size = 0;
  truncated = false;
  constructor(private limit: number) {}
  add(data: Uint8Array): void {
    const room = this.limit - this.size;
    if (room <= 0) { if (data.length) this.truncated = true; return; }
    const part = data.length > room ? data.subarray(0, room) : data;
    if (part.length < data.length) this.truncated = true;
    this.chunks.push(part.slice());
    this.size += part.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    return out;
  }
}

interface Launch {
  stdin: ByteQueue;
  output(fd: 1 | 2, data: Uint8Array): void;
  tty: { cols: number; rows: number } | null;
  /** Called once the first process exists (a terminal's discipline needs its termios). */
  started?(k: Kernel, init: Process): void;
}

/** A running kernel: what kill and the limits act on. */
interface Running {
  kernel: Kernel;
  init: Process;
  killAll(): void;
}

export class Sandbox {
  private closed = false;
  private running = new Set<Running>();
  /** Where the container's own writes get their times (the running kernel's clock). */
  private clock: () => bigint;
  /**
   * The machine of a finished run, recycled for the next run of this sandbox (instantiating
   * a core and faulting in its memory costs more than the rest of a short run). Only this
   * sandbox's runs get it: its memory never goes to another sandbox.
   */
  private spare: Machine | null = null;
  /**
   * The spare is the last run's machine as that run left it: Machine.recycle resets it when the
   * next run takes it, so a sandbox closed after one run (`wasl run`) never pays for the reset.
   */
  private spareUsed = false;
  /**
   * The last run's program cache, whose frames stay in the spare's memory (Machine.recycle's
   * keptFrames): the next run's execs map the same pages and find their decoded blocks and
   * compiled code, as a page cache outlives the processes that read a file.
   */
  private sparePrograms: ProgramCache | null = null;
  /** A machine being instantiated for the first run. */
  private nextMachine: Promise<Machine> | null = null;

  private constructor(
    readonly options: SandboxOptions,
    readonly platform: Platform,
    readonly image: Image,
    readonly container: Container,
    /** The container's tree with the mounts, for writeFile/readFile and looking up programs. */
    private readonly vfs: Vfs,
    private readonly mounts: Array<{ guest: string; sb: HostSuperblock; flags: number; source: string }>,
    /** The container's /etc/hostname, hosts and resolv.conf, bind-mounted over its init layer's files. */
    private readonly networkFiles: TmpfsSuperblock,
    private readonly module: WebAssembly.Module,
    /** 64 hex digits, like a Docker container ID. */
    readonly id: string,
    readonly hostname: string,
  ) {
    this.clock = () => platform.host.realtimeNs();
  }

  /** Opens the image (loading a layout or tarball into the store first), makes the container, mounts. */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const platform = options.platform ?? defaultPlatform;
    if (!platform) throw new SandboxError("no platform: import Sandbox from the package entry, or pass options.platform");
    if (options.network !== undefined && options.network !== "none") throw new SandboxError(`network ${JSON.stringify(options.network)}: only "none" is supported`);
    if (options.memory !== undefined) parseSize(options.memory);
    // The core compiles in the background (the first time in this host) while the image opens.
    const modulePromise = platform.coreModule();
    modulePromise.catch(() => { /* awaited below, unless the image fails first */ });
    let image: Image;
    let store: ImageStore;
    if (typeof options.image === "string") {
      if (options.store instanceof ImageStore) store = options.store;
      else if (!platform.images) throw new SandboxError("this platform has no image store: pass an ImageStore or an opened Image");
      else store = ImageStore.open(platform.images, options.store);
      try {
        const provided = !store.find(options.image) && platform.provideImage ? await platform.provideImage(store, options.image) : null;
        image = provided ?? await openImage(store, options.image);
      } catch (e) { throw new SandboxError((e as Error).message); }
    } else {
      if (!(options.store instanceof ImageStore)) throw new SandboxError("an opened Image needs its ImageStore in options.store");
      store = options.store;
      image = options.image;
    }
    let box: Sandbox | null = null;
    // The container's upper layer holds what the guest writes: with a memory limit, that much at most (then ENOSPC).
    const budget = options.memory !== undefined ? new ByteBudget(parseSize(options.memory)) : undefined;
    const clock = () => (box ? box.clock() : platform.host.realtimeNs());
    // A deterministic container is made at its virtual clock's start, so its init layer's times are too.
    const det = options.deterministic;
    const created = det ? (typeof det === "object" && det.startNs !== undefined ? det.startNs : DETERMINISTIC_START_NS) : undefined;
    const container = Container.create(store, image, { clock, budget, init: true, created });
    const vfs = new Vfs(container.superblock, clock, "overlay");
    const ctx = vfs.context(new FdTable());
    // The kernel mounts devfs and procfs where the root has directories for them.
    for (const d of ["/dev", "/proc"]) mkdirs(vfs, ctx, d);
    const idBytes = new Uint8Array(32);
    platform.host.randomBytes(idBytes);
    const id = [...idBytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    const hostname = options.hostname ?? (options.deterministic ? "wasl" : id.slice(0, 12));
    // uname's nodename holds 64 bytes; /etc/hosts and /etc/hostname take no blanks or line breaks in a name.
    if (!/^[^\s\x00]{1,64}$/.test(hostname)) throw new SandboxError(`invalid hostname ${JSON.stringify(hostname)}`);
    const netSb = makeNetworkFiles(options, platform, hostname, clock, container.created, budget);
    for (const path of NETWORK_FILES) {
      const r = vfs.bindFile(ctx, path, netSb, path.slice(5));
      if (typeof r === "number") throw new SandboxError(`cannot mount ${path}: ${ERRNO_TEXT[-r] ?? r}`);
    }
    const mounts: Array<{ guest: string; sb: HostSuperblock; flags: number; source: string }> = [];
    for (const m of options.mounts ?? []) {
      if (!m.guest.startsWith("/")) throw new SandboxError(`mount ${m.host}:${m.guest}: the guest path must be absolute`);
      // The VFS and the host file system interface take byte strings: the UTF-8 of the caller's paths.
      const host = hostBytes(m.host), guest = hostBytes(m.guest);
      let sb: HostSuperblock;
      try { sb = new HostSuperblock(() => (box ? box.clock() : platform.host.realtimeNs()), platform.host.fs, host); }
      catch (e) { throw new SandboxError(`mount ${m.host}:${m.guest}: ${(e as Error).message.replace(/^hostfs: /, "")}`); }
      const e = mkdirs(vfs, ctx, guest);
      if (e < 0) throw new SandboxError(`mount ${m.host}:${m.guest}: cannot create the mount point (${ERRNO_TEXT[-e] ?? e})`);
      const flags = m.readOnly ? MS_RDONLY : 0;
      const r = vfs.mount(ctx, guest, sb, flags, host);
      if (typeof r === "number") throw new SandboxError(`mount ${m.host}:${m.guest}: ${ERRNO_TEXT[-r] ?? r}`);
      mounts.push({ guest, sb, flags, source: host });
    }
    const module = await modulePromise;
    box = new Sandbox(options, platform, image, container, vfs, mounts, netSb, module, id, hostname);
    // The first run's machine is made now, so a run that comes later finds it ready.
    const first = Machine.create(module);
    box.nextMachine = first;
    first.then((m) => { if (box!.nextMachine === first) { box!.nextMachine = null; if (!box!.spare && !box!.closed) box!.spare = m; } }, () => { box!.nextMachine = null; });
    return box;
  }

  /** Runs argv (argv[0] is looked up in $PATH unless it has a "/") to completion, output captured. */
  async run(argv: string[], o: RunOptions = {}): Promise<RunResult> {
    const limit = this.options.outputLimit ?? 64 << 20;
    const out = new Capture(limit), err = new Capture(limit);
    const stdin = new ByteQueue(typeof o.stdin === "string" ? utf8.encode(o.stdin) : o.stdin, true);
    const r = await this.launch(argv, o, { stdin, tty: null, output: (fd, d) => (fd === 1 ? out : err).add(d) });
    return { ...r, stdout: bytesOut(out.bytes()), stderr: bytesOut(err.bytes()), truncated: { stdout: out.truncated, stderr: err.truncated } };
  }

  /** Starts argv with streams for its stdio (a terminal with tty: true). */
  spawn(argv: string[], o: SpawnOptions = {}): SandboxProcess {
    let outCtl!: ReadableStreamDefaultController<Uint8Array>, errCtl!: ReadableStreamDefaultController<Uint8Array>;
    const stdout = new ReadableStream<Uint8Array>({ start: (c) => { outCtl = c; } });
    const stderr = new ReadableStream<Uint8Array>({ start: (c) => { errCtl = c; } });
    const p = this.spawnTo(argv, o, (fd, d) => (fd === 1 ? outCtl : errCtl).enqueue(d));
    const exit = p.exit.then((r) => { outCtl.close(); errCtl.close(); return r; });
    const stdin = new WritableStream<Uint8Array | string>({
      write: (chunk) => p.write(chunk),
      close: () => p.end(),
      abort: () => p.end(),
    });
    return { stdin, stdout, stderr, exit, resize: p.resize, kill: p.kill };
  }

  /**
   * spawn() without web streams, for the command line (loading them costs a short `wasl run` ~4 ms
   * of its start): output is handed to `output` as the guest writes it (a copy, in order), input
   * goes in through write/end. @internal
   */
  spawnTo(argv: string[], o: SpawnOptions, output: (fd: 1 | 2, data: Uint8Array) => void): DirectProcess {
    const stdin = new ByteQueue();
    const tty = o.tty ? { cols: o.cols ?? 80, rows: o.rows ?? 24 } : null;
    let open = true;
    const limit = this.options.outputLimit ?? Infinity;
    const sent = { 1: 0, 2: 0 };
    const emit = (fd: 1 | 2, d: Uint8Array) => {
      if (!open || sent[fd] >= limit) return;
      const part = d.length > limit - sent[fd] ? d.subarray(0, limit - sent[fd]) : d;
      sent[fd] += part.length;
      output(fd, bytesOut(part.slice()));
    };
    let running: Running | null = null;
    const early: Array<(r: Running) => void> = [];
    const whenRunning = (f: (r: Running) => void) => { if (running) f(running); else early.push(f); };
    const signalForeground = (sig: number) => whenRunning((r) => {
      const term = terminalOf(r.init.fds.get(0) as never);
      const pgrp = term && term.pgrp ? term.pgrp : r.init.pgid;
      for (const p of [...r.kernel.processes.values()]) if (p.alive && p.pgid === pgrp) sendSignal(r.kernel, p, sig);
    });
    const ld = tty ? new LineDiscipline(stdin, (d) => emit(1, d), signalForeground) : null;
    const launch: Launch = {
      stdin, tty,
      output: (fd, d) => emit(fd, ld ? ld.output(d) : d),
      started: (k, init) => {
        if (ld) ld.term = terminalOf(init.fds.get(0) as never);
      },
    };
    const exit = this.launch(argv, o, launch, (r) => { running = r; for (const f of early.splice(0)) f(r); }).then((r) => {
      open = false;
      return { ...r, stdout: bytesOut(new Uint8Array(0)), stderr: bytesOut(new Uint8Array(0)), truncated: { stdout: sent[1] >= limit, stderr: sent[2] >= limit } };
    });
    return {
      exit,
      write: (chunk) => { const b = typeof chunk === "string" ? utf8.encode(chunk) : chunk; if (ld) ld.write(b); else stdin.push(b); },
      end: () => stdin.end(),
      resize: (cols, rows) => {
        if (!tty) return;
        tty.cols = cols; tty.rows = rows;
        whenRunning((r) => {
          const term = terminalOf(r.init.fds.get(0) as never);
          if (term) term.size = { rows, cols, xpixel: 0, ypixel: 0 };
        });
        signalForeground(SIGWINCH);
      },
      kill: (signal = "SIGTERM") => {
        const sig = signalNumber(signal);
        whenRunning((r) => sendSignal(r.kernel, r.init, sig));
      },
    };
  }

  /** Writes a file into the container (or a writable mount), replacing it. */
  async writeFile(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    this.checkOpen();
    const ctx = this.vfs.context(new FdTable());
    const f = this.vfs.openat(ctx, AT_FDCWD, hostBytes(path), O_WRONLY | O_CREAT | O_TRUNC, opts.mode ?? 0o644);
    if (typeof f === "number") throw fsError("writeFile", path, f);
    try {
      const b = typeof data === "string" ? utf8.encode(data) : data;
      for (let o = 0; o < b.length;) {
        const n = f.write(b.subarray(o));
        if (n < 0) throw fsError("writeFile", path, n);
        o += n;
      }
    } finally { f.release(); }
  }

  /** A file's bytes from the container (or a mount). */
  async readFile(path: string): Promise<Uint8Array> {
    this.checkOpen();
    const ctx = this.vfs.context(new FdTable());
    const f = this.vfs.openat(ctx, AT_FDCWD, hostBytes(path), O_RDONLY);
    if (typeof f === "number") throw fsError("readFile", path, f);
    try {
      if (f.inode.isDir()) throw fsError("readFile", path, -21);
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const b = new Uint8Array(65536);
        const n = f.read(b);
        if (n < 0) throw fsError("readFile", path, n);
        if (n === 0) break;
        chunks.push(b.subarray(0, n)); total += n;
      }
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) { out.set(c, o); o += c.length; }
      return bytesOut(out);
    } finally { f.release(); }
  }

  /** Kills whatever still runs; the sandbox cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.spare = null;
    this.sparePrograms = null;
    this.nextMachine = null;
    for (const r of [...this.running]) r.killAll();
  }

  private checkOpen(): void { if (this.closed) throw new SandboxError("the sandbox is closed"); }

  /** The environment of a run: the image's, the sandbox's, the run's; PATH, HOSTNAME, HOME as Docker sets them. */
  private environment(runEnv: Env | undefined, home: string, tty: boolean): string[] {
    const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${this.hostname}`];
    const env = mergeEnv(base, this.image.config.env, tty ? ["TERM=xterm"] : [], envList(this.options.env), envList(runEnv));
    if (!env.some((kv) => kv.startsWith("HOME="))) env.push(`HOME=${home}`);
    return env;
  }

  /** Docker's user spec: uid or name, then optionally :gid or :group, against the image's /etc files. */
  private resolveUser(spec: string): { uid: number; gid: number; groups: number[]; home: string } {
    if (spec === "") return { uid: 0, gid: 0, groups: [], home: "/root" };
    const [u, g] = spec.split(":", 2);
    const ctx = this.vfs.context(new FdTable());
    const table = (path: string) => {
      const b = this.vfs.readFile(ctx, AT_FDCWD, path);
      return typeof b === "number" ? [] : utf8d.decode(b).split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
    };
    const passwd = table("/etc/passwd"), group = table("/etc/group");
    const num = (s: string) => /^\d+$/.test(s);
    const entry = passwd.find((p) => (num(u) ? Number(p[2]) === Number(u) : p[0] === u));
    if (!entry && !num(u)) throw new SandboxError(`unable to find user ${u}: no matching entries in passwd file`);
    const uid = entry ? Number(entry[2]) : Number(u);
    let gid = entry ? Number(entry[3]) : 0;
    if (g !== undefined) {
      if (num(g)) gid = Number(g);
      else {
        const ge = group.find((x) => x[0] === g);
        if (!ge) throw new SandboxError(`unable to find group ${g}: no matching entries in group file`);
        gid = Number(ge[2]);
      }
    }
    const name = entry?.[0];
    const groups = name ? group.filter((x) => (x[3] ?? "").split(",").includes(name)).map((x) => Number(x[2])).filter((x) => x !== gid) : [];
    return { uid, gid, groups, home: entry?.[5] || "/" };
  }

  /** execvp's search in the container: the program's guest path, or the errno a shell would report. */
  private findProgram(name: string, env: string[], cwd: string, cred: { uid: number; gid: number; groups: number[] }): string | number {
    if (name === "") return -ENOENT;
    const ctx: FsContext = { ...this.vfs.context(new FdTable(), cred) };
    const c = this.vfs.lookup(ctx, AT_FDCWD, hostBytes(cwd), true);
    if (typeof c !== "number") ctx.cwd = c;
    if (name.includes("/")) return name;
    const path = env.find((kv) => kv.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
    let denied = false;
    for (const dir of path.split(":")) {
      const full = `${dir || "."}/${name}`;
      const p = this.vfs.lookup(ctx, AT_FDCWD, hostBytes(full), true);
      if (typeof p === "number" || p.dentry.inode.isDir()) continue;
      if (!p.dentry.inode.isRegular() || permission(p.dentry.inode, 1, ctx.cred)) { denied = true; continue; }
      return full;
    }
    return denied ? -EACCES : -ENOENT;
  }

  /** Boots a kernel over the container and runs argv in it until pid 1 exits. */
  private async launch(argv: string[], o: RunOptions, io: Launch, onRunning?: (r: Running) => void): Promise<Omit<RunResult, "stdout" | "stderr" | "truncated">> {
    this.checkOpen();
    if (argv.length === 0) throw new SandboxError("no command given");
    const opts = this.options;
    const base = this.platform.host;
    const t0 = base.monotonicNs();
    const cred = this.resolveUser(o.user ?? opts.user ?? this.image.config.user);
    const env = this.environment(o.env, cred.home, io.tty !== null);
    const cwd = o.cwd ?? opts.cwd ?? (this.image.config.workingDir || "/");
    if (!cwd.startsWith("/")) throw new SandboxError(`working directory ${cwd} is not absolute`);
    mkdirs(this.vfs, this.vfs.context(new FdTable()), hostBytes(cwd));
    const usage = { instructions: 0, maxMemory: 0, wallMs: 0, syscalls: 0 };
    const wall = () => Number(base.monotonicNs() - t0) / 1e6;
    const notStarted = (errno: number, message: string) => ({
      exitCode: errno === ENOENT ? 127 : 126, signal: null, timedOut: false, oomKilled: false,
      usage: { ...usage, wallMs: wall() }, error: { errno, message },
    });
    const program = this.findProgram(argv[0], env, cwd, cred);
    if (typeof program === "number") {
      return notStarted(-program, program === -ENOENT ? `${argv[0]}: executable file not found in $PATH` : `${argv[0]}: permission denied`);
    }

    const memory = opts.memory !== undefined ? parseSize(opts.memory) : null;
    let machineRef: { icount: bigint; core: { getFramesInUse(): number } } | null = null;
    const det = opts.deterministic;
    const inner = det ? deterministicHost(base, { ...(typeof det === "object" ? det : {}), instructions: () => machineRef?.icount ?? 0n }) : base;
    const host = sandboxHost(inner, {
      stdin: io.stdin, output: io.output, tty: io.tty, hostname: this.hostname,
      memoryBytes: memory !== null ? BigInt(memory) : null,
      usedBytes: () => BigInt(machineRef?.core.getFramesInUse() ?? 0) * 4096n,
      log: opts.log,
    });
    const kept = this.sparePrograms;
    let spare = this.spare && this.spareUsed ? this.spare.recycle(SPARE_MEMORY_MAX, kept?.frames ?? 0) : this.spare;
    // The kept cache's frames are in the recycled machine's memory: with any other machine it is gone.
    const programs = spare && this.spareUsed && kept ? kept : undefined;
    this.spare = null;
    this.sparePrograms = null;
    this.spareUsed = false;
    if (!spare && this.nextMachine) {
      const next = this.nextMachine;
      this.nextMachine = null;
      spare = await next.catch(() => null);
    }
    const kernel = await Kernel.create(this.module, {
      host, trace: opts.trace, memoryLimit: memory ?? undefined, maxTasks: opts.pids,
      root: { sb: this.container.superblock, source: "overlay" }, machine: spare ?? undefined, programs,
    });
    const m = kernel.machine;
    machineRef = m;
    // Called once the kernel is done with the machine (whatever ended the run).
    const recycle = () => {
      if (this.closed || this.spare) return;
      const programs = kernel.keptPrograms;
      kernel.releaseCachedFrames(programs !== null);
      machineRef = null;
      // Kept only when recycle() will take it (every frame free but the program cache's, memory
      // not grown past the limit).
      if (m.core.getFramesInUse() !== (programs?.frames ?? 0) || m.core.memory.buffer.byteLength > SPARE_MEMORY_MAX) return;
      this.spare = m;
      this.sparePrograms = programs;
      this.spareUsed = true;
    };
    const prevClock = this.clock;
    this.clock = () => host.realtimeNs();
    const ctx = kernel.files.vfs.context(new FdTable());
    // Docker's order: the network files, then the user's mounts (which may cover them).
    for (const path of NETWORK_FILES) {
      const r = kernel.files.vfs.bindFile(ctx, path, this.networkFiles, path.slice(5));
      if (typeof r === "number") { this.clock = prevClock; throw new SandboxError(`cannot mount ${path}: ${ERRNO_TEXT[-r] ?? r}`); }
    }
    for (const mt of this.mounts) {
      mt.sb.forgetDirs(); // the host may have changed the folder since the last run
      const r = kernel.files.vfs.mount(ctx, mt.guest, mt.sb, mt.flags, mt.source);
      if (typeof r === "number") { this.clock = prevClock; throw new SandboxError(`mount ${mt.source}:${mt.guest}: ${ERRNO_TEXT[-r] ?? r}`); }
    }

    const proc = kernel.spawn(program, argv, env, cwd);
    if (isExecError(proc)) { this.clock = prevClock; recycle(); return notStarted(proc.errno, `${argv[0]}: ${proc.message}`); }
    proc.uid = proc.euid = proc.suid = proc.fsuid = cred.uid;
    proc.gid = proc.egid = proc.sgid = proc.fsgid = cred.gid;
    proc.groups = cred.groups;
    if (opts.files !== undefined) {
      proc.rlimits[RLIMIT_NOFILE] = [BigInt(opts.files), BigInt(opts.files)];
      proc.fds.limit = opts.files;
    }
    if (opts.pids !== undefined) proc.rlimits[RLIMIT_NPROC] = [BigInt(opts.pids), BigInt(opts.pids)];
    io.started?.(kernel, proc);

    let timedOut = false, oomKilled = false;
    const killAll = () => {
      for (const p of [...kernel.processes.values()]) if (p.alive && p !== proc) kernel.exitProcess(p, 0, SIGKILL);
      if (proc.alive) kernel.exitProcess(proc, 0, SIGKILL);
    };
    const running: Running = { kernel, init: proc, killAll };
    this.running.add(running);

    // Limits and accounting hook the machine's run: every slice and every stop passes through it.
    const budget = o.instructions ?? opts.instructions;
    const maxIcount = budget !== undefined ? BigInt(budget) : null;
    const coreRun = m.run.bind(m);
    let peakFrames = 0;
    m.run = (slice: number): number => {
      let n = slice;
      if (maxIcount !== null) {
        const left = maxIcount - m.icount;
        if (left <= 0n) { timedOut = true; killAll(); return L.EXIT_BUDGET; }
        if (left < BigInt(n)) n = Number(left);
      }
      let reason = coreRun(n);
      const frames = m.core.getFramesInUse();
      if (frames > peakFrames) peakFrames = frames;
      if (reason === L.EXIT_SYSCALL) usage.syscalls++;
      else if (reason === L.EXIT_OOM) {
        oomKilled = true;
        // Linux's OOM killer picks the process using most memory; if that is not the one that
        // faulted, its frames are freed and the faulting instruction runs again.
        const victim = largestProcess(kernel);
        const current = [...kernel.processes.values()].find((p) => p.alive && p.mm.root === m.addressSpace);
        if (victim && current && victim !== current) { kernel.exitProcess(victim, 0, SIGKILL); reason = L.EXIT_BUDGET; }
      }
      if (maxIcount !== null && m.icount >= maxIcount && reason === L.EXIT_BUDGET) { timedOut = true; killAll(); }
      return reason;
    };
    onRunning?.(running);
    const timeoutMs = o.timeoutMs ?? opts.timeoutMs;
    const timer = timeoutMs !== undefined ? setTimeout(() => { timedOut = true; killAll(); }, timeoutMs) : null;
    try {
      const status = await kernel.run(proc);
      // Daemons and orphans end with pid 1, as in a container.
      killAll();
      usage.instructions = Number(m.icount);
      usage.syscalls += m.fastSyscalls; // the ones the core answered itself
      usage.maxMemory = peakFrames * 4096;
      usage.wallMs = wall();
      const result = { exitCode: status.exitCode, signal: status.signal, timedOut, oomKilled, usage };
      recycle();
      return result;
    } finally {
      if (timer !== null) clearTimeout(timer);
      this.running.delete(running);
      if (this.clock !== prevClock && this.running.size === 0) this.clock = () => this.platform.host.realtimeNs();
    }
  }
}

/** The live process with the most resident pages (what the OOM killer chooses). */
function largestProcess(k: Kernel): Process | null {
  const core = k.machine.core;
  let best: Process | null = null, bestPages = -1;
  const seen = new Map<object, number>();
  for (const p of k.processes.values()) {
    if (!p.alive) continue;
    let pages = seen.get(p.mm);
    if (pages === undefined) {
      pages = 0;
      for (const v of p.mm.vmas) {
        if (!v.populated) continue;
        for (let a = v.start; a < v.end; a += 4096n) {
          const pte = core.ptLookup(p.mm.root, a);
          if ((pte & BigInt(L.PTE_PRESENT)) !== 0n && (pte & BigInt(L.PTE_LAZY)) === 0n) pages++;
        }
      }
      seen.set(p.mm, pages);
    }
    if (pages > bestPages) { best = p; bestPages = pages; }
  }
  return best;
}

/**
 * The container's /etc/hostname, /etc/hosts and /etc/resolv.conf (0644 root, as Docker writes
 * them) in a tmpfs of their own, like the files under /var/lib/docker/containers/<id>/. What the
 * guest writes to them counts against the container's byte budget.
 */
function makeNetworkFiles(o: SandboxOptions, platform: Platform, hostname: string, clock: () => bigint, created: bigint, budget?: ByteBudget): TmpfsSuperblock {
  let extraHosts: Array<[string, string]>;
  try {
    extraHosts = Array.isArray(o.extraHosts) ? o.extraHosts.map(parseExtraHost)
      : Object.entries(o.extraHosts ?? {}).map(([name, ip]) => parseExtraHost(`${name}:${ip}`));
  } catch (e) { throw new SandboxError((e as Error).message); }
  for (const n of o.dns ?? []) if (!isIP(n)) throw new SandboxError(`invalid nameserver ${JSON.stringify(n)}: not an IP address`);
  const files = networkFiles({
    hostname, extraHosts, dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOptions,
    hostResolvConf: o.deterministic ? null : platform.hostResolvConf?.() ?? null,
  });
  const sb = new TmpfsSuperblock(clock, { mode: 0o755, budget });
  for (const [name, text] of Object.entries(files)) {
    const f = sb.root.create(name, 0o644, ROOT);
    if (typeof f === "number" || !(f instanceof MemFile)) throw new SandboxError(`cannot make /etc/${name}`);
    f.write(utf8.encode(text), 0);
    f.atimeNs = f.mtimeNs = f.ctimeNs = f.btimeNs = created;
  }
  sb.root.atimeNs = sb.root.mtimeNs = sb.root.ctimeNs = sb.root.btimeNs = created;
  return sb;
}

/** mkdir -p as root; 0 or the first failure's -errno. */
function mkdirs(vfs: Vfs, ctx: FsContext, path: string): number {
  let cur = "";
  for (const part of path.split("/").filter((p) => p && p !== ".")) {
    cur += "/" + part;
    const st = vfs.lookup(ctx, AT_FDCWD, cur, true);
    if (typeof st !== "number") { if (!st.dentry.inode.isDir()) return -20; continue; }
    const e = vfs.mkdirat(ctx, AT_FDCWD, cur, 0o755);
    if (e < 0 && e !== -17) return e;
  }
  return 0;
}

function fsError(op: string, path: string, errno: number): Error {
  const e = new Error(`${op} ${path}: ${ERRNO_TEXT[-errno] ?? `errno ${-errno}`}`) as Error & { errno: number };
  e.errno = -errno;
  return e;
}
