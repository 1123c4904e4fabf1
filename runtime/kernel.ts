// The kernel: one Machine (one Wasm instance = one sandbox), its processes and threads, and the
// scheduler loop that runs a thread for a slice of instructions and acts on why the core stopped.
import { Machine, ACCESS_EXEC } from "./machine.js";
import type { JitOptions } from "./jit/index.js";
import * as L from "./gen/layout.js";
import type { Host } from "./host/types.js";
import { AddressSpace, ET_DYN_BASE, type MappedFile } from "./mm.js";
import { parseElf, loadElf, isExecError, ET_DYN, type ExecError, type ElfFile } from "./elf.js";
import { buildStack } from "./stack.js";
import { Process, Thread, RLIMIT_NPROC, RLIMIT_STACK, type SyscallValue } from "./process.js";
import { createFiles, type KernelFiles, type ExecutableFile } from "./files.js";
import { ProgramCache } from "./progcache.js";
import { FastFds } from "./fastfd.js";
import { fsnotify, DEV_NULL, DEV_ZERO, hostBytes } from "./vfs/index.js";
import { EAGAIN, EINTR, EINVAL, ELOOP, ENOEXEC, ENOMEM, ENOSYS, ERRNO_TEXT } from "./errno.js";
import { SYSCALLS } from "../syscalls/table.js";
import { isPark, type Park, type SyscallResult } from "../syscalls/types.js";
import { formatCall, formatResult } from "../syscalls/trace.js";
import { futexWake, exitRobustList } from "../syscalls/futex.js";
import { exitSem, releaseIpcNamespace } from "../syscalls/ipc.js";
import { deliverSignals, raiseFault, afterPark, noteSyscall, notifyExit, resetSignalsOnExec, addChildUsage, processExited, settleCpuTime, sendSignal } from "./signals.js";

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8 = 8, R9 = 9, R10 = 10, R11 = 11;

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
  SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17;

/** What a shell prints for a death by signal. */
export const SIGNAL_TEXT: Record<number, string> = {
  [SIGHUP]: "Hangup", [SIGINT]: "Interrupt", [SIGQUIT]: "Quit", [SIGILL]: "Illegal instruction",
  [SIGTRAP]: "Trace/breakpoint trap", [SIGABRT]: "Aborted", [SIGBUS]: "Bus error",
  [SIGFPE]: "Floating point exception", [SIGKILL]: "Killed", [SIGSEGV]: "Segmentation fault",
  [SIGPIPE]: "Broken pipe", [SIGALRM]: "Alarm clock", [SIGTERM]: "Terminated",
};

/** The signal Linux sends for each way the core can stop on a fault. */
const FAULT_SIGNAL: Record<number, number> = {
  [L.EXIT_PAGE_FAULT]: SIGSEGV, [L.EXIT_GP]: SIGSEGV, [L.EXIT_HLT]: SIGSEGV, [L.EXIT_UD]: SIGILL,
  [L.EXIT_DE]: SIGFPE, [L.EXIT_INT3]: SIGTRAP, [L.EXIT_OOM]: SIGKILL,
};

/** CPUID.1:EDX of the x86-64 baseline this core targets (FPU TSC CX8 CMOV FXSR SSE SSE2), used
 *  only when the core cannot answer CPUID itself. */
const BASELINE_CPUID1_EDX = 0x07008111;

export interface KernelOptions {
  host: Host;
  /** strace-like log of every system call on the host's stderr. */
  trace?: boolean;
  /** Explain fatal signals (fault address, opcode bytes) on stderr. */
  verbose?: boolean;
  /** Instructions per time slice. */
  sliceBudget?: number;
  /** Memory limit in bytes (frames the core may allocate). */
  memoryLimit?: number;
  /** Most tasks (processes + threads) the machine runs at once; fork/clone get EAGAIN beyond. */
  maxTasks?: number;
  /** The block JIT (runtime/jit): options, or false for the interpreter alone. Default: on. */
  jit?: JitOptions | false;
  /** The guest's root file system (a container's overlay); the host's "/" when absent. */
  root?: Parameters<typeof createFiles>[1];
  /** A machine in its power-on state (Machine.recycle) instead of a new one. */
  machine?: Machine;
  /**
   * The program cache of the last kernel on this (recycled) machine, whose frames Machine.recycle
   * kept: execs find their programs' pages, and the core its decoded blocks, from the last run.
   */
  programs?: ProgramCache;
}

export interface ExitStatus { exitCode: number; signal: number | null }

export const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_PIDFD = 0x1000,
  CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000,
  CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_DETACHED = 0x400000, CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x1000000, CLONE_NEWCGROUP = 0x2000000,
  CLONE_NEWUTS = 0x4000000, CLONE_NEWIPC = 0x8000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000,
  CLONE_NEWNET = 0x40000000, CLONE_IO = 0x80000000;
const CLONE_NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

/** What clone/clone3/fork/vfork ask for. */
export interface CloneArgs {
  flags: number;
  /** New stack pointer (0: the parent's). */
  stack: bigint;
  parentTid: bigint;
  childTid: bigint;
  tls: bigint;
  exitSignal: number;
  /** Runs once the child process exists, before it runs (clone's CLONE_PIDFD installs its pidfd). */
  onChild?: (child: Process) => void;
}

/** SIGCHLD si_code values (what waitid reports). */
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;

