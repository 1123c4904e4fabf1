// Process and thread identity, exit, thread-local storage registers, limits and scheduling.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, Process } from "../runtime/process.js";
import { RLIM_NLIMITS, RLIM_INFINITY, RLIMIT_NOFILE, CAP_LAST_CAP } from "../runtime/process.js";
import {
  CLONE_VM, CLONE_VFORK, CLONE_PIDFD, CLONE_THREAD, CLONE_DETACHED, CLONE_PARENT_SETTID, CLD_EXITED, CLD_KILLED,
  CLONE_FILES, CLONE_FS, CLONE_SYSVSEM, CLONE_SIGHAND, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
  CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
  CLD_STOPPED, CLD_CONTINUED, type CloneArgs,
} from "../runtime/kernel.js";
import { EINVAL, EFAULT, ESRCH, EPERM, ENODEV, E2BIG, ENOENT, EBADF, ECHILD, EACCES, EAGAIN } from "../runtime/errno.js";
import { TASK_SIZE } from "../runtime/mm.js";
import { O_NONBLOCK } from "../runtime/vfs/index.js";
import type { SyscallResult } from "./types.js";
import { installFile, readPath } from "./fs.js";
import { NSIG } from "../runtime/signals.js";
import { clonePidfd, pidfdTarget } from "./pidfd.js";

/** exit(2): ends the calling thread. */
export function sysExit(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  k.exitThread(t, Number(a[0] & 0xffn));
  return 0;
}

/** exit_group(2): ends every thread of the process. */
export function sysExitGroup(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  k.exitProcess(t.process, Number(a[0] & 0xffn), null);
  return 0;
}

/** getpid(2) */
export function sysGetpid(k: Kernel, t: Thread): SyscallResult { return t.process.pid; }
/** gettid(2) */
export function sysGettid(k: Kernel, t: Thread): SyscallResult { return t.tid; }
/** getppid(2) */
export function sysGetppid(k: Kernel, t: Thread): SyscallResult { return t.process.ppid; }
/** getuid(2): the guest runs as root, as in a container. */
export function sysGetuid(k: Kernel, t: Thread): SyscallResult { return t.process.uid; }
/** geteuid(2) */
export function sysGeteuid(k: Kernel, t: Thread): SyscallResult { return t.process.euid; }
/** getgid(2) */
export function sysGetgid(k: Kernel, t: Thread): SyscallResult { return t.process.gid; }
/** getegid(2) */
export function sysGetegid(k: Kernel, t: Thread): SyscallResult { return t.process.egid; }
/** getpgrp(2) */
export function sysGetpgrp(k: Kernel, t: Thread): SyscallResult { return t.process.pgid; }

export const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004,
  ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;

/** arch_prctl(2): the FS/GS base registers used for thread-local storage. */
export function sysArchPrctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const m = k.machine;
  switch (Number(a[0] & 0xffffffffn)) {
    case ARCH_SET_FS: if (a[1] >= TASK_SIZE) return -EPERM; m.fsBase = a[1]; return 0;
    case ARCH_SET_GS: if (a[1] >= TASK_SIZE) return -EPERM; m.gsBase = a[1]; return 0;
    case ARCH_GET_FS: return m.writeU64(a[1], m.fsBase) ? 0 : -EFAULT;
    case ARCH_GET_GS: return m.writeU64(a[1], m.gsBase) ? 0 : -EFAULT;
    case ARCH_GET_CPUID: return 1; // CPUID is not faulting
    case ARCH_SET_CPUID: return a[1] !== 0n ? 0 : -ENODEV; // no CPUID faulting on this CPU
    default: return -EINVAL;
  }
}

/** set_tid_address(2) */
export function sysSetTidAddress(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  t.clearChildTid = a[0];
  return t.tid;
}

/** set_robust_list(2): recorded; walked at thread exit (syscalls/futex.ts). */
export function sysSetRobustList(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[1] !== 24n) return -EINVAL;
  t.robustList = a[0];
  t.robustListLen = a[1];
  return 0;
}

/** get_robust_list(2) */
export function sysGetRobustList(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = Number(BigInt.asIntN(32, a[0]));
  if (pid !== 0 && pid !== t.tid) return -ESRCH;
  if (!k.machine.writeU64(a[1], t.robustList) || !k.machine.writeU64(a[2], t.robustListLen)) return -EFAULT;
  return 0;
}

function targetProcess(k: Kernel, t: Thread, pidArg: bigint) {
  const pid = Number(BigInt.asIntN(32, pidArg));
  if (pid === 0 || pid === t.process.pid) return t.process;
  return pid < 0 ? null : k.processes.get(pid) ?? null;
}

