// Process file descriptors: pidfd_open, pidfd_send_signal, pidfd_getfd, and the pidfds that
// clone(CLONE_PIDFD) and clone3 hand out (process.ts), which waitid(P_PIDFD) waits on. Go's
// os/exec starts and waits for every child this way, and falls back to wait4 only without them.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, Process } from "../runtime/process.js";
import { EINVAL, EBADF, ESRCH, EPERM, EFAULT } from "../runtime/errno.js";
import { NSIG } from "../runtime/process.js";
import { OpenFile, WaitQueue, O_NONBLOCK, O_RDWR, POLLIN, POLLRDNORM, POLLHUP } from "../runtime/vfs/index.js";
import type { SyscallResult } from "./types.js";
import { anonPath } from "./poll.js";
import { installFile, fileOf } from "./fs.js";
import { sendSignal, infoFrom, exitHooks, SI_USER, SI_TKILL, SIGINFO_SIZE } from "../runtime/signals.js";

const PIDFD_NONBLOCK = O_NONBLOCK;

/** Each process's pidfd wait queue, woken when it exits (made on first use). */
const exitQueues = new WeakMap<Process, WaitQueue>();
exitHooks.push((p) => exitQueues.get(p)?.notify());

/** A pidfd: refers to one process; readable (POLLIN) once it has exited, POLLHUP too once reaped. */
export class PidFd extends OpenFile {
  /** Set by clone before the child runs; null only between the fd's reservation and the clone. */
  target: Process | null;
  constructor(target: Process | null, flags: number) {
    const { inode, path } = anonPath("pidfd");
    super((flags & O_NONBLOCK) | O_RDWR, inode, path);
    this.target = target;
  }
  get waitQueue(): WaitQueue {
    const p = this.target;
    if (!p) return new WaitQueue();
    let q = exitQueues.get(p);
    if (!q) { q = new WaitQueue(); exitQueues.set(p, q); }
    return q;
  }
  protected get seekable(): boolean { return false; }
  read(): number { return -EINVAL; }
  write(): number { return -EINVAL; }
  poll(): number {
    const p = this.target;
    if (!p || p.alive) return 0;
    return p.reaped ? POLLIN | POLLRDNORM | POLLHUP : POLLIN | POLLRDNORM;
  }
}

/** The process behind a pidfd argument, or -EBADF when the descriptor is no pidfd. */
export function pidfdTarget(t: Thread, fd: bigint): { proc: Process; file: PidFd } | number {
  const f = fileOf(t, fd);
  if (!(f instanceof PidFd) || !f.target) return -EBADF;
  return { proc: f.target, file: f };
}

/** pidfd_open(2): a thread-group leader (zombies included) of the caller's pid namespace. */
export function sysPidfdOpen(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pid = Number(BigInt.asIntN(32, a[0])), flags = Number(a[1] & 0xffffffffn);
  if (flags & ~PIDFD_NONBLOCK || pid <= 0) return -EINVAL;
  const p = k.processes.get(pid);
  if (!p || p.reaped) {
    // A thread id that is no process's id names no thread-group leader.
    for (const q of k.processes.values()) if (q.threads.some((x) => x.tid === pid && !x.exited)) return -EINVAL;
    return -ESRCH;
  }
  return installFile(t, new PidFd(p, flags), true);
}

const PIDFD_SIGNAL_THREAD = 1, PIDFD_SIGNAL_THREAD_GROUP = 2, PIDFD_SIGNAL_PROCESS_GROUP = 4;

/**
 * pidfd_send_signal(2): kill(2) through a pidfd; with a siginfo, rt_sigqueueinfo's rules. The
 * scope flags pick the process's leader thread, the process, or the process group whose id is
 * the process's pid (ESRCH unless it leads one, as on Linux).
 */
export function sysPidfdSendSignal(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const sig = Number(BigInt.asIntN(32, a[1])), infoP = a[2], flags = Number(a[3] & 0xffffffffn);
  const scope = flags & (PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP);
  if (flags !== scope || (scope & (scope - 1)) !== 0) return -EINVAL;
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const r = pidfdTarget(t, a[0]);
  if (typeof r === "number") return r;
  const { proc } = r;
  if (proc.reaped) return -ESRCH;
  let targets: Array<Process | Thread> = [proc];
  if (scope === PIDFD_SIGNAL_THREAD) {
    const leader = proc.threads.find((x) => x.tid === proc.pid && !x.exited);
    if (!leader) return proc.alive ? -ESRCH : 0;
    targets = [leader];
  } else if (scope === PIDFD_SIGNAL_PROCESS_GROUP) {
    targets = [...k.processes.values()].filter((p) => !p.reaped && p.pgid === proc.pid);
    if (!targets.length) return -ESRCH;
  }
  let info: Uint8Array;
  if (infoP !== 0n) {
    const b = k.machine.copyIn(infoP, SIGINFO_SIZE);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    if (dv.getInt32(0, true) !== sig) return -EINVAL;
    // Only the caller itself may forge a kernel-looking si_code.
    const code = dv.getInt32(8, true);
    if (proc !== t.process && (code >= 0 || code === SI_TKILL)) return -EPERM;
    info = b;
  } else info = infoFrom(sig, scope === PIDFD_SIGNAL_THREAD ? SI_TKILL : SI_USER, t.process.pid, t.process.uid);
  for (const target of targets) sendSignal(k, target, sig, info);
  return 0;
}

/** pidfd_getfd(2): a duplicate (close-on-exec) of another process's descriptor; same user or root. */
export function sysPidfdGetfd(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if ((a[2] & 0xffffffffn) !== 0n) return -EINVAL;
  const r = pidfdTarget(t, a[0]);
  if (typeof r === "number") return r;
  const { proc } = r;
  if (!proc.alive) return -ESRCH;
  const me = t.process;
  if (me.euid !== 0 && (me.uid !== proc.uid || me.uid !== proc.euid || me.uid !== proc.suid)) return -EPERM;
  const f = proc.fds.get(Number(BigInt.asIntN(32, a[1])));
  if (!f) return -EBADF;
  return installFile(t, f, true);
}

/**
 * For clone's CLONE_PIDFD: the pidfd to install in the parent once the child exists (after the
 * child's descriptor table is copied, so only a CLONE_FILES child shares it), or -EMFILE now.
 */
export function clonePidfd(t: Thread): PidFd | number {
  const file = new PidFd(null, 0);
  // The same lowest free descriptor is taken again after the clone; nothing runs in between.
  const probe = installFile(t, file, true);
  if (probe < 0) return probe;
  t.process.fds.close(probe);
  return file;
}
