// Clocks, sleeps and timers: clock_gettime and friends, nanosleep/clock_nanosleep (interruptible,
// with the remaining time), CPU time from retired instructions, alarm/setitimer, POSIX timers.
// Timers run on the host's clock and raise their signals through runtime/signals.ts.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, Process, SyscallValue } from "../runtime/process.js";
import { EINVAL, EFAULT, EINTR, EBADF } from "../runtime/errno.js";
import type { Park, SyscallResult } from "./types.js";
import { OpenFile, WaitQueue, WOULD_BLOCK, O_NONBLOCK, O_RDWR, POLLIN, POLLRDNORM } from "../runtime/vfs/index.js";
import { anonPath } from "./poll.js";
import { installFile, fileOf } from "./fs.js";
import {
  sendSignal, siginfo, threadCpuNs, processCpuNs, childCpuNs, inAddressSpace, cpuHooks,
  SIGALRM, SIGVTALRM, SIGPROF, SI_TIMER, ERESTARTNOHAND, execHooks, exitHooks, type TimerQueue,
} from "../runtime/signals.js";

export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
  CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
export const TIMER_ABSTIME = 1;
const NS = 1_000_000_000n;
/** clock_t ticks per second (USER_HZ). */
const HZ = 100n;

/** CPU clock ids a pid or tid encodes (clock_getcpuclockid): ~pid << 3 | type, bit 2 = thread. */
function cpuClock(k: Kernel, t: Thread, clock: number): bigint | null {
  const pid = ~(clock >> 3);
  if ((clock & 7) === 7) return null;
  const thread = (clock & 4) !== 0;
  if (thread) {
    const th = pid === 0 ? t : t.process.threads.find((x) => x.tid === pid);
    return th ? threadCpuNs(k, th) : null;
  }
  const p = pid === 0 ? t.process : k.processes.get(pid);
  return p ? processCpuNs(k, p) : null;
}

/** The clock's current value in ns, or null for an unknown clock. */
export function clockNs(k: Kernel, clock: number, t?: Thread): bigint | null {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_REALTIME_ALARM: return k.host.realtimeNs();
    case CLOCK_TAI: return k.host.realtimeNs() + 37n * NS;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
      return k.host.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID: return t ? processCpuNs(k, t.process) : 0n;
    case CLOCK_THREAD_CPUTIME_ID: return t ? threadCpuNs(k, t) : 0n;
    default: return clock < 0 && t ? cpuClock(k, t, clock) : null;
  }
}

function timespec(ns: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, ns / NS, true);
  dv.setBigInt64(8, ns % NS, true);
  return b;
}
function timeval(ns: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, ns / NS, true);
  dv.setBigInt64(8, (ns % NS) / 1000n, true);
  return b;
}

/** A struct timespec from guest memory as ns; EFAULT/EINVAL as negative numbers. */
export function readTimespec(k: Kernel, p: bigint): bigint | number {
  const b = k.machine.copyIn(p, 16);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  const sec = dv.getBigInt64(0, true), nsec = dv.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NS) return -EINVAL;
  return sec * NS + nsec;
}
/** A struct itimerspec (it_interval, it_value) as [interval, value] ns; EFAULT/EINVAL as negative numbers. */
function readItimerspec(k: Kernel, p: bigint): [bigint, bigint] | number {
  const interval = readTimespec(k, p);
  if (typeof interval === "number") return interval;
  const value = readTimespec(k, p + 16n);
  return typeof value === "number" ? value : [interval, value];
}
/** A struct timeval (setitimer) as ns. */
function readTimeval(b: Uint8Array, off: number): bigint | number {
  const dv = new DataView(b.buffer, b.byteOffset);
  const sec = dv.getBigInt64(off, true), usec = dv.getBigInt64(off + 8, true);
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) return -EINVAL;
  return sec * NS + usec * 1000n;
}

/** clock_gettime(2) */
export function sysClockGettime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ns = clockNs(k, Number(BigInt.asIntN(32, a[0])), t);
  if (ns === null) return -EINVAL;
  return k.machine.copyOut(a[1], timespec(ns)) ? 0 : -EFAULT;
}

