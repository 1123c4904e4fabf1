// Process and thread identity, exit, thread-local storage registers, limits and scheduling.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import { RLIM_NLIMITS, RLIM_INFINITY } from "../runtime/process.js";
import { EINVAL, EFAULT, ESRCH, EPERM, ENOSYS, ENODEV } from "../runtime/errno.js";
import { TASK_SIZE } from "../runtime/mm.js";
import type { SyscallResult } from "./types.js";

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
export function sysGeteuid(k: Kernel, t: Thread): SyscallResult { return t.process.uid; }
/** getgid(2) */
export function sysGetgid(k: Kernel, t: Thread): SyscallResult { return t.process.gid; }
/** getegid(2) */
export function sysGetegid(k: Kernel, t: Thread): SyscallResult { return t.process.gid; }
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

/** set_robust_list(2): recorded; walked at thread exit once futexes exist. */
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

/** rseq(2): not provided; glibc and musl carry on without restartable sequences. */
export function sysRseq(): SyscallResult { return -ENOSYS; }

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
  if (next) p.rlimits[res] = next;
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

/** sched_yield(2) */
export function sysSchedYield(): SyscallResult { return 0; }

export const PR_SET_NAME = 15, PR_GET_NAME = 16;

/** prctl(2): the thread name (PR_SET_NAME/PR_GET_NAME); other options are EINVAL. */
export function sysPrctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  switch (Number(a[0] & 0xffffffffn)) {
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

function putIds(k: Kernel, a: bigint[], id: number): SyscallResult {
  for (let i = 0; i < 3; i++) if (!k.machine.writeU32(a[i], id)) return -EFAULT;
  return 0;
}
/** getresuid(2) */
export function sysGetresuid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return putIds(k, a, t.process.uid); }
/** getresgid(2) */
export function sysGetresgid(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return putIds(k, a, t.process.gid); }
