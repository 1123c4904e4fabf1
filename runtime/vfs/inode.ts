// Inodes and superblocks: what every file system implements. The VFS (vfs.ts) does path walking,
// permission checks and all the errno ordering Linux defines; a file system's operations only
// act on one directory entry or one inode and may assume the VFS checked the preconditions.
import { EPERM, ENOTDIR, EINVAL, EISDIR, EACCES } from "../errno.js";
import type { PageStore } from "./memfs.js";
import { S_IFMT, S_IFDIR, S_IFLNK, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, type Stat, type StatFs } from "./abi.js";

/** Who is asking: the filesystem uid/gid and supplementary groups of the calling thread. */
export interface Cred { uid: number; gid: number; groups: number[] }
export const ROOT: Cred = Object.freeze({ uid: 0, gid: 0, groups: [] as number[] }) as Cred;

/** A directory entry as a file system lists it (no "." or "..": the VFS adds those). */
export interface DirEntry { name: string; ino: bigint; type: number }

/** Attribute changes for setattr; undefined fields stay. */
export interface Attr { mode?: number; uid?: number; gid?: number; atimeNs?: bigint; mtimeNs?: bigint; ctimeNs?: bigint }

/**
 * Byte I/O on a regular file at explicit positions: the inode itself for memory files, a host
 * descriptor for hostfs. Positions are numbers (2^53 is far beyond any size this holds).
 */
export interface FileIO {
  read(buf: Uint8Array, pos: number): number;
  write(data: Uint8Array, pos: number): number;
  /** Current size (for O_APPEND and SEEK_END). */
  size(): number;
  truncate(size: number): number;
  /** Next data/hole at or after pos (SEEK_DATA/SEEK_HOLE); -ENXIO past the end. */
  seekData?(pos: number, hole: boolean): number;
  sync?(): number;
  /** Called when the open file description goes away. */
  close?(): void;
  /**
   * Files whose bytes are in memory and change only through the VFS (tmpfs, overlay): where they
   * are now. The core's read fast path keeps copies of their pages (runtime/fastfd.ts).
   */
  memoryPages?(): MemoryPages;
}

/**
 * store: the pages holding a file's bytes, whose watchers hear of every change; null while the
 * bytes are an image layer's, which never change. replaced: told whenever a file of this file
 * system gets a new store (an overlay copy-up), or null when that never happens.
 */
export interface MemoryPages { store: PageStore | null; replaced: Set<() => void> | null }

let sbCounter = 0;

/** A mounted instance of a file system: owns the inodes, has a device number and statfs figures. */
export abstract class Superblock {
  abstract readonly fsType: string;
  abstract root: Inode;
  /** Anonymous device numbers as Linux hands them out (major 0). */
  readonly dev: bigint;
  private inoCounter = 1n;
  constructor(readonly clock: () => bigint, dev?: bigint) {
    this.dev = dev ?? BigInt(++sbCounter + 20);
  }
  nextIno(): bigint { return ++this.inoCounter; }
  now(): bigint { return this.clock(); }
  abstract statfs(): StatFs;
  /** Mount options for /proc/mounts beyond ro/rw. */
  mountOptions(): string { return ""; }
}

/**
 * A kernel-internal file system that stores nothing (pipefs, sockfs, anon_inodefs): its root
 * inode, made by the caller, and statfs's magic number with zero counts.
 */
export class PseudoSuperblock extends Superblock {
  readonly root: Inode;
  constructor(readonly fsType: string, private readonly magic: number, clock: () => bigint, makeRoot: (sb: Superblock) => Inode) {
    super(clock);
    this.root = makeRoot(this);
  }
  statfs(): StatFs {
    return { type: this.magic, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, namelen: 255, frsize: 4096, fsid: 0n };
  }
}

/** A shared mapping's frames of a file, as the descriptor paths use them (runtime/mm.ts SharedFilePages). */
export interface MappedPages {
  /** buf holds the file's bytes from pos: the mapped pages among them replace theirs (their stores are the newest). */
  readOver(buf: Uint8Array, pos: number): void;
  /** data was written at pos: the mapped pages among them take it too. */
  writeThrough(data: Uint8Array, pos: number): void;
  /** The file is size bytes now: the mapped page holding its end is zero after it. */
  truncated(size: number): void;
}

export abstract class Inode {
  nlink = 1;
  uid = 0;
  gid = 0;
  rdev = 0n;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  btimeNs: bigint;
  /**
   * Bumped by every write and truncation through the VFS: unlike mtime (a host's clock tick may
   * cover two writes), it always tells a cached copy of the contents from the current ones.
   */
  dataVersion = 0;
  /**
   * The page caches of MAP_SHARED mappings of this file (one per machine that maps it): read(2)
   * and write(2) go through them so that mappings and descriptors see one file, as Linux's page
   * cache gives.
   */
  mappedPages: Set<MappedPages> | null = null;
  constructor(readonly sb: Superblock, public ino: bigint, public mode: number) {
    this.atimeNs = this.mtimeNs = this.ctimeNs = this.btimeNs = sb.now();
  }

