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
  /** Parked in a system call until its promise settles. */
  blocked = false;
  /** The result of a finished parked call, written to rax when the thread next runs. */
  pendingResult: SyscallValue | null = null;
  exited = false;
  /** comm: the program's base name at exec, up to 15 bytes; prctl(PR_SET_NAME) changes it. */
  name = "";

  constructor(readonly tid: number, readonly process: Process) {}
}

export class Process {
  threads: Thread[] = [];
  sigactions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: 0n, flags: 0n, restorer: 0n, mask: 0n }));
  rlimits = defaultRlimits();
  umask = 0o022;
  uid = 0; gid = 0;
  /** Supplementary group ids. */
  groups: number[] = [];
  pgid: number; sid: number;
  /** Set when the process has ended: exit status, or the signal that killed it. */
  exitStatus: { code: number; signal: number | null } | null = null;
  /** Program path as execve saw it (for /proc/self/exe, AT_EXECFN). */
  exe = "";
  argv: string[] = [];
  envp: string[] = [];

  constructor(readonly pid: number, public ppid: number, public mm: AddressSpace, public fds: FdTable, public cwd: string) {
    this.pgid = pid; this.sid = pid;
  }

  get alive(): boolean { return this.exitStatus === null; }
}
