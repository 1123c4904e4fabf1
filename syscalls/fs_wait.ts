// Blocking file operations (read on an empty pipe, poll, epoll_wait, F_SETLKW…): the first attempt
// runs at once; if it would block, the thread parks and the attempt is retried whenever one of the
// wait queues it watches fires, until it gives a result or the timeout ends the wait. A retry runs
// outside the thread's own time slice, so it runs with the thread's address space made current for
// its copy-out. Signals end a wait through interruptWait (the signal code decides EINTR or restart).
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, SyscallValue } from "../runtime/process.js";
import type { Park, SyscallResult } from "./types.js";
import { WOULD_BLOCK, type WaitQueue } from "../runtime/vfs/index.js";
import { EINTR } from "../runtime/errno.js";

export { WOULD_BLOCK };

export interface WaitOptions {
  /** Milliseconds before the wait ends with onTimeout's result; absent or null: no timeout. */
  timeoutMs?: number | null;
  /** The result when the time runs out (runs in the thread's address space); 0 by default. */
  onTimeout?: () => SyscallValue;
  /** Called when the wait ends without a result from attempt (timeout, interruption, death). */
  onAbort?: () => void;
}

/** The way to end each parked thread's file wait early. */
const waiting = new WeakMap<Thread, (result: SyscallValue) => void>();

/** Runs fn with t's address space as the machine's current one, restoring it after. */
export function inAddressSpace<T>(k: Kernel, t: Thread, fn: () => T): T {
  const m = k.machine, prev = m.addressSpace, want = t.process.mm.root;
  const prevThread = k.current;
  k.current = t; // the retry runs as t (drivers ask whose call it is)
  try {
    if (prev === want) return fn();
    m.core.setAddressSpace(want);
    try { return fn(); } finally { m.core.setAddressSpace(prev); }
  } finally { k.current = prevThread; }
}

/**
 * attempt() returns a result, or WOULD_BLOCK to wait for one of queues() to fire. The result of
 * the call is the first non-WOULD_BLOCK result (or the timeout's, or an interruption's).
 */
export function blockOn(k: Kernel, t: Thread, queues: WaitQueue[], attempt: () => SyscallValue, opts: WaitOptions = {}): SyscallResult {
  const first = attempt();
  if (first !== WOULD_BLOCK) return first;
  let settle!: (v: SyscallValue) => void;
  const promise = new Promise<SyscallValue>((resolve) => { settle = resolve; });
  let done = false, retrying = false, again = false;
  const unsubscribe: Array<() => void> = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const finish = (v: SyscallValue, fromAttempt = false) => {
    if (done) return;
    done = true;
    if (!fromAttempt) opts.onAbort?.();
    for (const u of unsubscribe) u();
    if (timer !== null) clearTimeout(timer);
    waiting.delete(t);
    settle(v);
  };
  const wake = () => {
    if (done) return;
    if (t.exited || !t.process.alive) { finish(-EINTR); return; }
    // A retry can itself fire the queues it watches (a pipe read wakes writers): run it once more
    // afterwards instead of re-entering.
    if (retrying) { again = true; return; }
    retrying = true;
    try {
      do {
        again = false;
        const r = inAddressSpace(k, t, attempt);
        if (r !== WOULD_BLOCK) { finish(r, true); return; }
      } while (again && !done);
    } finally { retrying = false; }
  };
  for (const q of queues) unsubscribe.push(q.add(wake));
  const ms = opts.timeoutMs;
  // The host's timer (a JS timer works the same in Node and in a browser).
  if (ms !== null && ms !== undefined) {
    timer = setTimeout(() => {
      timer = null;
      if (done) return;
      if (t.exited || !t.process.alive) { finish(-EINTR); return; }
      finish(opts.onTimeout ? inAddressSpace(k, t, opts.onTimeout) : 0);
    }, Math.max(0, Math.min(ms, 0x7fffffff)));
  }
  waiting.set(t, finish);
  const park: Park = { park: promise, interrupt: (v: SyscallValue = -EINTR) => finish(v) };
  return park;
}

/**
 * Ends t's file wait now with result (-EINTR by default, or what a restart needs); false when t
 * is not in one. For the signal code.
 */
export function interruptWait(t: Thread, result: SyscallValue = -EINTR): boolean {
  const f = waiting.get(t);
  if (!f) return false;
  f(result);
  return true;
}