  /** Whether the VFS keeps this inode's dentry in its parent's cache after a lookup (procfs's process directories do not). */
  get keepsDentry(): boolean { return true; }
  get type(): number { return this.mode & S_IFMT; }
  isDir(): boolean { return this.type === S_IFDIR; }
  isSymlink(): boolean { return this.type === S_IFLNK; }
  isRegular(): boolean { return this.type === S_IFREG; }

  /** Size in bytes as stat reports it. */
  size(): number { return 0; }
  /**
   * The whole content of a regular file that nothing can write (an image layer's file), shared:
   * callers read it and never write it. null for every other file (read it through openIO).
   */
  sharedContent(): Uint8Array | null { return null; }
  /** 512-byte blocks in use. */
  blocks(): number { return 0; }

  stat(): Stat {
    return {
      dev: this.sb.dev, ino: this.ino, mode: this.mode, nlink: this.nlink, uid: this.uid, gid: this.gid,
      rdev: this.rdev, size: BigInt(this.size()), blksize: 4096, blocks: BigInt(this.blocks()),
      atimeNs: this.atimeNs, mtimeNs: this.mtimeNs, ctimeNs: this.ctimeNs, btimeNs: this.btimeNs,
    };
  }

  setattr(a: Attr): number {
    if (a.mode !== undefined) this.mode = (this.mode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid;
    if (a.gid !== undefined) this.gid = a.gid;
    if (a.atimeNs !== undefined) this.atimeNs = a.atimeNs;
    if (a.mtimeNs !== undefined) this.mtimeNs = a.mtimeNs;
    this.ctimeNs = a.ctimeNs ?? this.sb.now();
    return 0;
  }

  touchM(): void { this.mtimeNs = this.ctimeNs = this.sb.now(); }
  touchC(): void { this.ctimeNs = this.sb.now(); }

  // ---- directories (the defaults answer for inodes that are not directories) ----
  /** The child named name, or -ENOENT. */
  lookup(_name: string): Inode | number { return -ENOTDIR; }
  /** Entries in a stable order. */
  list(): DirEntry[] | number { return -ENOTDIR; }
  create(_name: string, _mode: number, _cred: Cred): Inode | number { return -ENOTDIR; }
  mkdir(_name: string, _mode: number, _cred: Cred): Inode | number { return -ENOTDIR; }
  symlink(_name: string, _target: string, _cred: Cred): Inode | number { return -ENOTDIR; }
  /** FIFOs, sockets and device nodes (mode carries the type). */
  mknod(_name: string, _mode: number, _rdev: bigint, _cred: Cred): Inode | number { return -ENOTDIR; }
  link(_name: string, _target: Inode): number { return -ENOTDIR; }
  /** Removes a non-directory entry. */
  unlink(_name: string): number { return -ENOTDIR; }
  /** Removes an empty directory entry. */
  rmdir(_name: string): number { return -ENOTDIR; }
  /**
   * Moves oldName to newDir/newName (same superblock), replacing what is there (the VFS checked it
   * may), or swapping the two when exchange is set.
   */
  rename(_oldName: string, _newDir: Inode, _newName: string, _exchange: boolean): number { return -ENOTDIR; }
  /** An unnamed regular file for O_TMPFILE, or -EOPNOTSUPP. */
  tmpfile(_mode: number, _cred: Cred): Inode | number { return -ENOTDIR; }

  // ---- symlinks ----
  readlink(): string | number { return -EINVAL; }

  // ---- regular files ----
  /** I/O for an open of this regular file with the given open flags. */
  openIO(_flags: number): FileIO | number { return this.isDir() ? -EISDIR : -EINVAL; }
  truncate(_size: number): number { return this.isDir() ? -EISDIR : -EINVAL; }
}

/** Is this a type mknod may create? */
export function isNodeType(mode: number): boolean {
  const t = mode & S_IFMT;
  return t === S_IFCHR || t === S_IFBLK || t === S_IFIFO || t === S_IFSOCK || t === S_IFREG;
}

/**
 * generic_permission: may cred access inode for mask (R=4, W=2, X=1)? Root passes everything except
 * execute of a file with no x bit at all.
 */
export function permission(inode: Inode, mask: number, cred: Cred): number {
  const mode = inode.mode;
  if (cred.uid === 0) {
    if ((mask & 1) && !inode.isDir() && !(mode & 0o111)) return -EACCES;
    return 0;
  }
  let bits: number;
  if (cred.uid === inode.uid) bits = (mode >> 6) & 7;
  else if (cred.gid === inode.gid || cred.groups.includes(inode.gid)) bits = (mode >> 3) & 7;
  else bits = mode & 7;
  return (bits & mask) === mask ? 0 : -EACCES;
}

/** May cred change the owner/mode/times of inode (chmod, utimes to explicit values)? */
export function isOwner(inode: Inode, cred: Cred): number {
  return cred.uid === 0 || cred.uid === inode.uid ? 0 : -EPERM;
}