/** clock_getres(2) */
export function sysClockGetres(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const clock = Number(BigInt.asIntN(32, a[0]));
  if (clockNs(k, clock, t) === null) return -EINVAL;
  if (a[1] === 0n) return 0;
  const coarse = clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE;
  return k.machine.copyOut(a[1], timespec(coarse ? 4_000_000n : 1n)) ? 0 : -EFAULT;
}

/** gettimeofday(2) */
export function sysGettimeofday(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[0] !== 0n && !k.machine.copyOut(a[0], timeval(k.host.realtimeNs()))) return -EFAULT;
  if (a[1] !== 0n && !k.machine.copyOut(a[1], new Uint8Array(8))) return -EFAULT;
  return 0;
}

/** time(2) */
export function sysTime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const s = k.host.realtimeNs() / NS;
  if (a[0] !== 0n && !k.machine.writeU64(a[0], s)) return -EFAULT;
  return s;
}

// ---- sleeping -----------------------------------------------------------------------------------

/**
 * Parks the thread until the monotonic deadline; a signal ends it early with -ERESTARTNOHAND
 * (EINTR after a handler), after onSignal (which writes the remaining time).
 */
function sleepUntil(k: Kernel, t: Thread, deadline: bigint, onSignal?: (left: bigint) => void): SyscallResult {
  const left = deadline - k.host.monotonicNs();
  if (left <= 0n) return 0;
  let resolve!: (v: SyscallValue) => void;
  let done = false;
  const promise = new Promise<SyscallValue>((r) => { resolve = r; });
  // Ends the host timer when the sleeper is interrupted or killed.
  const cancel = new AbortController();
  const wait = (): void => {
    if (done) return;
    const rest = deadline - k.host.monotonicNs();
    if (rest <= 0n) { done = true; resolve(0); return; }
    k.host.sleep(Number(rest / 1_000_000n) + (rest % 1_000_000n ? 1 : 0), cancel.signal).then(wait);
  };
  wait();
  const park: Park = {
    park: promise,
    interrupt: (v: SyscallValue = -EINTR) => {
      if (done) return;
      done = true;
      cancel.abort();
      const rest = deadline - k.host.monotonicNs();
      if (onSignal) inAddressSpace(k, t, () => onSignal(rest > 0n ? rest : 0n));
      resolve(v === -EINTR ? -ERESTARTNOHAND : v);
    },
  };
  return park;
}

/** nanosleep(2): interrupted by a handler, it fails with EINTR and writes the time left to rem. */
export function sysNanosleep(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ns = readTimespec(k, a[0]);
  if (typeof ns === "number") return ns;
  const rem = a[1];
  return sleepUntil(k, t, k.host.monotonicNs() + ns, rem === 0n ? undefined : (left) => { k.machine.copyOut(rem, timespec(left)); });
}

/** clock_nanosleep(2) */
export function sysClockNanosleep(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const clock = Number(BigInt.asIntN(32, a[0]));
  if (clock === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  const now = clockNs(k, clock, t);
  if (now === null) return -EINVAL;
  const ns = readTimespec(k, a[2]);
  if (typeof ns === "number") return ns;
  const abs = Number(a[1] & 1n) === TIMER_ABSTIME;
  const rem = a[3];
  const deadline = k.host.monotonicNs() + (abs ? ns - now : ns);
  return sleepUntil(k, t, deadline, abs || rem === 0n ? undefined : (left) => { k.machine.copyOut(rem, timespec(left)); });
}

// ---- CPU time -----------------------------------------------------------------------------------

/** times(2): clock ticks of CPU time (from retired instructions) and since an arbitrary start. */
export function sysTimes(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[0] !== 0n) {
    const b = new Uint8Array(32);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, processCpuNs(k, t.process) * HZ / NS, true);
    dv.setBigInt64(16, childCpuNs(t.process) * HZ / NS, true);
    if (!k.machine.copyOut(a[0], b)) return -EFAULT;
  }
  return k.host.monotonicNs() * HZ / NS;
}

export const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;

