// Processes and threads: what Linux keeps in task_struct, split the way it is shared. A Process
// owns the address space, descriptor table, cwd, signal dispositions and limits; a Thread owns
// its CPU state (saved while another thread runs), signal mask and futex/robust-list addresses.
import type { AddressSpace } from "./mm.js";
import type { FdTable } from "./files.js";

export const NSIG = 64;

/** One rt_sigaction disposition (struct kernel_sigaction: handler, flags, restorer, mask). */
export interface SigAction { handler: bigint; flags: bigint; restorer: bigint; mask: bigint }

export const RLIM_INFINITY = 0xffffffffffffffffn;
export const RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_RSS = 5,
  RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9, RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11,
  RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;

/** The limits a fresh Linux login gets (as `ulimit -a` shows on a default Debian system). */
export function defaultRlimits(): Array<[bigint, bigint]> {
  const inf = RLIM_INFINITY;
  const l: Array<[bigint, bigint]> = Array.from({ length: RLIM_NLIMITS }, () => [inf, inf] as [bigint, bigint]);
  l[RLIMIT_STACK] = [8n << 20n, inf];
  l[RLIMIT_CORE] = [0n, inf];
  l[RLIMIT_NPROC] = [63535n, 63535n];
  l[RLIMIT_NOFILE] = [1024n, 1048576n];
  l[RLIMIT_MEMLOCK] = [8n << 20n, 8n << 20n];
  l[RLIMIT_SIGPENDING] = [63535n, 63535n];
  l[RLIMIT_MSGQUEUE] = [819200n, 819200n];
  l[RLIMIT_NICE] = [0n, 0n];
  l[RLIMIT_RTPRIO] = [0n, 0n];
  return l;
}

/** A value a parked system call resolves to (the syscall's return value). */
export type SyscallValue = number | bigint;

export class Thread {
  /** Saved CPU state block while the thread is not on the machine (null: never saved / on CPU). */
  state: Uint8Array | null = null;
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed (and futex-woken) when the thread exits. */
  clearChildTid = 0n;
  robustList = 0n;
  robustListLen = 0n;
  sigmask = 0n;
  altStack = { sp: 0n, flags: 2 /* SS_DISABLE */, size: 0n };
  /** Parked in a system call until its promise settles or the kernel wakes it. */
  blocked = false;
  /** Bumped at every park and wake: a settling promise from an older park is ignored. */
  parkSeq = 0;
  /** Ends the parked call early (Park.interrupt), for signals and thread death; null if it cannot be. */
  interruptPark: ((result?: SyscallValue) => void) | null = null;
  /** Kernel bookkeeping run when the parked call resumes (a timer to clear), and its trace line. */
  onResume: (() => void) | null = null;
  resumeHook: ((v: SyscallValue) => void) | null = null;
  /** The result of a finished parked call, written to rax when the thread next runs. */
  pendingResult: SyscallValue | null = null;
  exited = false;
  /** comm: the program's base name at exec, up to 15 bytes; prctl(PR_SET_NAME) changes it. */
  name = "";
  /** The nice value (-20…19): per thread on Linux, inherited by the threads and processes it creates. */
  nice = 0;
  /** ioprio_set(2)'s class << 13 | data, kept like nice (0: IOPRIO_CLASS_NONE, the I/O priority follows nice). */
  ioprio = 0;

  constructor(public tid: number, readonly process: Process) {}
}

/** What CLONE_FS shares: the working directory and the umask. */
export interface FsContext { cwd: string; umask: number }

/** A wait4/waitid caller parked until one of its children changes state. */
export interface ChildWaiter { thread: Thread; retry(): boolean }