/** prlimit64(2) */
export function sysPrlimit64(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = targetProcess(k, t, a[0]);
  if (!p) return -ESRCH;
  const res = Number(a[1] & 0xffffffffn);
  if (res >= RLIM_NLIMITS) return -EINVAL;
  let next: [bigint, bigint] | null = null;
  if (a[2] !== 0n) {
    const b = k.machine.copyIn(a[2], 16);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    next = [dv.getBigUint64(0, true), dv.getBigUint64(8, true)];
    if (next[0] > next[1]) return -EINVAL;
  }
  const old = p.rlimits[res];
  if (a[3] !== 0n) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, old[0], true); dv.setBigUint64(8, old[1], true);
    if (!k.machine.copyOut(a[3], b)) return -EFAULT;
  }
  if (next) {
    // Raising a hard limit needs CAP_SYS_RESOURCE; RLIMIT_NOFILE cannot exceed nr_open.
    if (next[1] > old[1] && t.process.euid !== 0) return -EPERM;
    if (res === RLIMIT_NOFILE && next[1] > 1048576n) return -EPERM;
    p.rlimits[res] = next;
    if (res === RLIMIT_NOFILE) {
      const fds = p.fds as unknown as { limit?: number };
      if (typeof fds.limit === "number") fds.limit = Number(next[0] > 1048576n ? 1048576n : next[0]);
    }
  }
  return 0;
}

/** getrlimit(2) */
export function sysGetrlimit(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysPrlimit64(k, t, [0n, a[0], 0n, a[1]]);
}

/** setrlimit(2) */
export function sysSetrlimit(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysPrlimit64(k, t, [0n, a[0], a[1], 0n]);
}

/** sched_getaffinity(2): every host CPU; returns the mask size written, as the kernel does. */
export function sysSchedGetaffinity(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = Number(BigInt.asIntN(32, a[0]));
  if (pid !== 0 && !k.processes.has(pid) && pid !== t.tid) return -ESRCH;
  const len = a[1];
  if (len < 8n || (len & 7n)) return -EINVAL;
  const n = Math.min(Math.max(k.host.cpuCount(), 1), 64);
  const mask = n === 64 ? RLIM_INFINITY : (1n << BigInt(n)) - 1n;
  return k.machine.writeU64(a[2], mask) ? 8 : -EFAULT;
}

/** sched_yield(2): the thread's time slice ends. */
export function sysSchedYield(k: Kernel): SyscallResult { k.yieldCpu(); return 0; }

export const PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37;
const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4;
const PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_GET_TIMING = 13, PR_SET_TIMING = 14;
const PR_GET_SECCOMP = 21, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24, PR_GET_SECUREBITS = 27;
const PR_SET_TIMERSLACK = 29, PR_GET_TIMERSLACK = 30, PR_MCE_KILL = 33, PR_MCE_KILL_GET = 34;
const PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39, PR_SET_THP_DISABLE = 41, PR_GET_THP_DISABLE = 42;
const PR_CAP_AMBIENT = 47, PR_GET_SPECULATION_CTRL = 52;
const PR_CAP_AMBIENT_IS_SET = 1, PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_LOWER = 3, PR_CAP_AMBIENT_CLEAR_ALL = 4;
const CAP_SETPCAP = 8;

/**
 * prctl(2). Answered: the thread name, the child subreaper flag, the parent-death signal, dumpable,
 * keep-capabilities, no_new_privs, THP disable, timer slack, the capability bounding set (read and
 * drop), ambient capabilities (none are ever raised), the machine-check policy, securebits (read),
 * speculation control (not affected), seccomp (read: off). Like a kernel built without seccomp
 * filters, Yama or anonymous VMA names, PR_SET_SECCOMP, PR_SET_PTRACER and PR_SET_VMA are EINVAL,
 * as is anything unknown.
 */