/** getrusage(2): user time from retired instructions; the kernel's own time counts as none. */
export function sysGetrusage(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const who = Number(BigInt.asIntN(32, a[0]));
  let ns: bigint;
  if (who === RUSAGE_SELF) ns = processCpuNs(k, t.process);
  else if (who === RUSAGE_CHILDREN) ns = childCpuNs(t.process);
  else if (who === RUSAGE_THREAD) ns = threadCpuNs(k, t);
  else return -EINVAL;
  const b = new Uint8Array(144);
  b.set(timeval(ns), 0);
  if (who !== RUSAGE_CHILDREN) {
    // ru_maxrss (KiB): the frames the machine holds, the closest measure there is.
    const frames = BigInt(k.machine.core.getFramesInUse());
    new DataView(b.buffer).setBigInt64(32, frames * 4n, true);
  }
  return k.machine.copyOut(a[1], b) ? 0 : -EFAULT;
}

// ---- timers -------------------------------------------------------------------------------------

/**
 * A timer on the host's monotonic clock: one-shot or periodic, with overruns counted. It runs on
 * a JS timer (the same in Node and browsers) so that disarming it frees the host's event loop.
 */
class HostTimer {
  private handle: ReturnType<typeof setTimeout> | null = null;
  deadline: bigint | null = null;
  interval = 0n;
  constructor(private k: Kernel, private proc: Process, private fire: (overruns: number) => void) {
    allTimers(proc).add(this);
  }
  set(deadline: bigint | null, interval: bigint): void {
    if (this.handle !== null) { clearTimeout(this.handle); this.handle = null; }
    this.deadline = deadline;
    this.interval = interval;
    if (deadline !== null) this.schedule();
  }
  remaining(): bigint {
    if (this.deadline === null) return 0n;
    const left = this.deadline - this.k.host.monotonicNs();
    return left > 0n ? left : 1n;
  }
  private schedule(): void {
    const left = this.deadline! - this.k.host.monotonicNs();
    const ms = left <= 0n ? 0 : Number(left / 1_000_000n) + (left % 1_000_000n ? 1 : 0);
    this.handle = setTimeout(() => {
      this.handle = null;
      if (this.proc.alive) this.expire(); else this.deadline = null;
    }, Math.min(ms, 0x7fffffff));
  }
  private expire(): void {
    const now = this.k.host.monotonicNs();
    if (this.deadline === null) return;
    if (now < this.deadline) { this.schedule(); return; }
    let over = 0;
    if (this.interval > 0n) {
      const n = (now - this.deadline) / this.interval;
      over = Number(n);
      this.deadline += (n + 1n) * this.interval;
      this.schedule();
    } else this.deadline = null;
    this.fire(over);
  }
}

/** Every host timer of a process, disarmed when it exits. */
const hostTimers = new WeakMap<Process, Set<HostTimer>>();
function allTimers(p: Process): Set<HostTimer> {
  let s = hostTimers.get(p);
  if (!s) { s = new Set(); hostTimers.set(p, s); }
  return s;
}
exitHooks.push((p: Process) => { for (const timer of hostTimers.get(p) ?? []) timer.set(null, 0n); });

/** An interval timer on the process's CPU time, checked at every time slice. */
interface CpuTimer { deadline: bigint | null; interval: bigint; fire: (overruns: number) => void }

interface PosixTimer {
  id: number; clock: number; notify: number; signo: number; value: bigint; tid: number;
  real: HostTimer | null; cpu: CpuTimer | null;
  /** What sendSignal needs to count overruns while the signal is still queued. */
  queue: TimerQueue;
}

class TimeState {
  real: HostTimer;
  virt: CpuTimer = { deadline: null, interval: 0n, fire: () => {} };
  prof: CpuTimer = { deadline: null, interval: 0n, fire: () => {} };
  timers = new Map<number, PosixTimer>();
  constructor(k: Kernel, proc: Process) {
    this.real = new HostTimer(k, proc, () => sendSignal(k, proc, SIGALRM));
    this.virt.fire = () => sendSignal(k, proc, SIGVTALRM);
    this.prof.fire = () => sendSignal(k, proc, SIGPROF);
  }
}
const timeStates = new WeakMap<Process, TimeState>();
function timeState(k: Kernel, p: Process): TimeState {
  let s = timeStates.get(p);
  if (!s) { s = new TimeState(k, p); timeStates.set(p, s); }
  return s;
}

