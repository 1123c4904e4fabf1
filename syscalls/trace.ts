// strace-style formatting for --trace, driven by the table's argument kinds.
import type { Kernel } from "../runtime/kernel.js";
import type { ArgKind, SyscallEntry } from "./types.js";
import { SYSCALLS } from "./table.js";
import { errnoName, ERRNO_TEXT } from "../runtime/errno.js";
import type { SyscallValue } from "../runtime/process.js";

const OFLAGS: Array<[number, string]> = [[0o100, "O_CREAT"], [0o200, "O_EXCL"], [0o400, "O_NOCTTY"], [0o1000, "O_TRUNC"],
  [0o2000, "O_APPEND"], [0o4000, "O_NONBLOCK"], [0o10000, "O_DSYNC"], [0o40000, "O_DIRECT"], [0o100000, "O_LARGEFILE"],
  [0o200000, "O_DIRECTORY"], [0o400000, "O_NOFOLLOW"], [0o1000000, "O_NOATIME"], [0o2000000, "O_CLOEXEC"], [0o4010000, "O_SYNC"],
  [0o10000000, "O_PATH"]];
const PROT: Array<[number, string]> = [[1, "PROT_READ"], [2, "PROT_WRITE"], [4, "PROT_EXEC"]];
const MAPF: Array<[number, string]> = [[0x10, "MAP_FIXED"], [0x20, "MAP_ANONYMOUS"], [0x100, "MAP_GROWSDOWN"], [0x800, "MAP_DENYWRITE"],
  [0x4000, "MAP_NORESERVE"], [0x8000, "MAP_POPULATE"], [0x20000, "MAP_STACK"], [0x100000, "MAP_FIXED_NOREPLACE"]];
const ATF: Array<[number, string]> = [[0x100, "AT_SYMLINK_NOFOLLOW"], [0x200, "AT_REMOVEDIR"], [0x400, "AT_SYMLINK_FOLLOW"],
  [0x800, "AT_NO_AUTOMOUNT"], [0x1000, "AT_EMPTY_PATH"]];
const SIGNALS = ["0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
  "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
  "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"];
const CLOCKS = ["CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW",
  "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM", "CLOCK_BOOTTIME_ALARM", "10", "CLOCK_TAI"];
const RLIMITS = ["RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
  "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
  "RLIMIT_RTPRIO", "RLIMIT_RTTIME"];
const IOCTLS: Record<number, string> = { 0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF",
  0x540f: "TIOCGPGRP", 0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541b: "FIONREAD", 0x5421: "FIONBIO",
  0x5450: "FIONCLEX", 0x5451: "FIOCLEX" };
const ARCH: Record<number, string> = { 0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS", 0x1004: "ARCH_GET_GS",
  0x1011: "ARCH_GET_CPUID", 0x1012: "ARCH_SET_CPUID" };
const FUTEX = ["FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP", "FUTEX_LOCK_PI",
  "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI", "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET"];

function bits(v: number, names: Array<[number, string]>, zero: string): string {
  const out: string[] = [];
  let rest = v;
  for (const [b, n] of names) if ((rest & b) === b) { out.push(n); rest &= ~b; }
  if (rest) out.push("0x" + rest.toString(16));
  return out.length ? out.join("|") : zero;
}

/** A C-style quoted string, cut at max bytes like strace's default -s 32. */
function quote(bytes: Uint8Array, max = 32): string {
  let s = "";
  for (const b of bytes.subarray(0, max)) {
    if (b === 0x22 || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b === 10) s += "\\n";
    else if (b === 9) s += "\\t";
    else if (b === 13) s += "\\r";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + b.toString(8);
  }
  return `"${s}"${bytes.length > max ? "..." : ""}`;
}

const hex = (v: bigint): string => "0x" + v.toString(16);
const i32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

