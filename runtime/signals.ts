// Signal generation, queueing and delivery: pending sets per thread and per process, default
// actions (terminate, ignore, stop/continue), the Linux x86-64 rt_sigframe that a handler runs on
// and rt_sigreturn undoes, CPU faults as forced signals, and the end of parked waits (EINTR or a
// restart, decided on the way back to user mode the way Linux does with its -ERESTART* codes).
import type { Kernel } from "./kernel.js";
import type { Process, Thread, SigAction, SyscallValue } from "./process.js";
import { NSIG } from "./process.js";
import * as L from "./gen/layout.js";
import { EINTR } from "./errno.js";

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
  SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16,
  SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24,
  SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32;

export const SIG_DFL = 0n, SIG_IGN = 1n;
export const SA_NOCLDSTOP = 1n, SA_NOCLDWAIT = 2n, SA_SIGINFO = 4n, SA_RESTORER = 0x04000000n, SA_ONSTACK = 0x08000000n,
  SA_RESTART = 0x10000000n, SA_NODEFER = 0x40000000n, SA_RESETHAND = 0x80000000n;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;

/** si_code values (asm-generic/siginfo.h). */
export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_TKILL = -6;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRERR = 2, ILL_ILLOPN = 2, FPE_INTDIV = 1, TRAP_BRKPT = 1;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;

/** The kernel-internal "restart me" results a syscall may return (never seen by the guest). */
export const ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;

export const bit = (sig: number): bigint => 1n << BigInt(sig - 1);
export const UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);
const STOP_SIGS = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);
const DEFAULT_IGNORE = bit(SIGCHLD) | bit(SIGCONT) | bit(SIGURG) | bit(SIGWINCH);
/** Taken first, as Linux does: the signals a faulting instruction raises. */
const SYNCHRONOUS = bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);

export const SIGINFO_SIZE = 128;

/** A queued signal with its siginfo (128 bytes, Linux layout). */
interface Pending { sig: number; info: Uint8Array; timer?: TimerQueue }
/** A POSIX timer's link to its queued signal: expiries while it is queued count as overruns. */
export interface TimerQueue { overrun: number; queued: unknown; lastOverrun?: number }

/** Per-thread signal state the Thread object does not carry. */
class ThreadSig {
  pending: Pending[] = [];
  /** The mask sigsuspend replaced; the frame saves it and sigreturn puts it back. */
  savedMask: bigint | null = null;
  /** rt_sigtimedwait's set while the thread waits in it (those signals wake it). */
  waitSet = 0n;
  /** The fault that raised the synchronous signal being delivered (sigcontext trapno/err/cr2). */
  fault = { trapno: 0n, err: 0n, cr2: 0n };
  faultText = "";
  /** Instructions this thread has retired (its CPU time). */
  icount = 0n;
}

/** Per-process signal state. */
class ProcSig {
  pending: Pending[] = [];
  /** Instructions retired by the process's threads, and by its reaped children (RUSAGE_CHILDREN). */
  icount = 0n;
  childIcount = 0n;
}

const threadSigs = new WeakMap<Thread, ThreadSig>();
/** deliverSignals' lookups for the thread it ran for last (a thread's process never changes). */
let lastThread: Thread | null = null;
let lastTsig!: ThreadSig, lastPsig!: ProcSig;
const procSigs = new WeakMap<Process, ProcSig>();

export function tsig(t: Thread): ThreadSig {
  let s = threadSigs.get(t);
  if (!s) { s = new ThreadSig(); threadSigs.set(t, s); }
  return s;
}
export function psig(p: Process): ProcSig {
  let s = procSigs.get(p);
  if (!s) { s = new ProcSig(); procSigs.set(p, s); }
  return s;
}

// ---- siginfo ------------------------------------------------------------------------------------

/** A siginfo: signo, errno 0, code; the union starts at offset 16. */
export function siginfo(sig: number, code: number, fill?: (dv: DataView) => void): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, sig, true);
  dv.setInt32(8, code, true);
  fill?.(dv);
  return b;
}
/** _kill / _rt: the sender's pid and uid. */
export function infoFrom(sig: number, code: number, pid: number, uid: number): Uint8Array {
  return siginfo(sig, code, (dv) => { dv.setInt32(16, pid, true); dv.setInt32(20, uid, true); });
}
/** _sigfault: the faulting address. */
export function infoFault(sig: number, code: number, addr: bigint): Uint8Array {
  return siginfo(sig, code, (dv) => dv.setBigUint64(16, addr, true));
}
/** _sigchld: for SIGCHLD on a child's exit, kill, stop or continue (times in clock ticks). */
export function infoChild(code: number, pid: number, uid: number, status: number, utime = 0n, stime = 0n): Uint8Array {
  return siginfo(SIGCHLD, code, (dv) => {
    dv.setInt32(16, pid, true); dv.setInt32(20, uid, true); dv.setInt32(24, status, true);
    dv.setBigInt64(32, utime, true); dv.setBigInt64(40, stime, true);
  });
}

