// The signal system calls: dispositions, masks, the alternate stack, sending (kill, tgkill,
// sigqueue), waiting (pause, sigsuspend, sigtimedwait) and rt_sigreturn. Queueing and delivery
// are in runtime/signals.ts.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, Process, SyscallValue } from "../runtime/process.js";
import { NSIG } from "../runtime/process.js";
import { EINVAL, EFAULT, ESRCH, EPERM, EAGAIN, EINTR, EBADF } from "../runtime/errno.js";
import type { Park, SyscallResult } from "./types.js";
import { readTimespec } from "./time.js";
import { OpenFile, WaitQueue, WOULD_BLOCK, O_NONBLOCK, O_RDWR, POLLIN, POLLRDNORM } from "../runtime/vfs/index.js";
import { anonPath } from "./poll.js";
import { installFile, fileOf } from "./fs.js";
import {
  sendSignal, sigreturn, setAltStack, altStackFlags, dequeue, pendingSet, tsig, inAddressSpace, infoFrom,
  UNBLOCKABLE, SS_AUTODISARM, SI_USER, SI_TKILL, SIG_IGN, SIG_DFL, bit, SIGINFO_SIZE,
  SIGKILL, SIGSTOP, SIGCHLD, SIGCONT, SIGURG, SIGWINCH, queuedHooks, SI_QUEUE, SI_TIMER, SIGSEGV, SIGBUS, SIGILL,
  SIGFPE, SIGTRAP,
} from "../runtime/signals.js";

export { sendSignal };

export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const MINSIGSTKSZ = 2048;
const RSP = 4;

const sigArg = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** rt_sigaction(2) */
export function sysRtSigaction(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const sig = sigArg(a[0]);
  if (a[3] !== 8n) return -EINVAL;
  if (sig < 1 || sig > NSIG) return -EINVAL;
  const proc = t.process;
  let next = null;
  if (a[1] !== 0n) {
    if (sig === SIGKILL || sig === SIGSTOP) return -EINVAL;
    const b = k.machine.copyIn(a[1], 32);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    next = { handler: dv.getBigUint64(0, true), flags: dv.getBigUint64(8, true), restorer: dv.getBigUint64(16, true), mask: dv.getBigUint64(24, true) & ~UNBLOCKABLE };
  }
  const old = proc.sigactions[sig];
  if (a[2] !== 0n) {
    const b = new Uint8Array(32);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, old.handler, true); dv.setBigUint64(8, old.flags, true);
    dv.setBigUint64(16, old.restorer, true); dv.setBigUint64(24, old.mask, true);
    if (!k.machine.copyOut(a[2], b)) return -EFAULT;
  }
  if (next) {
    proc.sigactions[sig] = next;
    // POSIX: making a pending signal ignored discards it.
    const ignoredByDefault = [SIGCHLD, SIGCONT, SIGURG, SIGWINCH].includes(sig);
    if (next.handler === SIG_IGN || (next.handler === SIG_DFL && ignoredByDefault)) discard(proc, sig);
  }
  return 0;
}

function discard(proc: Process, sig: number): void {
  for (const th of proc.threads) while (dequeueOnly(th, sig)) { /* drop */ }
}
function dequeueOnly(t: Thread, sig: number): boolean { return dequeue(t, bit(sig)) !== null; }

/** rt_sigprocmask(2) */
export function sysRtSigprocmask(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[3] !== 8n) return -EINVAL;
  const old = t.sigmask;
  let next = old;
  if (a[1] !== 0n) {
    const set = k.machine.readU64(a[1]);
    if (set === null) return -EFAULT;
    const how = sigArg(a[0]);
    if (how === SIG_BLOCK) next = old | set;
    else if (how === SIG_UNBLOCK) next = old & ~set;
    else if (how === SIG_SETMASK) next = set;
    else return -EINVAL;
  }
  if (a[2] !== 0n && !k.machine.writeU64(a[2], old)) return -EFAULT;
  t.sigmask = next & ~UNBLOCKABLE;
  return 0;
}

