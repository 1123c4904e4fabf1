// System information, randomness and time.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import { EINVAL, EFAULT } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";

/** What uname reports: an honest name for this kernel on a Linux-compatible ABI. */
export const UTS = { sysname: "Linux", release: "6.1.0-wasl", version: "#1 SMP PREEMPT_DYNAMIC wasl", machine: "x86_64", domainname: "(none)" };

/** uname(2) */
export function sysUname(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const b = new Uint8Array(6 * 65);
  const enc = new TextEncoder();
  [UTS.sysname, k.host.hostname(), UTS.release, UTS.version, UTS.machine, UTS.domainname]
    .forEach((s, i) => b.set(enc.encode(s).subarray(0, 64), i * 65));
  return k.machine.copyOut(a[0], b) ? 0 : -EFAULT;
}

export const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

/** getrandom(2) */
export function sysGetrandom(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[2] & 0xffffffffn);
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) || (flags & GRND_RANDOM && flags & GRND_INSECURE)) return -EINVAL;
  const len = a[1] > 33554431n ? 33554431 : Number(a[1]);
  const buf = new Uint8Array(len);
  for (let o = 0; o < len; o += 65536) k.host.randomBytes(buf.subarray(o, Math.min(len, o + 65536)));
  return k.machine.copyOut(a[0], buf) ? len : -EFAULT;
}

export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
  CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;

const started = new WeakMap<Kernel, bigint>();

/** The clock's current value in ns, or null for an unknown clock. */
export function clockNs(k: Kernel, clock: number): bigint | null {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_REALTIME_ALARM: return k.host.realtimeNs();
    case CLOCK_TAI: return k.host.realtimeNs() + 37_000_000_000n;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
      return k.host.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID: {
      // All guest work happens on the host thread: elapsed time since the kernel started.
      if (!started.has(k)) started.set(k, k.host.monotonicNs());
      return k.host.monotonicNs() - started.get(k)!;
    }
    default: return null;
  }
}

function timespec(ns: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, ns / 1_000_000_000n, true);
  dv.setBigInt64(8, ns % 1_000_000_000n, true);
  return b;
}

/** clock_gettime(2) */
export function sysClockGettime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ns = clockNs(k, Number(BigInt.asIntN(32, a[0])));
  if (ns === null) return -EINVAL;
  return k.machine.copyOut(a[1], timespec(ns)) ? 0 : -EFAULT;
}

/** clock_getres(2) */
export function sysClockGetres(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const clock = Number(BigInt.asIntN(32, a[0]));
  if (clockNs(k, clock) === null) return -EINVAL;
  if (a[1] === 0n) return 0;
  const coarse = clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE;
  return k.machine.copyOut(a[1], timespec(coarse ? 4_000_000n : 1n)) ? 0 : -EFAULT;
}

/** gettimeofday(2) */
export function sysGettimeofday(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  if (a[0] !== 0n) {
    const ns = k.host.realtimeNs();
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, ns / 1_000_000_000n, true);
    dv.setBigInt64(8, (ns % 1_000_000_000n) / 1000n, true);
    if (!k.machine.copyOut(a[0], b)) return -EFAULT;
  }
  if (a[1] !== 0n && !k.machine.copyOut(a[1], new Uint8Array(8))) return -EFAULT;
  return 0;
}

/** time(2) */
export function sysTime(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const s = k.host.realtimeNs() / 1_000_000_000n;
  if (a[0] !== 0n && !k.machine.writeU64(a[0], s)) return -EFAULT;
  return s;
}

/** A struct timespec from guest memory as ns; EFAULT/EINVAL as negative numbers. */
function readTimespec(k: Kernel, p: bigint): bigint | number {
  const b = k.machine.copyIn(p, 16);
  if (!b) return -EFAULT;
  const dv = new DataView(b.buffer);
  const sec = dv.getBigInt64(0, true), nsec = dv.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
  return sec * 1_000_000_000n + nsec;
}

/** Parks the thread for ns nanoseconds; the wait is a host timer, so other threads keep running. */
function sleepFor(k: Kernel, ns: bigint): SyscallResult {
  if (ns <= 0n) return 0;
  const ms = Number(ns / 1_000_000n) + (ns % 1_000_000n ? 1 : 0);
  return { park: k.host.sleep(ms).then(() => 0) };
}

/** nanosleep(2): not interruptible yet (no signal delivery), so rem is never written. */
export function sysNanosleep(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const ns = readTimespec(k, a[0]);
  if (typeof ns === "number") return ns;
  return sleepFor(k, ns);
}

export const TIMER_ABSTIME = 1;

/** clock_nanosleep(2) */
export function sysClockNanosleep(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const clock = Number(BigInt.asIntN(32, a[0]));
  if (clock === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  const now = clockNs(k, clock);
  if (now === null) return -EINVAL;
  const ns = readTimespec(k, a[2]);
  if (typeof ns === "number") return ns;
  return sleepFor(k, Number(a[1] & 1n) === TIMER_ABSTIME ? ns - now : ns);
}

/** sysinfo(2) */
export function sysSysinfo(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const b = new Uint8Array(112);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(k.host.uptimeSeconds()), true);
  dv.setBigUint64(32, k.host.totalMemory(), true);
  dv.setBigUint64(40, k.host.freeMemory(), true);
  dv.setUint16(80, k.processes.size, true);
  dv.setUint32(104, 1, true);
  return k.machine.copyOut(a[0], b) ? 0 : -EFAULT;
}
