// devfs: /dev with the memory devices, /dev/tty and /dev/ptmx, the std* links into /proc/self/fd,
// and /dev/pts and /dev/shm directories; devpts, the file system of the pty slaves (/dev/pts/N). Device nodes are plain inodes with an rdev; opening one finds its driver
// in Vfs.devices, so a node made with mknod(2) elsewhere works the same, and a node without a
// driver (the /dev/tty placeholder until the kernel registers terminals) opens with ENXIO.
import { ENOSPC } from "../errno.js";
import { S_IFCHR, makedev } from "./abi.js";
import { ROOT } from "./inode.js";
import { TmpfsSuperblock, MemNode } from "./memfs.js";
import type { StatFs } from "./abi.js";
import type { CharDevice } from "./file.js";
import type { Vfs } from "./vfs.js";

export const DEV_NULL = makedev(1, 3), DEV_ZERO = makedev(1, 5), DEV_FULL = makedev(1, 7),
  DEV_RANDOM = makedev(1, 8), DEV_URANDOM = makedev(1, 9), DEV_TTY = makedev(5, 0), DEV_PTMX = makedev(5, 2);
/** UNIX98_PTY_SLAVE_MAJOR: /dev/pts/N is (136, N). */
export const PTS_MAJOR = 136;

export class DevfsSuperblock extends TmpfsSuperblock {
  readonly fsType = "devtmpfs";
  mountOptions(): string { return "mode=755"; }
}

const zeros = (buf: Uint8Array) => { buf.fill(0); return buf.length; };

/** The memory devices' drivers (drivers/char/mem.c). */
export function memoryDevices(randomBytes: (buf: Uint8Array) => void): Map<bigint, CharDevice> {
  const random: CharDevice = {
    read: (buf) => { randomBytes(buf); return buf.length; },
    write: (data) => data.length,
    lseek: (_o, _w, file) => BigInt(file.pos),
  };
  return new Map<bigint, CharDevice>([
    [DEV_NULL, { read: () => 0, write: (d) => d.length, discardsWrites: true }],
    [DEV_ZERO, { read: zeros, write: (d) => d.length, discardsWrites: true }],
    [DEV_FULL, { read: zeros, write: () => -ENOSPC }],
    [DEV_RANDOM, random],
    [DEV_URANDOM, random],
  ]);
}

/** Builds /dev and registers its drivers with vfs; mount the result on /dev. */
export function createDevfs(vfs: Vfs, randomBytes: (buf: Uint8Array) => void): DevfsSuperblock {
  const sb = new DevfsSuperblock(vfs.clock, { mode: 0o755 });
  for (const [rdev, drv] of memoryDevices(randomBytes)) vfs.devices.set(rdev, drv);
  const root = sb.root;
  const nodes: Array<[string, bigint]> = [
    ["null", DEV_NULL], ["zero", DEV_ZERO], ["full", DEV_FULL], ["random", DEV_RANDOM],
    ["urandom", DEV_URANDOM], ["tty", DEV_TTY], ["ptmx", DEV_PTMX],
  ];
  for (const [name, rdev] of nodes) root.mknod(name, S_IFCHR | 0o666, rdev, ROOT);
  root.symlink("stdin", "/proc/self/fd/0", ROOT);
  root.symlink("stdout", "/proc/self/fd/1", ROOT);
  root.symlink("stderr", "/proc/self/fd/2", ROOT);
  root.symlink("fd", "/proc/self/fd", ROOT);
  root.mkdir("pts", 0o755, ROOT);
  root.mkdir("shm", 0o1777, ROOT);
  return sb;
}

/**
 * devpts: one node per live pty, made when /dev/ptmx is opened and gone when the master closes, plus
 * the ptmx node itself. Inode numbers are Linux's (root 1, ptmx 2, pts N is N+3); the nodes get the
 * opener's uid and group tty (5) with mode 620, as a distribution mounts it (gid=5,mode=620).
 */
export class DevptsSuperblock extends TmpfsSuperblock {
  readonly fsType = "devpts";
  constructor(clock: () => bigint) {
    super(clock, { mode: 0o755 });
    const ptmx = this.root.mknod("ptmx", S_IFCHR, DEV_PTMX, ROOT);
    if (typeof ptmx !== "number") ptmx.ino = 2n;
  }
  mountOptions(): string { return "gid=5,mode=620,ptmxmode=000"; }
  statfs(): StatFs { return { ...super.statfs(), type: 0x1cd1, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n }; }

  /** The node of pts index (owned by uid, group tty). */
  addPty(index: number, uid: number): MemNode | number {
    const r = this.root.mknod(String(index), S_IFCHR | 0o620, makedev(PTS_MAJOR, index), { uid, gid: 5, groups: [] });
    if (typeof r === "number") return r;
    r.ino = BigInt(index + 3);
    r.gid = 5;
    return r as MemNode;
  }
  removePty(index: number): void { this.root.unlink(String(index)); }
}