// ---- actions ------------------------------------------------------------------------------------

type Disposition = "handler" | "ignore" | "terminate" | "stop" | "continue";

function disposition(act: SigAction, sig: number): Disposition {
  if (sig === SIGKILL) return "terminate";
  if (sig === SIGSTOP) return "stop";
  if (act.handler === SIG_IGN) return "ignore";
  if (act.handler !== SIG_DFL) return "handler";
  const b = bit(sig);
  if (sig === SIGCONT) return "continue";
  if (b & DEFAULT_IGNORE) return "ignore";
  if (b & STOP_SIGS) return "stop";
  return "terminate";
}

const blocks = (t: Thread, sig: number): boolean => (t.sigmask & bit(sig)) !== 0n;
const live = (p: Process): Thread[] => p.threads.filter((x) => !x.exited);

/** Ends the process by sig (the default action of a fatal signal). */
function terminate(k: Kernel, proc: Process, sig: number, t?: Thread): void {
  if (!proc.alive) return;
  if (k.trace) k.host.log(`[pid ${proc.pid}] +++ killed by ${SIG_ABBREV[sig] ?? sig} +++`);
  if (k.verbose) {
    const why = t && tsig(t).faultText ? ` (${tsig(t).faultText})` : "";
    k.host.log(`wasl: ${proc.exe}: ${SIGNAL_NAMES[sig] ?? `signal ${sig}`}${why}`);
  }
  k.exitProcess(proc, 0, sig);
}

/** Stops every thread of proc (SIGSTOP and friends), and tells the parent. */
function stopProcess(k: Kernel, proc: Process, sig: number): void {
  if (proc.stopped || !proc.alive) return;
  proc.stopped = true;
  proc.stopReport = sig;
  proc.continueReport = false;
  notifyParent(k, proc, CLD_STOPPED, sig);
}

/** SIGCONT's side effect at generation, whatever its disposition. */
function continueProcess(k: Kernel, proc: Process): void {
  if (!proc.stopped) return;
  proc.stopped = false;
  proc.stopReport = null;
  proc.continueReport = true;
  notifyParent(k, proc, CLD_CONTINUED, SIGCONT);
  for (const hook of continueHooks) hook(proc);
  for (const t of live(proc)) if (t.blocked) wakeIfSignalled(k, t);
  k.wakeScheduler();
}

function notifyParent(k: Kernel, proc: Process, code: number, sig: number): void {
  const parent = proc.parent;
  if (!parent || !parent.alive) return;
  if (!(parent.sigactions[SIGCHLD].flags & SA_NOCLDSTOP)) sendSignal(k, parent, SIGCHLD, infoChild(code, proc.pid, proc.uid, sig));
  // Parents parked in wait4/waitid(WUNTRACED/WCONTINUED) look again.
  k.childChanged(proc);
}

/** The exit signal (SIGCHLD) a parent gets when child has ended, with its _sigchld siginfo. */
export function notifyExit(k: Kernel, parent: Process, child: Process, sig: number): void {
  const st = child.exitStatus;
  if (!st) return;
  const ticks = (n: bigint) => n * NS_PER_INSN / 10_000_000n;
  const info = infoChild(st.signal !== null ? CLD_KILLED : CLD_EXITED, child.pid, child.uid, st.signal ?? st.code,
    ticks(psig(child).icount), 0n);
  new DataView(info.buffer).setInt32(0, sig, true);
  sendSignal(k, parent, sig, info);
}

/** Drops pending signals in mask from the thread and process queues. */
function flush(proc: Process, mask: bigint): void {
  const keep = (p: Pending) => (bit(p.sig) & mask) === 0n;
  psig(proc).pending = psig(proc).pending.filter(keep);
  for (const t of proc.threads) { const s = tsig(t); s.pending = s.pending.filter(keep); }
}

/**
 * Sends sig to a process (any of its threads may take it) or to one thread, with its siginfo
 * (SI_KERNEL when none is given). Returns 0; the caller checks permissions and targets.
 */
