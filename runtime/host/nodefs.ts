// The HostFs interface (runtime/vfs/hostfs.ts) over Node's synchronous fs API. Host errors come
// back as negative Linux errnos, translated by name. Paths cross as Buffers of the VFS's byte
// strings (one char per byte), so names that are not valid UTF-8 reach the host unchanged.
import * as fs from "node:fs";
import { errnoFromCode, ENOENT } from "../errno.js";
import type { HostFs, HostOpenFlags } from "../vfs/hostfs.js";
import type { Stat, StatFs } from "../vfs/abi.js";

function fail(e: unknown): number { return -errnoFromCode((e as NodeJS.ErrnoException).code); }

function toStat(s: fs.BigIntStats): Stat {
  return {
    dev: s.dev, ino: s.ino, mode: Number(s.mode), nlink: Number(s.nlink), uid: Number(s.uid), gid: Number(s.gid),
    rdev: s.rdev, size: s.size, blksize: Number(s.blksize), blocks: s.blocks,
    atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, btimeNs: s.birthtimeNs > 0n ? s.birthtimeNs : undefined,
  };
}

/**
 * A VFS byte string as the host path bytes. An ASCII path goes as the string itself (Node's UTF-8
 * encoding of it is the same bytes), without a Buffer per call.
 */
const ASCII = /^[\x01-\x7f]*$/;
const b = (s: string): Buffer | string => (ASCII.test(s) ? s : Buffer.from(s, "latin1"));

function attempt(fn: () => void): number {
  try { fn(); return 0; } catch (e) { return fail(e); }
}

export class NodeHostFs implements HostFs {
  realpath(path: string): string | number { try { return fs.realpathSync(b(path), { encoding: "buffer" }).toString("latin1"); } catch (e) { return fail(e); } }
  lstat(path: string): Stat | number {
    // A missing name is common (a shell searching PATH): Node's exception for it costs ~8 µs more than the lstat.
    try { const s = fs.lstatSync(b(path), { bigint: true, throwIfNoEntry: false }); return s ? toStat(s) : -ENOENT; } catch (e) { return fail(e); }
  }
  readdir(path: string): string[] | number {
    // opendir keeps the file system's own order, as getdents64 returns it (readdirSync sorts).
    try {
      const dir = fs.opendirSync(b(path), { encoding: "buffer" } as unknown as fs.OpenDirOptions);
      const out: string[] = [];
      try {
        for (let d = dir.readSync(); d; d = dir.readSync()) out.push((d.name as unknown as Buffer).toString("latin1"));
      } finally { dir.closeSync(); }
      return out;
    } catch (e) { return fail(e); }
  }
  readlink(path: string): string | number { try { return fs.readlinkSync(b(path), { encoding: "buffer" }).toString("latin1"); } catch (e) { return fail(e); } }
  open(path: string, f: HostOpenFlags, mode: number): number {
    const c = fs.constants;
    let flags = f.write ? (f.read ? c.O_RDWR : c.O_WRONLY) : c.O_RDONLY;
    if (f.create) flags |= c.O_CREAT;
    if (f.exclusive) flags |= c.O_EXCL;
    flags |= c.O_NOFOLLOW;
    try { return fs.openSync(b(path), flags, mode); } catch (e) { return fail(e); }
  }
  close(fd: number): void { try { fs.closeSync(fd); } catch { /* already closed */ } }
  pread(fd: number, buf: Uint8Array, pos: number): number {
    try { return fs.readSync(fd, buf, 0, buf.length, pos); } catch (e) { return fail(e); }
  }
  pwrite(fd: number, data: Uint8Array, pos: number): number {
    try { return fs.writeSync(fd, data, 0, data.length, pos); } catch (e) { return fail(e); }
  }
  fstat(fd: number): Stat | number { try { return toStat(fs.fstatSync(fd, { bigint: true })); } catch (e) { return fail(e); } }
  ftruncate(fd: number, size: number): number { return attempt(() => fs.ftruncateSync(fd, size)); }
  fsync(fd: number): number { return attempt(() => fs.fsyncSync(fd)); }
  mkdir(path: string, mode: number): number { return attempt(() => fs.mkdirSync(b(path), { mode })); }
  rmdir(path: string): number { return attempt(() => fs.rmdirSync(b(path))); }
  unlink(path: string): number { return attempt(() => fs.unlinkSync(b(path))); }
  rename(from: string, to: string): number { return attempt(() => fs.renameSync(b(from), b(to))); }
  link(existing: string, newPath: string): number { return attempt(() => fs.linkSync(b(existing), b(newPath))); }
  symlink(target: string, path: string): number { return attempt(() => fs.symlinkSync(b(target), b(path))); }
  chmod(path: string, mode: number): number { return attempt(() => fs.chmodSync(b(path), mode)); }
  lchown(path: string, uid: number, gid: number): number { return attempt(() => fs.lchownSync(b(path), uid, gid)); }
  lutimes(path: string, atimeNs: bigint, mtimeNs: bigint): number {
    // Node takes seconds as numbers: sub-microsecond precision is lost (the host keeps what it can).
    return attempt(() => fs.lutimesSync(b(path), Number(atimeNs) / 1e9, Number(mtimeNs) / 1e9));
  }
  statfs(path: string): StatFs | number {
    try {
      const s = fs.statfsSync(b(path), { bigint: true });
      return {
        type: Number(s.type), bsize: Number(s.bsize), blocks: s.blocks, bfree: s.bfree, bavail: s.bavail,
        files: s.files, ffree: s.ffree, namelen: 255, frsize: Number(s.bsize), fsid: 0n,
      };
    } catch (e) { return fail(e); }
  }
}
