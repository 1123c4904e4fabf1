// VFS tests: namei, mounts, the file-system calls and their errnos, descriptors, pipes, devfs,
// procfs and hostfs confinement. Oracles: the host kernel through Node's fs on a temp dir (errno
// codes of rename/unlink edge cases) and a small C program (struct stat, statx and dirent bytes).
// Runs against the built runtime: WASL_DIST (default dist/).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import { join, dirname, resolve } from "node:path";
import { tmpdir } from "node:os";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = process.env.WASL_DIST ? resolve(process.env.WASL_DIST) : join(root, "dist");
const V = await import(pathToFileURL(join(dist, "runtime/vfs/index.js")).href);
const { NodeHostFs } = await import(pathToFileURL(join(dist, "runtime/host/nodefs.js")).href);
const { ERRNO_NAMES } = await import(pathToFileURL(join(dist, "runtime/errno.js")).href);

const errname = (r) => (typeof r === "number" && r < 0 ? ERRNO_NAMES[-r] : typeof r === "bigint" && r < 0n ? ERRNO_NAMES[Number(-r)] : "OK");
const enc = new TextEncoder(), dec = new TextDecoder();

/** A deterministic clock: each reading is 1 µs after the previous. */
function fakeClock(start = 1_700_000_000_000_000_000n) { let t = start; return () => (t += 1000n); }

/** tmpfs root with /dev, /proc (pid 42 with a cwd and fds) and a /tmp tmpfs. */
function machine({ procSource } = {}) {
  const clock = fakeClock();
  const rootSb = new V.TmpfsSuperblock(clock, { mode: 0o755 });
  const vfs = new V.Vfs(rootSb, clock);
  const fds = new V.FdTable();
  const ctx = vfs.context(fds);
  for (const d of ["dev", "proc", "tmp", "mnt", "etc"]) vfs.mkdirat(ctx, V.AT_FDCWD, "/" + d, 0o755);
  let seed = 1;
  vfs.mount(ctx, "/dev", V.createDevfs(vfs, (b) => { for (let i = 0; i < b.length; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24; }), 0, "udev");
  vfs.mount(ctx, "/tmp", new V.TmpfsSuperblock(clock), 0, "tmpfs");
  const src = procSource ?? defaultProcSource(vfs, ctx);
  vfs.mount(ctx, "/proc", V.createProcfs(vfs, src), 0, "proc");
  return { vfs, ctx, fds, clock };
}

function defaultProcSource(vfs, ctx) {
  return {
    currentPid: () => 42,
    pids: () => [1, 42],
    process: (pid) => (pid === 1 || pid === 42 ? {
      exe: () => vfs.lookup(ctx, V.AT_FDCWD, "/etc", true),
      cwd: () => ctx.cwd,
      root: () => ctx.root,
      fds: () => ctx.fds.fds().map((fd) => [fd, ctx.fds.get(fd)]),
      cmdline: () => enc.encode("prog\0arg\0"),
      environ: () => enc.encode("A=1\0"),
      maps: () => "00400000-00401000 r-xp 00000000 00:00 0 /prog\n",
      stat: () => `${pid} (prog) R 1 ${pid} ${pid} 0 -1\n`,
      status: () => `Name:\tprog\nPid:\t${pid}\n`,
      tids: () => [pid],
      comm: () => "prog\n",
      statm: () => "1 1 0 0 0 1 0\n",
      limits: () => "Limit\n",
    } : null),
    cpu: () => ({ count: 2, modelName: "wasl virtual CPU", mhz: 2000, flags: ["fpu", "sse", "sse2"] }),
    memory: () => ({ totalKiB: 1024 * 1024, freeKiB: 512 * 1024, availableKiB: 600 * 1024 }),
    uptime: () => ({ up: 12.5, idle: 20 }),
    load: () => ({ one: 0.5, five: 0.25, fifteen: 0.125, running: 1, total: 3, lastPid: 42 }),
    hostname: () => "waslhost",
    osrelease: () => "6.1.0-wasl",
    version: () => "#1 SMP PREEMPT_DYNAMIC wasl",
    stat: () => "cpu  1 0 0 2 0 0 0 0 0 0\nbtime 7\n",
    random: (b) => { for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256); },
  };
}

function open(m, path, flags = V.O_RDONLY, mode = 0o644) { return m.vfs.openat(m.ctx, V.AT_FDCWD, path, flags, mode); }
function writeFile(m, path, text, mode = 0o644) {
  const f = open(m, path, V.O_WRONLY | V.O_CREAT | V.O_TRUNC, mode);
  assert.type(f, "object", `open ${path}: ${errname(f)}`);
  f.write(enc.encode(text)); f.release();
}
function readAll(f) {
  const chunks = []; const b = new Uint8Array(4096);
  for (;;) { const n = f.read(b); if (n <= 0) break; chunks.push(b.slice(0, n)); }
  return dec.decode(Buffer.concat(chunks));
}
function readFile(m, path) { const f = open(m, path); if (typeof f === "number") return errname(f); try { return readAll(f); } finally { f.release(); } }
function stat(m, path, flags = 0) { return m.vfs.statat(m.ctx, V.AT_FDCWD, path, flags); }
function parseDirents(bytes) {
  const latin1 = (b) => Buffer.from(b).toString("latin1");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); const out = [];
  for (let o = 0; o < bytes.length;) {
    const reclen = dv.getUint16(o + 16, true);
    const nameEnd = bytes.indexOf(0, o + 19);
    out.push({ ino: dv.getBigUint64(o, true), off: dv.getBigInt64(o + 8, true), reclen, type: bytes[o + 18], name: latin1(bytes.subarray(o + 19, nameEnd)) });
    o += reclen;
  }
  return out;
}
function listDir(m, path) {
  const f = open(m, path, V.O_RDONLY | V.O_DIRECTORY);
  const all = [];
  for (;;) { const r = f.getdents64(4096); if (typeof r === "number" || r.length === 0) break; all.push(...parseDirents(r)); }
  f.release();
  return all;
}
function hostTemp(prefix, base = tmpdir()) { return fs.mkdtempSync(join(base, prefix)); }

// ---------------------------------------------------------------- regular files
const files = suite("files");

files("write, read, pread/pwrite, lseek and O_APPEND with a shared offset", () => {
  const m = machine();
  const f = open(m, "/tmp/a", V.O_RDWR | V.O_CREAT, 0o600);
  assert.is(f.write(enc.encode("hello world")), 11);
  assert.is(f.lseek(0n, V.SEEK_SET), 0n);
  const b = new Uint8Array(5);
  assert.is(f.read(b), 5); assert.is(dec.decode(b), "hello");
  assert.is(f.pwrite(enc.encode("W"), 6), 1);
  assert.is(f.pos, 5, "pwrite leaves the offset");
  assert.is(readFile(m, "/tmp/a"), "hello World");
  assert.is(f.lseek(-1n, V.SEEK_END), 10n);
  assert.is(errname(f.lseek(-20n, V.SEEK_CUR)), "EINVAL");
  assert.is(errname(f.lseek(0n, 7)), "EINVAL");
  // dup shares the offset: a write through one moves the other.
  const fd = m.fds.install(f, false);
  const fd2 = m.fds.dup(fd);
  m.fds.get(fd2).lseek(0n, V.SEEK_SET);
  assert.is(m.fds.get(fd).pos, 0);
  const ap = open(m, "/tmp/a", V.O_WRONLY | V.O_APPEND);
  ap.lseek(0n, V.SEEK_SET);
  ap.write(enc.encode("!"));
  assert.is(readFile(m, "/tmp/a"), "hello World!");
  assert.is(ap.pwrite(enc.encode("?"), 0), 1);
  assert.is(readFile(m, "/tmp/a"), "hello World!?", "O_APPEND pwrite appends, as on Linux");
  const ro = open(m, "/tmp/a");
  assert.is(errname(ro.write(enc.encode("x"))), "EBADF");
  assert.is(errname(ap.read(new Uint8Array(1))), "EBADF");
  assert.is(errname(ro.truncate(0)), "EINVAL", "ftruncate needs a writable descriptor");
});

files("O_TRUNC, O_CREAT|O_EXCL, O_DIRECTORY, O_PATH, EISDIR", () => {
  const m = machine();
  writeFile(m, "/tmp/t", "content");
  open(m, "/tmp/t", V.O_WRONLY | V.O_TRUNC).release();
  assert.is(stat(m, "/tmp/t").size, 0n);
  assert.is(errname(open(m, "/tmp/t", V.O_CREAT | V.O_EXCL | V.O_WRONLY)), "EEXIST");
  assert.is(errname(open(m, "/tmp/t", V.O_DIRECTORY)), "ENOTDIR");
  assert.is(errname(open(m, "/tmp", V.O_WRONLY)), "EISDIR");
  assert.is(errname(open(m, "/tmp", V.O_RDONLY | V.O_CREAT)), "EISDIR");
  assert.is(errname(open(m, "/tmp/new", V.O_CREAT | V.O_DIRECTORY)), "EINVAL");
  assert.is(errname(open(m, "/tmp/new/", V.O_CREAT | V.O_WRONLY)), "EISDIR");
  assert.is(errname(open(m, "/tmp/missing")), "ENOENT");
  const p = open(m, "/tmp/t", V.O_PATH | V.O_WRONLY);
  assert.ok(p instanceof V.PathFile);
  assert.is(errname(p.read(new Uint8Array(1))), "EBADF");
  assert.is(Number(p.stat().mode & V.S_IFMT), V.S_IFREG, "fstat works on O_PATH");
  // O_CREAT through a dangling symlink creates the target; with O_EXCL it is EEXIST.
  m.vfs.symlinkat(m.ctx, "/tmp/target", V.AT_FDCWD, "/tmp/dangling");
  assert.is(errname(open(m, "/tmp/dangling", V.O_CREAT | V.O_EXCL | V.O_WRONLY)), "EEXIST");
  const c = open(m, "/tmp/dangling", V.O_CREAT | V.O_WRONLY);
  assert.type(c, "object");
  assert.is(Number(stat(m, "/tmp/target").mode & V.S_IFMT), V.S_IFREG);
  assert.is(errname(open(m, "/tmp/dangling", V.O_CREAT | V.O_WRONLY | V.O_NOFOLLOW)), "ELOOP");
});