export function sysPrctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = t.process, pr = p.prctl;
  const arg = (i: number) => a[i] ?? 0n;
  /** Options that take no further arguments want them zero. */
  const restZero = (from: number) => [2, 3, 4].every((i) => i < from || arg(i) === 0n);
  switch (Number(a[0] & 0xffffffffn)) {
    case PR_SET_CHILD_SUBREAPER: p.childSubreaper = a[1] !== 0n; return 0;
    case PR_GET_CHILD_SUBREAPER: return k.machine.writeU32(a[1], p.childSubreaper ? 1 : 0) ? 0 : -EFAULT;
    case PR_SET_NAME: {
      const b = k.machine.copyIn(a[1], 16);
      if (!b) return -EFAULT;
      const end = b.indexOf(0);
      t.name = new TextDecoder().decode(b.subarray(0, Math.min(end < 0 ? 15 : end, 15)));
      return 0;
    }
    case PR_GET_NAME: {
      const b = new Uint8Array(16);
      b.set(new TextEncoder().encode(t.name).subarray(0, 15));
      return k.machine.copyOut(a[1], b) ? 0 : -EFAULT;
    }
    case PR_SET_PDEATHSIG:
      if (a[1] > 64n) return -EINVAL;
      pr.pdeathSignal = Number(a[1]);
      return 0;
    case PR_GET_PDEATHSIG: return k.machine.writeU32(a[1], pr.pdeathSignal) ? 0 : -EFAULT;
    case PR_GET_DUMPABLE: return pr.dumpable;
    case PR_SET_DUMPABLE:
      if (a[1] > 1n) return -EINVAL;
      pr.dumpable = Number(a[1]);
      return 0;
    case PR_GET_KEEPCAPS: return pr.keepCaps ? 1 : 0;
    case PR_SET_KEEPCAPS:
      if (a[1] > 1n) return -EINVAL;
      pr.keepCaps = a[1] === 1n;
      return 0;
    case PR_GET_TIMING: return 0;
    case PR_SET_TIMING: return a[1] === 0n ? 0 : -EINVAL;
    case PR_CAPBSET_READ:
      if (a[1] > BigInt(CAP_LAST_CAP)) return -EINVAL;
      return (pr.capBounding >> a[1]) & 1n ? 1 : 0;
    case PR_CAPBSET_DROP:
      if (a[1] > BigInt(CAP_LAST_CAP)) return -EINVAL;
      // CAP_SETPCAP is needed: root has it (while its bounding set keeps it).
      if (p.euid !== 0 || !((pr.capBounding >> BigInt(CAP_SETPCAP)) & 1n)) return -EPERM;
      pr.capBounding &= ~(1n << a[1]);
      return 0;
    // SECBIT_KEEP_CAPS (1 << 4) is the keep-capabilities flag; no other securebit is ever set.
    case PR_GET_SECUREBITS: return pr.keepCaps ? 1 << 4 : 0;
    // Not in seccomp mode (and setting one is EINVAL below, as without CONFIG_SECCOMP_FILTER).
    case PR_GET_SECCOMP: return 0;
    case PR_SET_TIMERSLACK: pr.timerSlack = a[1] === 0n ? 50_000n : a[1]; return 0;
    case PR_GET_TIMERSLACK: return pr.timerSlack > 0x7fffffffn ? 0x7fffffff : Number(pr.timerSlack);
    case PR_MCE_KILL: return a[1] <= 1n && restZero(4) ? 0 : -EINVAL;
    case PR_MCE_KILL_GET: return restZero(1) && a[1] === 0n ? 2 /* PR_MCE_KILL_DEFAULT */ : -EINVAL;
    case PR_SET_NO_NEW_PRIVS:
      if (a[1] !== 1n || !restZero(2)) return -EINVAL;
      pr.noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS: return a[1] === 0n && restZero(2) ? (pr.noNewPrivs ? 1 : 0) : -EINVAL;
    case PR_SET_THP_DISABLE:
      if (!restZero(2)) return -EINVAL;
      pr.thpDisable = a[1] !== 0n;
      return 0;
    case PR_GET_THP_DISABLE: return a[1] === 0n && restZero(2) ? (pr.thpDisable ? 1 : 0) : -EINVAL;
    case PR_CAP_AMBIENT:
      if (arg(3) !== 0n || arg(4) !== 0n) return -EINVAL;
      switch (Number(a[1])) {
        case PR_CAP_AMBIENT_IS_SET: return a[2] > BigInt(CAP_LAST_CAP) ? -EINVAL : 0;
        case PR_CAP_AMBIENT_CLEAR_ALL: return a[2] === 0n ? 0 : -EINVAL;
        case PR_CAP_AMBIENT_LOWER: return a[2] > BigInt(CAP_LAST_CAP) ? -EINVAL : 0;
        // Raising needs the capability in the inheritable set, which is empty here.
        case PR_CAP_AMBIENT_RAISE: return a[2] > BigInt(CAP_LAST_CAP) ? -EINVAL : -EPERM;
        default: return -EINVAL;
      }
    case PR_GET_SPECULATION_CTRL: return a[1] <= 2n ? 0 /* PR_SPEC_NOT_AFFECTED */ : -ENODEV;
    default: return -EINVAL;
  }
}

/** getgroups(2): the guest's root has no supplementary groups (as in a default container). */
export function sysGetgroups(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const size = Number(BigInt.asIntN(32, a[0]));
  if (size < 0) return -EINVAL;
  const groups = t.process.groups;
  if (size === 0) return groups.length;
  if (size < groups.length) return -EINVAL;
  const b = new Uint8Array(groups.length * 4);
  groups.forEach((g, i) => new DataView(b.buffer).setUint32(i * 4, g, true));
  return k.machine.copyOut(a[1], b) ? groups.length : -EFAULT;
}

function putIds(k: Kernel, a: bigint[], v: number[]): SyscallResult {
  for (let i = 0; i < 3; i++) if (!k.machine.writeU32(a[i], v[i])) return -EFAULT;
  return 0;
}
/** getresuid(2) */
export function sysGetresuid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { const p = t.process; return putIds(k, a, [p.uid, p.euid, p.suid]); }
/** getresgid(2) */
export function sysGetresgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { const p = t.process; return putIds(k, a, [p.gid, p.egid, p.sgid]); }

// ---- process creation, exec and wait -------------------------------------------------------

const SIGCHLD = 17, SIGCONT = 18;

/** fork(2) */
export function sysFork(k: Kernel, t: Thread): SyscallResult {
  return k.clone(t, { flags: 0, stack: 0n, parentTid: 0n, childTid: 0n, tls: 0n, exitSignal: SIGCHLD });
}