/** rt_sigpending(2): pending signals that are blocked. */
export function sysRtSigpending(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[1] > 8n) return -EINVAL;
  const set = pendingSet(t) & t.sigmask;
  const b = new Uint8Array(Number(a[1]));
  for (let i = 0; i < b.length; i++) b[i] = Number((set >> BigInt(8 * i)) & 0xffn);
  return k.machine.copyOut(a[0], b) ? 0 : -EFAULT;
}

/** rt_sigreturn(2) */
export function sysRtSigreturn(k: Kernel, t: Thread): SyscallResult {
  return sigreturn(k, t);
}

/** sigaltstack(2) */
export function sysSigaltstack(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const sp = k.machine.reg(RSP);
  const old = new Uint8Array(24);
  const odv = new DataView(old.buffer);
  odv.setBigUint64(0, t.altStack.sp, true);
  odv.setInt32(8, altStackFlags(t, sp) | (t.altStack.flags & SS_AUTODISARM), true);
  odv.setBigUint64(16, t.altStack.size, true);
  if (a[0] !== 0n) {
    const b = k.machine.copyIn(a[0], 24);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    const r = setAltStack(t, sp, { sp: dv.getBigUint64(0, true), flags: dv.getInt32(8, true), size: dv.getBigUint64(16, true) });
    if (r === -1) return -EPERM;
    if (r < 0) return r;
  }
  if (a[1] !== 0n && !k.machine.copyOut(a[1], old)) return -EFAULT;
  return 0;
}

// ---- sending ------------------------------------------------------------------------------------

/** The process a pid names: its thread-group leader, or the group of a thread id. */
function findProcess(k: Kernel, pid: number): Process | null {
  const p = k.processes.get(pid);
  if (p) return p;
  for (const q of k.processes.values()) if (q.threads.some((x) => x.tid === pid)) return q;
  return null;
}
function findThread(k: Kernel, tid: number, tgid?: number): Thread | null {
  for (const p of k.processes.values()) {
    if (tgid !== undefined && p.pid !== tgid) continue;
    const th = p.threads.find((x) => x.tid === tid && !x.exited);
    if (th) return th;
  }
  return null;
}

/** kill's targets: pid > 0 one process, 0 the caller's group, -1 every process but init and the caller, < -1 a group. */
function killTargets(k: Kernel, t: Thread, pid: number): Process[] {
  const all = [...k.processes.values()].filter((p) => !(p as { reaped?: boolean }).reaped);
  if (pid > 0) { const p = findProcess(k, pid); return p ? [p] : []; }
  if (pid === 0) return all.filter((p) => p.pgid === t.process.pgid);
  if (pid === -1) return all.filter((p) => p.pid > 1 && p !== t.process && p.alive);
  return all.filter((p) => p.pgid === -pid);
}

/** kill(2) */
export function sysKill(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = sigArg(a[0]), sig = sigArg(a[1]);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const targets = killTargets(k, t, pid);
  if (targets.length === 0) return -ESRCH;
  for (const p of targets) sendSignal(k, p, sig, infoFrom(sig, SI_USER, t.process.pid, t.process.uid));
  return 0;
}

/** tgkill(2) */
export function sysTgkill(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tgid = sigArg(a[0]), tid = sigArg(a[1]), sig = sigArg(a[2]);
  if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -EINVAL;
  const th = findThread(k, tid, tgid);
  if (!th) return -ESRCH;
  return sendSignal(k, th, sig, infoFrom(sig, SI_TKILL, t.process.pid, t.process.uid));
}

/** tkill(2) */
export function sysTkill(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tid = sigArg(a[0]), sig = sigArg(a[1]);
  if (tid <= 0 || sig < 0 || sig > NSIG) return -EINVAL;
  const th = findThread(k, tid);
  if (!th) return -ESRCH;
  return sendSignal(k, th, sig, infoFrom(sig, SI_TKILL, t.process.pid, t.process.uid));
}

