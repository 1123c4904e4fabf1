// Signal dispositions, masks and alternate stacks, recorded per process/thread; kill and
// friends apply default actions. Delivery to guest handlers comes with the signal-frame code.
import type { Kernel } from "../runtime/kernel.js";
import { SIGNAL_TEXT } from "../runtime/kernel.js";
import type { Thread, Process } from "../runtime/process.js";
import { NSIG } from "../runtime/process.js";
import { EINVAL, EFAULT, ENOMEM, ESRCH, ENOSYS } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";

export const SIGKILL = 9, SIGSTOP = 19, SIG_DFL = 0n, SIG_IGN = 1n;
export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;
export const MINSIGSTKSZ = 2048;
const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));

/** Signals whose default action is to ignore them (SIGCHLD, SIGCONT, SIGURG, SIGWINCH), and the
 *  stop signals, which have no job control to stop yet. */
const DEFAULT_IGNORED = new Set([17, 18, 23, 28, 19, 20, 21, 22]);

/** rt_sigaction(2) */
export function sysRtSigaction(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const sig = Number(BigInt.asIntN(32, a[0]));
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
  if (next) proc.sigactions[sig] = next;
  return 0;
}

/** rt_sigprocmask(2) */
export function sysRtSigprocmask(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[3] !== 8n) return -EINVAL;
  const old = t.sigmask;
  let next = old;
  if (a[1] !== 0n) {
    const set = k.machine.readU64(a[1]);
    if (set === null) return -EFAULT;
    const how = Number(BigInt.asIntN(32, a[0]));
    if (how === SIG_BLOCK) next = old | set;
    else if (how === SIG_UNBLOCK) next = old & ~set;
    else if (how === SIG_SETMASK) next = set;
    else return -EINVAL;
  }
  if (a[2] !== 0n && !k.machine.writeU64(a[2], old)) return -EFAULT;
  t.sigmask = next & ~UNBLOCKABLE;
  return 0;
}

/** sigaltstack(2) */
export function sysSigaltstack(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  let next = null;
  if (a[0] !== 0n) {
    const b = k.machine.copyIn(a[0], 24);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    const sp = dv.getBigUint64(0, true), flags = dv.getInt32(8, true), size = dv.getBigUint64(16, true);
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== 0 && mode !== SS_DISABLE && mode !== SS_ONSTACK) return -EINVAL;
    if (mode === SS_DISABLE) next = { sp: 0n, flags: SS_DISABLE, size: 0n };
    else {
      if (size < BigInt(MINSIGSTKSZ)) return -ENOMEM;
      next = { sp, flags: flags & SS_AUTODISARM, size };
    }
  }
  if (a[1] !== 0n) {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, t.altStack.sp, true);
    dv.setInt32(8, t.altStack.flags, true);
    dv.setBigUint64(16, t.altStack.size, true);
    if (!k.machine.copyOut(a[1], b)) return -EFAULT;
  }
  if (next) t.altStack = next;
  return 0;
}

/** Sends sig to proc: the default action or SIG_IGN; a caught signal needs delivery (not yet). */
export function sendSignal(k: Kernel, proc: Process, sig: number): number {
  if (sig === 0) return 0;
  const act = proc.sigactions[sig];
  if (sig !== SIGKILL && sig !== SIGSTOP) {
    if (act.handler === SIG_IGN) return 0;
    if (act.handler !== SIG_DFL) {
      k.host.log(`wasl: cannot deliver signal ${sig} to a handler yet (signal delivery is not implemented)`);
      return -ENOSYS;
    }
  }
  if (DEFAULT_IGNORED.has(sig)) return 0;
  if (k.verbose) k.host.log(`wasl: ${proc.exe}: ${SIGNAL_TEXT[sig] ?? `signal ${sig}`}`);
  k.exitProcess(proc, 0, sig);
  return 0;
}

/** kill(2): the calling process (or its group) only, for now. */
export function sysKill(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = Number(BigInt.asIntN(32, a[0])), sig = Number(BigInt.asIntN(32, a[1]));
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const proc = pid === 0 || pid === -1 || pid === -t.process.pgid ? t.process : k.processes.get(pid);
  if (!proc || !proc.alive) return -ESRCH;
  return sendSignal(k, proc, sig);
}

/** tgkill(2) */
export function sysTgkill(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tgid = Number(BigInt.asIntN(32, a[0])), tid = Number(BigInt.asIntN(32, a[1])), sig = Number(BigInt.asIntN(32, a[2]));
  if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -EINVAL;
  const proc = k.processes.get(tgid);
  if (!proc || !proc.alive || !proc.threads.some((x) => x.tid === tid && !x.exited)) return -ESRCH;
  return sendSignal(k, proc, sig);
}

/** tkill(2) */
export function sysTkill(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const tid = Number(BigInt.asIntN(32, a[0])), sig = Number(BigInt.asIntN(32, a[1]));
  if (tid <= 0 || sig < 0 || sig > NSIG) return -EINVAL;
  for (const p of k.processes.values()) {
    if (p.alive && p.threads.some((x) => x.tid === tid && !x.exited)) return sendSignal(k, p, sig);
  }
  return -ESRCH;
}