export function sendSignal(k: Kernel, target: Process | Thread, sig: number, info?: Uint8Array, timer?: Pending["timer"]): number {
  if (sig === 0) return 0;
  const thread = "process" in target ? target : null;
  const proc = thread ? thread.process : target as Process;
  if (!proc.alive || (thread && thread.exited)) return 0;
  if (sig === SIGKILL) { terminate(k, proc, SIGKILL); return 0; }
  const b = bit(sig);
  if (b & STOP_SIGS) flush(proc, bit(SIGCONT));
  if (sig === SIGCONT) { flush(proc, STOP_SIGS); continueProcess(k, proc); }
  const act = proc.sigactions[sig];
  const disp = disposition(act, sig);
  // Linux discards an ignored signal at once unless it is blocked: the handler may change before
  // it is unblocked (and sigpending shows it meanwhile).
  const sample = thread ?? live(proc)[0];
  if ((disp === "ignore" || disp === "continue") && sample && !blocks(sample, sig) && !(tsig(sample).waitSet & b)) return 0;
  const queue = thread ? tsig(thread).pending : psig(proc).pending;
  if (sig < SIGRTMIN && queue.some((p) => p.sig === sig)) {
    if (timer) timer.overrun++;
    return 0;
  }
  const entry: Pending = { sig, info: info ?? siginfo(sig, SI_KERNEL), timer };
  if (timer) timer.queued = entry;
  queue.push(entry);
  for (const hook of queuedHooks) hook(proc);
  complete(k, proc, thread, sig);
  return 0;
}

/** Run when a stopped process continues (a pty retries the reads its stop held back). */
export const continueHooks: Array<(p: Process) => void> = [];

/** Run whenever a signal is queued for a process or one of its threads (signalfd readiness). */
export const queuedHooks: Array<(p: Process) => void> = [];

/**
 * Acts on a newly queued signal: a fatal default action ends the process at once, a stop stops
 * it, and a thread that will run a handler (or waits for the signal) is woken from its park.
 */
function complete(k: Kernel, proc: Process, thread: Thread | null, sig: number): void {
  const threads = thread ? [thread] : live(proc);
  const waiter = threads.find((t) => t.blocked && (tsig(t).waitSet & bit(sig)));
  const taker = waiter ?? threads.find((t) => !blocks(t, sig));
  if (!taker) return;
  if (taker !== waiter) {
    const disp = disposition(proc.sigactions[sig], sig);
    if (disp === "terminate") { terminate(k, proc, sig, taker); return; }
    if (disp === "stop") {
      if (proc.stopped) { flush(proc, bit(sig)); return; }
      flush(proc, bit(sig));
      stopProcess(k, proc, sig);
      return;
    }
    if (disp !== "handler") return;
  }
  if (proc.stopped) return;
  // A running thread takes it on its next slice; a parked one is woken (prefer one that is
  // not running anyway, as Linux wakes a sleeping thread that wants the signal).
  const parked = waiter ?? (thread ? (thread.blocked ? thread : null)
    : (threads.some((t) => !t.blocked && !blocks(t, sig)) ? null : threads.find((t) => t.blocked && !blocks(t, sig)) ?? null));
  if (parked) wakeIfSignalled(k, parked);
}

/** Does t have a signal it would act on now (a handler to run, or one its sigtimedwait wants)? */
function hasWakingSignal(t: Thread): boolean {
  const proc = t.process;
  const s = tsig(t);
  for (const p of s.pending.concat(psig(proc).pending)) {
    if (s.waitSet & bit(p.sig)) return true;
    if (blocks(t, p.sig)) continue;
    const d = disposition(proc.sigactions[p.sig], p.sig);
    if (d !== "ignore" && d !== "continue") return true;
  }
  return false;
}

/**
 * Ends t's park because of a signal. The result is -ERESTARTSYS or -ERESTARTNOHAND by the call
 * (signal(7)); the way back to user mode turns it into EINTR or a restart.
 */
function wakeIfSignalled(k: Kernel, t: Thread): void {
  if (!t.blocked || t.exited || t.process.stopped || !hasWakingSignal(t)) return;
  const nr = Number(parkedReg(k, t, 0 /* rax still holds the call number while parked */));
  threadNr.set(t, nr);
  k.interrupt(t, NEVER_RESTARTED.has(nr) ? -ERESTARTNOHAND : -ERESTARTSYS);
}

/** A parked thread's register (from its saved state, or the machine when it is still on the CPU). */
function parkedReg(k: Kernel, t: Thread, i: number): bigint {
  if (t.state) return new DataView(t.state.buffer, t.state.byteOffset).getBigUint64(L.S_REGS - L.STATE_BASE + i * 8, true);
  return k.machine.reg(i);
}