/** BINPRM recursion: how deep `#!` interpreters may nest (Linux allows 4 levels). */
const MAX_INTERP_DEPTH = 4;
/** Bytes of a `#!` line Linux reads (BINPRM_BUF_SIZE). */
const BINPRM_BUF_SIZE = 256;
/** A promise that never settles: the parked call of a kernel wait, woken by Kernel.resume. */
const NEVER: Promise<SyscallValue> = new Promise<SyscallValue>(() => {});

const SIG_IGN = 1n;
/** Frames the program cache may keep: 64 MiB. */
const PROGRAM_CACHE_FRAMES = 16384;
const SA_NOCLDWAIT = 2n;
const ELIBBAD = 80;
/** The kernel-internal -ERESTART* results (512…516): a restart needs the call number noted. */
const ERESTART_LOW = 512, ERESTART_HIGH = 516;

export class Kernel {
  /** Every process not yet reaped (running, stopped or zombie), by pid. */
  readonly processes = new Map<number, Process>();
  /** Live threads in round-robin order. */
  private threads: Thread[] = [];
  private next = 0;
  /** The thread whose state is in the machine's state block. */
  private onCpu: Thread | null = null;
  private nextId = 1;
  private wake: (() => void) | null = null;
  private reported = new Set<number>();
  /** Parked calls waiting on a host promise (I/O, timers): while any is pending the run is not stuck. */
  private hostWaits = 0;
  /** Set by sched_yield and wakeups: the running thread's slice ends at its next stop. */
  private yieldNow = false;
  /** Processes sharing one descriptor table (CLONE_FILES): the table closes with the last. */
  private fdUsers = new WeakMap<object, number>();
  /** The first process: orphans are reparented to it; the run ends when it exits. */
  init: Process | null = null;
  /** The thread whose system call (or parked call's retry) is running: Linux's `current`, for drivers. */
  current: Thread | null = null;
  /** The file layer (VFS, mounts, per-process file-system contexts). */
  readonly files: KernelFiles;
  /** AT_HWCAP: what the core's CPUID leaf 1 reports in EDX. */
  readonly hwcap: number;
  readonly trace: boolean;
  readonly verbose: boolean;
  readonly maxTasks: number;
  /** Largest single memory commitment (see AddressSpace.commitLimit). */
  readonly commitLimit: bigint;
  private readonly slice: number;
  /** Forked children's CLONE_CHILD_SETTID addresses, written when each first runs. */
  private childSetTid = new WeakMap<Thread, bigint>();
  /** Program files and their pages, kept between execs (made at the first exec). */
  private programs: ProgramCache | null = null;
  /** The guest memory limit in bytes, if any (tmpfs mounts get it as their size too). */
  readonly memoryLimit: number | undefined;

  private constructor(readonly machine: Machine, readonly host: Host, opts: KernelOptions) {
    this.trace = !!opts.trace;
    this.verbose = !!opts.verbose;
    this.slice = opts.sliceBudget ?? 1_000_000;
    this.memoryLimit = opts.memoryLimit || undefined;
    // A cache kept with the machine holds frames only where no memory limit applies (readProgram).
    if (opts.programs && opts.machine && this.memoryLimit === undefined) { opts.programs.rebind(machine.core); this.programs = opts.programs; }
    this.maxTasks = opts.maxTasks ?? 1024;
    if (opts.memoryLimit) machine.core.setFrameLimit(Math.ceil(opts.memoryLimit / 4096));
    // Wasm memory holds at most 4 GiB of frames: that is the machine's RAM unless a limit is lower.
    const ram = opts.memoryLimit ? BigInt(opts.memoryLimit) : 4n << 30n;
    const hostRam = host.totalMemory();
    this.commitLimit = hostRam > 0n && hostRam < ram ? hostRam : ram;
    this.hwcap = machine.cpuid1Edx ??= this.probeCpuid1Edx() ?? BASELINE_CPUID1_EDX;
    this.files = createFiles(this, opts.root);
    // The calls the core may answer itself (asm/fastsys.ts); time only from a real clock, read
    // through the same host as the kernel's handlers.
    machine.clock = host;
    this.fastFamilies = L.FAST_IDS | L.FAST_RANDOM | L.FAST_FUTEX_WAKE | L.FAST_FD | (host.virtualClock ? 0 : L.FAST_CLOCK);
    const devices = this.files.vfs.devices;
    this.fastFds = new FastFds(machine, devices.get(DEV_NULL), devices.get(DEV_ZERO));
  }
  private readonly fastFamilies: number;
  /** The running thread's descriptors as the core's read/write fast path sees them. */
  private readonly fastFds: FastFds;
  /** Drops the core's copies of a file's pages (the file is now mapped shared: reads go through the kernel). */
  dropFileCopies(file: object): void { this.fastFds.dropCopiesOf(file); }

  /** A kernel on a new machine instantiated from the compiled core module. */
  static async create(module: WebAssembly.Module, opts: KernelOptions): Promise<Kernel> {
    return new Kernel(opts.machine ?? await Machine.create(module, { jit: opts.jit }), opts.host, opts);
  }

  /** Runs CPUID leaf 1 on the core in a scratch address space and returns EDX (null if #UD). */
  private probeCpuid1Edx(): number | null {
    const m = this.machine, core = m.core;
    const root = core.ptNew();
    if (root === 0) return null;
    core.setAddressSpace(root);
    core.ptMap(root, 0x10000n, 1, 0, L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC | L.PTE_USER);
    m.copyOut(0x10000n, new Uint8Array([0x0f, 0xa2, 0xcc])); // cpuid; int3
    m.resetState();
    m.setReg(RAX, 1n); m.setReg(RCX, 0n);
    m.rip = 0x10000n;
    const reason = m.run(16);
    const edx = reason === L.EXIT_INT3 ? Number(m.reg(RDX) & 0xffffffffn) : null;
    m.view.setBigUint64(L.S_ICOUNT, 0n, true); // the probe's instructions are not the guest's
    core.ptFree(root);
    core.flushCodeCache();
    core.tlbFlush();
    return edx;
  }