function checkCpuTimer(timer: CpuTimer, now: bigint): void {
  if (timer.deadline === null || now < timer.deadline) return;
  let over = 0;
  if (timer.interval > 0n) {
    const n = (now - timer.deadline) / timer.interval;
    over = Number(n);
    timer.deadline += (n + 1n) * timer.interval;
  } else timer.deadline = null;
  timer.fire(over);
}

// CPU-time timers fire at the slice boundary after they expire (the granularity of the scheduler).
cpuHooks.push((k: Kernel, t: Thread) => {
  const s = timeStates.get(t.process);
  if (!s) return;
  const now = processCpuNs(k, t.process);
  checkCpuTimer(s.virt, now);
  checkCpuTimer(s.prof, now);
  for (const pt of s.timers.values()) if (pt.cpu) checkCpuTimer(pt.cpu, now);
});

export const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

function itimerval(value: bigint, interval: bigint): Uint8Array {
  const b = new Uint8Array(32);
  b.set(timeval(interval), 0);
  b.set(timeval(value), 16);
  return b;
}

/** The current value and interval of an itimer. */
function getItimer(k: Kernel, t: Thread, which: number): [bigint, bigint] {
  const s = timeState(k, t.process);
  if (which === ITIMER_REAL) {
    // Linux's itimer_get_remtime: an armed timer whose time is up (its signal not sent yet)
    // still reports 1 µs, never 0, which would read as disarmed.
    const left = s.real.remaining();
    return [left > 0n && left < 1000n ? 1000n : left, s.real.interval];
  }
  const c = which === ITIMER_VIRTUAL ? s.virt : s.prof;
  if (c.deadline === null) return [0n, c.interval];
  const left = c.deadline - processCpuNs(k, t.process);
  return [left > 0n ? left : 1n, c.interval];
}
function setItimer(k: Kernel, t: Thread, which: number, value: bigint, interval: bigint): void {
  const s = timeState(k, t.process);
  if (which === ITIMER_REAL) { s.real.set(value === 0n ? null : k.host.monotonicNs() + value, value === 0n ? 0n : interval); return; }
  const c = which === ITIMER_VIRTUAL ? s.virt : s.prof;
  c.deadline = value === 0n ? null : processCpuNs(k, t.process) + value;
  c.interval = value === 0n ? 0n : interval;
}

/** getitimer(2) */
export function sysGetitimer(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const which = Number(BigInt.asIntN(32, a[0]));
  if (which < 0 || which > 2) return -EINVAL;
  const [v, i] = getItimer(k, t, which);
  return k.machine.copyOut(a[1], itimerval(v, i)) ? 0 : -EFAULT;
}

/** setitimer(2): ITIMER_REAL on the host clock; VIRTUAL and PROF on retired instructions. */
export function sysSetitimer(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const which = Number(BigInt.asIntN(32, a[0]));
  if (which < 0 || which > 2) return -EINVAL;
  let value = 0n, interval = 0n;
  if (a[1] !== 0n) {
    const b = k.machine.copyIn(a[1], 32);
    if (!b) return -EFAULT;
    const i = readTimeval(b, 0), v = readTimeval(b, 16);
    if (typeof i === "number") return i;
    if (typeof v === "number") return v;
    value = v; interval = i;
  }
  const [ov, oi] = getItimer(k, t, which);
  if (a[2] !== 0n && !k.machine.copyOut(a[2], itimerval(ov, oi))) return -EFAULT;
  setItimer(k, t, which, value, interval);
  return 0;
}

/** alarm(2): the seconds left on the previous alarm (rounded as Linux does). */
export function sysAlarm(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const secs = a[0] & 0xffffffffn;
  const [left] = getItimer(k, t, ITIMER_REAL);
  setItimer(k, t, ITIMER_REAL, secs * NS, 0n);
  let old = left / NS;
  const us = (left % NS) / 1000n;
  if ((old === 0n && us !== 0n) || us >= 500_000n) old++;
  return old;
}

export const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;

function isCpuClock(clock: number): boolean {
  return clock === CLOCK_PROCESS_CPUTIME_ID || clock === CLOCK_THREAD_CPUTIME_ID || clock < 0;
}

