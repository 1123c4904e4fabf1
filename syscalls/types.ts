// The shapes shared by the syscall table and the handler families.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread, SyscallValue } from "../runtime/process.js";

/** A call that must wait: the thread is parked until the promise settles with the result. */
export interface Park {
  park: Promise<SyscallValue>;
  /** Ends the wait early with this result (a signal: -EINTR, or a restart); absent if it cannot be. */
  interrupt?: (result?: SyscallValue) => void;
}

/** A result (≥ 0), a negative Linux errno, or a parked wait. */
export type SyscallResult = SyscallValue | Park;

/** A handler gets the six raw argument registers (rdi, rsi, rdx, r10, r8, r9). */
export type Handler = (k: Kernel, t: Thread, a: bigint[]) => SyscallResult;

/** How --trace prints an argument. */
export type ArgKind =
  | "int" | "uint" | "hex" | "ptr" | "size" | "off" | "fd" | "dirfd" | "str" | "path"
  | "buf"      // input bytes; the length is the next argument
  | "obuf"     // output bytes; the length is the result
  | "strv"     // NULL-terminated array of strings (argv, envp)
  | "oflags" | "prot" | "mapflags" | "signal" | "clock" | "whence" | "ioctl" | "arch_prctl"
  | "rlimit" | "atflags" | "sighow" | "mode" | "futexop";

export type Status = "full" | "partial" | "enosys";

export interface SyscallEntry {
  nr: number;
  name: string;
  args: ArgKind[];
  handler: Handler | null;
  status: Status;
  /** What is missing (partial) or why it is not there (enosys). */
  note?: string;
}

export function isPark(r: SyscallResult): r is Park {
  return typeof r === "object" && r !== null && "park" in r;
}
