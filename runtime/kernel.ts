// The kernel: one Machine (one Wasm instance = one sandbox), its processes and threads, and the
// scheduler loop that runs a thread for a slice of instructions and acts on why the core stopped.
import { Machine, ACCESS_EXEC } from "./machine.js";
import * as L from "./gen/layout.js";
import type { Host } from "./host/types.js";
import { AddressSpace, ET_DYN_BASE } from "./mm.js";
import { parseElf, loadElf, isExecError, ET_DYN, type ExecError } from "./elf.js";
import { buildStack } from "./stack.js";
import { Process, Thread } from "./process.js";
import { FdTable, HostStdio, O_RDONLY, O_WRONLY, O_ACCMODE, O_APPEND } from "./files.js";
import { EACCES, ENOENT, ENOMEM, ENOSYS, EISDIR, errnoName } from "./errno.js";
import { SYSCALLS } from "../syscalls/table.js";
import { isPark, type SyscallResult } from "../syscalls/types.js";
import { formatCall, formatResult } from "../syscalls/trace.js";

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
}

export interface ExitStatus { exitCode: number; signal: number | null }

export class Kernel {
  readonly processes = new Map<number, Process>();
  /** Live threads in round-robin order. */
  private threads: Thread[] = [];
  private next = 0;
  /** The thread whose state is in the machine's state block. */
  private onCpu: Thread | null = null;
  private nextId = 1;
  private wake: (() => void) | null = null;
  private reported = new Set<number>();
  /** AT_HWCAP: what the core's CPUID leaf 1 reports in EDX. */
  readonly hwcap: number;
  readonly trace: boolean;
  readonly verbose: boolean;
  private readonly slice: number;

  private constructor(readonly machine: Machine, readonly host: Host, opts: KernelOptions) {
    this.trace = !!opts.trace;
    this.verbose = !!opts.verbose;
    this.slice = opts.sliceBudget ?? 4_000_000;
    if (opts.memoryLimit) machine.core.setFrameLimit(Math.ceil(opts.memoryLimit / 4096));
    this.hwcap = this.probeCpuid1Edx() ?? BASELINE_CPUID1_EDX;
  }

  /** A kernel on a new machine instantiated from the compiled core module. */
  static async create(module: WebAssembly.Module, opts: KernelOptions): Promise<Kernel> {
    return new Kernel(await Machine.create(module), opts.host, opts);
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
    core.ptFree(root);
    core.flushCodeCache();
    core.tlbFlush();
    return edx;
  }

  // ---- processes ------------------------------------------------------------------------------

  /** Resolves a guest path against a cwd (the guest's root is the host's root for now). */
  resolvePath(cwd: string, path: string): string {
    const parts = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/");
    const out: string[] = [];
    for (const p of parts) {
      if (p === "" || p === ".") continue;
      if (p === "..") out.pop(); else out.push(p);
    }
    return "/" + out.join("/");
  }

  /**
   * Creates the first process of the machine from a host program, with the host's stdio as
   * descriptors 0–2. Returns an ExecError (ENOENT, EACCES, ENOEXEC…) when it cannot be loaded.
   */
  spawn(path: string, argv: string[], envp: string[], cwd: string): Process | ExecError {
    const fds = new FdTable();
    ["/dev/stdin", "/dev/stdout", "/dev/stderr"].forEach((name, fd) => {
      const hostFlags = this.host.fdFlags(fd);
      const flags = hostFlags === null ? (fd === 0 ? O_RDONLY : O_WRONLY) : hostFlags & (O_ACCMODE | O_APPEND);
      fds.install(new HostStdio(this.host, fd, flags, name), false);
    });
    const mm = AddressSpace.create(this.machine.core);
    if (!mm) return { errno: ENOMEM, message: "out of memory" };
    const pid = this.nextId++;
    const proc = new Process(pid, 0, mm, fds, cwd);
    const thread = new Thread(pid, proc);
    proc.threads.push(thread);
    const err = this.execImage(proc, thread, path, argv, envp);
    if (err) { mm.destroy(); this.nextId--; return err; }
    this.processes.set(pid, proc);
    this.threads.push(thread);
    return proc;
  }

