// Fast user-space mutexes: futex(2) wait queues keyed by address, and the robust-list cleanup
// (get_robust_list(2)) a dying thread leaves for the locks it held.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, Process } from "../runtime/process.js";
import { ACCESS_READ } from "../runtime/machine.js";
import { MAP_SHARED, MAP_TYPE, PROT_WRITE, TASK_SIZE } from "../runtime/mm.js";
import { EAGAIN, EFAULT, EINVAL, ENOSYS, ETIMEDOUT } from "../runtime/errno.js";
import { clockNs, CLOCK_MONOTONIC, CLOCK_REALTIME } from "./time.js";
import type { SyscallResult } from "./types.js";

export const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
  FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10,
  FUTEX_WAIT_REQUEUE_PI = 11, FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13;
export const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
/** Most robust-list entries walked at thread exit (Linux's ROBUST_LIST_LIMIT). */
const ROBUST_LIST_LIMIT = 2048;

interface Waiter { thread: Thread; key: string; bitset: number }

/** The wait queues of one machine, by futex key. */
const queues = new WeakMap<Kernel, Map<string, Waiter[]>>();
function table(k: Kernel): Map<string, Waiter[]> {
  let q = queues.get(k);
  if (!q) { q = new Map(); queues.set(k, q); }
  return q;
}

/**
 * Which futex an address is. A private futex (or any futex in private memory) is the address in
 * that address space; a futex in MAP_SHARED memory is the physical frame, so processes sharing
 * the page meet on the same queue whatever address each maps it at.
 */
function futexKey(k: Kernel, proc: Process, addr: bigint, priv: boolean): string | null {
  const mm = proc.mm;
  if (!priv) {
    const v = mm.find(addr);
    if (v && (v.flags & MAP_TYPE) === MAP_SHARED) {
      const phys = k.inAddressSpace(mm.root, () => k.machine.core.translate(addr, ACCESS_READ, 1));
      if (phys < 0n) return null;
      return `p${phys}`;
    }
  }
  return `${mm.root}:${addr}`;
}

/** Waiters queued on any futex of the machine, published for the core's FUTEX_WAKE fast path. */
const waiting = new WeakMap<Kernel, number>();
function countWaiters(k: Kernel, d: number): void {
  const n = (waiting.get(k) ?? 0) + d;
  waiting.set(k, n);
  k.machine.futexWaiters = n;
}

function enqueue(k: Kernel, w: Waiter): void {
  const q = table(k);
  const list = q.get(w.key);
  if (list) list.push(w); else q.set(w.key, [w]);
  countWaiters(k, 1);
}

function dequeue(k: Kernel, w: Waiter): void {
  const q = table(k);
  const list = q.get(w.key);
  if (!list) return;
  const i = list.indexOf(w);
  if (i < 0) return;
  list.splice(i, 1);
  if (list.length === 0) q.delete(w.key);
  countWaiters(k, -1);
}

function wakeKey(k: Kernel, key: string, n: number, bitset: number): number {
  const list = table(k).get(key);
  if (!list) return 0;
  let woken = 0;
  for (const w of [...list]) {
    if (woken >= n) break;
    if (!(w.bitset & bitset)) continue;
    dequeue(k, w);
    if (w.thread.exited) continue;
    k.resume(w.thread, 0);
    woken++;
  }
  return woken;
}

/**
 * What Linux's get_futex_key refuses before any queue is looked at: a misaligned word (EINVAL), a
 * word not wholly below TASK_SIZE (EFAULT), and for a shared futex a word whose page it cannot
 * take (EFAULT): not mapped readable, or private anonymous memory that is read-only ("a RO
 * anonymous page will never change"). The core's FUTEX_WAKE fast path leaves every such case here.
 */