/** The caller's siginfo for sigqueue; only si_code < 0 (other than SI_TKILL) may be forged for others. */
function userInfo(k: Kernel, t: Thread, p: bigint, sig: number, self: boolean): Uint8Array | number {
  const b = k.machine.copyIn(p, SIGINFO_SIZE);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  const code = dv.getInt32(8, true);
  if ((code >= 0 || code === SI_TKILL) && !self) return -EPERM;
  dv.setInt32(0, sig, true);
  return b;
}

/** rt_sigqueueinfo(2) */
export function sysRtSigqueueinfo(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = sigArg(a[0]), sig = sigArg(a[1]);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const info = userInfo(k, t, a[2], sig, pid === t.process.pid);
  if (typeof info === "number") return info;
  const p = findProcess(k, pid);
  if (!p) return -ESRCH;
  return sendSignal(k, p, sig, info);
}

/** rt_tgsigqueueinfo(2) */
export function sysRtTgsigqueueinfo(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tgid = sigArg(a[0]), tid = sigArg(a[1]), sig = sigArg(a[2]);
  if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -EINVAL;
  const info = userInfo(k, t, a[3], sig, tgid === t.process.pid);
  if (typeof info === "number") return info;
  const th = findThread(k, tid, tgid);
  if (!th) return -ESRCH;
  return sendSignal(k, th, sig, info);
}

// ---- waiting ------------------------------------------------------------------------------------

/** pause(2): a kernel wait only a signal ends (like Linux, it waits forever when none comes). */
export function sysPause(k: Kernel, t: Thread): SyscallResult {
  return k.kernelWait(t, () => {});
}

/** rt_sigsuspend(2): waits with a temporary mask; the handler's frame saves the old one. */
export function sysRtSigsuspend(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[1] !== 8n) return -EINVAL;
  const set = k.machine.readU64(a[0]);
  if (set === null) return -EFAULT;
  tsig(t).savedMask = t.sigmask;
  t.sigmask = set & ~UNBLOCKABLE;
  return k.kernelWait(t, () => {});
}


/** rt_sigtimedwait(2) */
export function sysRtSigtimedwait(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[3] !== 8n) return -EINVAL;
  const raw = k.machine.readU64(a[0]);
  if (raw === null) return -EFAULT;
  const set = raw & ~UNBLOCKABLE;
  let timeout: bigint | null = null;
  if (a[2] !== 0n) {
    const ns = readTimespec(k, a[2]);
    if (typeof ns === "number") return ns;
    timeout = ns;
  }
  const take = (): SyscallValue | null => {
    const p = dequeue(t, set);
    if (!p) return null;
    if (a[1] !== 0n && !k.machine.copyOut(a[1], p.info)) return -EFAULT;
    return p.sig;
  };
  const now = take();
  if (now !== null) return now;
  if (timeout === 0n) return -EAGAIN;
  const s = tsig(t);
  s.waitSet = set;
  const ms = timeout === null ? undefined : Number(timeout / 1_000_000n) + (timeout % 1_000_000n ? 1 : 0);
  const wait = k.kernelWait(t, () => { s.waitSet = 0n; }, ms === undefined ? undefined : { ms, result: () => -EAGAIN });
  // Woken by a signal: one of the set is taken now (in t's address space, for the siginfo copy);
  // any other signal leaves -ERESTARTNOHAND, EINTR after its handler.
  const park: Park = {
    park: wait.park,
    interrupt: (v: SyscallValue = -EINTR) => {
      const got = s.waitSet ? inAddressSpace(k, t, take) : null;
      wait.interrupt!(got ?? v);
    },
  };
  return park;
}

// ---- signalfd -----------------------------------------------------------------------------------

/** Each process's signalfd wait queues, fired when a signal is queued for it. */
const signalfdQueues = new WeakMap<Process, Set<WaitQueue>>();
queuedHooks.push((p) => { for (const q of signalfdQueues.get(p) ?? []) q.notify(); });

const SIGNALFD_SIGINFO = 128;
const FAULT_SIGNALS = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP];