/** vfork(2): the parent waits until the child execs or exits. */
export function sysVfork(k: Kernel, t: Thread): SyscallResult {
  return k.clone(t, { flags: CLONE_VM | CLONE_VFORK, stack: 0n, parentTid: 0n, childTid: 0n, tls: 0n, exitSignal: SIGCHLD });
}

/**
 * clone and clone3 with CLONE_PIDFD: a pidfd for the child goes into the parent's table and its
 * number to pidfdP in the parent's memory (a fork child's copy of that word keeps its old value).
 */
function cloneWithPidfd(k: Kernel, t: Thread, args: CloneArgs, pidfdP: bigint): SyscallResult {
  const f = args.flags;
  if (!(f & CLONE_PIDFD)) return k.clone(t, args);
  if (f & (CLONE_THREAD | CLONE_DETACHED)) return -EINVAL;
  const file = clonePidfd(t);
  if (typeof file === "number") return file;
  return k.clone(t, {
    ...args, flags: f & ~CLONE_PIDFD,
    onChild: (child) => {
      file.target = child;
      k.machine.writeU32(pidfdP, installFile(t, file, true));
    },
  });
}

/** clone(2): x86-64 argument order (flags, stack, parent_tid, child_tid, tls); CLONE_PIDFD's fd goes to parent_tid. */
export function sysClone(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[0] & 0xffffffffn);
  // The pidfd and the parent's copy of the child's tid would share one word.
  if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID)) return -EINVAL;
  return cloneWithPidfd(k, t, { flags: flags & ~0xff, stack: a[1], parentTid: a[2], childTid: a[3], tls: a[4], exitSignal: flags & 0xff }, a[2]);
}

const CLONE_ARGS_SIZE_VER0 = 64, CLONE_ARGS_SIZE_VER2 = 88;

/** clone3(2): struct clone_args; set_tid and cgroups are not provided (EINVAL). */
export function sysClone3(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const size = a[1];
  if (size < BigInt(CLONE_ARGS_SIZE_VER0) || size > 4096n) return -EINVAL;
  const b = k.machine.copyIn(a[0], Number(size));
  if (!b) return -EFAULT;
  for (let i = CLONE_ARGS_SIZE_VER2; i < b.length; i++) if (b[i] !== 0) return -E2BIG;
  const dv = new DataView(b.buffer);
  const word = (o: number): bigint => (o + 8 <= b.length ? dv.getBigUint64(o, true) : 0n);
  const flags = word(0), exitSignal = word(32), stack = word(40), stackSize = word(48);
  if (flags >> 32n) return -EINVAL;
  if (exitSignal > 64n || (Number(flags) & 0xff)) return -EINVAL;
  if (word(72) !== 0n || word(64) !== 0n) return -EINVAL;
  if ((stack === 0n) !== (stackSize === 0n)) return -EINVAL;
  return cloneWithPidfd(k, t, {
    flags: Number(flags), stack: stack === 0n ? 0n : stack + stackSize, parentTid: word(24), childTid: word(16),
    tls: word(56), exitSignal: Number(exitSignal),
  }, word(8));
}

const CLONE_NEWTIME = 0x80;
/** A function, not a constant: kernel.js (which defines the flags) and this module import each other. */
const namespaceFlags = () => CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME;

/**
 * unshare(2): a private descriptor table (CLONE_FILES) or root/cwd/umask (CLONE_FS); CLONE_SYSVSEM,
 * and CLONE_THREAD/SIGHAND/VM of a single-threaded process, have nothing to undo. New namespaces
 * are refused with EPERM, as in a container without CAP_SYS_ADMIN.
 */
