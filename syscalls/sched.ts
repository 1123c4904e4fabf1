// Priorities and barriers: getpriority/setpriority and ioprio_get/ioprio_set (per thread, as Linux keeps them),
// membarrier, and the capability sets root and other users have here.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, Process } from "../runtime/process.js";
import { RLIMIT_NICE } from "../runtime/process.js";
import { EINVAL, EFAULT, EPERM, ESRCH, EACCES } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";

const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;

/** The threads a (which, who) pair names; null for a bad `which`. */
function prioTargets(k: Kernel, t: Thread, which: number, who: number): Thread[] | null {
  const live = (p: Process) => p.alive;
  switch (which) {
    case PRIO_PROCESS: {
      // A pid names its thread of that id (a process's first thread has the process's id).
      if (who === 0) return [t];
      const th = k.thread(who);
      return th && !th.exited && th.process.alive ? [th] : [];
    }
    case PRIO_PGRP: {
      const pgid = who === 0 ? t.process.pgid : who;
      return [...k.processes.values()].filter((p) => live(p) && p.pgid === pgid).flatMap((p) => p.threads.filter((x) => !x.exited));
    }
    case PRIO_USER: {
      const uid = who === 0 ? t.process.uid : who;
      return [...k.processes.values()].filter((p) => live(p) && p.uid === uid).flatMap((p) => p.threads.filter((x) => !x.exited));
    }
    default: return null;
  }
}

/** getpriority(2): the raw call returns 20 - nice of the highest-priority target (1…40); libc converts. */
export function sysGetpriority(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const targets = prioTargets(k, t, Number(BigInt.asIntN(32, a[0])), Number(BigInt.asIntN(32, a[1])));
  if (!targets) return -EINVAL;
  if (!targets.length) return -ESRCH;
  return 20 - Math.min(...targets.map((x) => x.nice));
}

/** setpriority(2): nice is clamped to -20…19; only root or RLIMIT_NICE may lower it. */
export function sysSetpriority(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const targets = prioTargets(k, t, Number(BigInt.asIntN(32, a[0])), Number(BigInt.asIntN(32, a[1])));
  if (!targets) return -EINVAL;
  if (!targets.length) return -ESRCH;
  const nice = Math.max(-20, Math.min(19, Number(BigInt.asIntN(32, a[2]))));
  const me = t.process;
  let err = 0;
  for (const x of targets) {
    const p = x.process;
    if (me.euid !== 0 && p.uid !== me.euid && p.euid !== me.euid) { err = -EPERM; continue; }
    // RLIMIT_NICE's ceiling is 20 - limit: a limit of 0 (the default) allows no lowering at all.
    if (nice < x.nice && me.euid !== 0 && 20 - nice > Number(me.rlimits[RLIMIT_NICE][0])) { err = -EACCES; continue; }
    x.nice = nice;
  }
  return err;
}

const IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_PGRP = 2, IOPRIO_WHO_USER = 3;
const IOPRIO_CLASS_NONE = 0, IOPRIO_CLASS_RT = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_IDLE = 3;
/** What a thread that never set one counts as when priorities are compared (best effort, level 4). */
const IOPRIO_DEFAULT = (IOPRIO_CLASS_BE << 13) | 4;

/** The threads an ioprio (which, who) pair names, as getpriority's PRIO_* do; null for a bad `which`. */
function ioprioTargets(k: Kernel, t: Thread, which: number, who: number): Thread[] | null {
  switch (which) {
    case IOPRIO_WHO_PROCESS: return prioTargets(k, t, PRIO_PROCESS, who);
    case IOPRIO_WHO_PGRP: return prioTargets(k, t, PRIO_PGRP, who);
    case IOPRIO_WHO_USER: return prioTargets(k, t, PRIO_USER, who);
    default: return null;
  }
}

/** ioprio_set(2): the priority is recorded (every thread's I/O is served in order here). */
export function sysIoprioSet(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const prio = Number(BigInt.asIntN(32, a[2]));
  // The low 3 bits of the data are the level; Linux 6.1 and later take the bits above as hints.
  const cls = (prio >> 13) & 0x7, level = prio & 0x7;
  if (prio < 0 || prio > 0xffff) return -EINVAL;
  switch (cls) {
    case IOPRIO_CLASS_RT: if (t.process.euid !== 0) return -EPERM; // CAP_SYS_NICE
    // fallthrough
    case IOPRIO_CLASS_BE: case IOPRIO_CLASS_IDLE: break;
    case IOPRIO_CLASS_NONE: if (level) return -EINVAL; break;
    default: return -EINVAL;
  }
  const targets = ioprioTargets(k, t, Number(BigInt.asIntN(32, a[0])), Number(BigInt.asIntN(32, a[1])));
  if (!targets) return -EINVAL;
  if (!targets.length) return -ESRCH;
  const me = t.process;
  let err = 0;
  for (const x of targets) {
    const p = x.process;
    if (me.euid !== 0 && p.uid !== me.euid && p.euid !== me.euid) { err = -EPERM; continue; }
    x.ioprio = prio;
  }
  return err;
}