/** Per-process prctl(2) settings (Linux keeps some per thread; a process's threads share them here). */
export interface ProcessPrctl {
  /** PR_SET_PDEATHSIG: the signal this process gets when its parent dies (0: none; not inherited). */
  pdeathSignal: number;
  dumpable: number;
  keepCaps: boolean;
  noNewPrivs: boolean;
  thpDisable: boolean;
  /** Nanoseconds; 50 µs by default. */
  timerSlack: bigint;
  /** The capability bounding set (bit n: capability n). */
  capBounding: bigint;
}
/** Capabilities 0..CAP_LAST_CAP (40, CAP_CHECKPOINT_RESTORE; /proc/sys/kernel/cap_last_cap). */
export const CAP_LAST_CAP = 40;
export const newPrctl = (): ProcessPrctl => ({
  pdeathSignal: 0, dumpable: 1, keepCaps: false, noNewPrivs: false, thpDisable: false, timerSlack: 50_000n,
  capBounding: (1n << BigInt(CAP_LAST_CAP + 1)) - 1n,
});

export class Process {
  threads: Thread[] = [];
  /** Shared by CLONE_SIGHAND children; execve gives the process its own copy. */
  sigactions: SigAction[];
  rlimits: Array<[bigint, bigint]>;
  /** Shared by CLONE_FS children. */
  fsContext: FsContext;
  /** Real, effective, saved and file-system ids; the guest starts as root, as in a container. */
  uid = 0; euid = 0; suid = 0; fsuid = 0;
  gid = 0; egid = 0; sgid = 0; fsgid = 0;
  /** Supplementary group ids. */
  groups: number[] = [];
  /** personality(2) persona and flags; PER_LINUX (0) unless the program asks otherwise. */
  personality = 0;
  pgid: number; sid: number;
  /** The parent (null for the first process); orphans move to the machine's init. */
  parent: Process | null = null;
  children = new Set<Process>();
  /** The signal the parent gets at exit (clone's low byte; SIGCHLD for fork). */
  exitSignal = 17;
  /** PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented here rather than to init. */
  childSubreaper = false;
  /** prctl(2) state: what fork copies (the death signal excepted) and exec partly resets. */
  prctl: ProcessPrctl = newPrctl();
  /** Set by execve: setpgid on this child from its parent then fails with EACCES. */
  didExec = false;
  /** Set when the process has ended: exit status, or the signal that killed it. */
  exitStatus: { code: number; signal: number | null } | null = null;
  /** Reaped by wait: the pid is free and the process is gone from the table. */
  reaped = false;
  /** Job control (set by the signal code): stopped, and the reports wait4 owes the parent. */
  stopped = false;
  stopReport: number | null = null;
  continueReport = false;
  /** Parent threads parked in wait4/waitid. */
  waiters: ChildWaiter[] = [];
  /** The vfork parent thread, parked until this child execs or exits. */
  vforkParent: Thread | null = null;
  /** Program path as execve saw it (for /proc/self/exe, AT_EXECFN). */
  exe = "";
  argv: string[] = [];
  envp: string[] = [];
  /** Instructions run by this process's threads (for getrusage/times approximations). */
  icount = 0n;
  /** The host's monotonic clock when the process was made (its start time in /proc). */
  startNs = 0n;

  /** inherit: a fork's copies of its parent's dispositions and limits (else Linux's defaults). */
  constructor(readonly pid: number, parent: Process | null, public mm: AddressSpace, public fds: FdTable, cwd: string,
    inherit?: { sigactions: SigAction[]; rlimits: Array<[bigint, bigint]> }) {
    this.sigactions = inherit?.sigactions ?? Array.from({ length: NSIG + 1 }, () => ({ handler: 0n, flags: 0n, restorer: 0n, mask: 0n }));
    this.rlimits = inherit?.rlimits ?? defaultRlimits();
    this.pgid = pid; this.sid = pid;
    this.parent = parent;
    this.fsContext = { cwd, umask: 0o022 };
  }

  get ppid(): number { return this.parent && !this.parent.reaped ? this.parent.pid : 0; }
  get cwd(): string { return this.fsContext.cwd; }
  set cwd(v: string) { this.fsContext.cwd = v; }
  get umask(): number { return this.fsContext.umask; }
  set umask(v: number) { this.fsContext.umask = v; }

  get alive(): boolean { return this.exitStatus === null; }
  /** Exited but not yet reaped by its parent. */
  get zombie(): boolean { return this.exitStatus !== null && !this.reaped; }
}
