// Linux's file-system ABI as the guest sees it on x86-64: flag and mode constants, and the exact
// byte layouts of struct stat, struct statx, struct statfs and linux_dirent64.

export const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0o100, O_EXCL = 0o200,
  O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DSYNC = 0o10000,
  O_ASYNC = 0o20000, O_DIRECT = 0o40000, O_LARGEFILE = 0o100000, O_DIRECTORY = 0o200000,
  O_NOFOLLOW = 0o400000, O_NOATIME = 0o1000000, O_CLOEXEC = 0o2000000, O_SYNC = 0o4010000,
  O_PATH = 0o10000000, O_TMPFILE = 0o20000000 | O_DIRECTORY;
/** The flags F_SETFL may change; the others are fixed at open. */
export const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000,
  S_IFBLK = 0o60000, S_IFDIR = 0o40000, S_IFCHR = 0o20000, S_IFIFO = 0o10000,
  S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;

export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

export const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200,
  AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000,
  AT_STATX_SYNC_TYPE = 0x6000;

export const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
export const F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;
/** File seals (fcntl F_ADD_SEALS/F_GET_SEALS; memfd_create(2)). */
export const F_SEAL_SEAL = 0x1, F_SEAL_SHRINK = 0x2, F_SEAL_GROW = 0x4, F_SEAL_WRITE = 0x8, F_SEAL_FUTURE_WRITE = 0x10,
  F_SEAL_EXEC = 0x20, F_ALL_SEALS = 0x3f;
export const UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;
export const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;

export const PATH_MAX = 4096, NAME_MAX = 255, MAXSYMLINKS = 40;

export const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10,
  DT_SOCK = 12;

export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
  POLLRDNORM = 0x40, POLLWRNORM = 0x100;

export const TMPFS_MAGIC = 0x01021994, PROC_SUPER_MAGIC = 0x9fa0, PIPEFS_MAGIC = 0x50495045;
export const ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_RELATIME = 0x400;
const ST_VALID = 0x20;

export const STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_NLINK = 0x4, STATX_UID = 0x8, STATX_GID = 0x10,
  STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_INO = 0x100, STATX_SIZE = 0x200,
  STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000;

/** What stat(2) reports about an inode; mode includes the S_IF* type bits. */
export interface Stat {
  dev: bigint; ino: bigint; mode: number; nlink: number; uid: number; gid: number; rdev: bigint;
  size: bigint; blksize: number; blocks: bigint;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint;
  /** Creation time when the file system keeps one. */
  btimeNs?: bigint;
}

export interface StatFs {
  type: number; bsize: number; blocks: bigint; bfree: bigint; bavail: bigint; files: bigint;
  ffree: bigint; namelen: number; frsize: number; fsid: bigint;
}

/** glibc's makedev(): the 64-bit dev_t layout Linux reports in struct stat. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0), mi = BigInt(minor >>> 0);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}
export function major(dev: bigint): number { return Number(((dev >> 32n) & 0xfffff000n) | ((dev >> 8n) & 0xfffn)); }
export function minor(dev: bigint): number { return Number(((dev >> 12n) & 0xffffff00n) | (dev & 0xffn)); }

const NS = 1_000_000_000n;
/** Seconds and nanoseconds of a time in ns, with the nanoseconds in [0, 1e9) as the kernel keeps them. */
function splitNs(ns: bigint): [bigint, bigint] {
  let s = ns / NS, n = ns % NS;
  if (n < 0n) { s -= 1n; n += NS; }
  return [s, n];
}