/** Calls that fail with EINTR after a handler even with SA_RESTART (signal(7)). */
const NEVER_RESTARTED = new Set([
  7 /* poll */, 23 /* select */, 34 /* pause */, 35 /* nanosleep */, 128 /* rt_sigtimedwait */, 130 /* rt_sigsuspend */,
  220 /* semtimedop */, 230 /* clock_nanosleep */, 232 /* epoll_wait */, 270 /* pselect6 */, 271 /* ppoll */,
  281 /* epoll_pwait */, 208 /* io_getevents */, 441 /* epoll_pwait2 */,
]);

/** Runs fn with t's address space current (a wait ending while another process is on the CPU). */
export function inAddressSpace<T>(k: Kernel, t: Thread, fn: () => T): T {
  const m = k.machine, prev = m.addressSpace, want = t.process.mm.root;
  if (prev === want) return fn();
  m.core.setAddressSpace(want);
  try { return fn(); } finally { m.core.setAddressSpace(prev); }
}

/**
 * The sigmask argument of ppoll, pselect6 and epoll_pwait(2): the call runs with it; the old mask
 * comes back when the call returns, or, when a signal interrupts it, once the handler's frame has
 * saved it (so the handler runs, as with sigsuspend).
 */
export function setTemporaryMask(t: Thread, mask: bigint): void {
  const s = tsig(t);
  if (s.savedMask === null) s.savedMask = t.sigmask;
  t.sigmask = mask & ~UNBLOCKABLE;
}

/** Called when t has just parked: a signal already pending ends the wait at once (Linux checks before sleeping). */
export function afterPark(k: Kernel, t: Thread): void { wakeIfSignalled(k, t); }

// ---- dequeue and delivery -----------------------------------------------------------------------

/** Takes the next pending signal t may receive in mask (synchronous ones first, then lowest). */
export function dequeue(t: Thread, mask: bigint): Pending | null {
  const s = tsig(t), ps = psig(t.process);
  for (const q of [s.pending, ps.pending]) {
    let best = -1;
    for (let i = 0; i < q.length; i++) {
      const b = bit(q[i].sig);
      if (!(b & mask)) continue;
      if (best < 0) { best = i; continue; }
      const bs = bit(q[best].sig) & SYNCHRONOUS, is = b & SYNCHRONOUS;
      if ((is && !bs) || (!!is === !!bs && q[i].sig < q[best].sig)) best = i;
    }
    if (best >= 0) {
      const p = q.splice(best, 1)[0];
      if (p.timer) {
        p.timer.queued = null;
        new DataView(p.info.buffer).setInt32(20, p.timer.overrun, true);
        p.timer.lastOverrun = p.timer.overrun;
        p.timer.overrun = 0;
      }
      return p;
    }
  }
  return null;
}

/** Pending signals of t (its own and its process's). */
export function pendingSet(t: Thread): bigint {
  let set = 0n;
  for (const p of tsig(t).pending) set |= bit(p.sig);
  for (const p of psig(t.process).pending) set |= bit(p.sig);
  return set;
}

/**
 * On the way back to user mode (the thread is on the CPU, at the start of its slice): turns a
 * -ERESTART* result into EINTR or a restart, runs default actions and builds handler frames.
 * False when the thread must not run now (its process ended or stopped).
 */
