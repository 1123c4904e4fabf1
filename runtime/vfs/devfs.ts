// devfs: /dev with the memory devices, the std* links into /proc/self/fd, and /dev/pts and
// /dev/shm directories. Device nodes are plain inodes with an rdev; opening one finds its driver
// in Vfs.devices, so a node made with mknod(2) elsewhere works the same, and a node without a
// driver (the /dev/tty placeholder until the kernel registers terminals) opens with ENXIO.
import { ENOSPC } from "../errno.js";
import { S_IFCHR, makedev } from "./abi.js";
import { ROOT } from "./inode.js";
import { TmpfsSuperblock } from "./memfs.js";
import type { CharDevice } from "./file.js";
import type { Vfs } from "./vfs.js";

export const DEV_NULL = makedev(1, 3), DEV_ZERO = makedev(1, 5), DEV_FULL = makedev(1, 7),
  DEV_RANDOM = makedev(1, 8), DEV_URANDOM = makedev(1, 9), DEV_TTY = makedev(5, 0), DEV_PTMX = makedev(5, 2);

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
    [DEV_NULL, { read: () => 0, write: (d) => d.length }],
    [DEV_ZERO, { read: zeros, write: (d) => d.length }],
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
    ["urandom", DEV_URANDOM], ["tty", DEV_TTY],
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