export function sysUnshare(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = Number(a[0] & 0xffffffffn), namespaces = namespaceFlags();
  if (f & ~(CLONE_FILES | CLONE_FS | CLONE_SYSVSEM | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | namespaces)) return -EINVAL;
  if ((f & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && t.process.threads.filter((x) => !x.exited).length > 1) return -EINVAL;
  if (f & namespaces) return -EPERM;
  if (f & CLONE_FILES) k.files.unshareFiles(t.process);
  if (f & CLONE_FS) k.files.unshareFs(t.process);
  return 0;
}

/** setns(2): joining another namespace is refused (EPERM), as unshare's new ones are. */
export function sysSetns(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return t.process.fds.get(Number(BigInt.asIntN(32, a[0]))) ? -EPERM : -EBADF;
}

/** Linux's limits on execve's vectors: one string, and all of them together. */
const MAX_ARG_STRLEN = 131072, MAX_ARG_STRINGS = 0x7fffffff;

/**
 * A NULL-terminated vector of strings from guest memory as byte strings (one char per byte, as
 * the kernel keeps argv and envp: Linux passes any bytes but NUL), or -errno.
 */
function readStringVector(k: Kernel, p: bigint): string[] | number {
  const out: string[] = [];
  if (p === 0n) return out;
  let total = 0;
  for (let i = 0; i < MAX_ARG_STRINGS; i++) {
    const ptr = k.machine.readU64(p + BigInt(i) * 8n);
    if (ptr === null) return -EFAULT;
    if (ptr === 0n) break;
    const s = k.machine.copyInBytes(ptr, MAX_ARG_STRLEN);
    if (s === null) return -EFAULT;
    if (s === undefined) return -E2BIG;
    total += s.length + 9;
    if (total > 2 << 20) return -E2BIG;
    out.push(s);
  }
  return out;
}

function doExec(k: Kernel, t: Thread, path: string, argvP: bigint, envpP: bigint): SyscallResult {
  const argv = readStringVector(k, argvP);
  if (typeof argv === "number") return argv;
  const envp = readStringVector(k, envpP);
  if (typeof envp === "number") return envp;
  // Since Linux 5.18 an empty argv gets an empty argv[0], so argc is never 0.
  if (argv.length === 0) argv.push("");
  return k.execve(t, path, argv, envp);
}

/** execve(2) */
export function sysExecve(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const path = readPath(k, a[0]);
  if (typeof path === "number") return path;
  if (path === "") return -ENOENT;
  return doExec(k, t, path, a[1], a[2]);
}

const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;

/** execveat(2): relative to a directory descriptor, or (AT_EMPTY_PATH) the descriptor's own file. */
export function sysExecveat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const dirfd = Number(BigInt.asIntN(32, a[0]));
  const flags = Number(a[4] & 0xffffffffn);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const path = readPath(k, a[1]);
  if (typeof path === "number") return path;
  let full = path;
  if (path === "" || (!path.startsWith("/") && dirfd !== AT_FDCWD)) {
    if (path === "" && !(flags & AT_EMPTY_PATH)) return -ENOENT;
    const f = t.process.fds.get(dirfd);
    if (!f) return -EBADF;
    const base = k.files.nameOf(f);
    if (!base) return -ENOENT;
    full = path === "" ? base : `${base}/${path}`;
  }
  return doExec(k, t, full, a[2], a[3]);
}

export const WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000,
  __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = 0x80000000;

type Found = { child: Process; kind: "exit" | "stop" | "cont" } | "none" | "later";

/** The first child matching sel that has something to report under options. */
function findChild(proc: Process, sel: (c: Process) => boolean, options: number): Found {
  let any = false;
  for (const c of proc.children) {
    if (!sel(c)) continue;
    if (!(options & __WALL) && ((options & __WCLONE) !== 0) !== (c.exitSignal !== SIGCHLD)) continue;
    any = true;
    if (c.zombie && (options & WEXITED)) return { child: c, kind: "exit" };
    if (c.alive && c.stopReport !== null && (options & WSTOPPED)) return { child: c, kind: "stop" };
    if (c.alive && c.continueReport && (options & WCONTINUED)) return { child: c, kind: "cont" };
  }
  return any ? "later" : "none";
}

/** Consumes what a child reports (a zombie is reaped), unless WNOWAIT. */
function consume(k: Kernel, f: { child: Process; kind: string }, options: number): void {
  if (options & WNOWAIT) return;
  if (f.kind === "exit") k.reap(f.child);
  else if (f.kind === "stop") f.child.stopReport = null;
  else f.child.continueReport = false;
}

/**
 * The common part of wait4 and waitid: report now, ECHILD, 0 for WNOHANG, or park until a child
 * changes state (the report then runs in the caller's address space).
 */
function waitFor(k: Kernel, t: Thread, sel: (c: Process) => boolean, options: number, report: (f: { child: Process; kind: string }) => number, none: () => number): SyscallResult {
  const proc = t.process;
  const first = findChild(proc, sel, options);
  if (first === "none") return -ECHILD;
  if (first !== "later") return report(first);
  if (options & WNOHANG) return none();
  const w = {
    thread: t,
    retry: (): boolean => {
      const f = findChild(proc, sel, options);
      if (f === "later") return false;
      const v = f === "none" ? -ECHILD : k.inAddressSpace(proc.mm.root, () => report(f));
      k.resume(t, v);
      return true;
    },
  };
  proc.waiters.push(w);
  return k.kernelWait(t, () => { proc.waiters = proc.waiters.filter((x) => x !== w); });
}

function selector(t: Thread, pid: number): (c: Process) => boolean {
  const pgid = t.process.pgid;
  if (pid < -1) return (c) => c.pgid === -pid;
  if (pid === -1) return () => true;
  if (pid === 0) return (c) => c.pgid === pgid;
  return (c) => c.pid === pid;
}

/** The wait status word: exit code, killing signal, stop signal or "continued". */
function statusWord(f: { child: Process; kind: string }): number {
  if (f.kind === "stop") return ((f.child.stopReport ?? 19) << 8) | 0x7f;
  if (f.kind === "cont") return 0xffff;
  const s = f.child.exitStatus!;
  return s.signal !== null ? s.signal & 0x7f : (s.code & 0xff) << 8;
}

/** struct rusage is zero: per-child CPU accounting is not kept. */
function writeRusage(k: Kernel, p: bigint): boolean { return p === 0n || k.machine.copyOut(p, new Uint8Array(144)); }

