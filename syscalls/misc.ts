// System information and randomness (the time calls are in time.ts).
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

// The clocks moved to time.ts; re-exported for the callers that import them from here.
export { clockNs, CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,
  CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_TAI,
  TIMER_ABSTIME } from "./time.js";

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