/** struct signalfd_siginfo from a queued siginfo (the fields its si_code's union member has). */
function signalfdInfo(info: Uint8Array): Uint8Array {
  const i = new DataView(info.buffer, info.byteOffset);
  const out = new Uint8Array(SIGNALFD_SIGINFO);
  const o = new DataView(out.buffer);
  const signo = i.getInt32(0, true), code = i.getInt32(8, true);
  o.setUint32(0, signo, true);
  o.setInt32(4, i.getInt32(4, true), true);
  o.setInt32(8, code, true);
  if (code === SI_TIMER) {
    o.setUint32(24, i.getInt32(16, true), true); // ssi_tid: the timer id
    o.setUint32(32, i.getInt32(20, true), true); // ssi_overrun
    o.setInt32(44, i.getInt32(24, true), true);  // ssi_int
    o.setBigUint64(48, i.getBigUint64(24, true), true);
  } else if (code > 0 && FAULT_SIGNALS.includes(signo)) {
    o.setBigUint64(72, i.getBigUint64(16, true), true); // ssi_addr
  } else {
    o.setUint32(12, i.getInt32(16, true), true); // ssi_pid
    o.setUint32(16, i.getInt32(20, true), true); // ssi_uid
    if (signo === SIGCHLD && code > 0) {
      o.setInt32(40, i.getInt32(24, true), true); // ssi_status
      o.setBigUint64(56, i.getBigUint64(32, true), true);
      o.setBigUint64(64, i.getBigUint64(40, true), true);
    } else if (code === SI_QUEUE || code < 0) {
      o.setInt32(44, i.getInt32(24, true), true);
      o.setBigUint64(48, i.getBigUint64(24, true), true);
    }
  }
  return out;
}

/**
 * A signalfd: reading dequeues pending signals in its mask (those must be blocked, or a handler
 * takes them first). Reads dequeue for the thread that created it, which is the reader in the
 * usual single-reader programs.
 */
export class SignalFd extends OpenFile {
  private queue = new WaitQueue();
  constructor(public mask: bigint, flags: number, readonly owner: Thread) {
    const { inode, path } = anonPath("signalfd");
    super(flags | O_RDWR, inode, path);
    let set = signalfdQueues.get(owner.process);
    if (!set) { set = new Set(); signalfdQueues.set(owner.process, set); }
    set.add(this.queue);
  }
  get waitQueue(): WaitQueue { return this.queue; }
  protected get seekable(): boolean { return false; }
  read(buf: Uint8Array): number {
    if (buf.length < SIGNALFD_SIGINFO) return -EINVAL;
    let n = 0;
    while (n + SIGNALFD_SIGINFO <= buf.length) {
      const p = dequeue(this.owner, this.mask);
      if (!p) break;
      buf.set(signalfdInfo(p.info), n);
      n += SIGNALFD_SIGINFO;
    }
    return n === 0 ? WOULD_BLOCK : n;
  }
  write(): number { return -EINVAL; }
  poll(): number { return (pendingSet(this.owner) & this.mask) !== 0n ? POLLIN | POLLRDNORM : 0; }
  release(): void { signalfdQueues.get(this.owner.process)?.delete(this.queue); }
}

export const SFD_CLOEXEC = 0o2000000, SFD_NONBLOCK = 0o4000;

/** signalfd4(2) */
export function sysSignalfd4(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[3] & 0xffffffffn);
  if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) return -EINVAL;
  if (a[2] !== 8n) return -EINVAL;
  const raw = k.machine.readU64(a[1]);
  if (raw === null) return -EFAULT;
  const mask = raw & ~UNBLOCKABLE;
  const fd = sigArg(a[0]);
  if (fd !== -1) {
    const f = fileOf(t, a[0]);
    if (!f) return -EBADF;
    if (!(f instanceof SignalFd)) return -EINVAL;
    f.mask = mask;
    return fd;
  }
  return installFile(t, new SignalFd(mask, flags & O_NONBLOCK, t), (flags & SFD_CLOEXEC) !== 0);
}

/** signalfd(2) */
export function sysSignalfd(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return sysSignalfd4(k, t, [a[0], a[1], a[2], 0n]);
}