  // ---- processes ------------------------------------------------------------------------------

  /** Resolves a guest path against a cwd (lexically; the VFS does the real walk). */
  resolvePath(cwd: string, path: string): string {
    const parts = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/");
    const out: string[] = [];
    for (const p of parts) {
      if (p === "" || p === ".") continue;
      if (p === "..") out.pop(); else out.push(p);
    }
    return "/" + out.join("/");
  }

  /** Live tasks (threads of live processes): what fork's limits count. */
  get taskCount(): number { return this.threads.length; }

  /** A thread by tid (any live process). */
  thread(tid: number): Thread | undefined {
    for (const t of this.threads) if (t.tid === tid) return t;
    return undefined;
  }

  /** Ids handed out so far: /proc/stat's count of tasks created since boot. */
  get tasksCreated(): number { return this.nextId - 1; }

  private newId(): number {
    while (this.processes.has(this.nextId) || this.thread(this.nextId)) this.nextId++;
    return this.nextId++;
  }

  /**
   * Creates the first process of the machine from a program, with the host's stdio as
   * descriptors 0–2. Returns an ExecError (ENOENT, EACCES, ENOEXEC…) when it cannot be loaded.
   */
  spawn(path: string, argv: string[], envp: string[], cwd: string): Process | ExecError {
    // The host's strings (Unicode) become what the kernel keeps: byte strings of their UTF-8.
    path = hostBytes(path); cwd = hostBytes(cwd);
    argv = argv.map(hostBytes); envp = envp.map(hostBytes);
    const fds = this.files.stdioFds();
    const mm = AddressSpace.create(this.machine.core);
    if (!mm) return { errno: ENOMEM, message: "out of memory" };
    mm.commitLimit = this.commitLimit;
    const pid = this.newId();
    const proc = new Process(pid, null, mm, fds, cwd);
    proc.startNs = this.host.monotonicNs();
    this.fdUsers.set(fds, 1);
    this.files.initProcess(proc, cwd);
    const thread = new Thread(pid, proc);
    proc.threads.push(thread);
    this.processes.set(pid, proc);
    const err = this.execImage(proc, thread, path, argv, envp, 0);
    if (err) { this.processes.delete(pid); mm.destroy(); this.nextId = pid; return err; }
    this.threads.push(thread);
    this.init ??= proc;
    return proc;
  }

  /**
   * Gives back the frames the kernel keeps beyond its processes (IPC segments, and cached programs
   * unless keepPrograms), so the machine can be reused.
   */
  releaseCachedFrames(keepPrograms = false): void {
    if (!keepPrograms) this.programs?.dropFrames();
    releaseIpcNamespace(this);
  }

  /** The program cache when it holds frames a recycled machine can keep for the next kernel (Machine.recycle's keptFrames). */
  get keptPrograms(): ProgramCache | null { return this.programs && this.programs.frames > 0 ? this.programs : null; }

  /** The program file: read through the VFS with execve's checks. */
  private readProgram(proc: Process, path: string): ReturnType<KernelFiles["readExecutable"]> {
    if (path === "") return { errno: 2, message: ERRNO_TEXT[2] };
    // Frames are kept only on machines without a memory limit: there a cached page would count
    // against the guest's memory, and the OOM killer could not take it back.
    this.programs ??= new ProgramCache(this.machine.core, this.memoryLimit !== undefined ? 0 : PROGRAM_CACHE_FRAMES);
    return this.files.readExecutable(proc, path, this.programs);
  }