/** wait4(2) */
export function sysWait4(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = Number(BigInt.asIntN(32, a[0]));
  const options = Number(a[2] & 0xffffffffn);
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  if (pid === -0x80000000) return -ESRCH;
  const statusP = a[1], rusageP = a[3];
  return waitFor(k, t, selector(t, pid), options | WEXITED, (f) => {
    if (statusP !== 0n && !k.machine.writeU32(statusP, statusWord(f))) return -EFAULT;
    if (!writeRusage(k, rusageP)) return -EFAULT;
    consume(k, f, options);
    return f.child.pid;
  }, () => 0);
}

export const P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;

/** waitid(2): P_ALL, P_PID, P_PGID and P_PIDFD; siginfo as Linux fills it. */
export function sysWaitid(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const idtype = Number(a[0] & 0xffffffffn), id = Number(BigInt.asIntN(32, a[1]));
  const infoP = a[2], rusageP = a[4];
  let options = Number(a[3] & 0xffffffffn);
  if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  let sel: (c: Process) => boolean;
  let nothingYet = 0;
  if (idtype === P_ALL) sel = () => true;
  else if (idtype === P_PID) { if (id <= 0) return -EINVAL; sel = (c) => c.pid === id; }
  else if (idtype === P_PGID) { if (id < 0) return -EINVAL; const g = id === 0 ? t.process.pgid : id; sel = (c) => c.pgid === g; }
  else if (idtype === P_PIDFD) {
    if (id < 0) return -EINVAL;
    const r = pidfdTarget(t, a[1]);
    if (typeof r === "number") return r;
    sel = (c) => c === r.proc;
    // A nonblocking pidfd makes the wait WNOHANG, and "nothing yet" EAGAIN.
    if (r.file.flags & O_NONBLOCK && !(options & WNOHANG)) {
      options |= WNOHANG;
      nothingYet = -EAGAIN;
    }
  }
  else return -EINVAL;
  const info = (signo: number, code: number, pid: number, uid: number, status: number): number => {
    if (infoP === 0n) return 0;
    const b = new Uint8Array(28);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, signo, true); dv.setInt32(8, code, true);
    dv.setInt32(16, pid, true); dv.setInt32(20, uid, true); dv.setInt32(24, status, true);
    return k.machine.copyOut(infoP, b) ? 0 : -EFAULT;
  };
  return waitFor(k, t, sel, options, (f) => {
    const c = f.child;
    let code: number, status: number;
    if (f.kind === "stop") { code = CLD_STOPPED; status = c.stopReport ?? 19; }
    else if (f.kind === "cont") { code = CLD_CONTINUED; status = SIGCONT; }
    else if (c.exitStatus!.signal !== null) { code = CLD_KILLED; status = c.exitStatus!.signal!; }
    else { code = CLD_EXITED; status = c.exitStatus!.code; }
    const r = info(SIGCHLD, code, c.pid, c.uid, status);
    if (r < 0) return r;
    if (!writeRusage(k, rusageP)) return -EFAULT;
    consume(k, f, options);
    return 0;
  }, () => nothingYet || info(0, 0, 0, 0, 0));
}

// ---- process groups and sessions -------------------------------------------------------------

/** setpgid(2) */
export function sysSetpgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const self = t.process;
  let pid = Number(BigInt.asIntN(32, a[0])), pgid = Number(BigInt.asIntN(32, a[1]));
  if (pid === 0) pid = self.pid;
  if (pgid === 0) pgid = pid;
  if (pid < 0 || pgid < 0) return -EINVAL;
  const target = k.processes.get(pid);
  if (!target || !target.alive || (target !== self && target.parent !== self)) return -ESRCH;
  if (target !== self) {
    if (target.sid !== self.sid) return -EPERM;
    if (target.didExec) return -EACCES;
  }
  if (target.sid === target.pid) return -EPERM;
  if (pgid !== target.pid) {
    let found = false;
    for (const p of k.processes.values()) if (p.alive && p.pgid === pgid && p.sid === self.sid) { found = true; break; }
    if (!found) return -EPERM;
  }
  target.pgid = pgid;
  return 0;
}

function processArg(k: Kernel, t: Thread, arg: bigint): Process | null {
  const pid = Number(BigInt.asIntN(32, arg));
  if (pid === 0) return t.process;
  const p = pid > 0 ? k.processes.get(pid) : undefined;
  return p && p.alive ? p : null;
}

/** getpgid(2) */
export function sysGetpgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = processArg(k, t, a[0]);
  return p ? p.pgid : -ESRCH;
}

/** getsid(2) */
export function sysGetsid(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = processArg(k, t, a[0]);
  return p ? p.sid : -ESRCH;
}

/** setsid(2): EPERM for a process group leader. */
export function sysSetsid(k: Kernel, t: Thread): SyscallResult {
  const self = t.process;
  for (const p of k.processes.values()) if (p.alive && p.pgid === self.pid) return -EPERM;
  self.sid = self.pgid = self.pid;
  return self.sid;
}