  /** Loads a program into proc's (fresh) address space and sets thread up to start it. */
  private execImage(proc: Process, thread: Thread, path: string, argv: string[], envp: string[]): ExecError | null {
    const hostPath = this.resolvePath(proc.cwd, path);
    const st = this.host.stat(hostPath, true);
    if (typeof st === "number") return { errno: -st, message: st === -ENOENT ? "No such file or directory" : errnoName(-st) };
    if ((st.mode & 0o170000) === 0o040000) return { errno: EACCES, message: "Is a directory" };
    if ((st.mode & 0o170000) !== 0o100000 || (st.mode & 0o111) === 0) return { errno: EACCES, message: "Permission denied" };
    const bytes = this.host.readFile(hostPath);
    if (typeof bytes === "number") return { errno: -bytes, message: bytes === -EISDIR ? "Is a directory" : errnoName(-bytes) };
    const elf = parseElf(bytes);
    if (isExecError(elf)) return elf;
    const m = this.machine;
    if (this.onCpu && this.onCpu !== thread) this.onCpu.state = m.saveState();
    m.core.setAddressSpace(proc.mm.root);
    this.onCpu = thread;
    const img = loadElf(m, proc.mm, bytes, elf, hostPath);
    if (isExecError(img)) return img;
    // A static-pie lives in the mmap area, so Linux moves its heap to ELF_ET_DYN_BASE where it
    // can grow without running into mappings.
    proc.mm.initBrk(elf.type === ET_DYN && elf.interp === null ? ET_DYN_BASE : img.end);
    const random = new Uint8Array(16);
    this.host.randomBytes(random);
    const sp = buildStack(m, proc.mm, {
      argv, envp, execfn: path, phdr: img.phdrAddr, phnum: img.phnum, entry: img.entry, base: 0n,
      hwcap: this.hwcap, random, uid: proc.uid, gid: proc.gid, minSigStackSize: 2048, execStack: img.execStack,
    });
    if (isExecError(sp)) return sp;
    // Linux starts a program with every register zero except rsp and rip (rdx = 0 is the "no
    // exit hook" value glibc's static start-up checks), RFLAGS = 0x202 and default FPU/SSE state.
    m.resetState();
    m.setReg(RSP, sp);
    m.rip = img.entry;
    proc.exe = hostPath;
    thread.name = hostPath.slice(hostPath.lastIndexOf("/") + 1).slice(0, 15);
    proc.argv = argv;
    proc.envp = envp;
    thread.state = null;
    return null;
  }

  /** Ends every thread of proc; the status is what wait4 and the CLI report. */
  exitProcess(proc: Process, code: number, signal: number | null): void {
    if (!proc.alive) return;
    proc.exitStatus = { code: code & 0xff, signal };
    for (const t of proc.threads) t.exited = true;
    this.threads = this.threads.filter((t) => t.process !== proc);
    proc.fds.closeAll();
    if (this.onCpu && this.onCpu.process === proc) this.onCpu = null;
    proc.mm.destroy();
  }

  /** Ends one thread (exit(2)); the last thread ends the process with the same status. */
  exitThread(t: Thread, code: number): void {
    t.exited = true;
    if (t.clearChildTid !== 0n) this.machine.writeU32(t.clearChildTid, 0);
    this.threads = this.threads.filter((x) => x !== t);
    if (t.process.threads.every((x) => x.exited)) this.exitProcess(t.process, code, null);
  }

  // ---- the scheduler --------------------------------------------------------------------------