/** timer_create(2) */
export function sysTimerCreate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const clock = Number(BigInt.asIntN(32, a[0]));
  if (clockNs(k, clock, t) === null || clock === CLOCK_TAI) return -EINVAL;
  const s = timeState(k, t.process);
  let id = 0;
  while (s.timers.has(id)) id++;
  let notify = SIGEV_SIGNAL, signo = SIGALRM, value = BigInt(id), tid = 0;
  if (a[1] !== 0n) {
    const b = k.machine.copyIn(a[1], 20);
    if (!b) return -EFAULT;
    const dv = new DataView(b.buffer);
    value = dv.getBigUint64(0, true);
    signo = dv.getInt32(8, true);
    notify = dv.getInt32(12, true);
    tid = dv.getInt32(16, true);
    if (notify !== SIGEV_SIGNAL && notify !== SIGEV_NONE && notify !== SIGEV_THREAD_ID) return -EINVAL;
    if (notify !== SIGEV_NONE && (signo < 1 || signo > 64)) return -EINVAL;
    if (notify === SIGEV_THREAD_ID && !t.process.threads.some((x) => x.tid === tid && !x.exited)) return -EINVAL;
  }
  if (!k.machine.writeU32(a[2], id)) return -EFAULT;
  const pt: PosixTimer = { id, clock, notify, signo, value, tid, real: null, cpu: null, queue: { overrun: 0, queued: null } };
  const fire = (over: number) => {
    if (pt.notify === SIGEV_NONE) return;
    pt.queue.overrun += over;
    const info = siginfo(pt.signo, SI_TIMER, (dv) => {
      dv.setInt32(16, pt.id, true);
      dv.setBigUint64(24, pt.value, true);
    });
    const th = pt.notify === SIGEV_THREAD_ID ? t.process.threads.find((x) => x.tid === pt.tid && !x.exited) : undefined;
    sendSignal(k, th ?? t.process, pt.signo, info, pt.queue);
  };
  if (isCpuClock(clock)) pt.cpu = { deadline: null, interval: 0n, fire };
  else pt.real = new HostTimer(k, t.process, fire);
  s.timers.set(id, pt);
  return 0;
}

function timerOf(k: Kernel, t: Thread, id: bigint): PosixTimer | null {
  return timeState(k, t.process).timers.get(Number(BigInt.asIntN(32, id))) ?? null;
}
function itimerspec(value: bigint, interval: bigint): Uint8Array {
  const b = new Uint8Array(32);
  b.set(timespec(interval), 0);
  b.set(timespec(value), 16);
  return b;
}
function timerValue(k: Kernel, t: Thread, pt: PosixTimer): [bigint, bigint] {
  if (pt.real) return [pt.real.remaining(), pt.real.interval];
  const c = pt.cpu!;
  if (c.deadline === null) return [0n, c.interval];
  const left = c.deadline - processCpuNs(k, t.process);
  return [left > 0n ? left : 1n, c.interval];
}

/** timer_settime(2) */
export function sysTimerSettime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pt = timerOf(k, t, a[0]);
  if (!pt) return -EINVAL;
  const spec = readItimerspec(k, a[2]);
  if (typeof spec === "number") return spec;
  const [interval, value] = spec;
  const [ov, oi] = timerValue(k, t, pt);
  if (a[3] !== 0n && !k.machine.copyOut(a[3], itimerspec(ov, oi))) return -EFAULT;
  const abs = (Number(a[1]) & TIMER_ABSTIME) !== 0;
  const now = clockNs(k, pt.clock, t)!;
  let rel = abs ? value - now : value;
  if (value !== 0n && rel <= 0n) rel = 1n; // an absolute time in the past fires at once
  if (pt.real) pt.real.set(value === 0n ? null : k.host.monotonicNs() + rel, value === 0n ? 0n : interval);
  else {
    pt.cpu!.deadline = value === 0n ? null : processCpuNs(k, t.process) + rel;
    pt.cpu!.interval = value === 0n ? 0n : interval;
  }
  return 0;
}