  /**
   * Loads a program into a new address space for proc and, once nothing can fail any more,
   * replaces the old image with it: `#!` scripts run their interpreter (one optional argument,
   * nested up to four deep), dynamic programs get their PT_INTERP loaded too. Returns null or
   * the error execve reports (the old image is untouched then).
   */
  execImage(proc: Process, thread: Thread, path: string, argv: string[], envp: string[], depth: number): ExecError | null {
    const file = this.readProgram(proc, path);
    if (isExecError(file)) return file;
    const bytes = file.bytes;
    if (bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21) {
      if (depth >= MAX_INTERP_DEPTH) return { errno: ELOOP, message: "too many levels of #! interpreters" };
      const line = parseShebang(bytes);
      if (!line) return { errno: ENOEXEC, message: "#! line names no interpreter" };
      const next = [line.interp, ...(line.arg !== null ? [line.arg] : []), path, ...argv.slice(1)];
      return this.execImage(proc, thread, line.interp, next, envp, depth + 1);
    }
    const elf = parsedElf(file);
    if (isExecError(elf)) return elf;
    let interp: { bytes: Uint8Array; elf: ElfFile; path: string; file: ExecutableFile } | null = null;
    if (elf.interp !== null) {
      const f = this.readProgram(proc, elf.interp);
      // A missing interpreter is ENOENT from execve, as on Linux (the shell's "not found" puzzle).
      if (isExecError(f)) return { errno: f.errno, message: `interpreter ${elf.interp}: ${f.message}` };
      const ie = parsedElf(f);
      if (isExecError(ie)) return { errno: ie.errno === ENOEXEC ? ELIBBAD : ie.errno, message: `interpreter ${elf.interp}: ${ie.message}` };
      interp = { bytes: f.bytes, elf: ie, path: f.path, file: f };
    }
    const m = this.machine;
    if (this.onCpu && this.onCpu !== thread) {
      // spawn loads a program while another thread's state is in the machine: keep it.
      if (!this.onCpu.exited) this.onCpu.state = m.saveState();
      this.onCpu = null;
    }
    const mm = AddressSpace.create(m.core);
    if (!mm) return { errno: ENOMEM, message: "out of memory" };
    mm.commitLimit = this.commitLimit;
    const prevRoot = m.addressSpace;
    m.core.setAddressSpace(mm.root);
    const fail = (e: ExecError): ExecError => { m.core.setAddressSpace(prevRoot); mm.destroy(); return e; };
    const img = loadElf(m, mm, bytes, elf, file.path, mappedIdentity(file), this.pageFrames(file));
    if (isExecError(img)) return fail(img);
    let base = 0n, entry = img.entry;
    if (interp) {
      const ii = loadElf(m, mm, interp.bytes, { ...interp.elf, interp: null }, interp.path, mappedIdentity(interp.file), this.pageFrames(interp.file));
      if (isExecError(ii)) return fail(ii);
      base = ii.loadBias;
      entry = ii.entry;
    }
    // A static-pie lives in the mmap area, so Linux moves its heap to ELF_ET_DYN_BASE where it
    // can grow without running into mappings.
    mm.initBrk(elf.type === ET_DYN && elf.interp === null ? ET_DYN_BASE : img.end);
    const random = new Uint8Array(16);
    this.host.randomBytes(random);
    const sp = buildStack(m, mm, {
      argv, envp, execfn: path, phdr: img.phdrAddr, phnum: img.phnum, entry: img.entry, base,
      hwcap: this.hwcap, random, uid: proc.uid, gid: proc.gid, minSigStackSize: 2048, execStack: img.execStack,
    });
    if (isExecError(sp)) return fail(sp);

    // The point of no return: the old image goes.
    for (const other of [...proc.threads]) if (other !== thread) this.killThread(other);
    proc.threads = [thread];
    if (thread.tid !== proc.pid) thread.tid = proc.pid; // the survivor takes the leader's id
    this.releaseThreadMemory(thread, true);
    const old = proc.mm;
    proc.mm = mm;
    if (old !== mm && --old.users === 0) old.destroy();
    this.unshareFiles(proc);
    this.files.execFiles(proc);
    resetSignalsOnExec(proc, thread);
    m.resetState();
    m.setReg(RSP, sp);
    m.rip = entry;
    proc.exe = file.path;
    this.files.setExe(proc, file.at);
    thread.name = path.slice(path.lastIndexOf("/") + 1).slice(0, 15);
    proc.argv = argv;
    proc.envp = envp;
    proc.didExec = true;
    // execve(2): the "keep capabilities" flag is cleared, the process becomes dumpable again.
    proc.prctl.keepCaps = false;
    proc.prctl.dumpable = 1;
    thread.state = null;
    this.onCpu = thread;
    this.releaseVforkParent(proc);
    return null;
  }

  /** The cached program's frame for each file page, made on first use (0: copy the page instead). */
  private pageFrames(file: ExecutableFile): ((page: number) => number) | undefined {
    const cache = this.programs, p = file.program;
    return cache && p ? (page) => cache.frame(p, page) : undefined;
  }

  /** execve(2) from a running thread: 0 with the new image in place, or -errno. */
  execve(t: Thread, path: string, argv: string[], envp: string[]): number {
    const err = this.execImage(t.process, t, path, argv, envp, 0);
    return err ? -err.errno : 0;
  }

  /** A CLONE_FILES table stops being shared at execve (Linux's unshare_files). */
  private unshareFiles(proc: Process): void {
    const users = this.fdUsers.get(proc.fds) ?? 1;
    if (users <= 1) return;
    this.fdUsers.set(proc.fds, users - 1);
    proc.fds = (proc.fds as unknown as { fork(): typeof proc.fds }).fork();
    this.fdUsers.set(proc.fds, 1);
  }