  /** Puts t's state into the machine (saving the previous thread's). */
  private switchTo(t: Thread): void {
    if (this.onCpu === t) return;
    if (this.onCpu && !this.onCpu.exited) this.onCpu.state = this.machine.saveState();
    if (t.state) this.machine.loadState(t.state);
    else this.machine.core.setAddressSpace(t.process.mm.root);
    t.state = null;
    this.onCpu = t;
  }

  private pickNext(): Thread | null {
    for (let i = 0; i < this.threads.length; i++) {
      const t = this.threads[(this.next + i) % this.threads.length];
      if (!t.blocked) { this.next = (this.next + i + 1) % this.threads.length; return t; }
    }
    return null;
  }

  /** Runs until proc has exited; never throws for anything the guest does. */
  async run(proc: Process): Promise<ExitStatus> {
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
      if (t.pendingResult !== null) { m.setReg(RAX, BigInt.asUintN(64, BigInt(t.pendingResult))); t.pendingResult = null; }
      const reason = m.run(this.slice);
      if (reason === L.EXIT_SYSCALL) this.syscall(t);
      else if (reason !== L.EXIT_BUDGET) this.fault(t, reason);
      const now = this.host.monotonicNs();
      if (now - lastYield > 20_000_000n) { await this.host.yieldToHost(); lastYield = this.host.monotonicNs(); }
    }
    const s = proc.exitStatus ?? { code: 0, signal: SIGKILL };
    return s.signal !== null ? { exitCode: 128 + s.signal, signal: s.signal } : { exitCode: s.code, signal: null };
  }

  /** A CPU fault: Linux would send a signal whose default action kills the process. */
  private fault(t: Thread, reason: number): void {
    const sig = FAULT_SIGNAL[reason] ?? SIGSEGV;
    if (this.verbose) this.host.log(`wasl: ${t.process.exe}: ${SIGNAL_TEXT[sig] ?? `signal ${sig}`} (${this.describeFault(reason)})`);
    // Handlers for synchronous signals need signal delivery (the next stage); until then the
    // default action applies.
    this.exitProcess(t.process, 0, sig);
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
    const nr = m.reg(RAX);
    const a = [m.reg(RDI), m.reg(RSI), m.reg(RDX), m.reg(R10), m.reg(R8), m.reg(R9)];
    // SYSCALL leaves the return address in rcx and RFLAGS in r11, which Linux returns as they are.
    m.setReg(RCX, m.rip);
    m.setReg(R11, m.flags);
    const entry = nr < BigInt(SYSCALLS.length) ? SYSCALLS[Number(nr)] : undefined;
    let res: SyscallResult;
    const callText = this.trace ? formatCall(this, nr, a) : "";
    if (!entry || !entry.handler) {
      const key = Number(nr & 0xffffn);
      if (!this.reported.has(key)) {
        this.reported.add(key);
        this.host.log(`wasl: unimplemented syscall ${entry ? entry.name : "unknown"} (${nr})`);
      }
      res = -ENOSYS;
    } else {
      try { res = entry.handler(this, t, a); } catch (e) {
        this.host.log(`wasl: internal error in ${entry.name}: ${(e as Error)?.stack ?? e}`);
        res = -ENOSYS;
      }
    }
    if (isPark(res)) {
      if (this.trace) this.host.log(`${callText} <unfinished ...>`);
      t.blocked = true;
      res.park.then((v) => v, () => -ENOSYS).then((v) => {
        t.blocked = false;
        t.pendingResult = v;
        if (this.trace) this.host.log(`<... ${entry?.name} resumed> = ${formatResult(this, entry, a, v)}`);
        const w = this.wake; this.wake = null; w?.();
      });
      return;
    }
    if (this.trace && !t.exited) this.host.log(`${callText} = ${formatResult(this, entry, a, res)}`);
    else if (this.trace) this.host.log(`${callText} = ?`);
    if (!t.exited) m.setReg(RAX, BigInt.asUintN(64, BigInt(res)));
  }
}