/** ioprio_get(2): one thread's priority, or the best of a group's or a user's (a lower class and level is better). */
export function sysIoprioGet(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const which = Number(BigInt.asIntN(32, a[0]));
  const targets = ioprioTargets(k, t, which, Number(BigInt.asIntN(32, a[1])));
  if (!targets) return -EINVAL;
  if (!targets.length) return -ESRCH;
  if (which === IOPRIO_WHO_PROCESS) return targets[0].ioprio;
  const valid = (v: number) => ((v >> 13) & 0x7) !== IOPRIO_CLASS_NONE ? v : IOPRIO_DEFAULT;
  return targets.map((x) => x.ioprio).reduce((best, v) => Math.min(valid(best), valid(v)));
}

const MEMBARRIER_CMD_QUERY = 0, MEMBARRIER_CMD_GLOBAL = 1, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
  MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4, MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16;
const MEMBARRIER_SUPPORTED = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |
  MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
/** Processes registered for the private expedited barrier (Linux refuses it to the others). */
const privateExpedited = new WeakSet<Process>();

/**
 * membarrier(2). Every guest thread runs on the one host thread and a switch between threads goes
 * through the kernel, so each barrier already holds when the call returns: what remains is Linux's
 * bookkeeping (QUERY, registration, EINVAL for unknown commands or flags).
 */
export function sysMembarrier(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const cmd = Number(BigInt.asIntN(32, a[0])), flags = Number(BigInt.asIntN(32, a[1]));
  if (flags !== 0) return -EINVAL;
  switch (cmd) {
    case MEMBARRIER_CMD_QUERY: return MEMBARRIER_SUPPORTED;
    case MEMBARRIER_CMD_GLOBAL: case MEMBARRIER_CMD_GLOBAL_EXPEDITED: case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED: return 0;
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: privateExpedited.add(t.process); return 0;
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED: return privateExpedited.has(t.process) ? 0 : -EPERM;
    default: return -EINVAL;
  }
}

const CAP_V1 = 0x19980330, CAP_V2 = 0x20071026, CAP_V3 = 0x20080522;
/** Capabilities 0…40 (CAP_CHECKPOINT_RESTORE is the last): root holds them all here, as the kernel's checks assume. */
const ALL_CAPS = (1n << 41n) - 1n;

/** The (effective, permitted, inheritable) sets of p, from its ids as Linux derives them without file capabilities. */
function capsOf(p: Process): [bigint, bigint, bigint] {
  const permitted = p.uid === 0 || p.euid === 0 || p.suid === 0 ? ALL_CAPS : 0n;
  return [p.euid === 0 ? ALL_CAPS : 0n, permitted, 0n];
}

/** Checks the header; the number of 32-bit data structs the version uses, or an errno (after writing the preferred version). */
function capHeader(k: Kernel, t: Thread, hdr: bigint, probe = false): { words: number; target: Process } | number {
  const raw = k.machine.copyIn(hdr, 8);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer, raw.byteOffset, 8);
  const version = dv.getUint32(0, true), pid = dv.getInt32(4, true);
  if (version !== CAP_V1 && version !== CAP_V2 && version !== CAP_V3) {
    return k.machine.writeU32(hdr, CAP_V3) ? -EINVAL : -EFAULT;
  }
  if (probe) return 0;
  if (pid < 0) return -EINVAL;
  const target = pid === 0 ? t.process : k.thread(pid)?.process;
  if (!target || !target.alive) return -ESRCH;
  return { words: version === CAP_V1 ? 1 : 2, target };
}

/** capget(2): root's sets are full, other users' empty. */
export function sysCapget(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  // With NULL data the call only negotiates the version (libcap's probe): a wrong one is written back and 0 returned.
  if (a[1] === 0n) { const r = capHeader(k, t, a[0], true); return r === -EFAULT ? r : 0; }
  const h = capHeader(k, t, a[0]);
  if (typeof h === "number") return h;
  const sets = capsOf(h.target);
  const out = new Uint8Array(12 * h.words);
  const dv = new DataView(out.buffer);
  for (let w = 0; w < h.words; w++)
    for (let i = 0; i < 3; i++) dv.setUint32(w * 12 + i * 4, Number((sets[i] >> BigInt(32 * w)) & 0xffffffffn), true);
  return k.machine.copyOut(a[1], out) ? 0 : -EFAULT;
}

/**
 * capset(2). The kernel's permission checks follow the user ids (root may do everything), so a
 * process cannot really give up single capabilities here: a call that changes nothing succeeds,
 * one that would drop or add capabilities is refused with EPERM rather than pretended.
 */
export function sysCapset(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const h = capHeader(k, t, a[0]);
  if (typeof h === "number") return h;
  if (h.target !== t.process) return -EPERM;
  const raw = k.machine.copyIn(a[1], 12 * h.words);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const want: bigint[] = [0n, 0n, 0n];
  for (let w = 0; w < h.words; w++) for (let i = 0; i < 3; i++) want[i] |= BigInt(dv.getUint32(w * 12 + i * 4, true)) << BigInt(32 * w);
  const have = capsOf(t.process);
  const mask = h.words === 1 ? 0xffffffffn : ALL_CAPS;
  for (let i = 0; i < 3; i++) if ((want[i] & mask) !== (have[i] & mask)) return -EPERM;
  return 0;
}