function formatArg(k: Kernel, kind: ArgKind, v: bigint, next: bigint | undefined): string {
  const m = k.machine;
  switch (kind) {
    case "int": case "fd": return String(BigInt.asIntN(64, v) >= -0x80000000n && BigInt.asIntN(64, v) < 0x100000000n ? i32(v) : BigInt.asIntN(64, v));
    case "dirfd": return i32(v) === -100 ? "AT_FDCWD" : String(i32(v));
    case "uint": case "size": return v.toString();
    case "off": return BigInt.asIntN(64, v).toString();
    case "hex": return hex(v);
    case "ptr": case "obuf": return v === 0n ? "NULL" : hex(v);
    case "str": case "path": {
      if (v === 0n) return "NULL";
      const s = m.copyInString(v, 4096);
      return s === null ? hex(v) : quote(new TextEncoder().encode(s), 256);
    }
    case "buf": {
      const len = next !== undefined && next < 4096n ? Number(next) : 32;
      const b = m.copyIn(v, Math.min(len, 33));
      return b ? quote(b) : hex(v);
    }
    case "strv": {
      if (v === 0n) return "NULL";
      const items: string[] = [];
      for (let i = 0; i < 32; i++) {
        const p = m.readU64(v + BigInt(i * 8));
        if (p === null) return hex(v);
        if (p === 0n) return `[${items.join(", ")}]`;
        const s = m.copyInString(p, 4096);
        items.push(s === null ? hex(p) : quote(new TextEncoder().encode(s)));
      }
      return `[${items.join(", ")}, ...]`;
    }
    case "oflags": {
      const n = i32(v);
      const acc = ["O_RDONLY", "O_WRONLY", "O_RDWR", "3"][n & 3];
      const rest = bits(n & ~3, OFLAGS, "");
      return rest ? `${acc}|${rest}` : acc;
    }
    case "prot": return bits(i32(v), PROT, "PROT_NONE");
    case "mapflags": {
      const n = i32(v);
      const type = ["0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"][n & 3] ?? String(n & 0xf);
      const rest = bits(n & ~0xf, MAPF, "");
      return rest ? `${type}|${rest}` : type;
    }
    case "atflags": return bits(i32(v), ATF, "0");
    case "signal": return SIGNALS[i32(v)] ?? (i32(v) >= 34 && i32(v) <= 64 ? `SIGRT_${i32(v) - 32}` : String(i32(v)));
    case "clock": return CLOCKS[i32(v)] ?? String(i32(v));
    case "whence": return ["SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"][i32(v)] ?? String(i32(v));
    case "ioctl": return IOCTLS[i32(v)] ?? hex(v);
    case "arch_prctl": return ARCH[i32(v)] ?? hex(v);
    case "rlimit": return RLIMITS[i32(v)] ?? String(i32(v));
    case "sighow": return ["SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"][i32(v)] ?? String(i32(v));
    case "mode": return "0" + (v & 0o7777n).toString(8);
    case "futexop": {
      const n = i32(v);
      return (FUTEX[n & 0x7f] ?? String(n & 0x7f)) + (n & 128 ? "_PRIVATE" : "") + (n & 256 ? "|FUTEX_CLOCK_REALTIME" : "");
    }
  }
}

/** "name(arg, …)" before the call runs (output buffers are shown as addresses). */
export function formatCall(k: Kernel, nr: bigint, a: bigint[]): string {
  const e = nr < BigInt(SYSCALLS.length) ? SYSCALLS[Number(nr)] : undefined;
  if (!e) return `syscall_${nr}(${a.map(hex).join(", ")})`;
  const args = e.args.map((kind, i) => formatArg(k, kind, a[i], a[i + 1]));
  return `${e.name}(${args.join(", ")})`;
}

/** The result as strace shows it: a number, an address, or "-1 ENOENT (No such file…)". */
export function formatResult(k: Kernel, e: SyscallEntry | undefined, a: bigint[], r: SyscallValue): string {
  const v = BigInt(r);
  if (v < 0n && v >= -4095n) {
    const n = Number(-v);
    const text = ERRNO_TEXT[n];
    return `-1 ${errnoName(n)}${text ? ` (${text})` : ""}`;
  }
  if (e && (e.name === "mmap" || e.name === "brk" || e.name === "mremap" || e.name === "shmat")) return hex(BigInt.asUintN(64, v));
  const ob = e?.args.indexOf("obuf") ?? -1;
  if (ob >= 0 && v > 0n) {
    const b = k.machine.copyIn(a[ob], Math.min(Number(v), 33));
    if (b) return `${v} ${quote(b)}`;
  }
  return v.toString();
}