export function deliverSignals(k: Kernel, t: Thread): boolean {
  const m = k.machine, proc = t.process;
  // The thread that returns to user mode is nearly always the one that did last time.
  if (t !== lastThread) { lastThread = t; lastTsig = tsig(t); lastPsig = psig(proc); }
  const s = lastTsig, ps = lastPsig;
  account(k, t);
  for (const hook of cpuHooks) hook(k, t);
  let restart = 0;
  if (m.exitReason === L.EXIT_SYSCALL) {
    m.exitReason = L.EXIT_NONE;
    // rax as a number (NaN unless it is a small integer): no BigInt for the usual result.
    const r = m.regInt(0);
    if (r === -ERESTARTSYS || r === -ERESTARTNOHAND || r === -ERESTARTNOINTR || r === -ERESTART_RESTARTBLOCK) restart = -r;
  }
  // A call that waited with a temporary mask (ppoll, pselect6, epoll_pwait) and was not
  // interrupted puts the old mask back now, before any signal is looked at.
  if (!restart && s.savedMask !== null) { t.sigmask = s.savedMask; s.savedMask = null; }
  if (!restart && s.pending.length === 0 && ps.pending.length === 0) return proc.alive && !t.exited;
  for (;;) {
    if (!proc.alive || t.exited) return false;
    if (proc.stopped) break;
    const p = dequeue(t, ~t.sigmask | UNBLOCKABLE);
    if (!p) break;
    const act = proc.sigactions[p.sig];
    const disp = disposition(act, p.sig);
    if (disp === "ignore" || disp === "continue") continue;
    if (disp === "terminate") { terminate(k, proc, p.sig, t); return false; }
    if (disp === "stop") { stopProcess(k, proc, p.sig); break; }
    if (restart) {
      if (restart === ERESTARTNOINTR || (restart === ERESTARTSYS && (act.flags & SA_RESTART))) restartCall(k, t);
      else m.setReg(0, BigInt(-EINTR));
      restart = 0;
    }
    if (!setupFrame(k, t, p, act)) {
      // No room for the frame (or no restorer): Linux forces SIGSEGV, which then kills.
      terminate(k, proc, SIGSEGV, t);
      return false;
    }
  }
  if (restart) {
    // No handler ran: the call starts again as if nothing had happened.
    restartCall(k, t);
    if (s.savedMask !== null) { t.sigmask = s.savedMask; s.savedMask = null; }
  }
  return proc.alive && !t.exited && !proc.stopped;
}

/** Back up over the 2-byte `syscall` with rax = the call number again (saved in the state's orig slot). */
function restartCall(k: Kernel, t: Thread): void {
  const m = k.machine;
  m.setReg(0, BigInt(threadNr.get(t) ?? 0));
  m.rip = m.rip - 2n;
}

/** The call number of each thread's interrupted syscall (Linux's orig_rax), taken while it was parked. */
const threadNr = new WeakMap<Thread, number>();
/** For calls that return -ERESTART* without parking: the number to restart with. */
export function noteSyscall(t: Thread, nr: number): void { threadNr.set(t, nr); }

// ---- the frame ----------------------------------------------------------------------------------

/** sigcontext's general registers in order, as indices of the core's register file. */
const SC_REGS = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
const RSP = 4;
const UC = 8, MC = UC + 40, UC_SIGMASK = UC + 296, INFO = 8 + 304, FRAME_SIZE = INFO + SIGINFO_SIZE;
const FXSAVE_SIZE = 512;
const UC_SIGCONTEXT_SS = 2n, UC_STRICT_RESTORE_SS = 4n;
const FLAG_RF = 0x10000n;
/** RFLAGS bits sigreturn takes from the frame (Linux's FIX_EFLAGS). */
const FIX_EFLAGS = 0x40000n | 0x800n | 0x400n | 0x100n | 0x80n | 0x40n | 0x10n | 0x4n | 0x1n | FLAG_RF;

/** SS_ONSTACK when sp is on t's alternate stack, SS_DISABLE when it has none (Linux's sas_ss_flags). */
function onAltStack(t: Thread, sp: bigint): boolean {
  const a = t.altStack;
  if (a.flags & SS_AUTODISARM) return false;
  return a.size !== 0n && sp > a.sp && sp - a.sp <= a.size;
}
export function altStackFlags(t: Thread, sp: bigint): number {
  if (t.altStack.size === 0n || (t.altStack.flags & SS_DISABLE)) return SS_DISABLE;
  return onAltStack(t, sp) ? SS_ONSTACK : 0;
}

/** The x87/SSE state as a 512-byte FXSAVE image, through the core's scratch area. */
function fxsave(k: Kernel): Uint8Array {
  k.machine.core.fxsaveImage(L.SCRATCH);
  const img = k.machine.u8.slice(L.SCRATCH, L.SCRATCH + FXSAVE_SIZE);
  img.fill(0, 416); // software-available bytes: the "no xsave" form has no fpx_sw_bytes magic
  return img;
}
function fxrstor(k: Kernel, img: Uint8Array): boolean {
  k.machine.u8.set(img, L.SCRATCH);
  return !!k.machine.core.fxrstorImage(L.SCRATCH);
}
/** The FPU state a handler starts with (fninit, MXCSR 0x1f80, xmm zero), as Linux clears it. */
function fpuInit(k: Kernel): void {
  const img = new Uint8Array(FXSAVE_SIZE);
  const dv = new DataView(img.buffer);
  dv.setUint16(0, 0x37f, true);
  dv.setUint32(24, 0x1f80, true);
  fxrstor(k, img);
}