function keyError(k: Kernel, proc: Process, uaddr: bigint, priv: boolean): number {
  if (uaddr & 3n) return -EINVAL;
  if (uaddr + 4n > TASK_SIZE) return -EFAULT;
  if (priv) return 0;
  if (k.machine.core.translate(uaddr, ACCESS_READ, 1) < 0n) return -EFAULT;
  const v = proc.mm.find(uaddr);
  if (v && !v.file && (v.flags & MAP_TYPE) !== MAP_SHARED && !(v.prot & PROT_WRITE)) return -EFAULT;
  return 0;
}

/** Wakes up to n waiters on the futex at addr in proc's memory (also for CLONE_CHILD_CLEARTID). */
export function futexWake(k: Kernel, proc: Process, addr: bigint, n: number, bitset: number, priv: boolean): number {
  const key = futexKey(k, proc, addr, priv);
  return key === null ? 0 : wakeKey(k, key, n, bitset);
}

/** A struct timespec as ns; null for a null pointer; a negative errno when bad. */
function readTimeout(k: Kernel, p: bigint): bigint | null | number {
  if (p === 0n) return null;
  const b = k.machine.copyIn(p, 16);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  const sec = dv.getBigInt64(0, true), nsec = dv.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
  return sec * 1_000_000_000n + nsec;
}

function wait(k: Kernel, t: Thread, addr: bigint, val: number, timeout: bigint | null, absolute: boolean, clock: number, bitset: number, priv: boolean): SyscallResult {
  if (addr & 3n) return -EINVAL;
  if (bitset === 0) return -EINVAL;
  const cur = k.machine.readU32(addr);
  if (cur === null) return -EFAULT;
  if (cur !== val >>> 0) return -EAGAIN;
  let ms: number | null = null;
  if (timeout !== null) {
    const ns = absolute ? timeout - (clockNs(k, clock) ?? 0n) : timeout;
    if (ns <= 0n) return -ETIMEDOUT;
    ms = Number((ns + 999_999n) / 1_000_000n);
  }
  const key = futexKey(k, t.process, addr, priv);
  if (key === null) return -EFAULT;
  const w: Waiter = { thread: t, key, bitset };
  enqueue(k, w);
  return k.kernelWait(t, () => dequeue(k, w), ms === null ? undefined : { ms, result: () => -ETIMEDOUT });
}

/** FUTEX_WAKE_OP's operation on the old value at uaddr2 and its comparison. */
function wakeOp(encoded: number, old: number): { value: number; cond: boolean } | null {
  let op = (encoded >>> 28) & 0xf;
  const cmp = (encoded >>> 24) & 0xf;
  let oparg = (encoded << 8) >> 20;
  const cmparg = (encoded << 20) >> 20;
  if (op & 8) { op &= 7; oparg = 1 << (oparg & 31); }
  let value: number;
  switch (op) {
    case 0: value = oparg; break;
    case 1: value = old + oparg; break;
    case 2: value = old | oparg; break;
    case 3: value = old & ~oparg; break;
    case 4: value = old ^ oparg; break;
    default: return null;
  }
  const o = old | 0;
  let cond: boolean;
  switch (cmp) {
    case 0: cond = o === cmparg; break;
    case 1: cond = o !== cmparg; break;
    case 2: cond = o < cmparg; break;
    case 3: cond = o <= cmparg; break;
    case 4: cond = o > cmparg; break;
    case 5: cond = o >= cmparg; break;
    default: return null;
  }
  return { value: value >>> 0, cond };
}