files("sparse files: ftruncate to 1 TiB, SEEK_DATA/SEEK_HOLE, zeros in holes, st_blocks", () => {
  const m = machine();
  const f = open(m, "/tmp/sparse", V.O_RDWR | V.O_CREAT);
  assert.is(f.truncate(2 ** 40), 0);
  assert.is(f.stat().size, 2n ** 40n);
  assert.is(f.stat().blocks, 0n);
  f.pwrite(enc.encode("data"), 2 ** 30 + 10);
  assert.is(f.stat().blocks, 8n, "one 4 KiB page");
  assert.is(f.lseek(0n, V.SEEK_DATA), BigInt(2 ** 30));
  assert.is(f.lseek(0n, V.SEEK_HOLE), 0n);
  assert.is(f.lseek(BigInt(2 ** 30), V.SEEK_HOLE), BigInt(2 ** 30 + 4096));
  assert.is(errname(f.lseek(2n ** 40n, V.SEEK_DATA)), "ENXIO");
  assert.is(errname(f.lseek(BigInt(2 ** 30 + 4096), V.SEEK_DATA)), "ENXIO");
  const b = new Uint8Array(8).fill(7);
  assert.is(f.pread(b, 2 ** 30 + 8), 8);
  assert.equal([...b], [0, 0, 100, 97, 116, 97, 0, 0]);
  f.truncate(3);
  assert.is(f.stat().blocks, 0n);
  assert.is(m.vfs.fallocate(f, 0, 0, 10000), 0);
  assert.is(f.stat().size, 10000n);
  assert.is(f.stat().blocks, 24n);
  assert.is(errname(m.vfs.fallocate(f, 1, 0, 1)), "EOPNOTSUPP");
  assert.is(errname(m.vfs.fallocate(f, 0, 0, 0)), "EINVAL");
  assert.is(f.fsync(), 0);
});

files("truncate(2), chmod, chown, utimensat with UTIME_NOW/UTIME_OMIT", () => {
  const m = machine();
  writeFile(m, "/tmp/f", "0123456789");
  assert.is(m.vfs.truncate(m.ctx, V.AT_FDCWD, "/tmp/f", 4), 0);
  assert.is(readFile(m, "/tmp/f"), "0123");
  assert.is(errname(m.vfs.truncate(m.ctx, V.AT_FDCWD, "/tmp", 0)), "EISDIR");
  assert.is(errname(m.vfs.truncate(m.ctx, V.AT_FDCWD, "/tmp/f", -1)), "EINVAL");
  const t = m.vfs.target(m.ctx, V.AT_FDCWD, "/tmp/f", 0);
  assert.is(m.vfs.chmod(m.ctx, t, 0o4751), 0);
  assert.is(stat(m, "/tmp/f").mode, V.S_IFREG | 0o4751);
  assert.is(m.vfs.chown(m.ctx, t, 1000, -1), 0);
  const st = stat(m, "/tmp/f");
  assert.is(st.uid, 1000); assert.is(st.gid, 0);
  assert.is(st.mode & 0o7777, 0o751, "chown clears setuid");
  const before = stat(m, "/tmp/f");
  assert.is(m.vfs.utimens(m.ctx, t, [[5n, 6], [0n, V.UTIME_OMIT]]), 0);
  let s = stat(m, "/tmp/f");
  assert.is(s.atimeNs, 5_000_000_006n);
  assert.is(s.mtimeNs, before.mtimeNs);
  assert.ok(s.ctimeNs > before.ctimeNs);
  assert.is(m.vfs.utimens(m.ctx, t, [[0n, V.UTIME_OMIT], [0n, V.UTIME_NOW]]), 0);
  s = stat(m, "/tmp/f");
  assert.is(s.atimeNs, 5_000_000_006n);
  assert.ok(s.mtimeNs > before.mtimeNs);
  assert.is(errname(m.vfs.utimens(m.ctx, t, [[0n, 1e9], [0n, 0]])), "EINVAL");
  // a symlink's own mode cannot change
  m.vfs.symlinkat(m.ctx, "f", V.AT_FDCWD, "/tmp/l");
  assert.is(errname(m.vfs.chmod(m.ctx, m.vfs.target(m.ctx, V.AT_FDCWD, "/tmp/l", V.AT_SYMLINK_NOFOLLOW), 0o600)), "EOPNOTSUPP");
});

files("O_TMPFILE and linkat with AT_EMPTY_PATH", () => {
  const m = machine();
  const f = open(m, "/tmp", V.O_TMPFILE | V.O_RDWR, 0o600);
  assert.type(f, "object");
  assert.is(f.stat().nlink, 0);
  f.write(enc.encode("anon"));
  const fd = m.fds.install(f, false);
  assert.is(m.vfs.linkat(m.ctx, fd, "", V.AT_FDCWD, "/tmp/named", V.AT_EMPTY_PATH), 0);
  assert.is(readFile(m, "/tmp/named"), "anon");
  assert.is(stat(m, "/tmp/named").nlink, 1);
  assert.is(errname(open(m, "/tmp", V.O_TMPFILE | V.O_RDONLY)), "EINVAL");
});

files.run();

// ---------------------------------------------------------------- path resolution
const namei = suite("namei");

namei(". and .., relative paths from cwd and dirfd, AT_EMPTY_PATH", () => {
  const m = machine();
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/a", 0o755);
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/a/b", 0o755);
  writeFile(m, "/tmp/a/b/f", "x");
  assert.is(readFile(m, "/tmp/a/./b/../b/f"), "x");
  assert.is(readFile(m, "/../../tmp/a/b/f"), "x", ".. at the root stays at the root");
  m.ctx.cwd = m.vfs.chdirTarget(m.ctx, V.AT_FDCWD, "/tmp/a");
  assert.is(readFile(m, "b/f"), "x");
  assert.is(m.vfs.getcwd(m.ctx), "/tmp/a");
  const dfd = m.fds.install(open(m, "/tmp/a/b", V.O_RDONLY | V.O_DIRECTORY), false);
  assert.is(m.vfs.statat(m.ctx, dfd, "f", 0).size, 1n);
  assert.is(m.vfs.statat(m.ctx, dfd, "", V.AT_EMPTY_PATH).ino, stat(m, "/tmp/a/b").ino);
  assert.is(errname(m.vfs.statat(m.ctx, dfd, "", 0)), "ENOENT");
  const ffd = m.fds.install(open(m, "/tmp/a/b/f"), false);
  assert.is(errname(m.vfs.statat(m.ctx, ffd, "x", 0)), "ENOTDIR");
  assert.is(errname(m.vfs.statat(m.ctx, 99, "x", 0)), "EBADF");
  assert.is(m.vfs.statat(m.ctx, 99, "/tmp", 0).ino, stat(m, "/tmp").ino, "absolute paths ignore dirfd");
  // getcwd after the directory is removed
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/gone", 0o755);
  m.ctx.cwd = m.vfs.chdirTarget(m.ctx, V.AT_FDCWD, "/tmp/gone");
  m.vfs.rmdirat(m.ctx, V.AT_FDCWD, "/tmp/gone");
  assert.is(errname(m.vfs.getcwd(m.ctx)), "ENOENT");
  assert.is(errname(open(m, "x", V.O_CREAT | V.O_WRONLY)), "ENOENT", "no creation in a removed directory");
});