/** timer_gettime(2) */
export function sysTimerGettime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pt = timerOf(k, t, a[0]);
  if (!pt) return -EINVAL;
  const [v, i] = timerValue(k, t, pt);
  return k.machine.copyOut(a[1], itimerspec(v, i)) ? 0 : -EFAULT;
}

/** timer_getoverrun(2): the overrun count of the last delivered expiry. */
export function sysTimerGetoverrun(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pt = timerOf(k, t, a[0]);
  if (!pt) return -EINVAL;
  return pt.queue.lastOverrun ?? 0;
}

/** timer_delete(2) */
export function sysTimerDelete(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const pt = timerOf(k, t, a[0]);
  if (!pt) return -EINVAL;
  pt.real?.set(null, 0n);
  if (pt.cpu) pt.cpu.deadline = null;
  timeState(k, t.process).timers.delete(pt.id);
  return 0;
}

/** execve destroys the POSIX timers (the itimers survive). */
execHooks.push((p: Process) => {
  const s = timeStates.get(p);
  if (!s) return;
  for (const pt of s.timers.values()) { pt.real?.set(null, 0n); if (pt.cpu) pt.cpu.deadline = null; }
  s.timers.clear();
});

// ---- timerfd ------------------------------------------------------------------------------------

/** A timerfd: expirations accumulate in a counter that read() returns and resets. */
export class TimerFd extends OpenFile {
  private queue = new WaitQueue();
  expirations = 0n;
  readonly timer: HostTimer;
  constructor(readonly clock: number, flags: number, proc: Process, k: Kernel) {
    const { inode, path } = anonPath("timerfd");
    super(flags | O_RDWR, inode, path);
    this.timer = new HostTimer(k, proc, (over) => { this.expirations += BigInt(over + 1); this.queue.notify(); });
  }
  get waitQueue(): WaitQueue { return this.queue; }
  protected get seekable(): boolean { return false; }
  read(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    if (this.expirations === 0n) return WOULD_BLOCK;
    new DataView(buf.buffer, buf.byteOffset).setBigUint64(0, this.expirations, true);
    this.expirations = 0n;
    return 8;
  }
  write(): number { return -EINVAL; }
  poll(): number { return this.expirations > 0n ? POLLIN | POLLRDNORM : 0; }
  release(): void { this.timer.set(null, 0n); }
}

export const TFD_CLOEXEC = 0o2000000, TFD_NONBLOCK = 0o4000, TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

/** timerfd_create(2) */
export function sysTimerfdCreate(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const clock = Number(BigInt.asIntN(32, a[0])), flags = Number(a[1] & 0xffffffffn);
  if (![CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM].includes(clock)) return -EINVAL;
  if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) return -EINVAL;
  return installFile(t, new TimerFd(clock, flags & O_NONBLOCK, t.process, k), (flags & TFD_CLOEXEC) !== 0);
}

function timerfdOf(t: Thread, fd: bigint): TimerFd | number {
  const f = fileOf(t, fd);
  if (!f) return -EBADF;
  return f instanceof TimerFd ? f : -EINVAL;
}

/** timerfd_settime(2) */
export function sysTimerfdSettime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = timerfdOf(t, a[0]);
  if (typeof f === "number") return f;
  const flags = Number(a[1] & 0xffffffffn);
  if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) return -EINVAL;
  const spec = readItimerspec(k, a[2]);
  if (typeof spec === "number") return spec;
  const [interval, value] = spec;
  if (a[3] !== 0n && !k.machine.copyOut(a[3], itimerspec(f.timer.remaining(), f.timer.interval))) return -EFAULT;
  f.expirations = 0n;
  let rel = (flags & TFD_TIMER_ABSTIME) ? value - clockNs(k, f.clock, t)! : value;
  if (value !== 0n && rel <= 0n) rel = 1n;
  f.timer.set(value === 0n ? null : k.host.monotonicNs() + rel, value === 0n ? 0n : interval);
  return 0;
}

/** timerfd_gettime(2) */
export function sysTimerfdGettime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const f = timerfdOf(t, a[0]);
  if (typeof f === "number") return f;
  return k.machine.copyOut(a[1], itimerspec(f.timer.remaining(), f.timer.interval)) ? 0 : -EFAULT;
}