  /**
   * fork, vfork, clone and clone3: a new thread in t's process (CLONE_THREAD) or a new process
   * whose memory, descriptors, cwd and signal handlers are copies or, by flag, shared. Returns
   * the child's id to the parent (the child sees 0), or a parked wait for CLONE_VFORK.
   */
  clone(t: Thread, c: CloneArgs): SyscallResult {
    const f = c.flags;
    const parent = t.process;
    if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND)) return -EINVAL;
    if ((f & CLONE_SIGHAND) && !(f & CLONE_VM)) return -EINVAL;
    if ((f & CLONE_NEWNS) && (f & CLONE_FS)) return -EINVAL;
    if ((f & CLONE_NAMESPACES) || (f & CLONE_PIDFD)) return -EINVAL;
    if (this.threads.length >= this.maxTasks) return -EAGAIN;
    // RLIMIT_NPROC counts the tasks of the real user; root (CAP_SYS_RESOURCE) is exempt.
    if (parent.euid !== 0) {
      let n = 0;
      for (const x of this.threads) if (x.process.uid === parent.uid) n++;
      if (BigInt(n) >= parent.rlimits[RLIMIT_NPROC][0]) return -EAGAIN;
    }
    const m = this.machine;
    const state = m.saveState();
    const dv = new DataView(state.buffer);
    const base = L.STATE_BASE;
    dv.setBigUint64(L.S_REGS - base + RAX * 8, 0n, true);
    if (c.stack !== 0n) dv.setBigUint64(L.S_REGS - base + RSP * 8, c.stack, true);
    if (f & CLONE_SETTLS) dv.setBigUint64(L.S_FS_BASE - base, c.tls, true);

    if (f & CLONE_THREAD) {
      const child = new Thread(this.newId(), parent);
      child.state = state;
      child.sigmask = t.sigmask;
      child.name = t.name;
      child.nice = t.nice;
      child.ioprio = t.ioprio;
      if (f & CLONE_CHILD_CLEARTID) child.clearChildTid = c.childTid;
      if (f & CLONE_PARENT_SETTID) m.writeU32(c.parentTid, child.tid);
      if (f & CLONE_CHILD_SETTID) m.writeU32(c.childTid, child.tid);
      parent.threads.push(child);
      this.threads.push(child);
      return child.tid;
    }

    let mm: AddressSpace | null;
    if (f & CLONE_VM) { mm = parent.mm; mm.users++; }
    else mm = parent.mm.fork();
    if (!mm) return -ENOMEM;
    const pid = this.newId();
    const realParent = (f & CLONE_PARENT) && parent.parent ? parent.parent : parent;
    const child = new Process(pid, realParent, mm, parent.fds, parent.cwd, {
      sigactions: (f & CLONE_SIGHAND) ? parent.sigactions
        : parent.sigactions.map((a) => ({ handler: a.handler, flags: a.flags, restorer: a.restorer, mask: a.mask })),
      rlimits: parent.rlimits.map((r) => [r[0], r[1]] as [bigint, bigint]),
    });
    child.startNs = this.host.monotonicNs();
    this.files.forkFiles(parent, child, { shareFiles: !!(f & CLONE_FILES), shareFs: !!(f & CLONE_FS) });
    this.fdUsers.set(child.fds, (f & CLONE_FILES) ? (this.fdUsers.get(child.fds) ?? 1) + 1 : 1);
    if (f & CLONE_FS) child.fsContext = parent.fsContext;
    else child.fsContext = { ...parent.fsContext };
    child.uid = parent.uid; child.euid = parent.euid; child.suid = parent.suid; child.fsuid = parent.fsuid;
    child.gid = parent.gid; child.egid = parent.egid; child.sgid = parent.sgid; child.fsgid = parent.fsgid;
    child.groups = [...parent.groups];
    child.pgid = parent.pgid; child.sid = parent.sid;
    child.exitSignal = c.exitSignal;
    child.exe = parent.exe; child.argv = parent.argv; child.envp = parent.envp;
    child.personality = parent.personality;
    child.prctl = { ...parent.prctl, pdeathSignal: 0 };
    realParent.children.add(child);
    dv.setUint32(L.S_CR3 - base, mm.root, true);
    const thread = new Thread(pid, child);
    thread.state = state;
    thread.sigmask = t.sigmask;
    thread.name = t.name;
    thread.nice = t.nice;
    thread.ioprio = t.ioprio;
    thread.altStack = { ...t.altStack };
    if (f & CLONE_CHILD_CLEARTID) thread.clearChildTid = c.childTid;
    child.threads.push(thread);
    this.processes.set(pid, child);
    this.threads.push(thread);
    c.onChild?.(child);
    if (f & CLONE_PARENT_SETTID) m.writeU32(c.parentTid, pid);
    if (f & CLONE_CHILD_SETTID) {
      // In the child's own memory, the child writes it when it first runs (Linux's schedule_tail):
      // no switch to its address space and back now.
      if (mm === parent.mm) m.writeU32(c.childTid, pid);
      else this.childSetTid.set(thread, c.childTid);
    }
    if (f & CLONE_VFORK) {
      child.vforkParent = t;
      return this.kernelWait(t, () => { if (child.vforkParent === t) child.vforkParent = null; });
    }
    return pid;
  }

  /** Runs fn with root as the current address space. */
  inAddressSpace<T>(root: number, fn: () => T): T {
    const core = this.machine.core, prev = this.machine.addressSpace;
    if (prev === root) return fn();
    core.setAddressSpace(root);
    try { return fn(); } finally { core.setAddressSpace(prev); }
  }

  /** The vfork parent resumes (with the child's pid) once the child has exec'd or exited. */
  private releaseVforkParent(child: Process): void {
    const p = child.vforkParent;
    if (!p) return;
    child.vforkParent = null;
    this.resume(p, child.pid);
  }

  /**
   * What a thread leaves behind in memory: the robust futex list is walked (owners die, a waiter
   * is woken) and, when others can still see the memory, the CLONE_CHILD_CLEARTID word is zeroed
   * and woken (what pthread_join waits on).
   */
  private releaseThreadMemory(t: Thread, exec: boolean): void {
    const mm = t.process.mm;
    if (mm.users === 0) return;
    this.inAddressSpace(mm.root, () => {
      if (t.robustList !== 0n) exitRobustList(this, t);
      if (t.clearChildTid !== 0n && (!exec || mm.users > 1 || t.process.threads.length > 1)) {
        if (this.machine.writeU32(t.clearChildTid, 0)) futexWake(this, t.process, t.clearChildTid, 1, 0xffffffff, false);
      }
    });
    t.robustList = 0n;
    t.clearChildTid = 0n;
  }

  /** Takes a thread off the machine (other threads at exit_group/execve, or itself). */
  private killThread(t: Thread): void {
    if (t.exited) return;
    t.exited = true;
    const f = t.interruptPark;
    t.interruptPark = null;
    t.blocked = false;
    t.parkSeq++;
    this.threads = this.threads.filter((x) => x !== t);
    if (this.onCpu === t) this.onCpu = null;
    // Kernel waits (futex, wait4) must forget the thread; their results go nowhere.
    if (f) f(-EINTR);
    t.blocked = false;
  }

  /** Ends every thread of proc; the status is what wait4 and the CLI report. */
  exitProcess(proc: Process, code: number, signal: number | null): void {
    if (!proc.alive) return;
    proc.exitStatus = { code: code & 0xff, signal };
    proc.stopped = false;
    settleCpuTime(this);
    processExited(proc);
    for (const t of proc.threads) {
      if (!t.exited) this.releaseThreadMemory(t, false);
      this.killThread(t);
    }
    const users = (this.fdUsers.get(proc.fds) ?? 1) - 1;
    this.fdUsers.set(proc.fds, users);
    this.files.exitFiles(proc);
    if (users <= 0) proc.fds.closeAll();
    if (--proc.mm.users === 0) proc.mm.destroy();
    exitSem(this, proc);
    this.releaseVforkParent(proc);
    // Orphans go to the nearest living subreaper ancestor, or to init.
    let reaper: Process | null = proc.parent;
    while (reaper && !(reaper.childSubreaper && reaper.alive)) reaper = reaper.parent;
    if (!reaper || reaper === proc) reaper = this.init && this.init !== proc && this.init.alive ? this.init : null;
    for (const c of proc.children) {
      c.parent = reaper;
      // PR_SET_PDEATHSIG: the child hears of its parent's death (already reparented, as Linux does).
      if (c.prctl.pdeathSignal && c.alive) sendSignal(this, c, c.prctl.pdeathSignal);
      if (reaper) {
        reaper.children.add(c);
        if (c.zombie) this.childChanged(c);
      } else if (c.zombie) this.reap(c);
    }
    proc.children.clear();
    const parent = proc.parent;
    if (!parent || !parent.alive) { if (proc !== this.init) this.reap(proc); }
    else {
      const act = parent.sigactions[SIGCHLD];
      // A parent that ignores SIGCHLD (or asks SA_NOCLDWAIT) leaves no zombies.
      if (proc.exitSignal === SIGCHLD && (act.handler === SIG_IGN || (act.flags & SA_NOCLDWAIT))) this.reap(proc);
      else {
        if (proc.exitSignal > 0) notifyExit(this, parent, proc, proc.exitSignal);
        this.childChanged(proc);
      }
    }
    const w = this.wake; this.wake = null; w?.();
  }

  /** The process is gone: its pid is free and wait can no longer report it. */
  reap(proc: Process): void {
    if (proc.reaped) return;
    if (proc.parent) addChildUsage(proc.parent, proc);
    proc.reaped = true;
    this.processes.delete(proc.pid);
    proc.parent?.children.delete(proc);
  }

  /** A child exited, stopped or continued: parked wait4/waitid callers in its parent look again. */
  childChanged(child: Process): void {
    const parent = child.parent;
    if (!parent) return;
    for (const w of [...parent.waiters]) if (w.retry()) parent.waiters = parent.waiters.filter((x) => x !== w);
  }

  /** Lets the scheduler loop pick again (a stopped process continued, a signal queued). */
  wakeScheduler(): void {
    this.yieldNow = true;
    const w = this.wake; this.wake = null; w?.();
  }

  /** Ends one thread (exit(2)); the last thread ends the process with the same status. */
  exitThread(t: Thread, code: number): void {
    const proc = t.process;
    if (proc.threads.filter((x) => !x.exited).length <= 1) { this.exitProcess(proc, code, null); return; }
    this.releaseThreadMemory(t, false);
    this.killThread(t);
    proc.threads = proc.threads.filter((x) => x !== t);
  }

  // ---- parking --------------------------------------------------------------------------------

  /**
   * A wait the kernel itself ends (futex, wait4, vfork): the thread is parked until resume(t, v)
   * or interrupt(t); cancel undoes the wait's bookkeeping when it ends any other way.
   */
  kernelWait(t: Thread, cancel: () => void, timeout?: { ms: number; result: () => SyscallValue }): Park {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let park = NEVER;
    if (timeout) {
      park = new Promise<SyscallValue>((resolve) => {
        timer = setTimeout(() => { timer = null; cancel(); resolve(timeout.result()); }, Math.max(0, Math.min(timeout.ms, 0x7fffffff)));
      });
    }
    const seq = t.parkSeq + 1; // the sequence number park() is about to give this wait
    t.onResume = () => { if (timer !== null) { clearTimeout(timer); timer = null; } };
    return {
      park,
      interrupt: (v: SyscallValue = -EINTR) => {
        if (timer !== null) { clearTimeout(timer); timer = null; }
        cancel();
        if (t.parkSeq === seq) this.resume(t, v);
      },
    };
  }

  private park(t: Thread, res: Park, onDone: (v: SyscallValue) => void): void {
    t.blocked = true;
    const seq = ++t.parkSeq;
    t.interruptPark = res.interrupt ?? null;
    t.resumeHook = onDone;
    if (res.park === NEVER) return;
    this.hostWaits++;
    const settle = (v: SyscallValue) => {
      this.hostWaits--;
      if (t.parkSeq === seq && t.blocked) this.resume(t, v);
      else { const w = this.wake; this.wake = null; w?.(); }
    };
    res.park.then(settle, (e) => {
      this.host.log(`wasl: internal error in a parked system call: ${(e as Error)?.stack ?? e}`);
      settle(-ENOSYS);
    });
  }

  /** Ends t's parked call with result v (the thread runs again at its next turn). */
  resume(t: Thread, v: SyscallValue): void {
    if (!t.blocked || t.exited) return;
    t.blocked = false;
    t.parkSeq++;
    t.interruptPark = null;
    const hook = t.onResume;
    t.onResume = null;
    hook?.();
    t.pendingResult = v;
    const done = t.resumeHook;
    t.resumeHook = null;
    done?.(v);
    this.yieldNow = true;
    const w = this.wake; this.wake = null; w?.();
  }

  /**
   * Ends t's parked call early with result (-EINTR, or what a restart needs): for the signal code.
   * False when t is not parked in an interruptible call.
   */
  interrupt(t: Thread, result: SyscallValue = -EINTR): boolean {
    const f = t.interruptPark;
    if (!t.blocked || !f) return false;
    f(result);
    return true;
  }

  /** sched_yield: the calling thread's slice ends. */
  yieldCpu(): void { this.yieldNow = true; }

  // ---- the scheduler --------------------------------------------------------------------------

  /** Puts t's state into the machine (saving the previous thread's). */
  private switchTo(t: Thread): void {
    if (this.onCpu === t) return;
    if (this.onCpu && !this.onCpu.exited) this.onCpu.state = this.machine.saveState();
    if (t.state) this.machine.loadState(t.state);
    else this.machine.core.setAddressSpace(t.process.mm.root);
    t.state = null;
    this.onCpu = t;
    const tidAddr = this.childSetTid.get(t);
    if (tidAddr !== undefined) { this.childSetTid.delete(t); this.machine.writeU32(tidAddr, t.tid); }
  }

  private pickNext(): Thread | null {
    const n = this.threads.length;
    for (let i = 0; i < n; i++) {
      const t = this.threads[(this.next + i) % n];
      if (!t.blocked && !t.process.stopped) { this.next = (this.next + i + 1) % n; return t; }
    }
    return null;
  }

  /**
   * Runs until proc has exited; never throws for anything the guest does. Each runnable thread
   * in turn gets a slice of instructions (a system call does not end it unless the thread parks
   * or yields). The run ends when proc exits, as `wasl exec` reports proc's status: processes it
   * left behind (daemons, orphans) stop with it.
   */
  async run(proc: Process): Promise<ExitStatus> {
    // While the run lasts the host process stays alive: when every thread waits, the parked calls
    // need not hold a host handle (a pipe or futex wait is woken by another guest thread, a
    // deadlock or pause() by nothing), and like Linux the run then waits for a host signal.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      return await this.runUntilExit(proc);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async runUntilExit(proc: Process): Promise<ExitStatus> {
    const m = this.machine;
    let lastYield = this.host.monotonicNs();
    while (proc.alive) {
      const t = this.pickNext();
      if (!t) {
        if (this.threads.length === 0) break;
        await new Promise<void>((resolve) => { this.wake = resolve; });
        continue;
      }
      this.switchTo(t);
      let budget = this.slice;
      this.yieldNow = false;
      if (t.pendingResult !== null) { m.setReg(RAX, BigInt.asUintN(64, BigInt(t.pendingResult))); t.pendingResult = null; }
      // Every return to user mode (a slice start, after a call or a fault) runs pending signals.
      let runnable = deliverSignals(this, t);
      while (runnable) {
        // Calls that need nothing decided now are answered in the core (not when tracing): no
        // signal can become pending while it runs, and all pending ones were just delivered.
        // read/write stay in the kernel while inotify watches anything: it reports them.
        const families = this.trace ? 0 : fsnotify.watches ? this.fastFamilies & ~L.FAST_FD : this.fastFamilies;
        if (families & L.FAST_FD) this.fastFds.publish(t.process.fds);
        m.setFastPath(families, t.process.pid, t.tid);
        const before = m.icountLow;
        const reason = m.run(budget);
        budget -= (m.icountLow - before) >>> 0;
        if (reason === L.EXIT_SYSCALL) this.syscall(t);
        else if (reason !== L.EXIT_BUDGET) this.fault(t, reason);
        if (budget <= 0 || t.exited || t.blocked || this.yieldNow || t.process.stopped || !proc.alive) break;
        runnable = deliverSignals(this, t);
      }
      t.process.icount += BigInt(this.slice - budget);
      // Parked calls whose host promise has settled resume here, before the next pick.
      if (this.hostWaits > 0) await Promise.resolve();
      const now = this.host.monotonicNs();
      if (now - lastYield > 20_000_000n) { await this.host.yieldToHost(); lastYield = this.host.monotonicNs(); }
    }
    const s = proc.exitStatus ?? { code: 0, signal: SIGKILL };
    return s.signal !== null ? { exitCode: 128 + s.signal, signal: s.signal } : { exitCode: s.code, signal: null };
  }

  /** A CPU fault: Linux would send a signal whose default action kills the process. */
  private fault(t: Thread, reason: number): void {
    const m = this.machine;
    // A touch just below a MAP_GROWSDOWN stack grows it, and the instruction runs again.
    if (reason === L.EXIT_PAGE_FAULT && t.process.mm.growDown(m.faultAddr, t.process.rlimits[RLIMIT_STACK][0])) return;
    // Out of frames: cached program and file pages go first, and the instruction runs again.
    if (reason === L.EXIT_OOM && (this.programs?.dropFrames() || this.fastFds.dropFileFrames())) return;
    raiseFault(this, t, reason);
  }

  describeFault(reason: number): string {
    const m = this.machine;
    const rip = `rip 0x${m.rip.toString(16)}`;
    switch (reason) {
      case L.EXIT_PAGE_FAULT: {
        const acc = m.faultAccess === 2 ? "write" : m.faultAccess === 4 ? "execute" : "read";
        return `page fault: ${acc} at 0x${m.faultAddr.toString(16)}, ${rip}`;
      }
      case L.EXIT_UD: return `#UD: undefined or unimplemented opcode at ${rip}: ${this.codeBytes(m.rip, 15)}`;
      case L.EXIT_DE: return `#DE: divide error at ${rip}`;
      case L.EXIT_GP: return `#GP: general protection at ${rip}: ${this.codeBytes(m.rip, 15)}`;
      case L.EXIT_HLT: return `hlt in user mode at ${rip}`;
      case L.EXIT_INT3: return `int3 at 0x${(m.rip - 1n).toString(16)}`;
      case L.EXIT_OOM: return `out of memory touching 0x${m.faultAddr.toString(16)}`;
      default: return `exit reason ${reason}`;
    }
  }

  /** Hex bytes of the instruction stream at va (for #UD reports). */
  private codeBytes(va: bigint, n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const h = Number(this.machine.core.translate(va + BigInt(i), ACCESS_EXEC, 1));
      if (h < 0) break;
      out.push(this.machine.u8[h].toString(16).padStart(2, "0"));
    }
    return out.join(" ");
  }

  // ---- system calls -------------------------------------------------------------------------

  /** Dispatches the system call the thread stopped on; nothing thrown reaches the loop. */
  private syscall(t: Thread): void {
    const m = this.machine;
    // A call number that is no small integer is no valid one: -1 finds no entry.
    const nrInt = m.regInt(RAX);
    const nrNum = nrInt >= 0 ? nrInt : -1;
    const a = [m.reg(RDI), m.reg(RSI), m.reg(RDX), m.reg(R10), m.reg(R8), m.reg(R9)];
    // SYSCALL leaves the return address in rcx and RFLAGS in r11, which Linux returns as they are.
    m.syscallEntry();
    const entry = nrNum >= 0 && nrNum < SYSCALLS.length ? SYSCALLS[nrNum] : undefined;
    let res: SyscallResult;
    const callText = this.trace ? formatCall(this, m.reg(RAX), a) : "";
    if (!entry || !entry.handler) {
      const nr = m.reg(RAX);
      const key = Number(nr & 0xffffn);
      if (!this.reported.has(key)) {
        this.reported.add(key);
        this.host.log(`wasl: unimplemented syscall ${entry ? entry.name : "unknown"} (${nr})`);
      }
      res = -ENOSYS;
    } else {
      this.current = t;
      try { res = entry.handler(this, t, a); } catch (e) {
        this.host.log(`wasl: internal error in ${entry.name}: ${(e as Error)?.stack ?? e}`);
        res = -ENOSYS;
      }
    }
    if (typeof res === "number") {
      // The common case: a small result written without a BigInt.
      if (res <= -ERESTART_LOW && res >= -ERESTART_HIGH) noteSyscall(t, nrNum);
      if (this.trace) this.host.log(`${callText} = ${t.exited ? "?" : formatResult(this, entry, a, res)}`);
      if (!t.exited) {
        if (res === (res | 0)) m.setRegInt(RAX, res);
        else m.setReg(RAX, BigInt(res));
      }
      return;
    }
    if (isPark(res)) {
      // The call number for a restart after a signal ends the wait (Linux's orig_rax).
      noteSyscall(t, nrNum);
      if (this.trace) this.host.log(`${callText} <unfinished ...>`);
      const tid = t.tid;
      this.park(t, res, (v) => {
        if (this.trace) this.host.log(`[pid ${tid}] <... ${entry?.name} resumed> = ${formatResult(this, entry, a, v)}`);
      });
      afterPark(this, t);
      return;
    }
    if (res <= -BigInt(ERESTART_LOW) && res >= -BigInt(ERESTART_HIGH)) noteSyscall(t, nrNum);
    if (this.trace && !t.exited) this.host.log(`${callText} = ${formatResult(this, entry, a, res)}`);
    else if (this.trace) this.host.log(`${callText} = ?`);
    if (!t.exited) m.setReg(RAX, res);
  }
}

/** The interpreter and optional argument of a `#!` line (Linux's rules: one argument, the rest of the line). */
export function parseShebang(bytes: Uint8Array): { interp: string; arg: string | null } | null {
  let end = bytes.indexOf(0x0a);
  if (end < 0 || end > BINPRM_BUF_SIZE) end = Math.min(bytes.length, BINPRM_BUF_SIZE);
  const line = new TextDecoder("latin1").decode(bytes.subarray(2, end)).replace(/[ \t]+$/, "");
  const m = /^[ \t]*([^ \t]+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return null;
  const arg = m[2]?.replace(/^[ \t]+/, "") ?? "";
  return { interp: m[1], arg: arg === "" ? null : arg };
}

/** dev/ino of a program file for /proc/<pid>/maps. */
function mappedIdentity(file: ExecutableFile): MappedFile {
  return { dev: file.stat.dev, ino: file.stat.ino, handle: {}, writeBack: false };
}

/** The program's ELF headers, parsed once per cached version of the file. */
function parsedElf(file: ExecutableFile): ElfFile | ExecError {
  const p = file.program;
  if (!p) return parseElf(file.bytes);
  return (p.elf ??= parseElf(file.bytes));
}
