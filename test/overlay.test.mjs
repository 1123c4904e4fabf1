// The union file system (images/overlay.ts) and containers (images/container.ts). Image layers
// are built here as directories, packed by GNU tar into an OCI layout and loaded into a temporary
// store. The oracle is the kernel: the same layers, extracted and converted to overlayfs form
// (whiteouts as 0/0 character devices, opaque directories by xattr), are mounted with
// `mount -t overlay` on a tmpfs, the same operations run on both, and the results — errno of each
// operation, readdir sets, stat fields, contents, which names share an inode — must agree.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createHash } from "node:crypto";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(repo, process.env.WASL_DIST || "dist");
const imp = (p) => import(pathToFileURL(join(dist, p)).href);
const img = await imp("images/index.js");
const { OverlaySuperblock } = await imp("images/overlay.js");
const { Container } = await imp("images/container.js");
const { nodeImageHost } = await imp("images/host-node.js");
const V = await imp("runtime/vfs/index.js");
const { ERRNO_NAMES } = await imp("runtime/errno.js");
const host = nodeImageHost();

const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-overlay-"));
const sh = (cmd, cwd = work) => execFileSync("bash", ["-ec", cmd], { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const T0 = 1700000000;
process.umask(0o022);

// ---------------------------------------------------------------- image layers

/**
 * Packs a layer. setup(dir) builds the tree with OCI markers (".wh.NAME", ".wh..wh..opq");
 * `only` lists the paths to archive (parents of deeper entries are then implicit in the tar).
 */
function packLayer(name, setup, only = ["."]) {
  const d = join(work, "src-" + name);
  fs.mkdirSync(d, { recursive: true });
  sh(setup, d);
  sh(`find . -exec touch -h -d @${T0} {} +`, d);
  const tar = join(work, `${name}.tar`);
  sh(`tar --format=pax --sort=name --numeric-owner --no-recursion --pax-option=delete=atime,delete=ctime -cf ${tar} ${only.map((p) => `$(find ${p} | sort)`).join(" ")}`, d);
  const plain = fs.readFileSync(tar);
  return { name, dir: d, tar, plain, diffID: "sha256:" + sha256(plain), implicit: only[0] !== "." };
}

const json = (o) => Buffer.from(JSON.stringify(o));
const desc = (mediaType, b) => ({ mediaType, digest: "sha256:" + sha256(b), size: b.length });

function writeLayout(name, layers) {
  const dir = join(work, name);
  fs.mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (b) => { fs.writeFileSync(join(dir, "blobs", "sha256", sha256(b)), b); return b; };
  const config = put(json({
    architecture: "amd64", os: "linux", config: { Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) }, history: layers.map(() => ({ created_by: "test" })),
  }));
  for (const l of layers) put(l.plain);
  const manifest = put(json({
    schemaVersion: 2, mediaType: img.MEDIA.ociManifest, config: desc(img.MEDIA.ociConfig, config),
    layers: layers.map((l) => desc(img.MEDIA.ociLayer, l.plain)),
  }));
  fs.writeFileSync(join(dir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(join(dir, "index.json"), json({ schemaVersion: 2, manifests: [{ ...desc(img.MEDIA.ociManifest, manifest), annotations: { "org.opencontainers.image.ref.name": "t" } }] }));
  return dir;
}

const L0 = packLayer("l0", `
  mkdir -p etc bin usr/lib usr/share/doc data hl hl2 dir0/deep gone/sub keep
  echo root:x:0:0 > etc/passwd; echo 127.0.0.1 > etc/hosts; echo wheel > etc/group
  printf '#!/bin/sh\\n' > bin/sh; chmod 755 bin/sh
  head -c 100000 /dev/urandom > usr/lib/libc.so
  echo a > usr/share/doc/a; echo b > usr/share/doc/b
  ln -s usr/lib lib
  echo x > data/x; echo y > data/y; chmod 700 data; chown 7:8 data
  echo shared > hl/a; ln hl/a hl/b; echo two > hl2/a; ln hl2/a hl2/b
  echo f > dir0/deep/f; echo g > gone/sub/g; echo k > keep/k
  chown 1000:1000 etc/passwd; chmod 640 etc/passwd
  mkfifo keep/fifo
`);
const L1 = packLayer("l1", `
  mkdir -p etc usr/share/doc newdir hl2
  echo '127.0.0.1 localhost' > etc/hosts; touch etc/.wh.group
  touch usr/share/doc/.wh..wh..opq; echo c > usr/share/doc/c
  touch .wh.gone .wh.dir0; echo n > newdir/n; touch hl2/.wh.b
`);
// data/z with no "data/" entry: an implicit directory over L0's data (mode 0700, 7:8).
const L2 = packLayer("l2", `mkdir -p data dir0; echo z > data/z; echo new > dir0/new`, ["data/z", "dir0"]);
const LAYERS = [L0, L1, L2];

const home = join(work, "store");
const store = new img.ImageStore(host, home);
const image = await img.openImage(store, writeLayout("layout", LAYERS));

// ---------------------------------------------------------------- our side

function fakeClock() { let t = BigInt(T0 + 1000) * 1_000_000_000n; return () => (t += 1000n); }

function ours(im = image, s = store) {
  const clock = fakeClock();
  const c = Container.create(s, im, { clock });
  const vfs = new V.Vfs(c.superblock, clock, "overlay");
  const ctx = vfs.context(new V.FdTable());
  return { c, vfs, ctx, kind: "ours" };
}

const errName = (n) => (n < 0 ? ERRNO_NAMES[-n] ?? `E${-n}` : 0);
const enc = new TextEncoder();
const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_DIRECTORY, AT_FDCWD, AT_SYMLINK_NOFOLLOW } = V;

/** The operations, each on our VFS: a result of 0 or an errno name. */
const ourOps = {
  write(o, p, text, flags = O_WRONLY | O_CREAT | O_TRUNC) {
    const f = o.vfs.openat(o.ctx, AT_FDCWD, p, flags, 0o644);
    if (typeof f === "number") return errName(f);
    const n = text === "" ? 0 : f.write(enc.encode(text));
    f.release();
    return errName(Math.min(n, 0));
  },
  append(o, p, text) { return ourOps.write(o, p, text, O_WRONLY | O_APPEND); },
  openrw(o, p) { const f = o.vfs.openat(o.ctx, AT_FDCWD, p, O_RDWR, 0); if (typeof f === "number") return errName(f); f.release(); return 0; },
  chmod(o, p, mode) { const t = o.vfs.target(o.ctx, AT_FDCWD, p, 0); return errName(typeof t === "number" ? t : o.vfs.chmod(o.ctx, t, mode)); },
  chown(o, p, uid, gid) { const t = o.vfs.target(o.ctx, AT_FDCWD, p, AT_SYMLINK_NOFOLLOW); return errName(typeof t === "number" ? t : o.vfs.chown(o.ctx, t, uid, gid)); },
  utimes(o, p, sec) { const t = o.vfs.target(o.ctx, AT_FDCWD, p, 0); return errName(typeof t === "number" ? t : o.vfs.utimens(o.ctx, t, [[BigInt(sec), 0], [BigInt(sec), 0]])); },
  truncate(o, p, n) { return errName(o.vfs.truncate(o.ctx, AT_FDCWD, p, n)); },
  unlink(o, p) { return errName(o.vfs.unlinkat(o.ctx, AT_FDCWD, p, 0)); },
  rmdir(o, p) { return errName(o.vfs.rmdirat(o.ctx, AT_FDCWD, p)); },
  mkdir(o, p, mode = 0o755) { return errName(o.vfs.mkdirat(o.ctx, AT_FDCWD, p, mode)); },
  rename(o, a, b) { return errName(o.vfs.renameat2(o.ctx, AT_FDCWD, a, AT_FDCWD, b, 0)); },
  link(o, a, b) { return errName(o.vfs.linkat(o.ctx, AT_FDCWD, a, AT_FDCWD, b, 0)); },
  symlink(o, target, p) { return errName(o.vfs.symlinkat(o.ctx, target, AT_FDCWD, p)); },
};

/** path → entry description, walking our merged tree through the VFS. */
function ourTree(o) {
  const out = new Map();
  const walk = (dir) => {
    const p = o.vfs.lookup(o.ctx, AT_FDCWD, dir || "/", false);
    const f = o.vfs.openPath(o.ctx, p, O_RDONLY | O_DIRECTORY);
    const names = [];
    for (;;) {
      const b = f.getdents64(4096);
      if (typeof b === "number") throw new Error(`getdents ${dir}: ${b}`);
      if (b.length === 0) break;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let at = 0; at < b.length; ) {
        const reclen = dv.getUint16(at + 16, true);
        let end = at + 19;
        while (b[end]) end++;
        const name = Buffer.from(b.subarray(at + 19, end)).toString("latin1");
        if (name !== "." && name !== "..") names.push({ name, ino: dv.getBigUint64(at, true), type: b[at + 18] });
        at += reclen;
      }
    }
    f.release();
    for (const e of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = dir + "/" + e.name;
      const st = o.vfs.statat(o.ctx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
      assert.is(e.ino, st.ino, `${path}: readdir d_ino matches st_ino`);
      const type = st.mode & 0o170000;
      const rec = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, nlink: st.nlink, ino: st.ino, dtype: e.type };
      if (type === 0o100000) { rec.size = Number(st.size); rec.sha = sha256(o.vfs.readFile(o.ctx, AT_FDCWD, path)).slice(0, 16); rec.mtime = Number(st.mtimeNs / 1_000_000_000n); }
      if (type === 0o120000) { rec.target = o.vfs.readlinkat(o.ctx, AT_FDCWD, path); rec.size = Number(st.size); }
      out.set(path, rec);
      if (type === 0o040000) walk(path);
    }
  };
  walk("");
  return out;
}

// ---------------------------------------------------------------- the kernel's side

/** Turns an extracted OCI layer into overlayfs form; implicit directories take a lower layer's metadata (as containerd's mkparent). */
function toOverlayForm(dir, layer, lowerDirs) {
  const listed = new Set(sh(`tar -tf ${layer.tar}`).split("\n").map((p) => p.replace(/^\.\//, "").replace(/\/$/, "")));
  const visit = (rel) => {
    const abs = join(dir, rel);
    for (const name of fs.readdirSync(abs)) {
      const r = rel ? rel + "/" + name : name;
      if (name === ".wh..wh..opq") { fs.rmSync(join(dir, r)); sh(`python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' ${JSON.stringify(abs)}`); continue; }
      if (name.startsWith(".wh.")) { fs.rmSync(join(dir, r)); sh(`mknod ${JSON.stringify(join(abs, name.slice(4)))} c 0 0`); continue; }
      const st = fs.lstatSync(join(dir, r));
      if (st.isDirectory()) {
        if (layer.implicit && !listed.has(r)) {
          for (const low of lowerDirs) {
            let ls; try { ls = fs.lstatSync(join(low, r)); } catch { continue; }
            if (!ls.isDirectory()) break;
            fs.chmodSync(join(dir, r), ls.mode & 0o7777); fs.chownSync(join(dir, r), ls.uid, ls.gid);
            break;
          }
        }
        visit(r);
      }
    }
  };
  visit("");
}

let kernel = null;
const mountRoot = join(work, "mnt");
function kernelSetup() {
  if (process.getuid?.() !== 0) return "not running as root";
  fs.mkdirSync(mountRoot);
  const r = spawnSync("mount", ["-t", "tmpfs", "tmpfs", mountRoot]);
  if (r.status !== 0) return `mount -t tmpfs failed: ${r.stderr}`;
  const lowers = [];
  for (const l of LAYERS) {
    const d = join(mountRoot, l.name);
    fs.mkdirSync(d);
    sh(`tar --numeric-owner -xpf ${l.tar} -C ${d}`);
    toOverlayForm(d, l, [...lowers].reverse());
    lowers.push(d);
  }
  return { lowers: lowers.reverse() };
}
const setup = kernelSetup();
if (typeof setup === "string") console.error(`skipping the comparisons with the kernel's overlayfs: ${setup}`);
let mounts = 0;
let kernelOptions = "";

/** A fresh overlay mount of the image layers (index=on: hard links survive copy-up, as ours do). */
function theirs() {
  if (typeof setup === "string") return null;
  const n = ++mounts;
  const base = join(mountRoot, `c${n}`);
  for (const d of ["upper", "work", "merged"]) fs.mkdirSync(join(base, d), { recursive: true });
  const opts = `lowerdir=${setup.lowers.join(":")},upperdir=${base}/upper,workdir=${base}/work`;
  for (const extra of [",index=on,redirect_dir=off", ",redirect_dir=off"]) {
    const r = spawnSync("mount", ["-t", "overlay", "overlay", "-o", opts + extra, join(base, "merged")]);
    if (r.status === 0) { kernelOptions = extra; return { root: join(base, "merged"), kind: "kernel" }; }
  }
  throw new Error("mount -t overlay failed");
}

function kcall(fn) { try { fn(); return 0; } catch (e) { if (!e.code) throw e; return e.code; } }
const kernelOps = {
  write(k, p, text, flag = "w") { return kcall(() => fs.writeFileSync(k.root + p, text, { flag, mode: 0o644 })); },
  append(k, p, text) { return kcall(() => { const fd = fs.openSync(k.root + p, fs.constants.O_WRONLY | fs.constants.O_APPEND); fs.writeSync(fd, text); fs.closeSync(fd); }); },
  openrw(k, p) { return kcall(() => fs.closeSync(fs.openSync(k.root + p, "r+"))); },
  chmod(k, p, mode) { return kcall(() => fs.chmodSync(k.root + p, mode)); },
  chown(k, p, uid, gid) { return kcall(() => fs.lchownSync(k.root + p, uid, gid)); },
  utimes(k, p, sec) { return kcall(() => fs.utimesSync(k.root + p, sec, sec)); },
  truncate(k, p, n) { return kcall(() => fs.truncateSync(k.root + p, n)); },
  unlink(k, p) { return kcall(() => fs.unlinkSync(k.root + p)); },
  rmdir(k, p) { return kcall(() => fs.rmdirSync(k.root + p)); },
  mkdir(k, p, mode = 0o755) { return kcall(() => fs.mkdirSync(k.root + p, mode)); },
  rename(k, a, b) { return kcall(() => fs.renameSync(k.root + a, k.root + b)); },
  link(k, a, b) { return kcall(() => fs.linkSync(k.root + a, k.root + b)); },
  symlink(k, target, p) { return kcall(() => fs.symlinkSync(target, k.root + p)); },
};

function kernelTree(k) {
  const out = new Map();
  const walk = (dir) => {
    for (const e of fs.readdirSync(k.root + (dir || "/"), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = dir + "/" + e.name;
      const st = fs.lstatSync(k.root + path, { bigint: true });
      const type = Number(st.mode) & 0o170000;
      const dtype = e.isDirectory() ? 4 : e.isFile() ? 8 : e.isSymbolicLink() ? 10 : e.isFIFO() ? 1 : e.isCharacterDevice() ? 2 : 0;
      const rec = { type, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), nlink: Number(st.nlink), ino: st.ino, dtype };
      if (type === 0o100000) { rec.size = Number(st.size); rec.sha = sha256(fs.readFileSync(k.root + path)).slice(0, 16); rec.mtime = Number(st.mtimeMs / 1000n); }
      if (type === 0o120000) { rec.target = fs.readlinkSync(k.root + path); rec.size = Number(st.size); }
      out.set(path, rec);
      if (type === 0o040000) walk(path);
    }
  };
  walk("");
  return out;
}

/** Which paths share an inode, as sorted groups (inode numbers differ between the two; the partition must not). */
function inodeGroups(tree) {
  const by = new Map();
  for (const [p, r] of tree) by.set(r.ino, [...(by.get(r.ino) ?? []), p]);
  return [...by.values()].filter((g) => g.length > 1).map((g) => g.join(" ")).sort();
}

/** Comparable text of a tree: everything but inode numbers; mtimes only of files whose time came from a layer. */
function describe(tree) {
  return [...tree].map(([p, r]) => {
    const { ino, mtime, ...rest } = r;
    if (mtime !== undefined && mtime < T0 + 1) rest.mtime = mtime;
    return `${p} ${JSON.stringify(rest)}`;
  }).join("\n");
}

/** Runs ops on ours and (when possible) on the kernel's overlay; returns both trees and the results. */
function runBoth(ops, o = ours()) {
  const k = theirs();
  const before = { ours: ourTree(o), kernel: k && kernelTree(k) };
  const results = { ours: ops.map(([op, ...a]) => `${op} ${a.join(" ")} → ${ourOps[op](o, ...a)}`), kernel: k && ops.map(([op, ...a]) => `${op} ${a.join(" ")} → ${kernelOps[op](k, ...a)}`) };
  return { o, k, before, results, after: { ours: ourTree(o), kernel: k && kernelTree(k) } };
}

function compareWithKernel(r, label) {
  if (!r.k) return;
  assert.equal(r.results.ours, r.results.kernel, `${label}: the operations' results`);
  assert.fixture(describe(r.after.ours), describe(r.after.kernel), `${label}: the merged tree`);
  assert.equal(inodeGroups(r.after.ours), inodeGroups(r.after.kernel), `${label}: names sharing an inode`);
  // Paths that existed before and keep their inode number through the operations (copy-up keeps it).
  const kept = (side) => [...r.before[side]].filter(([p, b]) => r.after[side].get(p)?.ino === b.ino).map(([p]) => p).sort();
  assert.equal(kept("ours"), kept("kernel"), `${label}: inode numbers kept across the operations`);
}

process.on("exit", () => {
  if (typeof setup !== "string") {
    for (let n = mounts; n >= 1; n--) spawnSync("umount", [join(mountRoot, `c${n}`, "merged")]);
    spawnSync("umount", [mountRoot]);
  }
  fs.rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

const t = suite("overlay");

t("lookup through the layers: whiteouts, opaque directories, merged readdir, implicit directories", () => {
  const r = runBoth([]);
  const tree = r.after.ours;
  const names = (dir) => [...tree.keys()].filter((p) => p.startsWith(dir + "/") && !p.slice(dir.length + 1).includes("/")).map((p) => p.slice(dir.length + 1));
  assert.equal(names("/etc"), ["hosts", "passwd"], "etc/group whited out");
  assert.equal(names("/usr/share/doc"), ["c"], "opaque directory hides a and b");
  assert.ok(!tree.has("/gone"), "a whited-out directory is gone");
  assert.equal(names("/dir0"), ["new"], "a deleted-then-recreated directory shows only the new layer");
  assert.equal(names("/data"), ["x", "y", "z"], "merged without duplicates");
  assert.equal(names("/hl2"), ["a"]);
  assert.is(tree.get("/data").mode, 0o700, "an implicit directory shows the lower directory's metadata");
  assert.is(tree.get("/data").uid, 7);
  assert.is(tree.get("/etc/hosts").sha, sha256("127.0.0.1 localhost\n").slice(0, 16));
  assert.is(tree.get("/lib").target, "usr/lib");
  assert.is(tree.get("/usr/lib/libc.so").size, 100000);
  assert.is(tree.get("/keep/fifo").type, 0o010000);
  compareWithKernel(r, "fresh image");
});

t("inode numbers are stable and hard links within a layer are one inode", () => {
  const o = ours();
  const st = (p) => o.vfs.statat(o.ctx, AT_FDCWD, p, AT_SYMLINK_NOFOLLOW);
  assert.is(st("/etc/passwd").ino, st("/etc/passwd").ino);
  assert.is(st("/hl/a").ino, st("/hl/b").ino);
  assert.is(st("/hl/a").nlink, 2);
  const before = st("/data/x").ino;
  // Looking up many other names does not change it.
  ourTree(o);
  assert.is(st("/data/x").ino, before);
  assert.is.not(st("/data/x").ino, st("/data/y").ino);
  assert.is(st("/").nlink, 1, "a merged directory reports nlink 1");
});

t("copy-up: writes, truncate, chmod, chown, utimes, hard link, rename of lower entries keep metadata", () => {
  const r = runBoth([
    ["chmod", "/etc/passwd", 0o600],
    ["chown", "/bin/sh", 5, 6],
    ["utimes", "/data/y", 1234567],
    ["append", "/etc/hosts", "::1 localhost\n"],
    ["truncate", "/usr/lib/libc.so", 5000],
    ["openrw", "/keep/k"],
    ["write", "/usr/share/doc/c", "rewritten"],
    ["link", "/data/x", "/data/x2"],
    ["rename", "/keep/k", "/keep/k2"],
    ["write", "/hl/a", "changed through a"],
    ["chmod", "/lib", 0o700],
    ["chown", "/lib", 3, 3],
    ["write", "/newdir/deeper", "new file in a lower dir"],
  ]);
  const t2 = r.after.ours;
  assert.is(t2.get("/etc/passwd").mode, 0o600);
  assert.is(t2.get("/etc/passwd").uid, 1000, "chmod keeps the owner");
  assert.is(t2.get("/bin/sh").mode, 0o755);
  assert.is(t2.get("/data/y").mtime, 1234567);
  assert.is(t2.get("/etc/hosts").size, "127.0.0.1 localhost\n::1 localhost\n".length);
  assert.is(t2.get("/usr/lib/libc.so").size, 5000);
  assert.is(t2.get("/data/x").nlink, 2);
  assert.is(t2.get("/data/x").ino, t2.get("/data/x2").ino);
  assert.is(t2.get("/hl/b").sha, sha256("changed through a").slice(0, 16), "the other name of a hard link sees the copy");
  assert.is(t2.get("/data/x").ino, r.before.ours.get("/data/x").ino, "a copied-up file keeps its inode number");
  assert.is(t2.get("/lib").type, 0o120000);
  // The copied-up truncated file still has the lower bytes it kept.
  const o = r.o;
  const lib = o.vfs.readFile(o.ctx, AT_FDCWD, "/usr/lib/libc.so");
  assert.equal(Buffer.from(lib), fs.readFileSync(join(L0.dir, "usr/lib/libc.so")).subarray(0, 5000));
  compareWithKernel(r, "copy-up");
});

t("a descriptor opened before a copy-up reads the copy; metadata-only copy-up reads the lower bytes", () => {
  const o = ours();
  const ro = o.vfs.openat(o.ctx, AT_FDCWD, "/etc/hosts", O_RDONLY, 0);
  assert.is(ourOps.chmod(o, "/etc/hosts", 0o600), 0);
  const buf = new Uint8Array(64);
  assert.is(Buffer.from(buf.subarray(0, ro.pread(buf, 0))).toString(), "127.0.0.1 localhost\n");
  assert.is(ourOps.write(o, "/etc/hosts", "new"), 0);
  assert.is(Buffer.from(buf.subarray(0, ro.pread(buf, 0))).toString(), "new");
  ro.release();
});

t("unlink and rmdir of lower entries leave whiteouts; mkdir over a deleted directory is opaque; directory renames", () => {
  const r = runBoth([
    ["unlink", "/etc/passwd"],
    ["unlink", "/hl/b"],
    ["rmdir", "/data"],
    ["unlink", "/data/x"], ["unlink", "/data/y"], ["unlink", "/data/z"],
    ["rmdir", "/data"],
    ["mkdir", "/data"],
    ["write", "/data/fresh", "1"],
    ["rmdir", "/usr/share/doc"],
    ["rename", "/usr/share", "/usr/share2"],
    ["rename", "/newdir", "/newdir2"],
    ["mkdir", "/mine"], ["write", "/mine/f", "f"],
    ["rename", "/mine", "/mine2"],
    ["rename", "/mine2", "/dir0/deep"],
    ["rename", "/etc/hosts", "/bin/sh"],
    ["rename", "/data/fresh", "/keep/k"],
    ["unlink", "/etc/passwd"],
    ["symlink", "../keep", "/etc/passwd"],
    ["mkdir", "/keep/fifo"],
    ["rmdir", "/keep"],
  ]);
  compareWithKernel(r, "removal and rename");
  const t2 = r.after.ours;
  assert.ok(!t2.has("/etc/passwd") || t2.get("/etc/passwd").type === 0o120000);
  assert.equal([...t2.keys()].filter((p) => p.startsWith("/data/")), ["/data/fresh"].filter((p) => t2.has(p)), "the new /data shows nothing of the old");
  assert.ok(t2.has("/dir0/deep/f") && !t2.has("/mine2"), "an upper directory moved into a recreated one");
  assert.ok(r.results.ours.includes("rename /usr/share /usr/share2 → EXDEV"), "renaming a lower directory is EXDEV (no redirect_dir)");
  assert.ok(r.results.ours.includes("rmdir /data → ENOTEMPTY"));
  assert.ok(r.results.ours.includes("rename /mine /mine2 → 0"), "a directory of the upper layer alone moves");
  // The upper tree records the deletions as OCI whiteouts and the recreated directory as opaque.
  const up = r.o.c.upper;
  assert.ok(up.children.get("etc").whiteouts === null || !up.children.get("etc").whiteouts.has("passwd") || !up.children.get("etc").children.has("passwd"));
  assert.ok(up.children.get("data").opaque, "/data recreated over a deleted lower directory is opaque");
  assert.ok(up.children.get("hl").whiteouts.has("b"));
});

t("an implicit directory over a lower symlink replaces it, as the layer extracted by Docker does", () => {
  const L3 = packLayer("l3", `mkdir -p lib; echo x > lib/x`, ["lib/x"]);
  const im = img.openImage(store, writeLayout("layout-l3", [...LAYERS, L3]));
  return im.then((im3) => {
    const o = ours(im3);
    const st = o.vfs.statat(o.ctx, AT_FDCWD, "/lib", AT_SYMLINK_NOFOLLOW);
    assert.is(st.mode & 0o170000, 0o040000, "lib is a directory");
    assert.equal(o.vfs.lookup(o.ctx, AT_FDCWD, "/lib", false).dentry.inode.list().map((e) => e.name), ["x"]);
    assert.ok(o.vfs.lookup(o.ctx, AT_FDCWD, "/usr/lib/libc.so") !== -2, "the symlink's old target is still there");
  });
});

t("two containers never see each other's writes; layer trees and the store stay unchanged", () => {
  const snapshot = () => sh(`find . -type f ! -path './tmp/*' -exec sha256sum {} + | sort`, home);
  const trees = () => image.layers.map((l) => img.serialiseLayerTree(store.layerTree(l.diffID))).join("\n");
  const s0 = snapshot(), t0 = trees();
  const a = ours(), b = ours();
  assert.is(ourOps.write(a, "/etc/hosts", "A"), 0);
  assert.is(ourOps.unlink(a, "/etc/passwd"), 0);
  assert.is(ourOps.mkdir(a, "/onlyA"), 0);
  assert.is(ourOps.chmod(a, "/bin/sh", 0o700), 0);
  assert.is(ourOps.write(b, "/hl/a", "B"), 0);
  const ta = ourTree(a), tb = ourTree(b);
  assert.is(tb.get("/etc/hosts").sha, sha256("127.0.0.1 localhost\n").slice(0, 16));
  assert.ok(tb.has("/etc/passwd") && !tb.has("/onlyA") && tb.get("/bin/sh").mode === 0o755);
  assert.is(ta.get("/hl/a").sha, sha256("shared\n").slice(0, 16));
  assert.is(trees(), t0, "layer trees unchanged");
  assert.is(snapshot(), s0, "store unchanged");
});

t("commit makes a new layer and image; a container of it sees the same tree; export writes the merged tree", async () => {
  const ops = [
    ["write", "/etc/hosts", "committed"], ["unlink", "/etc/passwd"], ["rmdir", "/keep"],
    ["unlink", "/keep/k"], ["unlink", "/keep/fifo"], ["rmdir", "/keep"], ["mkdir", "/keep"], ["write", "/keep/g", "g"],
    ["chmod", "/bin/sh", 0o700], ["link", "/data/x", "/data/x3"], ["symlink", "/etc/hosts", "/hostlink"],
    ["write", "/hl/b", "both names"],
  ];
  const r = runBoth(ops);
  const o = r.o;
  const committed = await o.c.commit({ tag: "committed:1" });
  assert.is(committed.layers.length, LAYERS.length + 1);
  assert.is(store.find("committed:1").id, committed.id);
  const again = ourTree(ours(committed));
  const strip = (tree) => describe(new Map([...tree].map(([p, v]) => [p, { ...v, mtime: undefined }])));
  assert.fixture(strip(again), strip(r.after.ours), "the committed image's tree is the container's");
  assert.equal(inodeGroups(again), inodeGroups(r.after.ours));
  // The committed layer holds the changes only, deletions as whiteouts.
  const diff = store.layerTree(committed.layers.at(-1).diffID);
  assert.ok(diff.root.children.get("etc").whiteouts.has("passwd"));
  assert.ok(diff.root.children.get("keep").opaque);
  assert.ok(!diff.root.children.has("usr"), "untouched directories are not in the layer");
  // Export: extracted by GNU tar, it is the merged tree (compared with the kernel's when mounted).
  const out = join(work, "export.tar");
  const w = fs.openSync(out, "w");
  for await (const chunk of o.c.exportTar()) fs.writeSync(w, chunk);
  fs.closeSync(w);
  const x = join(r.k ? mountRoot : work, "exported");
  fs.mkdirSync(x);
  sh(`tar --numeric-owner -xpf ${out} -C ${x}`);
  const exported = kernelTree({ root: x });
  // nlink differs by design: a lower inode reports its layer's count even when a later layer
  // whited out one of its names, while the export holds only the names that show.
  const cmp = (tree) => describe(new Map([...tree].map(([p, v]) => [p, { ...v, mtime: undefined, nlink: undefined }])));
  assert.fixture(cmp(exported), cmp(r.after.ours), "export = merged tree");
  assert.equal(inodeGroups(exported), inodeGroups(r.after.ours), "export keeps hard links");
  if (r.k) assert.fixture(cmp(exported), cmp(r.after.kernel), "export = the kernel's merged tree");
});

t("getdents, statfs and O_TRUNC copy-up", () => {
  const o = ours();
  const sfs = o.vfs.statfs({ inode: o.c.superblock.root, path: null });
  assert.is(sfs.statfs.type, 0x794c7630);
  assert.is(ourOps.write(o, "/usr/lib/libc.so", "tiny"), 0);
  assert.is(o.vfs.statat(o.ctx, AT_FDCWD, "/usr/lib/libc.so", 0).size, 4n);
  assert.is(o.c.superblock.upperData.size, 1);
});

t("(the kernel's mount options)", () => {
  if (typeof setup !== "string") console.log(`  compared with the kernel's overlayfs mounted with${kernelOptions}`);
});

t.run();