// ---- credentials -----------------------------------------------------------------------------

const NO_CHANGE = 0xffffffff;

type IdSet = "uid" | "gid";

function ids(p: Process, which: IdSet): [number, number, number] {
  return which === "uid" ? [p.uid, p.euid, p.suid] : [p.gid, p.egid, p.sgid];
}
function setIds(p: Process, which: IdSet, r: number, e: number, s: number): void {
  if (which === "uid") { p.uid = r; p.euid = e; p.suid = s; p.fsuid = e; }
  else { p.gid = r; p.egid = e; p.sgid = s; p.fsgid = e; }
}

/** setresuid/setresgid: root may set anything; others only ids they already hold. */
function setres(t: Thread, which: IdSet, args: bigint[]): SyscallResult {
  const p = t.process;
  const cur = ids(p, which);
  const want = args.slice(0, 3).map((x, i) => { const v = Number(x & 0xffffffffn); return v === NO_CHANGE ? cur[i] : v; });
  if (p.euid !== 0 && want.some((v, i) => v !== cur[i] && !cur.includes(v))) return -EPERM;
  setIds(p, which, want[0], want[1], want[2]);
  return 0;
}

/** setuid(2) / setgid(2): root sets all three ids; others only the effective one. */
function setOne(t: Thread, which: IdSet, arg: bigint): SyscallResult {
  const p = t.process;
  const v = Number(arg & 0xffffffffn);
  if (v === NO_CHANGE) return -EINVAL;
  const [r, e, s] = ids(p, which);
  if (p.euid === 0) { setIds(p, which, v, v, v); return 0; }
  if (v !== r && v !== s) return -EPERM;
  setIds(p, which, r, v, s);
  void e;
  return 0;
}

/** setreuid(2) / setregid(2) */
function setre(t: Thread, which: IdSet, a: bigint[]): SyscallResult {
  const p = t.process;
  const [r, e, s] = ids(p, which);
  const nr = Number(a[0] & 0xffffffffn), ne = Number(a[1] & 0xffffffffn);
  const newR = nr === NO_CHANGE ? r : nr, newE = ne === NO_CHANGE ? e : ne;
  if (p.euid !== 0) {
    if (nr !== NO_CHANGE && nr !== r && nr !== e) return -EPERM;
    if (ne !== NO_CHANGE && ne !== r && ne !== e && ne !== s) return -EPERM;
  }
  // The saved id follows the new effective one when the real id is set or the effective one changes from the real.
  const newS = nr !== NO_CHANGE || (ne !== NO_CHANGE && newE !== r) ? newE : s;
  setIds(p, which, newR, newE, newS);
  return 0;
}

/** setuid(2) */
export function sysSetuid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setOne(t, "uid", a[0]); }
/** setgid(2) */
export function sysSetgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setOne(t, "gid", a[0]); }
/** setreuid(2) */
export function sysSetreuid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setre(t, "uid", a); }
/** setregid(2) */
export function sysSetregid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setre(t, "gid", a); }
/** setresuid(2) */
export function sysSetresuid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setres(t, "uid", a); }
/** setresgid(2) */
export function sysSetresgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setres(t, "gid", a); }

/** setfsuid(2): returns the previous fsuid whether or not the change is allowed. */
export function sysSetfsuid(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = t.process, old = p.fsuid, v = Number(a[0] & 0xffffffffn);
  if (p.euid === 0 || [p.uid, p.euid, p.suid, p.fsuid].includes(v)) p.fsuid = v;
  return old;
}
/** setfsgid(2) */
export function sysSetfsgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = t.process, old = p.fsgid, v = Number(a[0] & 0xffffffffn);
  if (p.euid === 0 || [p.gid, p.egid, p.sgid, p.fsgid].includes(v)) p.fsgid = v;
  return old;
}

/** setgroups(2): root only. */
export function sysSetgroups(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = Number(BigInt.asIntN(32, a[0]));
  if (n < 0 || n > 65536) return -EINVAL;
  if (t.process.euid !== 0) return -EPERM;
  const b = n === 0 ? new Uint8Array(0) : k.machine.copyIn(a[1], n * 4);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  t.process.groups = Array.from({ length: n }, (_, i) => dv.getUint32(i * 4, true));
  return 0;
}

// ---- scheduling ------------------------------------------------------------------------------

export const SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_RESET_ON_FORK = 0x40000000;
const policies = new WeakMap<Process, { policy: number; priority: number }>();

function schedTarget(k: Kernel, t: Thread, arg: bigint): Process | null | number {
  const pid = Number(BigInt.asIntN(32, arg));
  if (pid < 0) return -EINVAL;
  if (pid === 0) return t.process;
  const p = k.processes.get(pid) ?? k.thread(pid)?.process;
  return p && p.alive ? p : null;
}

/** sched_getscheduler(2) */
export function sysSchedGetscheduler(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = schedTarget(k, t, a[0]);
  if (typeof p === "number") return p;
  if (!p) return -ESRCH;
  return policies.get(p)?.policy ?? SCHED_OTHER;
}