/** Builds the rt_sigframe for p on t's stack (or alternate stack) and enters the handler. */
function setupFrame(k: Kernel, t: Thread, p: Pending, act: SigAction): boolean {
  const m = k.machine, s = tsig(t);
  if (k.trace) {
    const dv = new DataView(p.info.buffer);
    k.host.log(`[pid ${t.tid}] --- ${SIG_ABBREV[p.sig] ?? p.sig} {si_signo=${SIG_ABBREV[p.sig] ?? p.sig}, si_code=${dv.getInt32(8, true)}} ---`);
  }
  if (!(act.flags & SA_RESTORER)) return false;
  const rsp = m.reg(RSP);
  let sp = rsp - 128n; // the red zone
  if ((act.flags & SA_ONSTACK) && altStackFlags(t, rsp) === 0) sp = t.altStack.sp + t.altStack.size;
  const fx = (sp - BigInt(FXSAVE_SIZE)) & ~63n;
  const frame = ((fx - BigInt(FRAME_SIZE)) & ~15n) - 8n;
  const buf = new Uint8Array(Number(fx - frame) + FXSAVE_SIZE);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, act.restorer, true);
  dv.setBigUint64(UC, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, true);
  dv.setBigUint64(UC + 16, t.altStack.sp, true);
  dv.setInt32(UC + 24, altStackFlags(t, rsp) | (t.altStack.flags & SS_AUTODISARM), true);
  dv.setBigUint64(UC + 32, t.altStack.size, true);
  SC_REGS.forEach((r, i) => dv.setBigUint64(MC + i * 8, m.reg(r), true));
  dv.setBigUint64(MC + 128, m.rip, true);
  dv.setBigUint64(MC + 136, m.flags, true);
  dv.setUint16(MC + 144, 0x33, true); // cs
  dv.setUint16(MC + 150, 0x2b, true); // ss
  const synchronous = (bit(p.sig) & SYNCHRONOUS) !== 0n && p.info[8] !== 0; // raised by a fault
  if (synchronous) {
    dv.setBigUint64(MC + 152, s.fault.err, true);
    dv.setBigUint64(MC + 160, s.fault.trapno, true);
    dv.setBigUint64(MC + 176, s.fault.cr2, true);
  }
  const oldMask = s.savedMask ?? t.sigmask;
  dv.setBigUint64(MC + 168, oldMask, true);
  dv.setBigUint64(MC + 184, fx, true);
  dv.setBigUint64(UC_SIGMASK, oldMask, true);
  buf.set(p.info, INFO);
  buf.set(fxsave(k), Number(fx - frame));
  if (!m.copyOut(frame, buf)) return false;
  if (t.altStack.flags & SS_AUTODISARM) t.altStack = { sp: 0n, flags: SS_DISABLE, size: 0n };
  m.setReg(7, BigInt(p.sig));
  m.setReg(6, frame + BigInt(INFO));
  m.setReg(2, frame + BigInt(UC));
  m.setReg(0, 0n);
  m.setReg(RSP, frame);
  m.rip = act.handler;
  m.flags = m.flags & ~(0x400n | 0x100n | FLAG_RF);
  fpuInit(k);
  let mask = t.sigmask | act.mask;
  if (!(act.flags & SA_NODEFER)) mask |= bit(p.sig);
  t.sigmask = mask & ~UNBLOCKABLE;
  s.savedMask = null;
  if (act.flags & SA_RESETHAND) t.process.sigactions[p.sig] = { handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n };
  return true;
}

/** rt_sigreturn: restores what setupFrame saved; the result is the restored rax. */
export function sigreturn(k: Kernel, t: Thread): SyscallValue {
  const m = k.machine;
  const frame = m.reg(RSP) - 8n;
  const b = m.copyIn(frame, FRAME_SIZE);
  if (!b) { forceSegv(k, t); return 0; }
  const dv = new DataView(b.buffer);
  t.sigmask = dv.getBigUint64(UC_SIGMASK, true) & ~UNBLOCKABLE;
  const fp = dv.getBigUint64(MC + 184, true);
  if (fp !== 0n) {
    const img = m.copyIn(fp, FXSAVE_SIZE);
    if (!img || !fxrstor(k, img)) { forceSegv(k, t); return 0; }
  } else fpuInit(k);
  SC_REGS.forEach((r, i) => m.setReg(r, dv.getBigUint64(MC + i * 8, true)));
  m.rip = dv.getBigUint64(MC + 128, true);
  m.flags = (m.flags & ~FIX_EFLAGS) | (dv.getBigUint64(MC + 136, true) & FIX_EFLAGS);
  // uc_stack: sigaltstack() as the frame says, errors ignored (Linux's restore_altstack).
  const ss = { sp: dv.getBigUint64(UC + 16, true), flags: dv.getInt32(UC + 24, true), size: dv.getBigUint64(UC + 32, true) };
  setAltStack(t, m.reg(RSP), ss);
  // Not a syscall return any more: no restart processing for whatever rax now holds.
  m.exitReason = L.EXIT_NONE;
  return BigInt.asIntN(64, m.reg(0));
}