/** struct stat of x86-64 (144 bytes). */
export function encodeStat(st: Stat): Uint8Array {
  const b = new Uint8Array(144);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, st.dev, true);
  dv.setBigUint64(8, st.ino, true);
  dv.setBigUint64(16, BigInt(st.nlink), true);
  dv.setUint32(24, st.mode, true);
  dv.setUint32(28, st.uid, true);
  dv.setUint32(32, st.gid, true);
  dv.setBigUint64(40, st.rdev, true);
  dv.setBigInt64(48, st.size, true);
  dv.setBigInt64(56, BigInt(st.blksize), true);
  dv.setBigInt64(64, st.blocks, true);
  [st.atimeNs, st.mtimeNs, st.ctimeNs].forEach((ns, i) => {
    const [s, n] = splitNs(ns);
    dv.setBigInt64(72 + i * 16, s, true);
    dv.setBigInt64(80 + i * 16, n, true);
  });
  return b;
}

/** struct statx (256 bytes); mask is what the caller asked for, the result reports what is filled. */
export function encodeStatx(st: Stat, mntId: number): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  let mask = STATX_BASIC_STATS | STATX_MNT_ID;
  if (st.btimeNs !== undefined) mask |= STATX_BTIME;
  dv.setUint32(0, mask, true);
  dv.setUint32(4, st.blksize, true);
  dv.setBigUint64(8, 0n, true);
  dv.setUint32(16, st.nlink, true);
  dv.setUint32(20, st.uid, true);
  dv.setUint32(24, st.gid, true);
  dv.setUint16(28, st.mode, true);
  dv.setBigUint64(32, st.ino, true);
  dv.setBigUint64(40, st.size, true);
  dv.setBigUint64(48, st.blocks, true);
  dv.setBigUint64(56, 0n, true); // stx_attributes_mask: no attributes are supported
  const ts = (off: number, ns: bigint) => { const [s, n] = splitNs(ns); dv.setBigInt64(off, s, true); dv.setUint32(off + 8, Number(n), true); };
  ts(64, st.atimeNs);
  if (st.btimeNs !== undefined) ts(80, st.btimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  dv.setUint32(128, major(st.rdev), true);
  dv.setUint32(132, minor(st.rdev), true);
  dv.setUint32(136, major(st.dev), true);
  dv.setUint32(140, minor(st.dev), true);
  dv.setBigUint64(144, BigInt(mntId), true);
  return b;
}

/** struct statfs of x86-64 (120 bytes). */
export function encodeStatfs(s: StatFs, mountFlags: number): Uint8Array {
  const b = new Uint8Array(120);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(s.type), true);
  dv.setBigInt64(8, BigInt(s.bsize), true);
  dv.setBigUint64(16, s.blocks, true);
  dv.setBigUint64(24, s.bfree, true);
  dv.setBigUint64(32, s.bavail, true);
  dv.setBigUint64(40, s.files, true);
  dv.setBigUint64(48, s.ffree, true);
  dv.setBigUint64(56, s.fsid, true);
  dv.setBigInt64(64, BigInt(s.namelen), true);
  dv.setBigInt64(72, BigInt(s.frsize), true);
  dv.setBigInt64(80, BigInt(mountFlags | ST_VALID), true);
  return b;
}

/** The bytes of a byte string (one char per byte, as the VFS keeps names and paths). */
export function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

const utf8Encoder = new TextEncoder();
/** A host string (Unicode) as the byte string of its UTF-8: what the VFS and the guest see of a host's path or argument. */
export function hostBytes(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return byteString(utf8Encoder.encode(s));
  return s;
}

/** The byte string of bytes. */
export function byteString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** One linux_dirent64 record: d_ino, d_off, d_reclen, d_type, NUL-terminated name, padded to 8. */
export function encodeDirent64(ino: bigint, off: bigint, type: number, name: string): Uint8Array {
  const nb = bytesOf(name);
  const reclen = (19 + nb.length + 1 + 7) & ~7;
  const b = new Uint8Array(reclen);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, ino, true);
  dv.setBigInt64(8, off, true);
  dv.setUint16(16, reclen, true);
  b[18] = type;
  b.set(nb, 19);
  return b;
}

/** The d_type for a mode's file type. */
export function dtypeOf(mode: number): number { return (mode & S_IFMT) >> 12; }