function priorityRange(policy: number): [number, number] | null {
  if (policy === SCHED_FIFO || policy === SCHED_RR) return [1, 99];
  if (policy === SCHED_OTHER || policy === SCHED_BATCH || policy === SCHED_IDLE) return [0, 0];
  return null;
}

/** sched_setscheduler(2): recorded (every thread shares the one host thread anyway). */
export function sysSchedSetscheduler(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = schedTarget(k, t, a[0]);
  if (typeof p === "number") return p;
  const policy = Number(BigInt.asIntN(32, a[1])) & ~SCHED_RESET_ON_FORK;
  const range = priorityRange(policy);
  if (!range) return -EINVAL;
  if (a[2] === 0n) return -EINVAL;
  const prio = k.machine.readU32(a[2]);
  if (prio === null) return -EFAULT;
  if (!p) return -ESRCH;
  if ((prio | 0) < range[0] || (prio | 0) > range[1]) return -EINVAL;
  if (range[1] > 0 && t.process.euid !== 0) return -EPERM;
  policies.set(p, { policy, priority: prio | 0 });
  return 0;
}

/** sched_getparam(2) */
export function sysSchedGetparam(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = schedTarget(k, t, a[0]);
  if (typeof p === "number") return p;
  if (a[1] === 0n) return -EINVAL;
  if (!p) return -ESRCH;
  return k.machine.writeU32(a[1], policies.get(p)?.priority ?? 0) ? 0 : -EFAULT;
}

/** sched_setparam(2) */
export function sysSchedSetparam(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = schedTarget(k, t, a[0]);
  if (typeof p === "number") return p;
  if (a[1] === 0n) return -EINVAL;
  const prio = k.machine.readU32(a[1]);
  if (prio === null) return -EFAULT;
  if (!p) return -ESRCH;
  const cur = policies.get(p) ?? { policy: SCHED_OTHER, priority: 0 };
  const range = priorityRange(cur.policy)!;
  if ((prio | 0) < range[0] || (prio | 0) > range[1]) return -EINVAL;
  policies.set(p, { ...cur, priority: prio | 0 });
  return 0;
}

/** struct sched_attr as Linux 5.3 and later have it (SCHED_ATTR_SIZE_VER1); VER0 lacks the utilisation clamps. */
const SCHED_ATTR_SIZE_VER0 = 48, SCHED_ATTR_SIZE_VER1 = 56;

/** sched_getattr(2): policy, nice and priority as the other calls keep them; no deadline or clamp parameters. */
export function sysSchedGetattr(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = Number(BigInt.asIntN(32, a[0]));
  const usize = Number(a[2] & 0xffffffffn);
  if (a[1] === 0n || pid < 0 || usize < SCHED_ATTR_SIZE_VER0 || usize > 4096 || (a[3] & 0xffffffffn) !== 0n) return -EINVAL;
  const p = schedTarget(k, t, a[0]);
  if (typeof p === "number") return p;
  if (!p) return -ESRCH;
  const th = pid === 0 ? t : k.thread(pid) ?? p.threads[0];
  const cur = policies.get(p) ?? { policy: SCHED_OTHER, priority: 0 };
  // Bytes past the kernel's struct are zeroed, as copy_struct_to_user does.
  const b = new Uint8Array(usize);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, Math.min(usize, SCHED_ATTR_SIZE_VER1), true);
  dv.setUint32(4, cur.policy, true);
  dv.setInt32(16, cur.policy === SCHED_FIFO || cur.policy === SCHED_RR ? 0 : th.nice, true);
  dv.setUint32(20, cur.priority, true);
  return k.machine.copyOut(a[1], b) ? 0 : -EFAULT;
}

/** sched_get_priority_max(2) */
export function sysSchedGetPriorityMax(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const r = priorityRange(Number(BigInt.asIntN(32, a[0])));
  return r ? r[1] : -EINVAL;
}
/** sched_get_priority_min(2) */
export function sysSchedGetPriorityMin(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const r = priorityRange(Number(BigInt.asIntN(32, a[0])));
  return r ? r[0] : -EINVAL;
}

/** sched_setaffinity(2): accepted when the mask names at least one host CPU. */
export function sysSchedSetaffinity(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const p = schedTarget(k, t, a[0]);
  if (typeof p === "number") return p;
  const len = Number(a[1] > 4096n ? 4096n : a[1]);
  const b = k.machine.copyIn(a[2], len);
  if (!b) return -EFAULT;
  if (!p) return -ESRCH;
  const n = Math.max(k.host.cpuCount(), 1);
  for (let cpu = 0; cpu < Math.min(n, len * 8); cpu++) if (b[cpu >> 3] & (1 << (cpu & 7))) return 0;
  return -EINVAL;
}

/** getcpu(2): every thread runs on CPU 0, node 0. */
export function sysGetcpu(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[0] !== 0n && !k.machine.writeU32(a[0], 0)) return -EFAULT;
  if (a[1] !== 0n && !k.machine.writeU32(a[1], 0)) return -EFAULT;
  return 0;
}