/** A bad sigreturn frame: SIGSEGV that cannot be caught. */
function forceSegv(k: Kernel, t: Thread): void {
  forceSignal(k, t, SIGSEGV, siginfo(SIGSEGV, SI_KERNEL));
}

/** sigaltstack's update; a negative errno when refused. */
export function setAltStack(t: Thread, sp: bigint, ss: { sp: bigint; flags: number; size: bigint }): number {
  if (onAltStack(t, sp)) return -1; // EPERM
  const mode = ss.flags & ~SS_AUTODISARM;
  if (mode !== 0 && mode !== SS_DISABLE && mode !== SS_ONSTACK) return -22; // EINVAL
  if (mode === SS_DISABLE) { t.altStack = { sp: 0n, flags: SS_DISABLE, size: 0n }; return 0; }
  if (ss.size < 2048n) return -12; // ENOMEM
  t.altStack = { sp: ss.sp, flags: ss.flags & SS_AUTODISARM, size: ss.size };
  return 0;
}

// ---- faults -------------------------------------------------------------------------------------

/**
 * A signal the thread cannot refuse (a fault): if it is blocked or ignored the default action
 * comes back, so the process dies of it, as Linux's force_sig does.
 */
export function forceSignal(k: Kernel, t: Thread, sig: number, info: Uint8Array): void {
  const proc = t.process;
  const act = proc.sigactions[sig];
  if (act.handler === SIG_IGN || blocks(t, sig)) {
    proc.sigactions[sig] = { ...act, handler: SIG_DFL };
    t.sigmask &= ~bit(sig);
  }
  sendSignal(k, t, sig, info);
}

const EXIT_TRAP = { [L.EXIT_PAGE_FAULT]: 14n, [L.EXIT_GP]: 13n, [L.EXIT_HLT]: 13n, [L.EXIT_UD]: 6n, [L.EXIT_DE]: 0n, [L.EXIT_INT3]: 3n } as Record<number, bigint>;

/** A CPU fault becomes the signal Linux sends, with its si_code and si_addr. */
export function raiseFault(k: Kernel, t: Thread, reason: number): void {
  const m = k.machine, s = tsig(t);
  s.faultText = k.describeFault(reason);
  s.fault = { trapno: EXIT_TRAP[reason] ?? 0n, err: 0n, cr2: 0n };
  switch (reason) {
    case L.EXIT_PAGE_FAULT: {
      const addr = m.faultAddr;
      const vma = t.process.mm.vmas.find((v) => addr >= v.start && addr < v.end);
      const mapped = vma !== undefined;
      if (vma?.eofOffset !== undefined && (vma.offset ?? 0n) + (addr - vma.start) >= vma.eofOffset) {
        // A file mapping touched past end of file.
        s.fault.cr2 = addr;
        forceSignal(k, t, SIGBUS, infoFault(SIGBUS, BUS_ADRERR, addr));
        return;
      }
      const access = m.faultAccess;
      s.fault.err = 4n | (mapped ? 1n : 0n) | (access === 2 ? 2n : 0n) | (access === 4 ? 0x10n : 0n);
      s.fault.cr2 = addr;
      forceSignal(k, t, SIGSEGV, infoFault(SIGSEGV, mapped ? SEGV_ACCERR : SEGV_MAPERR, addr));
      return;
    }
    case L.EXIT_GP: case L.EXIT_HLT: forceSignal(k, t, SIGSEGV, infoFault(SIGSEGV, SI_KERNEL, 0n)); return;
    case L.EXIT_UD: forceSignal(k, t, SIGILL, infoFault(SIGILL, ILL_ILLOPN, m.rip)); return;
    case L.EXIT_DE: forceSignal(k, t, SIGFPE, infoFault(SIGFPE, FPE_INTDIV, m.rip)); return;
    case L.EXIT_INT3: forceSignal(k, t, SIGTRAP, infoFault(SIGTRAP, SI_KERNEL, 0n)); return;
    case L.EXIT_OOM: terminate(k, t.process, SIGKILL, t); return;
    default: forceSignal(k, t, SIGSEGV, infoFault(SIGSEGV, SI_KERNEL, 0n));
  }
}

