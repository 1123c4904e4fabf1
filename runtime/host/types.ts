// The host interface: everything the kernel needs from the machine it runs on. The kernel never
// imports node: modules; runtime/host/node.ts implements this for Node, a browser host later.
// Errors are negative Linux errno values (already translated from the host's).
import type { HostFs } from "../vfs/hostfs.js";

/** File metadata as Linux's struct stat carries it; mode includes the S_IF* type bits. */
export interface HostStat {
  dev: bigint; ino: bigint; mode: number; nlink: number; uid: number; gid: number; rdev: bigint;
  size: bigint; blksize: number; blocks: bigint;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint;
}

/**
 * The host's terminal when wasl's stdin is one, as a pty master for the guest: raw mode on and
 * off, its size, keystrokes (and the end of them) and resizes. Each on* returns its unsubscribe.
 */
export interface HostTerminalIO {
  setRawMode(raw: boolean): void;
  size(): { rows: number; cols: number } | null;
  onInput(data: (bytes: Uint8Array) => void, end: () => void): () => void;
  onResize(resized: (size: { rows: number; cols: number }) => void): () => void;
}

export interface Host {
  /** The terminal on stdin, for a host that can bridge it (absent: stdio is used as it is). */
  terminal?: HostTerminalIO;
  /** Writes to a host descriptor (stdout, stderr, an opened file); bytes written or -errno. Synchronous. */
  write(fd: number, data: Uint8Array): number;
  /** Reads from a host descriptor at its current offset; 0 at end of file, or -errno. */
  read(fd: number, buf: Uint8Array): number;
  /**
   * Starts one read of up to buf.length bytes from a host descriptor that may block (a pipe, a
   * terminal) without blocking the JS thread; done gets the count, 0 at end of input, or -errno.
   */
  readAsync(fd: number, buf: Uint8Array, done: (n: number) => void): void;
  /** The host's files, for hostfs mounts (confined by runtime/vfs/hostfs.ts). */
  readonly fs: HostFs;
  /** Reads at an absolute offset without moving the descriptor's offset. */
  pread(fd: number, buf: Uint8Array, pos: bigint): number;
  /** The current offset of a host descriptor, or null when the host cannot tell. */
  fdOffset?(fd: number): bigint | null;
  /**
   * Opens again the file behind a host descriptor, as a new open file description (Linux's open
   * of /proc/self/fd/N); a host descriptor or -errno.
   */
  reopenFd?(fd: number, read: boolean, write: boolean): number;
  isatty(fd: number): boolean;
  /** The open flags (O_ACCMODE, O_APPEND…) of a host descriptor, or null when the host cannot tell. */
  fdFlags(fd: number): number | null;
  /** Rows and columns of the terminal on a host descriptor, or null when it is not a terminal. */
  windowSize(fd: number): { rows: number; cols: number } | null;
  fstat(fd: number): HostStat | number;
  stat(path: string, followLinks: boolean): HostStat | number;
  /** Opens a host file read-only; a host descriptor or -errno. */
  openRead(path: string, directory: boolean): number;
  close(fd: number): void;
  /** The whole file (for the ELF loader), or -errno. */
  readFile(path: string): Uint8Array | number;
  readlink(path: string): string | number;
  /** A directory's entries (without "." and ".."): name, inode number and S_IF* type bits. */
  readdir(path: string): Array<{ name: string; ino: bigint; type: number }> | number;
  /** Host directory used to resolve relative guest paths at start. */
  cwd(): string;
  realtimeNs(): bigint;
  monotonicNs(): bigint;
  /**
   * The clocks are virtual, computed from the instructions retired (deterministic mode): the core
   * publishes that count only when a slice stops, so time calls are then always left to the kernel.
   */
  virtualClock?: boolean;
  randomBytes(buf: Uint8Array): void;
  /** Resolves after ms milliseconds (a parked wait; the event loop keeps running). */
  /** Resolves after ms; an abort (a killed or interrupted sleeper) cancels the timer and resolves at once. */
  sleep(ms: number, abort?: AbortSignal): Promise<void>;
  /** Lets the host event loop run between time slices. */
  yieldToHost(): Promise<void>;
  hostname(): string;
  /** Number of host CPUs and memory figures, for sched_getaffinity and sysinfo. */
  cpuCount(): number;
  totalMemory(): bigint;
  freeMemory(): bigint;
  uptimeSeconds(): number;
  /** One diagnostic line on the host's stderr (not guest output). */
  log(line: string): void;
}