/** futex(2): WAIT, WAKE, their BITSET forms, REQUEUE, CMP_REQUEUE and WAKE_OP; no PI futexes. */
export function sysFutex(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const [uaddr, opB, valB, timeoutB, uaddr2, val3B] = a;
  const opWord = Number(opB & 0xffffffffn);
  const priv = (opWord & FUTEX_PRIVATE_FLAG) !== 0;
  const realtime = (opWord & FUTEX_CLOCK_REALTIME) !== 0;
  const cmd = opWord & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const val = Number(valB & 0xffffffffn);
  const val3 = Number(val3B & 0xffffffffn);
  if (realtime && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2 && cmd !== FUTEX_WAIT) return -ENOSYS;
  const count = (v: number): number => (v | 0) < 0 ? 0x7fffffff : v | 0;
  switch (cmd) {
    case FUTEX_WAIT: {
      const to = readTimeout(k, timeoutB);
      if (typeof to === "number") return to;
      return wait(k, t, uaddr, val, to, false, CLOCK_MONOTONIC, FUTEX_BITSET_MATCH_ANY, priv);
    }
    case FUTEX_WAIT_BITSET: {
      const to = readTimeout(k, timeoutB);
      if (typeof to === "number") return to;
      return wait(k, t, uaddr, val, to, true, realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, val3, priv);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
      if (bitset === 0) return -EINVAL;
      const bad = keyError(k, t.process, uaddr, priv);
      return bad || futexWake(k, t.process, uaddr, count(val), bitset, priv);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if ((uaddr & 3n) || (uaddr2 & 3n)) return -EINVAL;
      const nrWake = val | 0, nrRequeue = Number(BigInt.asIntN(32, timeoutB));
      if (nrWake < 0 || nrRequeue < 0) return -EINVAL;
      if (cmd === FUTEX_CMP_REQUEUE) {
        const cur = k.machine.readU32(uaddr);
        if (cur === null) return -EFAULT;
        if (cur !== val3) return -EAGAIN;
      }
      const from = futexKey(k, t.process, uaddr, priv), to = futexKey(k, t.process, uaddr2, priv);
      if (from === null || to === null) return -EFAULT;
      let n = wakeKey(k, from, nrWake, FUTEX_BITSET_MATCH_ANY);
      if (from === to) return n;
      const list = table(k).get(from) ?? [];
      for (const w of [...list].slice(0, nrRequeue)) {
        dequeue(k, w);
        w.key = to;
        enqueue(k, w);
        n++;
      }
      return n;
    }
    case FUTEX_WAKE_OP: {
      if ((uaddr & 3n) || (uaddr2 & 3n)) return -EINVAL;
      const old = k.machine.readU32(uaddr2);
      if (old === null) return -EFAULT;
      const r = wakeOp(val3, old);
      if (!r) return -ENOSYS;
      if (!k.machine.writeU32(uaddr2, r.value)) return -EFAULT;
      let n = futexWake(k, t.process, uaddr, count(val), FUTEX_BITSET_MATCH_ANY, priv);
      if (r.cond) n += futexWake(k, t.process, uaddr2, Number(BigInt.asIntN(32, timeoutB)) < 0 ? 0x7fffffff : Number(timeoutB & 0x7fffffffn), FUTEX_BITSET_MATCH_ANY, priv);
      return n;
    }
    default:
      return -ENOSYS;
  }
}

/**
 * At thread exit: every futex on the thread's robust list that it still owns is marked
 * FUTEX_OWNER_DIED and one waiter is woken, so the next locker gets EOWNERDEAD instead of hanging.
 * Runs in the thread's address space.
 */
export function exitRobustList(k: Kernel, t: Thread): void {
  const m = k.machine, head = t.robustList;
  const next0 = m.readU64(head), offset = m.readU64(head + 8n), pending = m.readU64(head + 16n);
  if (next0 === null || offset === null || pending === null) return;
  const off = BigInt.asIntN(64, offset);
  const handle = (entry: bigint): void => {
    const uaddr = (entry & ~1n) + off;
    const v = m.readU32(uaddr);
    if (v === null || (v & FUTEX_TID_MASK) !== t.tid) return;
    if (!m.writeU32(uaddr, ((v & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0)) return;
    if (v & FUTEX_WAITERS) futexWake(k, t.process, uaddr, 1, FUTEX_BITSET_MATCH_ANY, false);
  };
  let entry = next0, limit = ROBUST_LIST_LIMIT;
  while (entry !== head && entry !== 0n && limit-- > 0) {
    const nxt = m.readU64(entry & ~1n);
    if (entry !== pending) handle(entry);
    if (nxt === null) break;
    entry = nxt;
  }
  if (pending !== 0n) handle(pending);
}