namei("symlinks: relative, absolute, chains of 40 and ELOOP at 41, trailing slashes, NOFOLLOW", () => {
  const m = machine();
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/d", 0o755);
  writeFile(m, "/tmp/d/file", "F");
  m.vfs.symlinkat(m.ctx, "d/file", V.AT_FDCWD, "/tmp/rel");
  m.vfs.symlinkat(m.ctx, "/tmp/d", V.AT_FDCWD, "/tmp/abs");
  assert.is(readFile(m, "/tmp/rel"), "F");
  assert.is(readFile(m, "/tmp/abs/file"), "F");
  m.vfs.symlinkat(m.ctx, "d/file", V.AT_FDCWD, "/tmp/c0");
  for (let i = 1; i <= 40; i++) m.vfs.symlinkat(m.ctx, `c${i - 1}`, V.AT_FDCWD, `/tmp/c${i}`);
  assert.is(readFile(m, "/tmp/c39"), "F", "40 links followed");
  assert.is(errname(open(m, "/tmp/c40")), "ELOOP", "the 41st is too many");
  m.vfs.symlinkat(m.ctx, "loop", V.AT_FDCWD, "/tmp/loop");
  assert.is(errname(stat(m, "/tmp/loop")), "ELOOP");
  assert.is(Number(stat(m, "/tmp/loop", V.AT_SYMLINK_NOFOLLOW).mode & V.S_IFMT), V.S_IFLNK);
  assert.is(errname(open(m, "/tmp/rel", V.O_RDONLY | V.O_NOFOLLOW)), "ELOOP");
  assert.ok(open(m, "/tmp/rel", V.O_PATH | V.O_NOFOLLOW) instanceof V.PathFile);
  assert.is(errname(stat(m, "/tmp/d/file/")), "ENOTDIR");
  assert.is(errname(stat(m, "/tmp/rel/")), "ENOTDIR");
  assert.is(Number(stat(m, "/tmp/abs/", V.AT_SYMLINK_NOFOLLOW).mode & V.S_IFMT), V.S_IFDIR, "a trailing slash follows the link");
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/tmp/rel"), "d/file");
  assert.is(errname(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/tmp/d")), "EINVAL");
  m.vfs.symlinkat(m.ctx, "", V.AT_FDCWD, "/tmp/empty") ;
  assert.is(errname(m.vfs.symlinkat(m.ctx, "", V.AT_FDCWD, "/tmp/empty")), "ENOENT");
  m.vfs.symlinkat(m.ctx, "nowhere", V.AT_FDCWD, "/tmp/dangle");
  assert.is(errname(stat(m, "/tmp/dangle/x")), "ENOENT");
});

namei("ENOENT vs ENOTDIR ordering and ENAMETOOLONG", () => {
  const m = machine();
  writeFile(m, "/tmp/file", "");
  assert.is(errname(stat(m, "/tmp/nope/x")), "ENOENT");
  assert.is(errname(stat(m, "/tmp/file/x")), "ENOTDIR");
  assert.is(errname(stat(m, "/tmp/file/nope/x")), "ENOTDIR");
  assert.is(errname(stat(m, "/tmp/nope/file/x")), "ENOENT");
  assert.is(errname(stat(m, "")), "ENOENT");
  assert.is(errname(stat(m, "/tmp/" + "a".repeat(256))), "ENAMETOOLONG");
  assert.is(errname(stat(m, "/tmp/" + "a".repeat(255))), "ENOENT");
  assert.is(errname(stat(m, "/tmp/file/" + "a".repeat(256))), "ENOTDIR");
  assert.is(errname(stat(m, "/" + "a/".repeat(2047) + "b")), "ENAMETOOLONG", "4096 bytes with the NUL");
  assert.is(errname(stat(m, "/" + "./".repeat(2046) + "tm")), "ENOENT", "4095 bytes are fine");
  assert.is(errname(m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/" + "\xc3\xa9".repeat(128), 0o755)), "ENAMETOOLONG", "NAME_MAX counts bytes");
});

namei("permission checks with non-root credentials, umask", () => {
  const m = machine();
  m.ctx.umask = 0o027;
  writeFile(m, "/tmp/mine", "secret", 0o666);
  assert.is(stat(m, "/tmp/mine").mode & 0o777, 0o640, "umask applies");
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/closed", 0o700);
  writeFile(m, "/tmp/closed/in", "x");
  const user = { ...m.ctx, cred: { uid: 1000, gid: 1000, groups: [] } };
  assert.is(errname(m.vfs.faccessat(user, V.AT_FDCWD, "/tmp/mine", V.R_OK)), "EACCES");
  assert.is(errname(m.vfs.faccessat(user, V.AT_FDCWD, "/tmp/mine", V.F_OK)), "OK");
  assert.is(errname(m.vfs.faccessat(user, V.AT_FDCWD, "/tmp/closed/in", V.F_OK)), "EACCES", "search permission");
  assert.is(errname(m.vfs.openat(user, V.AT_FDCWD, "/tmp/mine", V.O_RDONLY)), "EACCES");
  assert.is(errname(m.vfs.faccessat(m.ctx, V.AT_FDCWD, "/tmp/mine", V.X_OK)), "EACCES", "root needs an x bit to execute");
  assert.is(errname(m.vfs.faccessat(m.ctx, V.AT_FDCWD, "/tmp/mine", 8)), "EINVAL");
  const group = { ...m.ctx, cred: { uid: 1000, gid: 5, groups: [0] } };
  assert.is(errname(m.vfs.faccessat(group, V.AT_FDCWD, "/tmp/mine", V.R_OK)), "OK", "supplementary group");
  assert.is(errname(m.vfs.faccessat(group, V.AT_FDCWD, "/tmp/mine", V.W_OK)), "EACCES");
  // files a user creates are theirs; a user cannot give them away or chmod others' files
  const f = m.vfs.openat(user, V.AT_FDCWD, "/tmp/u", V.O_CREAT | V.O_WRONLY, 0o644);
  f.release();
  const s = stat(m, "/tmp/u");
  assert.is(s.uid, 1000); assert.is(s.gid, 1000);
  const t = m.vfs.target(user, V.AT_FDCWD, "/tmp/u", 0);
  assert.is(errname(m.vfs.chown(user, t, 0, -1)), "EPERM");
  assert.is(errname(m.vfs.chmod(user, m.vfs.target(user, V.AT_FDCWD, "/tmp/mine", 0), 0o777)), "EPERM");
  assert.is(errname(m.vfs.utimens(user, m.vfs.target(user, V.AT_FDCWD, "/tmp/mine", 0), null)), "EACCES");
  // sticky /tmp-style directory: others cannot remove my file
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/sticky", 0o1777);
  m.vfs.chmod(m.ctx, m.vfs.target(m.ctx, V.AT_FDCWD, "/tmp/sticky", 0), 0o1777);
  m.vfs.openat(m.ctx, V.AT_FDCWD, "/tmp/sticky/rootfile", V.O_CREAT | V.O_WRONLY, 0o666).release();
  assert.is(errname(m.vfs.unlinkat(user, V.AT_FDCWD, "/tmp/sticky/rootfile")), "EPERM");
});

namei.run();

// ---------------------------------------------------------------- directories
const dirs = suite("directories");

dirs("getdents64 layout, resumable offsets, EINVAL for a tiny buffer", () => {
  const m = machine();
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/d", 0o755);
  const names = ["a", "bb", "ccc", "a-name-of-some-length.txt"];
  for (const n of names) writeFile(m, "/tmp/d/" + n, "");
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/tmp/d/sub", 0o755);
  m.vfs.symlinkat(m.ctx, "a", V.AT_FDCWD, "/tmp/d/link");
  m.vfs.mknodat(m.ctx, V.AT_FDCWD, "/tmp/d/fifo", V.S_IFIFO | 0o644, 0n);
  const f = open(m, "/tmp/d", V.O_RDONLY | V.O_DIRECTORY);
  assert.is(errname(f.getdents64(20)), "EINVAL");
  const first = f.getdents64(48);
  const recs = parseDirents(first);
  assert.is(recs.length, 2);
  assert.equal(recs.map((r) => [r.name, r.reclen, r.type]), [[".", 24, V.DT_DIR], ["..", 24, V.DT_DIR]]);
  assert.is(recs[0].ino, stat(m, "/tmp/d").ino);
  assert.is(recs[1].ino, stat(m, "/tmp").ino);
  const rest = parseDirents(f.getdents64(4096));
  assert.is(f.getdents64(4096).length, 0, "0 at the end");
  const byName = Object.fromEntries(rest.map((r) => [r.name, r]));
  assert.equal(Object.keys(byName).sort(), [...names, "sub", "link", "fifo"].sort());
  assert.is(byName.sub.type, V.DT_DIR); assert.is(byName.link.type, V.DT_LNK); assert.is(byName.fifo.type, V.DT_FIFO); assert.is(byName.a.type, V.DT_REG);
  assert.is(byName["a-name-of-some-length.txt"].reclen, 48, "19 + 25 + NUL rounded up to 8");
  assert.is(byName.a.ino, stat(m, "/tmp/d/a").ino);
  // Seeking to a d_off resumes right after that entry.
  const third = rest[2];
  f.lseek(third.off, V.SEEK_SET);
  assert.equal(parseDirents(f.getdents64(4096)).map((r) => r.name), rest.slice(3).map((r) => r.name));
  assert.is(errname(f.lseek(0n, V.SEEK_END)), "EINVAL");
  assert.is(errname(f.read(new Uint8Array(1))), "EISDIR");
  // ".." at a mount root is the mount point's parent
  const tmpList = listDir(m, "/tmp");
  assert.is(tmpList.find((e) => e.name === "..").ino, stat(m, "/").ino);
});

dirs("mkdir, rmdir, unlink, link, mknod errnos", () => {
  const m = machine();
  const v = m.vfs, c = m.ctx, A = V.AT_FDCWD;
  assert.is(v.mkdirat(c, A, "/tmp/d/", 0o755), 0, "mkdir takes a trailing slash");
  assert.is(errname(v.mkdirat(c, A, "/tmp/d", 0o755)), "EEXIST");
  assert.is(errname(v.mkdirat(c, A, "/tmp/x/y", 0o755)), "ENOENT");
  assert.is(errname(v.mkdirat(c, A, "/tmp/d/.", 0o755)), "EEXIST");
  writeFile(m, "/tmp/d/f", "");
  assert.is(errname(v.rmdirat(c, A, "/tmp/d")), "ENOTEMPTY");
  assert.is(errname(v.rmdirat(c, A, "/tmp/d/f")), "ENOTDIR");
  assert.is(errname(v.rmdirat(c, A, "/tmp/d/.")), "EINVAL");
  assert.is(errname(v.rmdirat(c, A, "/tmp/d/..")), "ENOTEMPTY");
  assert.is(errname(v.rmdirat(c, A, "/")), "EBUSY");
  assert.is(errname(v.rmdirat(c, A, "/tmp")), "EBUSY", "a mount point");
  assert.is(errname(v.unlinkat(c, A, "/tmp/d")), "EISDIR");
  assert.is(errname(v.unlinkat(c, A, "/tmp/d/f/")), "ENOTDIR");
  assert.is(errname(v.unlinkat(c, A, "/tmp/d/", 0)), "EISDIR");
  assert.is(errname(v.unlinkat(c, A, "/tmp/d/f", 0x100)), "EINVAL");
  assert.is(v.linkat(c, A, "/tmp/d/f", A, "/tmp/d/g", 0), 0);
  assert.is(stat(m, "/tmp/d/f").nlink, 2);
  assert.is(errname(v.linkat(c, A, "/tmp/d", A, "/tmp/d2", 0)), "EPERM");
  assert.is(errname(v.linkat(c, A, "/tmp/d/f", A, "/tmp/d/g", 0)), "EEXIST");
  assert.is(errname(v.linkat(c, A, "/tmp/d/f", A, "/etc/f", 0)), "EXDEV");
  assert.is(v.unlinkat(c, A, "/tmp/d/f"), 0);
  assert.is(stat(m, "/tmp/d/g").nlink, 1);
  assert.is(v.unlinkat(c, A, "/tmp/d/g"), 0);
  assert.is(v.unlinkat(c, A, "/tmp/d", V.AT_REMOVEDIR), 0);
  assert.is(errname(stat(m, "/tmp/d")), "ENOENT");
  assert.is(errname(v.mknodat(c, A, "/tmp/dir", V.S_IFDIR | 0o755, 0n)), "EPERM");
  assert.is(errname(v.mknodat(c, A, "/tmp/bad", 0o170000 & 0o070000, 0n)), "EINVAL");
  assert.is(v.mknodat(c, A, "/tmp/nul", V.S_IFCHR | 0o666, V.makedev(1, 3)), 0);
  const user = { ...c, cred: { uid: 1, gid: 1, groups: [] } };
  assert.is(errname(v.mknodat(user, A, "/tmp/nul2", V.S_IFCHR | 0o666, V.makedev(1, 3))), "EPERM");
  const nul = open(m, "/tmp/nul", V.O_RDWR);
  assert.is(nul.write(enc.encode("gone")), 4);
  assert.is(nul.read(new Uint8Array(4)), 0);
  assert.is(v.mknodat(c, A, "/tmp/blk", V.S_IFBLK | 0o600, V.makedev(8, 0)), 0);
  assert.is(errname(open(m, "/tmp/blk")), "ENXIO");
  // an open file outlives its last name
  writeFile(m, "/tmp/keep", "still here");
  const k = open(m, "/tmp/keep");
  v.unlinkat(c, A, "/tmp/keep");
  assert.is(readAll(k), "still here");
  assert.is(k.stat().nlink, 0);
});

dirs("rename: replace, directory over empty directory, into itself, NOREPLACE, EXCHANGE", () => {
  const m = machine();
  const v = m.vfs, c = m.ctx, A = V.AT_FDCWD;
  writeFile(m, "/tmp/a", "A"); writeFile(m, "/tmp/b", "B");
  assert.is(v.renameat2(c, A, "/tmp/a", A, "/tmp/b"), 0);
  assert.is(readFile(m, "/tmp/b"), "A");
  assert.is(errname(stat(m, "/tmp/a")), "ENOENT");
  v.mkdirat(c, A, "/tmp/d1", 0o755); v.mkdirat(c, A, "/tmp/d2", 0o755);
  writeFile(m, "/tmp/d1/in", "in");
  const dfd = m.fds.install(open(m, "/tmp/d1", V.O_RDONLY | V.O_DIRECTORY), false);
  assert.is(v.renameat2(c, A, "/tmp/d1", A, "/tmp/d2"), 0, "over an empty directory");
  assert.is(readFile(m, "/tmp/d2/in"), "in");
  assert.is(v.statat(c, dfd, "in", 0).size, 2n, "an open directory follows its rename");
  assert.is(v.pathOf(c, m.fds.get(dfd).path), "/tmp/d2");
  v.mkdirat(c, A, "/tmp/d2/sub", 0o755);
  assert.is(errname(v.renameat2(c, A, "/tmp/d2", A, "/tmp/d2/sub/x")), "EINVAL");
  assert.is(errname(v.renameat2(c, A, "/tmp/d2/sub", A, "/tmp/d2/sub")), "OK");
  assert.is(errname(v.renameat2(c, A, "/tmp/d2/sub", A, "/tmp/d2")), "ENOTEMPTY");
  writeFile(m, "/tmp/x", "X");
  assert.is(errname(v.renameat2(c, A, "/tmp/x", A, "/tmp/b", V.RENAME_NOREPLACE)), "EEXIST");
  assert.is(v.renameat2(c, A, "/tmp/x", A, "/tmp/b", V.RENAME_EXCHANGE), 0);
  assert.is(readFile(m, "/tmp/x"), "A"); assert.is(readFile(m, "/tmp/b"), "X");
  assert.is(v.renameat2(c, A, "/tmp/x", A, "/tmp/d2", V.RENAME_EXCHANGE), 0, "exchange a file and a directory");
  assert.is(readFile(m, "/tmp/x/in"), "in"); assert.is(readFile(m, "/tmp/d2"), "A");
  assert.is(errname(v.renameat2(c, A, "/tmp/x", A, "/tmp/none", V.RENAME_EXCHANGE)), "ENOENT");
  assert.is(errname(v.renameat2(c, A, "/tmp/x", A, "/tmp/b", V.RENAME_EXCHANGE | V.RENAME_NOREPLACE)), "EINVAL");
  assert.is(errname(v.renameat2(c, A, "/tmp/b", A, "/etc/b")), "EXDEV");
  assert.is(errname(v.renameat2(c, A, "/tmp/x/..", A, "/tmp/y")), "EBUSY");
  assert.is(errname(v.renameat2(c, A, "/dev", A, "/devnew")), "EBUSY", "a mount point");
});

dirs.run();

// ---------------------------------------------------------------- mounts
const mounts = suite("mounts");

mounts("crossing mount points both ways, bind mounts, EXDEV, umount", () => {
  const m = machine();
  const v = m.vfs, c = m.ctx, A = V.AT_FDCWD;
  writeFile(m, "/tmp/t", "on tmp");
  assert.is(stat(m, "/tmp/t").dev, stat(m, "/tmp").dev);
  assert.ok(stat(m, "/tmp").dev !== stat(m, "/").dev, "a mount has its own st_dev");
  assert.is(readFile(m, "/tmp/../tmp/t"), "on tmp");
  m.ctx.cwd = v.chdirTarget(c, A, "/tmp");
  assert.is(v.statat(c, A, "..", 0).ino, stat(m, "/").ino, ".. from a mount root");
  m.ctx.cwd = m.ctx.root;
  // a bind mount of a subtree: same inodes, seen at two places
  v.mkdirat(c, A, "/tmp/src", 0o755);
  writeFile(m, "/tmp/src/f", "shared");
  const bm = v.bindMount(c, "/tmp/src", "/mnt", 0);
  assert.type(bm, "object");
  assert.is(readFile(m, "/mnt/f"), "shared");
  assert.is(stat(m, "/mnt/f").ino, stat(m, "/tmp/src/f").ino);
  assert.is(v.statat(c, A, "/mnt/..", 0).ino, stat(m, "/").ino, ".. leaves the bind mount at its mount point");
  assert.is(errname(v.renameat2(c, A, "/mnt/f", A, "/tmp/f2")), "EXDEV", "different mounts of one superblock");
  writeFile(m, "/mnt/g", "via bind");
  assert.is(readFile(m, "/tmp/src/g"), "via bind");
  // a read-only bind
  v.mkdirat(c, A, "/ro", 0o755);
  v.bindMount(c, "/tmp/src", "/ro", V.MS_RDONLY);
  assert.is(errname(open(m, "/ro/f", V.O_WRONLY)), "EROFS");
  assert.is(errname(v.unlinkat(c, A, "/ro/f")), "EROFS");
  assert.is(errname(v.mkdirat(c, A, "/ro/f", 0o755)), "EEXIST", "EEXIST before EROFS, as filename_create");
  assert.is(errname(v.faccessat(c, A, "/ro/f", V.W_OK)), "EROFS");
  assert.is(readFile(m, "/ro/f"), "shared");
  assert.is(v.statfs(v.target(c, A, "/ro", 0)).flags & V.ST_RDONLY, V.ST_RDONLY);
  // mounts text and umount
  const text = v.mountsText(c);
  assert.match(text, "udev /dev devtmpfs rw,mode=755 0 0\n");
  assert.match(text, "tmpfs /tmp tmpfs rw 0 0\n");
  assert.match(text, "tmpfs /ro tmpfs ro 0 0\n");
  assert.is(errname(v.umount(c, "/tmp/src")), "EINVAL");
  assert.is(v.umount(c, "/mnt"), 0);
  assert.is(errname(stat(m, "/mnt/f")), "ENOENT");
  // stacked mounts: the top one is seen; umount reveals the one below
  const t2 = new V.TmpfsSuperblock(m.clock);
  v.mount(c, "/tmp", t2, 0, "second");
  assert.is(errname(stat(m, "/tmp/t")), "ENOENT");
  v.umount(c, "/tmp");
  assert.is(readFile(m, "/tmp/t"), "on tmp");
  assert.is(errname(v.mount(c, "/tmp/t", t2)), "ENOTDIR");
  assert.is(errname(v.umount(c, "/")), "EINVAL");
});

mounts("statfs figures of tmpfs and proc", () => {
  const m = machine();
  const s = m.vfs.statfs(m.vfs.target(m.ctx, V.AT_FDCWD, "/tmp", 0));
  assert.is(s.statfs.type, V.TMPFS_MAGIC);
  const b = V.encodeStatfs(s.statfs, s.flags);
  assert.is(b.length, 120);
  const dv = new DataView(b.buffer);
  assert.is(dv.getBigInt64(0, true), BigInt(V.TMPFS_MAGIC));
  assert.is(dv.getBigInt64(8, true), 4096n);
  assert.is(m.vfs.statfs(m.vfs.target(m.ctx, V.AT_FDCWD, "/proc", 0)).statfs.type, V.PROC_SUPER_MAGIC);
});

mounts.run();

// ---------------------------------------------------------------- descriptors
const fdt = suite("fdtable");

fdt("dup, dup2, dup3, lowest free fd, EMFILE, CLOEXEC, close_range, fork", () => {
  const m = machine();
  const t = m.fds;
  const f = open(m, "/dev/null", V.O_RDWR);
  assert.is(t.install(f, false), 0);
  assert.is(t.dup(0), 1);
  assert.is(t.dup(0, 10, true), 10);
  assert.is(t.getCloexec(10), true);
  assert.is(t.dup2(0, 5), 5);
  assert.is(t.dup2(0, 0), 0);
  assert.is(errname(t.dup2(7, 8)), "EBADF");
  assert.is(errname(t.dup3(0, 0, 0)), "EINVAL");
  assert.is(errname(t.dup3(0, 3, 1)), "EINVAL");
  assert.is(t.dup3(0, 3, V.O_CLOEXEC), 3);
  assert.is(t.close(1), 0);
  assert.is(t.dup(0), 1, "lowest free");
  assert.is(errname(t.close(1234)), "EBADF");
  assert.is(f.refs, 5);
  const child = t.fork();
  assert.equal(child.fds(), [0, 1, 3, 5, 10]);
  assert.is(f.refs, 10);
  child.closeOnExec();
  assert.equal(child.fds(), [0, 1, 5]);
  assert.is(t.closeRange(1, 4, V.CLOSE_RANGE_CLOEXEC), 0);
  assert.is(t.getCloexec(1), true);
  assert.is(t.closeRange(1, 0xffffffff, 0), 0);
  assert.equal(t.fds(), [0]);
  assert.is(errname(t.closeRange(5, 4, 0)), "EINVAL");
  t.limit = 3;
  t.install(f, false); t.install(f, false);
  assert.is(errname(t.install(f, false)), "EMFILE");
  assert.is(errname(t.dup2(0, 3)), "EBADF", "dup2 beyond RLIMIT_NOFILE");
  assert.is(errname(t.dup(0, 5)), "EINVAL");
  // release happens when the last descriptor goes
  let released = 0;
  const p = m.vfs.pipe(m.ctx, 0);
  const [r, w] = p;
  const t2 = new V.FdTable();
  const rfd = t2.install(r, false), wfd = t2.install(w, false);
  const t3 = t2.fork();
  t2.close(wfd);
  assert.is(w.write(enc.encode("x")), 1, "still open in the fork");
  t3.close(wfd);
  assert.is(r.pipe.writers, 0);
  void released; void rfd;
});

fdt.run();

// ---------------------------------------------------------------- pipes
const pipes = suite("pipes");

pipes("PIPE_BUF atomicity, 64 KiB capacity, would-block, EPIPE, EOF, readiness", () => {
  const m = machine();
  const [r, w] = m.vfs.pipe(m.ctx, V.O_NONBLOCK);
  assert.is(r.flags & V.O_NONBLOCK, V.O_NONBLOCK);
  assert.is(r.read(new Uint8Array(10)), V.WOULD_BLOCK, "empty with a writer");
  assert.is(r.poll() & V.POLLIN, 0);
  assert.is(w.poll(), V.POLLOUT | V.POLLWRNORM);
  let woke = 0;
  const off = r.waitQueue.add(() => woke++);
  assert.is(w.write(new Uint8Array(60000).fill(1)), 60000);
  assert.ok(woke > 0, "writers wake readers");
  off();
  assert.is(r.poll() & V.POLLIN, V.POLLIN);
  assert.is(w.poll() & V.POLLOUT, V.POLLOUT, "15 of 16 page slots in use");
  // Linux's pipe_write: 904 bytes merge into the last page, 4096 take the last free slot.
  assert.is(w.write(new Uint8Array(5000)), 5000);
  assert.is(w.poll() & V.POLLOUT, 0, "every page slot in use");
  assert.is(w.write(new Uint8Array(4096)), V.WOULD_BLOCK, "≤ PIPE_BUF goes whole or not at all");
  assert.is(w.write(new Uint8Array(1)), V.WOULD_BLOCK, "full");
  const big = new Uint8Array(70000);
  assert.is(r.read(big), 65000);
  assert.ok(big.subarray(0, 60000).every((x) => x === 1));
  assert.is(w.write(new Uint8Array(10000)), 10000, "larger writes take free pages");
  assert.is(w.write(new Uint8Array(70000)), 368 + 13 * 4096, "larger writes may be partial (the tail merges first)");
  r.read(big); r.read(big);
  // wrap-around keeps order
  w.write(enc.encode("abc")); r.read(new Uint8Array(1));
  w.write(enc.encode("def"));
  const b = new Uint8Array(10);
  assert.is(dec.decode(b.subarray(0, r.read(b))), "bcdef");
  assert.is(errname(r.lseek(0n, V.SEEK_SET)), "ESPIPE");
  assert.is(errname(r.pread(b, 0)), "ESPIPE");
  assert.is(errname(r.write(b)), "EBADF");
  w.write(enc.encode("tail"));
  w.release();
  assert.is(r.poll() & (V.POLLIN | V.POLLHUP), V.POLLIN | V.POLLHUP);
  assert.is(r.read(b), 4, "data before EOF");
  assert.is(r.read(b), 0, "EOF without writers");
  const [r2, w2] = m.vfs.pipe(m.ctx, 0);
  r2.release();
  assert.is(errname(w2.write(enc.encode("x"))), "EPIPE");
  assert.is(w2.poll() & V.POLLERR, V.POLLERR);
  assert.is(errname(m.vfs.pipe(m.ctx, V.O_APPEND)), "EINVAL");
  assert.is(Number(w2.stat().mode & V.S_IFMT), V.S_IFIFO);
  assert.match(m.vfs.pathOf(null, w2.path), /^pipe:\[\d+\]$/);
});

pipes("FIFOs made with mknod: shared pipe, ENXIO for a non-blocking writer without readers", () => {
  const m = machine();
  assert.is(m.vfs.mknodat(m.ctx, V.AT_FDCWD, "/tmp/fifo", V.S_IFIFO | 0o644, 0n), 0);
  assert.is(errname(open(m, "/tmp/fifo", V.O_WRONLY | V.O_NONBLOCK)), "ENXIO");
  const r = open(m, "/tmp/fifo", V.O_RDONLY | V.O_NONBLOCK);
  assert.is(r.read(new Uint8Array(1)), 0, "no writer yet: EOF");
  const w = open(m, "/tmp/fifo", V.O_WRONLY);
  w.write(enc.encode("through the fifo"));
  assert.is(readAll(r), "through the fifo");
  assert.is(r.pipe, w.pipe);
});

pipes.run();

// ---------------------------------------------------------------- devfs and procfs
const special = suite("devfs and procfs");

special("/dev/null, zero, full, urandom, tty placeholder, std* links through /proc/self/fd", () => {
  const m = machine();
  const z = open(m, "/dev/zero", V.O_RDWR);
  const b = new Uint8Array(8).fill(9);
  assert.is(z.read(b), 8); assert.equal([...b], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(z.write(b), 8);
  const full = open(m, "/dev/full", V.O_RDWR);
  assert.is(errname(full.write(b)), "ENOSPC");
  const u = open(m, "/dev/urandom");
  assert.is(u.read(b), 8);
  assert.ok(b.some((x) => x !== 0));
  const n = open(m, "/dev/null", V.O_RDWR);
  assert.is(n.lseek(100n, V.SEEK_SET), 0n);
  assert.is(stat(m, "/dev/null").rdev, V.makedev(1, 3));
  assert.is(stat(m, "/dev/null").mode, V.S_IFCHR | 0o666);
  assert.is(errname(open(m, "/dev/tty", V.O_RDWR)), "ENXIO", "no controlling terminal yet");
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/dev/stdout"), "/proc/self/fd/1");
  m.fds.install(open(m, "/dev/null"), false);
  writeFile(m, "/tmp/out", "");
  m.fds.install(open(m, "/tmp/out", V.O_WRONLY), false);
  // /dev/stdout → /proc/self/fd/1 → (magic link) the open file, even after its name changes
  m.vfs.renameat2(m.ctx, V.AT_FDCWD, "/tmp/out", V.AT_FDCWD, "/tmp/renamed");
  const so = open(m, "/dev/stdout", V.O_WRONLY);
  so.write(enc.encode("to stdout"));
  assert.is(readFile(m, "/tmp/renamed"), "to stdout");
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/proc/self/fd/1"), "/tmp/renamed");
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/dev/fd/0"), "/dev/null".replace("/dev/null", m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/proc/42/fd/0")));
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/proc/42/fd/0"), "/dev/null");
});

special("/proc: self, pid directories, fd listing, system files and their text", () => {
  const m = machine();
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/proc/self"), "42");
  const top = listDir(m, "/proc").map((e) => e.name);
  for (const n of ["self", "cpuinfo", "meminfo", "uptime", "loadavg", "mounts", "sys", "1", "42"]) assert.ok(top.includes(n), n);
  const pid = listDir(m, "/proc/self").map((e) => e.name).sort();
  assert.equal(pid, [".", "..", "cgroup", "cmdline", "comm", "cwd", "environ", "exe", "fd", "limits", "maps", "mountinfo", "mounts", "root", "stat", "statm", "status", "task"]);
  assert.equal(listDir(m, "/proc/self/task/42").map((e) => e.name).sort(), [".", "..", "comm", "stat", "status"]);
  assert.is(readFile(m, "/proc/self/task/42/comm"), "prog\n");
  assert.is(readFile(m, "/proc/stat"), "cpu  1 0 0 2 0 0 0 0 0 0\nbtime 7\n");
  assert.match(readFile(m, "/proc/version"), /^Linux version 6\.1\.0-wasl .*#1 SMP/);
  const boot = readFile(m, "/proc/sys/kernel/random/boot_id");
  assert.match(boot, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$/);
  assert.is(readFile(m, "/proc/sys/kernel/random/boot_id"), boot);
  assert.not.equal(readFile(m, "/proc/sys/kernel/random/uuid"), readFile(m, "/proc/sys/kernel/random/uuid"));
  assert.is(m.vfs.readlinkat(m.ctx, V.AT_FDCWD, "/proc/self/exe"), "/etc");
  assert.is(stat(m, "/proc/self/cwd").ino, stat(m, "/").ino);
  assert.is(readFile(m, "/proc/self/cmdline"), "prog\0arg\0");
  assert.is(readFile(m, "/proc/42/environ"), "A=1\0");
  assert.match(readFile(m, "/proc/self/maps"), "r-xp");
  assert.match(readFile(m, "/proc/self/status"), "Pid:\t42");
  assert.is(errname(stat(m, "/proc/7")), "ENOENT");
  m.fds.install(open(m, "/dev/null"), false);
  m.fds.dup2(0, 7);
  assert.equal(listDir(m, "/proc/self/fd").map((e) => [e.name, e.type]).slice(2), [["0", V.DT_LNK], ["7", V.DT_LNK]]);
  assert.is(readFile(m, "/proc/uptime"), "12.50 20.00\n");
  assert.match(readFile(m, "/proc/vmstat"), /^nr_free_pages 131072\n(.*\n)*pswpout 0\n/);
  assert.is(readFile(m, "/proc/loadavg"), "0.50 0.25 0.13 1/3 42\n");
  assert.match(readFile(m, "/proc/meminfo"), /^MemTotal:\s+1048576 kB\nMemFree:\s+524288 kB\nMemAvailable:\s+614400 kB\n/);
  const cpu = readFile(m, "/proc/cpuinfo");
  assert.is(cpu.split("\n\n").filter(Boolean).length, 2);
  assert.match(cpu, "processor\t: 1\n");
  assert.match(cpu, "flags\t\t: fpu sse sse2\n");
  assert.is(readFile(m, "/proc/sys/kernel/hostname"), "waslhost\n");
  assert.is(readFile(m, "/proc/sys/kernel/osrelease"), "6.1.0-wasl\n");
  assert.match(readFile(m, "/proc/mounts"), "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
  const info = readFile(m, "/proc/self/mountinfo").split("\n").filter(Boolean);
  assert.match(info[0], /^(\d+) (\d+) 0:\d+ \/ \/ rw - tmpfs \S+ rw/);
  const procLine = info.find((l) => l.includes(" /proc "));
  assert.match(procLine, /^\d+ (\d+) 0:\d+ \/ \/proc rw - proc proc rw,nosuid,nodev,noexec,relatime$/);
  assert.is(procLine.split(" ")[1], info[0].split(" ")[0], "the parent of /proc is the root mount");
  assert.is(errname(open(m, "/proc/uptime", V.O_WRONLY)), "EACCES");
  assert.is(stat(m, "/proc/uptime").ino, stat(m, "/proc/uptime").ino, "stable inode numbers");
});

special.run();

// ---------------------------------------------------------------- hostfs
const host = suite("hostfs");

/** A guest with a host folder mounted at /host (and a marker file in the guest root). */
function withHost(hostDir, flags = 0) {
  const m = machine();
  writeFile(m, "/etc/passwd", "guest passwd");
  const sb = new V.HostSuperblock(m.clock, new NodeHostFs(), hostDir);
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/host", 0o755);
  assert.type(m.vfs.mount(m.ctx, "/host", sb, flags, hostDir), "object");
  return m;
}

host("confinement: symlinks to /etc, ../.., absolute paths and .. chains never leave the folder", () => {
  const outer = hostTemp("wasl-vfs-outer-");
  fs.writeFileSync(join(outer, "secret"), "host secret");
  const dir = join(outer, "share");
  fs.mkdirSync(join(dir, "sub"), { recursive: true });
  fs.writeFileSync(join(dir, "inside.txt"), "inside");
  fs.symlinkSync("/etc", join(dir, "etc-link"));
  fs.symlinkSync("/etc/passwd", join(dir, "passwd-link"));
  fs.symlinkSync("../..", join(dir, "sub", "up2"));
  fs.symlinkSync("../secret", join(dir, "rel-out"));
  fs.symlinkSync(join(outer, "secret"), join(dir, "abs-out"));
  fs.symlinkSync(join(dir, "inside.txt"), join(dir, "abs-in-host"));
  fs.symlinkSync("/host/inside.txt", join(dir, "abs-in-guest"));
  fs.symlinkSync("sub/../inside.txt", join(dir, "rel-in"));
  try {
    // The host folder as the guest's root: nothing above it exists.
    const clock = fakeClock();
    const vfs = new V.Vfs(new V.HostSuperblock(clock, new NodeHostFs(), dir), clock);
    const ctx = vfs.context(new V.FdTable());
    const m = { vfs, ctx };
    assert.is(readFile(m, "/inside.txt"), "inside");
    assert.is(readFile(m, "/../../../inside.txt"), "inside", ".. at the root stays");
    assert.is(readFile(m, "/sub/../../../../inside.txt"), "inside");
    assert.is(readFile(m, "/sub/up2/inside.txt"), "inside", "../.. link stops at the root");
    assert.is(readFile(m, "/rel-out"), "ENOENT", "../secret is /secret in the guest");
    assert.is(readFile(m, "/abs-out"), "ENOENT", "a host absolute path means nothing in the guest");
    assert.is(readFile(m, "/abs-in-host"), "ENOENT");
    assert.is(readFile(m, "/passwd-link"), "ENOENT", "/etc is the guest's /etc");
    assert.is(errname(stat(m, "/etc-link/passwd")), "ENOENT");
    assert.is(readFile(m, "/rel-in"), "inside");
    for (const p of ["/..", "/sub/up2", "/sub/up2/.."]) assert.is(stat(m, p).ino, stat(m, "/").ino, p);
    // Creating through links stays inside too.
    assert.type(open(m, "/rel-out", V.O_CREAT | V.O_WRONLY), "object");
    assert.ok(fs.existsSync(join(dir, "secret")), "created /secret inside the folder");
    assert.is(fs.readFileSync(join(outer, "secret"), "utf8"), "host secret", "outside untouched");

    // Mounted below a guest tmpfs root: the same links resolve in the guest's tree.
    const g = withHost(dir);
    assert.is(readFile(g, "/host/passwd-link"), "guest passwd");
    assert.is(readFile(g, "/host/etc-link/passwd"), "guest passwd");
    assert.is(readFile(g, "/host/abs-in-guest"), "inside");
    assert.is(readFile(g, "/host/abs-out"), "ENOENT");
    assert.is(stat(g, "/host/sub/up2").ino, stat(g, "/").ino, "../.. from /host/sub is the guest root");
    assert.is(stat(g, "/host/..").ino, stat(g, "/").ino);
    assert.is(readFile(g, "/host/rel-out"), "ENOENT");
  } finally { fs.rmSync(outer, { recursive: true, force: true }); }
});

host("directories found by path are kept briefly: changes through the mount are seen at once, the last component is always fresh", () => {
  const dir = hostTemp("wasl-vfs-dircache-");
  try {
    fs.mkdirSync(join(dir, "d", "sub"), { recursive: true });
    fs.writeFileSync(join(dir, "d", "sub", "f"), "one");
    const m = withHost(dir);
    assert.is(readFile(m, "/host/d/sub/f"), "one");
    // The final component is asked anew: a file the host replaces shows at once.
    fs.rmSync(join(dir, "d", "sub", "f"));
    fs.writeFileSync(join(dir, "d", "sub", "f"), "two");
    assert.is(readFile(m, "/host/d/sub/f"), "two");
    assert.is(errname(stat(m, "/host/d/sub/g")), "ENOENT");
    fs.writeFileSync(join(dir, "d", "sub", "g"), "new");
    assert.is(readFile(m, "/host/d/sub/g"), "new", "a name the host creates is found at once (no negative entries)");
    // Renames and removals through the mount drop the kept directories.
    assert.is(m.vfs.renameat2(m.ctx, V.AT_FDCWD, "/host/d", V.AT_FDCWD, "/host/e"), 0);
    assert.is(errname(stat(m, "/host/d/sub")), "ENOENT");
    assert.is(readFile(m, "/host/e/sub/f"), "two");
    assert.is(m.vfs.mkdirat(m.ctx, V.AT_FDCWD, "/host/d", 0o755), 0);
    assert.is(errname(stat(m, "/host/d/sub")), "ENOENT", "the new /host/d is not the old one");
    assert.is(m.vfs.unlinkat(m.ctx, V.AT_FDCWD, "/host/d", V.AT_REMOVEDIR), 0);
    assert.is(errname(stat(m, "/host/d")), "ENOENT");
    // Permission changes through the mount apply to the next walk.
    assert.is(m.vfs.chmod(m.ctx, m.vfs.target(m.ctx, V.AT_FDCWD, "/host/e", 0), 0o700), 0);
    assert.is(Number(stat(m, "/host/e").mode) & 0o777, 0o700);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

host("read/write/create/rename through hostfs, read-only mounts give EROFS", () => {
  const dir = hostTemp("wasl-vfs-rw-");
  try {
    fs.mkdirSync(join(dir, "d"));
    const m = withHost(dir);
    writeFile(m, "/host/new.txt", "written by guest", 0o444);
    assert.is(fs.readFileSync(join(dir, "new.txt"), "utf8"), "written by guest", "a 0444 file is writable by its creating open");
    assert.is(fs.statSync(join(dir, "new.txt")).mode & 0o777, 0o444 & ~0o022);
    const f = open(m, "/host/new.txt", V.O_RDWR | V.O_APPEND);
    f.write(enc.encode("!"));
    assert.is(f.stat().size, 17n);
    assert.is(m.vfs.renameat2(m.ctx, V.AT_FDCWD, "/host/d", V.AT_FDCWD, "/host/e"), 0);
    m.ctx.cwd = m.vfs.chdirTarget(m.ctx, V.AT_FDCWD, "/host/e");
    assert.is(m.vfs.renameat2(m.ctx, V.AT_FDCWD, "/host/e", V.AT_FDCWD, "/host/e2"), 0);
    writeFile(m, "in-renamed", "x");
    assert.ok(fs.existsSync(join(dir, "e2", "in-renamed")), "cwd follows a rename of its directory");
    assert.is(m.vfs.getcwd(m.ctx), "/host/e2");
    writeFile(m, "/host/a", "A"); writeFile(m, "/host/b", "B");
    assert.is(m.vfs.renameat2(m.ctx, V.AT_FDCWD, "/host/a", V.AT_FDCWD, "/host/b", V.RENAME_EXCHANGE), 0);
    assert.is(fs.readFileSync(join(dir, "a"), "utf8"), "B");
    assert.is(fs.readFileSync(join(dir, "b"), "utf8"), "A");
    assert.is(m.vfs.symlinkat(m.ctx, "a", V.AT_FDCWD, "/host/ln"), 0);
    assert.is(fs.readlinkSync(join(dir, "ln")), "a");
    assert.is(m.vfs.linkat(m.ctx, V.AT_FDCWD, "/host/a", V.AT_FDCWD, "/host/hard", 0), 0);
    assert.is(stat(m, "/host/a").nlink, 2);
    assert.is(m.vfs.truncate(m.ctx, V.AT_FDCWD, "/host/a", 0), 0);
    assert.is(fs.statSync(join(dir, "hard")).size, 0);
    const t = m.vfs.target(m.ctx, V.AT_FDCWD, "/host/a", 0);
    assert.is(m.vfs.utimens(m.ctx, t, [[1000n, 0], [2000n, 0]]), 0);
    assert.is(fs.statSync(join(dir, "a")).mtimeMs, 2000_000);
    assert.is(m.vfs.chmod(m.ctx, t, 0o600), 0);
    assert.is(fs.statSync(join(dir, "a")).mode & 0o777, 0o600);
    const names = listDir(m, "/host").map((e) => e.name).sort();
    assert.equal(names, [".", "..", "a", "b", "e2", "hard", "ln", "new.txt"]);
    assert.is(m.vfs.unlinkat(m.ctx, V.AT_FDCWD, "/host/hard"), 0);
    assert.ok(!fs.existsSync(join(dir, "hard")));
    // A FIFO (valgrind's vgdb pipes, mkfifo in scripts) is a placeholder file on the host that the
    // guest sees and opens as a FIFO; unlinking it removes the placeholder.
    assert.is(m.vfs.mknodat(m.ctx, V.AT_FDCWD, "/host/fifo", V.S_IFIFO | 0o640, 0n), 0);
    assert.is(Number(stat(m, "/host/fifo").mode), V.S_IFIFO | 0o640);
    assert.ok(fs.statSync(join(dir, "fifo")).isFile());
    assert.is(listDir(m, "/host").find((e) => e.name === "fifo").type, V.DT_FIFO);
    const fr = open(m, "/host/fifo", V.O_RDONLY | V.O_NONBLOCK), fw = open(m, "/host/fifo", V.O_WRONLY);
    fw.write(enc.encode("via the fifo"));
    assert.is(readAll(fr), "via the fifo");
    assert.is(fr.pipe, fw.pipe);
    assert.is(errname(m.vfs.mknodat(m.ctx, V.AT_FDCWD, "/host/chr", V.S_IFCHR | 0o644, 0n)), "EPERM");
    assert.is(m.vfs.unlinkat(m.ctx, V.AT_FDCWD, "/host/fifo"), 0);
    assert.ok(!fs.existsSync(join(dir, "fifo")));
    // names are bytes: one that is not UTF-8 reaches the host unchanged and lists back the same
    writeFile(m, "/host/raw\xff\xfe", "bytes");
    assert.ok(fs.readdirSync(dir, { encoding: "buffer" }).some((n) => n.equals(Buffer.from([0x72, 0x61, 0x77, 0xff, 0xfe]))));
    assert.ok(listDir(m, "/host").some((e) => e.name === "raw\xff\xfe"));
    m.vfs.unlinkat(m.ctx, V.AT_FDCWD, "/host/raw\xff\xfe");

    const ro = withHost(dir, V.MS_RDONLY);
    assert.is(readFile(ro, "/host/b"), "A");
    assert.is(errname(open(ro, "/host/b", V.O_WRONLY)), "EROFS");
    assert.is(errname(open(ro, "/host/zz", V.O_WRONLY | V.O_CREAT)), "EROFS");
    assert.is(errname(ro.vfs.unlinkat(ro.ctx, V.AT_FDCWD, "/host/b")), "EROFS");
    assert.is(errname(ro.vfs.renameat2(ro.ctx, V.AT_FDCWD, "/host/a", V.AT_FDCWD, "/host/c")), "EROFS");
    assert.is(errname(ro.vfs.mkdirat(ro.ctx, V.AT_FDCWD, "/host/nd", 0o755)), "EROFS");
    assert.is(errname(ro.vfs.chmod(ro.ctx, ro.vfs.target(ro.ctx, V.AT_FDCWD, "/host/a", 0), 0o777)), "EROFS");
    assert.is(errname(ro.vfs.truncate(ro.ctx, V.AT_FDCWD, "/host/a", 5)), "EROFS");
    assert.is(ro.vfs.statfs(ro.vfs.target(ro.ctx, V.AT_FDCWD, "/host", 0)).flags & V.ST_RDONLY, V.ST_RDONLY);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

host.run();

// ---------------------------------------------------------------- oracles
const oracle = suite("against the host kernel");

const C_PROBE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
static void hex(const void *p, size_t n) { const unsigned char *b = p; for (size_t i = 0; i < n; i++) printf("%02x", b[i]); }
int main(int argc, char **argv) {
  // The listing first: reading a directory may update its atime (relatime), stat after it.
  int fd = open(argv[1], O_RDONLY | O_DIRECTORY);
  char buf[4096];
  long n;
  while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
    for (long o = 0; o < n;) {
      unsigned short reclen; memcpy(&reclen, buf + o + 16, 2);
      printf("dirent "); hex(buf + o, 8); printf(" %u %u %s\n", reclen, (unsigned char)buf[o + 18], buf + o + 19);
      o += reclen;
    }
  for (int i = 2; i < argc; i++) {
    struct stat st; struct statx sx;
    if (lstat(argv[i], &st)) { printf("%s ERR\n", argv[i]); continue; }
    statx(AT_FDCWD, argv[i], AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx);
    printf("%s ", argv[i]); hex(&st, sizeof st); printf(" "); hex(&sx, sizeof sx); printf("\n");
  }
  return 0;
}`;

function compileProbe() {
  const dir = hostTemp("wasl-vfs-probe-");
  fs.writeFileSync(join(dir, "probe.c"), C_PROBE);
  const r = spawnSync("gcc", ["-O1", "-o", join(dir, "probe"), join(dir, "probe.c")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr || r.error}`);
  return join(dir, "probe");
}

oracle("struct stat, statx and linux_dirent64 bytes match the host's for a tree on tmpfs", () => {
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dir = hostTemp("wasl-vfs-tree-", base);
  const probe = compileProbe();
  try {
    fs.writeFileSync(join(dir, "file"), "twelve bytes");
    fs.writeFileSync(join(dir, "empty"), "");
    fs.mkdirSync(join(dir, "subdir"));
    fs.symlinkSync("file", join(dir, "link"));
    fs.linkSync(join(dir, "file"), join(dir, "hardlink"));
    fs.chmodSync(join(dir, "empty"), 0o4755);
    fs.writeFileSync(join(dir, "big"), Buffer.alloc(20000, 1));
    const names = ["file", "empty", "subdir", "link", "hardlink", "big"];
    const out = execFileSync(probe, [dir, dir, ...names.map((n) => join(dir, n))], { encoding: "utf8" });
    const m = withHost(dir);
    const lines = out.trim().split("\n");
    let checked = 0;
    for (const line of lines.filter((l) => !l.startsWith("dirent "))) {
      const [path, statHex, statxHex] = line.split(" ");
      const guestPath = "/host" + path.slice(dir.length);
      const st = stat(m, guestPath, V.AT_SYMLINK_NOFOLLOW);
      assert.is(Buffer.from(V.encodeStat(st)).toString("hex"), statHex, `struct stat of ${guestPath}`);
      const ours = Buffer.from(V.encodeStatx(st, 0));
      const theirs = Buffer.from(statxHex, "hex");
      assert.is(theirs.length, 256);
      // nlink, uid, gid, mode, ino, size, blocks; atime; ctime, mtime; rdev and dev numbers.
      for (const [a, b] of [[16, 30], [32, 56], [64, 76], [96, 124], [128, 144]]) {
        assert.is(ours.subarray(a, b).toString("hex"), theirs.subarray(a, b).toString("hex"), `statx bytes ${a}..${b} of ${guestPath}`);
      }
      assert.is(ours.readUInt32LE(4), theirs.readUInt32LE(4), "stx_blksize");
      checked++;
    }
    assert.is(checked, names.length + 1);
    // dirents: same set of (ino, reclen, type, name); d_off cookies are each file system's own.
    const native = lines.filter((l) => l.startsWith("dirent ")).map((l) => {
      const [, inoHex, reclen, type, name] = l.split(" ");
      return `${Buffer.from(inoHex, "hex").readBigUInt64LE()} ${reclen} ${type} ${name}`;
    }).filter((s) => !s.endsWith(" ..")).sort();
    const ours = listDir(m, "/host").map((e) => `${e.ino} ${e.reclen} ${e.type} ${e.name}`).filter((s) => !s.endsWith(" ..")).sort();
    assert.equal(ours, native);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dirname(probe), { recursive: true, force: true });
  }
});

/**
 * Edge cases of rename/unlink/rmdir/link/mkdir/open: each runs on a fresh tree on the host (the
 * oracle, through Node's fs), on tmpfs and on hostfs; the errno names must agree.
 */
const SCENARIOS = [
  ["rename file over dir", (o) => o.rename("f", "emptydir")],
  ["rename dir over file", (o) => o.rename("emptydir", "f")],
  ["rename dir over non-empty dir", (o) => o.rename("emptydir", "full")],
  ["rename dir over empty dir", (o) => o.rename("full", "emptydir")],
  ["rename dir into itself", (o) => o.rename("full", "full/inner/x")],
  ["rename dir onto its own child", (o) => o.rename("full", "full/inner")],
  ["rename child onto its ancestor", (o) => o.rename("full/inner", "full")],
  ["rename file to file/", (o) => o.rename("f", "g/")],
  ["rename file/ to new", (o) => o.rename("f/", "new")],
  ["rename dir/ to new/", (o) => o.rename("emptydir/", "newdir/")],
  ["rename missing", (o) => o.rename("missing", "x")],
  ["rename into missing dir", (o) => o.rename("f", "missing/x")],
  ["rename through a file", (o) => o.rename("f", "g/x")],
  ["rename to itself", (o) => o.rename("f", "f")],
  ["rename hard links of one inode", (o) => o.rename("f", "flink")],
  ["rename symlink over dir", (o) => o.rename("sym", "emptydir")],
  ["rename dir over symlink", (o) => o.rename("emptydir", "sym")],
  ["rename .", (o) => o.rename(".", "x")],
  ["rename to ..", (o) => o.rename("f", "full/..")],
  ["unlink dir", (o) => o.unlink("emptydir")],
  ["unlink file/", (o) => o.unlink("f/")],
  ["unlink missing", (o) => o.unlink("missing")],
  ["unlink symlink to dir", (o) => o.unlink("dirsym")],
  ["unlink symlink to dir/", (o) => o.unlink("dirsym/")],
  ["unlink through a file", (o) => o.unlink("f/x")],
  ["rmdir file", (o) => o.rmdir("f")],
  ["rmdir non-empty", (o) => o.rmdir("full")],
  ["rmdir symlink to dir", (o) => o.rmdir("dirsym")],
  ["rmdir dir/.", (o) => o.rmdir("emptydir/.")],
  ["rmdir missing", (o) => o.rmdir("missing")],
  ["link dir", (o) => o.link("emptydir", "dl")],
  ["link onto existing", (o) => o.link("f", "g")],
  ["link missing", (o) => o.link("missing", "x")],
  ["link to x/", (o) => o.link("f", "x/")],
  ["mkdir existing file", (o) => o.mkdir("f")],
  ["mkdir on dangling symlink", (o) => o.mkdir("dangling")],
  ["mkdir in missing", (o) => o.mkdir("missing/x")],
  ["symlink onto existing", (o) => o.symlink("anything", "f")],
  ["open O_CREAT on x/", (o) => o.open("x/", V.O_CREAT | V.O_WRONLY)],
  ["open O_EXCL on symlink", (o) => o.open("sym", V.O_CREAT | V.O_EXCL | V.O_WRONLY)],
  ["open dir for writing", (o) => o.open("emptydir", V.O_WRONLY)],
  ["open file/", (o) => o.open("f/", V.O_RDONLY)],
  ["open O_NOFOLLOW symlink", (o) => o.open("sym", V.O_RDONLY | V.O_NOFOLLOW)],
  ["open O_DIRECTORY file", (o) => o.open("f", V.O_RDONLY | V.O_DIRECTORY)],
  ["open dangling", (o) => o.open("dangling", V.O_RDONLY)],
  ["open loop", (o) => o.open("loop", V.O_RDONLY)],
];

function buildTree(dir) {
  fs.writeFileSync(join(dir, "f"), "f");
  fs.writeFileSync(join(dir, "g"), "g");
  fs.linkSync(join(dir, "f"), join(dir, "flink"));
  fs.mkdirSync(join(dir, "emptydir"));
  fs.mkdirSync(join(dir, "full", "inner"), { recursive: true });
  fs.symlinkSync("f", join(dir, "sym"));
  fs.symlinkSync("emptydir", join(dir, "dirsym"));
  fs.symlinkSync("nowhere", join(dir, "dangling"));
  fs.symlinkSync("loop", join(dir, "loop"));
}

/** The host through Node's fs: paths relative to dir. */
function hostOps(dir) {
  const p = (s) => dir + "/" + s; // not path.join: it would fold "x/." and "x/.."
  const run = (fn) => { try { fn(); return "OK"; } catch (e) { return e.code; } };
  const c = fs.constants;
  const nodeFlags = (f) => ((f & V.O_ACCMODE) === V.O_WRONLY ? c.O_WRONLY : (f & V.O_ACCMODE) === V.O_RDWR ? c.O_RDWR : c.O_RDONLY) |
    (f & V.O_CREAT ? c.O_CREAT : 0) | (f & V.O_EXCL ? c.O_EXCL : 0) | (f & V.O_NOFOLLOW ? c.O_NOFOLLOW : 0) | (f & V.O_DIRECTORY ? c.O_DIRECTORY : 0);
  return {
    rename: (a, b) => run(() => fs.renameSync(p(a), p(b))),
    unlink: (a) => run(() => fs.unlinkSync(p(a))),
    rmdir: (a) => run(() => fs.rmdirSync(p(a))),
    link: (a, b) => run(() => fs.linkSync(p(a), p(b))),
    mkdir: (a) => run(() => fs.mkdirSync(p(a))),
    symlink: (t, a) => run(() => fs.symlinkSync(t, p(a))),
    open: (a, f) => run(() => fs.closeSync(fs.openSync(p(a), nodeFlags(f), 0o644))),
  };
}

/** The same operations through the VFS, in directory base of guest m. */
function vfsOps(m, base) {
  const A = V.AT_FDCWD, v = m.vfs, c = m.ctx;
  const p = (s) => base + "/" + s;
  const r = (x) => (typeof x === "object" ? (x.release(), "OK") : errname(x));
  return {
    rename: (a, b) => r(v.renameat2(c, A, p(a), A, p(b))),
    unlink: (a) => r(v.unlinkat(c, A, p(a))),
    rmdir: (a) => r(v.rmdirat(c, A, p(a))),
    link: (a, b) => r(v.linkat(c, A, p(a), A, p(b), 0)),
    mkdir: (a) => r(v.mkdirat(c, A, p(a), 0o755)),
    symlink: (t, a) => r(v.symlinkat(c, t, A, p(a))),
    open: (a, f) => r(v.openat(c, A, p(a), f, 0o644)),
  };
}

/** Copies a host tree into the guest with VFS calls (so tmpfs gets the same shape). */
function copyIn(m, hostDir, guestDir) {
  m.vfs.mkdirat(m.ctx, V.AT_FDCWD, guestDir, 0o755);
  const inodes = new Map();
  for (const name of fs.readdirSync(hostDir).sort()) {
    const hp = join(hostDir, name), gp = guestDir + "/" + name;
    const st = fs.lstatSync(hp);
    if (st.isSymbolicLink()) m.vfs.symlinkat(m.ctx, fs.readlinkSync(hp), V.AT_FDCWD, gp);
    else if (st.isDirectory()) copyIn(m, hp, gp);
    else if (inodes.has(st.ino)) m.vfs.linkat(m.ctx, V.AT_FDCWD, inodes.get(st.ino), V.AT_FDCWD, gp, 0);
    else { writeFile(m, gp, fs.readFileSync(hp, "utf8")); inodes.set(st.ino, gp); }
  }
}

oracle("rename/unlink/rmdir/link/mkdir/open edge cases give the host's errno on tmpfs and hostfs", () => {
  const work = hostTemp("wasl-vfs-oracle-");
  try {
    const mismatches = [], outcomes = new Set();
    SCENARIOS.forEach(([name, op], i) => {
      const hdir = join(work, `h${i}`), gdir = join(work, `g${i}`);
      fs.mkdirSync(hdir); fs.mkdirSync(gdir);
      buildTree(hdir); buildTree(gdir);
      const expected = op(hostOps(hdir));
      // the host run changed hdir: the tmpfs copy is made from a fresh tree
      const fresh = join(work, `f${i}`); fs.mkdirSync(fresh); buildTree(fresh);
      const tm2 = machine(); copyIn(tm2, fresh, "/tmp/t");
      const onTmpfs = op(vfsOps(tm2, "/tmp/t"));
      const hm = withHost(gdir);
      const onHostfs = op(vfsOps(hm, "/host"));
      if (onTmpfs !== expected || onHostfs !== expected) mismatches.push(`${name}: host ${expected}, tmpfs ${onTmpfs}, hostfs ${onHostfs}`);
      outcomes.add(expected);
    });
    assert.equal(mismatches, []);
    assert.ok(outcomes.size >= 8, `the scenarios cover many errnos: ${[...outcomes]}`);
  } finally { fs.rmSync(work, { recursive: true, force: true }); }
});

oracle.run();
