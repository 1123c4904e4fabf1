// System information and randomness (the time calls are in time.ts).
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import { EINVAL, EFAULT, EPERM } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import * as L from "../runtime/gen/layout.js";
import { ACCESS_WRITE } from "../runtime/machine.js";
import { TASK_SIZE } from "../runtime/mm.js";

/** What uname reports: an honest name for this kernel on a Linux-compatible ABI. */
export const UTS = { sysname: "Linux", release: "6.1.0-wasl", version: "#1 SMP PREEMPT_DYNAMIC wasl", machine: "x86_64", domainname: "(none)" };

/** uname(2) */
export function sysUname(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const b = new Uint8Array(6 * 65);
  const enc = new TextEncoder();
  [UTS.sysname, utsName(k, "hostname"), UTS.release, UTS.version, UTS.machine, utsName(k, "domainname")]
    .forEach((s, i) => b.set(enc.encode(s).subarray(0, 64), i * 65));
  return k.machine.copyOut(a[0], b) ? 0 : -EFAULT;
}

/** The UTS names set with sethostname/setdomainname, per kernel (one UTS namespace per machine). */
const utsNames = new WeakMap<Kernel, { hostname?: string; domainname?: string }>();

/** The hostname or NIS domain name uname(2) reports. */
export function utsName(k: Kernel, which: "hostname" | "domainname"): string {
  return utsNames.get(k)?.[which] ?? (which === "hostname" ? k.host.hostname() : UTS.domainname);
}

function setUtsName(k: Kernel, t: Thread, a: bigint[], which: "hostname" | "domainname"): SyscallResult {
  if (t.process.euid !== 0) return -EPERM;
  if (a[1] > 64n) return -EINVAL;
  const bytes = k.machine.copyIn(a[0], Number(a[1]));
  if (!bytes) return -EFAULT;
  const names = utsNames.get(k) ?? {};
  names[which] = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0) >= 0 ? bytes.indexOf(0) : bytes.length));
  utsNames.set(k, names);
  return 0;
}

/** sethostname(2): root only, at most 64 bytes; uname and /proc/sys/kernel/hostname show it. */
export function sysSethostname(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setUtsName(k, t, a, "hostname"); }
/** setdomainname(2) */
export function sysSetdomainname(k: Kernel, t: Thread, a: bigint[]): SyscallResult { return setUtsName(k, t, a, "domainname"); }

/**
 * personality(2): 0xffffffff queries; any other value is stored and the old one returned, as
 * Linux does. The persona changes nothing here: wasl never randomises addresses and runs only
 * the x86-64 Linux ABI.
 */
export function sysPersonality(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const old = t.process.personality;
  const p = Number(a[0] & 0xffffffffn);
  if (p !== 0xffffffff) t.process.personality = p;
  return old;
}

export const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

/** How many bytes from va on (at most len) the guest could write itself: Linux copies up to the first fault. */
function writablePrefix(k: Kernel, va: bigint, len: number): number {
  let n = 0;
  while (n < len) {
    const a = va + BigInt(n);
    if (k.machine.core.translate(a, ACCESS_WRITE, 1) < 0n) break;
    n += 4096 - Number(a & 0xfffn);
  }
  return Math.min(n, len);
}

/**
 * getrandom(2). Requests that fit the pool (L.RANDOM_POOL, host random bytes in machine memory)
 * take its next unread bytes, refilling it when short; the core's fast path takes the same
 * bytes under the same rule, so a seeded stream (deterministic mode) does not depend on which
 * path answered. As in Linux, a buffer that stops being writable gets the bytes that fit (EFAULT
 * when none do); only the bytes that reach the guest are consumed.
 */
export function sysGetrandom(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const flags = Number(a[2] & 0xffffffffn);
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) || (flags & GRND_RANDOM && flags & GRND_INSECURE)) return -EINVAL;
  const len = a[1] > 33554431n ? 33554431 : Number(a[1]);
  if (a[0] + BigInt(len) > TASK_SIZE) return -EFAULT; // access_ok, checked even for 0 bytes
  const n = writablePrefix(k, a[0], len);
  if (n === 0 && len > 0) return -EFAULT;
  const m = k.machine;
  if (len <= L.RANDOM_POOL_SIZE) {
    const end = L.RANDOM_POOL + L.RANDOM_POOL_SIZE;
    if (len > m.randomLeft) {
      k.host.randomBytes(m.u8.subarray(L.RANDOM_POOL, end));
      m.randomLeft = L.RANDOM_POOL_SIZE;
    }
    const from = end - m.randomLeft;
    m.copyOut(a[0], m.u8.slice(from, from + n));
    m.randomLeft -= n;
    return n;
  }
  const buf = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) k.host.randomBytes(buf.subarray(o, Math.min(n, o + 65536)));
  m.copyOut(a[0], buf);
  return n;
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