// ---- exec, fork and job control helpers for the process code -----------------------------------

/** execve: handled signals go back to SIG_DFL (ignored stay ignored), no alternate stack; the
 *  mask and pending signals are kept. */
/** Run by processExited (time.ts disarms the process's timers, so none keeps the host busy). */
export const exitHooks: Array<(p: Process) => void> = [];
/** The process has ended: its timers stop. */
export function processExited(p: Process): void { for (const hook of exitHooks) hook(p); }

/** Run by resetSignalsOnExec (time.ts drops the POSIX timers). */
export const execHooks: Array<(p: Process) => void> = [];

export function resetSignalsOnExec(proc: Process, t: Thread): void {
  for (const hook of execHooks) hook(proc);
  proc.sigactions = proc.sigactions.map((a) => ({ handler: a.handler === SIG_IGN ? SIG_IGN : SIG_DFL, flags: 0n, restorer: 0n, mask: 0n }));
  t.altStack = { sp: 0n, flags: SS_DISABLE, size: 0n };
}

/** A reaped child's CPU time goes to the parent's RUSAGE_CHILDREN and times() cutime. */
export function addChildUsage(parent: Process, child: Process): void {
  psig(parent).childIcount += psig(child).icount + psig(child).childIcount;
}

// ---- CPU time -----------------------------------------------------------------------------------

/** CPU time is counted in retired guest instructions, at a nominal 1 ns each. */
const NS_PER_INSN = 1n;
/** Which thread the slice now running belongs to, and the instruction count when it started. */
const slices = new WeakMap<Kernel, { t: Thread | null; at: bigint }>();
/** Run at every slice start with the thread about to run (CPU-time timers). */
export const cpuHooks: Array<(k: Kernel, t: Thread) => void> = [];

function account(k: Kernel, t: Thread): void {
  const a = slices.get(k);
  // The same thread goes on running: its time so far is counted by running() until it changes.
  if (a && a.t === t) return;
  const now = k.machine.icount;
  if (!a) { slices.set(k, { t, at: now }); return; }
  if (a.t) {
    const d = now - a.at;
    tsig(a.t).icount += d;
    psig(a.t.process).icount += d;
  }
  a.t = t; a.at = now;
}
/** Charges the running thread's instructions so far (before its process's totals are read at exit). */
export function settleCpuTime(k: Kernel): void {
  const a = slices.get(k);
  if (!a || !a.t) return;
  const now = k.machine.icount, d = now - a.at;
  tsig(a.t).icount += d;
  psig(a.t.process).icount += d;
  a.at = now;
}
function running(k: Kernel): bigint { const a = slices.get(k); return a ? k.machine.icount - a.at : 0n; }
export function threadCpuNs(k: Kernel, t: Thread): bigint {
  return (tsig(t).icount + (slices.get(k)?.t === t ? running(k) : 0n)) * NS_PER_INSN;
}
export function processCpuNs(k: Kernel, p: Process): bigint {
  return (psig(p).icount + (slices.get(k)?.t?.process === p ? running(k) : 0n)) * NS_PER_INSN;
}
export function childCpuNs(p: Process): bigint { return psig(p).childIcount * NS_PER_INSN; }

export const SIGNAL_NAMES: Record<number, string> = {
  [SIGHUP]: "Hangup", [SIGINT]: "Interrupt", [SIGQUIT]: "Quit", [SIGILL]: "Illegal instruction",
  [SIGTRAP]: "Trace/breakpoint trap", [SIGABRT]: "Aborted", [SIGBUS]: "Bus error",
  [SIGFPE]: "Floating point exception", [SIGKILL]: "Killed", [SIGUSR1]: "User defined signal 1",
  [SIGSEGV]: "Segmentation fault", [SIGUSR2]: "User defined signal 2", [SIGPIPE]: "Broken pipe",
  [SIGALRM]: "Alarm clock", [SIGTERM]: "Terminated", [SIGSTKFLT]: "Stack fault", [SIGXCPU]: "CPU time limit exceeded",
  [SIGXFSZ]: "File size limit exceeded", [SIGVTALRM]: "Virtual timer expired", [SIGPROF]: "Profiling timer expired",
  [SIGIO]: "I/O possible", [SIGPWR]: "Power failure", [SIGSYS]: "Bad system call",
};

/** Short names for --trace. */
const SIG_ABBREV: Record<number, string> = Object.fromEntries(["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
  "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
  "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"].map((n, i) => [i + 1, "SIG" + n]));

export { NSIG };
