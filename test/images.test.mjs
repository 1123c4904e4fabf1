// Image loading: the tar reader, layer trees with OCI whiteouts, the content-addressed store,
// OCI layout and docker save loading, tar export. Archives are made here by the system's GNU tar
// (the oracle) from trees created on disk, or by a tiny ustar writer for hostile archives; the
// parsed trees are compared with the trees on disk.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(repo, process.env.WASL_DIST || "dist");
const img = await import(pathToFileURL(join(dist, "images/index.js")).href);
const { nodeImageHost } = await import(pathToFileURL(join(dist, "images/host-node.js")).href);
const host = nodeImageHost();

const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-images-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
const sh = (cmd, cwd = work) => execFileSync("bash", ["-ec", cmd], { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const FAKE = "sha256:" + "0".repeat(64);
const T0 = 1700000000;

/** Deterministic pseudo-random bytes. */
function bytes(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff; }
  return out;
}

/** Parses a tar file into a layer tree, feeding the reader chunks of `chunk` bytes. */
async function parseTar(file, { chunk = 1 << 20, id = FAKE } = {}) {
  const { stream } = await img.decompressStream(host, img.readRange(host, file, 0, -1, chunk));
  return img.buildLayerTree(id, new img.TarReader(stream));
}

/** A ContentReader over plain tar files, by layer id. */
function tarReaders(byId) {
  const open = new Map();
  return {
    readContent(ref, buf, pos) {
      let f = open.get(ref.layer);
      if (!f) open.set(ref.layer, f = host.openRead(byId[ref.layer]));
      const n = Math.min(buf.length, ref.size - pos);
      return n <= 0 ? 0 : f.read(buf.subarray(0, n), ref.offset + pos);
    },
  };
}

function readAllNode(reader, n) {
  const buf = new Uint8Array(n.data ? n.data.length : n.size);
  let at = 0;
  while (at < buf.length) { const got = img.readNode(reader, n, buf.subarray(at), at); if (got <= 0) break; at += got; }
  return Buffer.from(buf.subarray(0, at));
}

/** path → one line describing the entry; hard links name the smallest path of their inode. */
function describeTree(root, reader, { nsec = false } = {}) {
  const out = new Map();
  const groups = new Map();
  const walk = (prefix, d) => {
    for (const [name, n] of d.children) {
      const p = prefix + name;
      if (n.kind !== "dir") groups.set(n, [...(groups.get(n) ?? []), p]);
      out.set(p, n);
      if (n.kind === "dir") walk(p + "/", n);
    }
  };
  walk("", root);
  const lines = new Map();
  for (const [p, n] of out) {
    let s = `${n.kind} ${n.mode.toString(8)} ${n.uid}:${n.gid} t=${n.mtimeSec}${nsec ? "." + n.mtimeNsec : ""}`;
    if (n.kind === "file") s += ` size=${n.size} sha=${sha256(readAllNode(reader, n)).slice(0, 16)}`;
    if (n.kind === "symlink") s += ` -> ${n.target}`;
    if (n.kind === "chardev" || n.kind === "blockdev") s += ` rdev=${n.rdevMajor},${n.rdevMinor}`;
    if (n.kind !== "dir") { const g = groups.get(n).sort(); s += ` links=${g.length}:${g[0]} nlink=${n.nlink}`; }
    lines.set(p, s);
  }
  return lines;
}

function describeDisk(dir, { nsec = false } = {}) {
  const lines = new Map();
  const byIno = new Map();
  const entries = [];
  const walk = (rel) => {
    for (const name of fs.readdirSync(join(dir, rel))) {
      const p = rel ? rel + "/" + name : name;
      const st = fs.lstatSync(join(dir, p), { bigint: true });
      entries.push([p, st]);
      if (!st.isDirectory()) byIno.set(st.ino, [...(byIno.get(st.ino) ?? []), p]);
      if (st.isDirectory()) walk(p);
    }
  };
  walk("");
  for (const [p, st] of entries) {
    const kind = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : st.isFIFO() ? "fifo" : st.isCharacterDevice() ? "chardev" : "blockdev";
    const sec = st.mtimeNs / 1000000000n - (st.mtimeNs < 0n && st.mtimeNs % 1000000000n !== 0n ? 1n : 0n);
    const ns = st.mtimeNs - sec * 1000000000n;
    let s = `${kind} ${(Number(st.mode) & 0o7777).toString(8)} ${st.uid}:${st.gid} t=${sec}${nsec ? "." + ns : ""}`;
    if (kind === "file") s += ` size=${st.size} sha=${sha256(fs.readFileSync(join(dir, p))).slice(0, 16)}`;
    if (kind === "symlink") s += ` -> ${fs.readlinkSync(join(dir, p))}`;
    if (kind === "chardev" || kind === "blockdev") { const r = Number(st.rdev); s += ` rdev=${(r >> 8) & 0xfff},${(r & 0xff) | ((r >> 12) & 0xfff00)}`; }
    if (kind !== "dir") { const g = byIno.get(st.ino).sort(); s += ` links=${g.length}:${g[0]} nlink=${g.length}`; }
    lines.set(p, s);
  }
  return lines;
}

function assertSameTree(actual, expected, label) {
  const a = [...actual].sort(([x], [y]) => (x < y ? -1 : 1)).map(([p, s]) => `${p}: ${s}`).join("\n");
  const e = [...expected].sort(([x], [y]) => (x < y ? -1 : 1)).map(([p, s]) => `${p}: ${s}`).join("\n");
  assert.fixture(a, e, label);
}

/** Sets every mtime in a tree to T0 (deepest first, so directories keep theirs). */
function settleTimes(dir) {
  sh(`find . -depth -exec touch -h -d @${T0} {} +`, dir);
}

// ---- trees made on disk, packed by GNU tar ----

const LONG = "l".repeat(150);
const DEEP = Array.from({ length: 6 }, (_, i) => `level${i}-${"d".repeat(40)}`).join("/");

/** A tree every tar format can hold (ustar: components ≤ 100 bytes, paths ≤ 255, small ids). */
function makeCommonTree(dir) {
  fs.mkdirSync(dir, { recursive: true });
  sh(`
    mkdir -p x y empty dev "${"p".repeat(90)}/${"q".repeat(60)}"
    printf 'hello\\n' > x/file1
    ln x/file1 y/link1
    ln x/file1 link-at-root
    ln -s ../x/file1 y/sym
    ln -s /absolute/target abs-sym
    mkfifo fifo
    mknod dev/c c 1 3
    mknod dev/b b 7 0
    : > zero
    chmod 4755 x/file1; chmod 0600 zero; chmod 1777 empty
    chown 1234:5678 y; chown -h 42:43 y/sym
  `, dir);
  for (const [name, n, seed] of [["s511", 511, 1], ["s512", 512, 2], ["s513", 513, 3], ["big", 300000, 4]]) fs.writeFileSync(join(dir, name), bytes(n, seed));
  fs.writeFileSync(join(dir, "p".repeat(90), "q".repeat(60), "r".repeat(100)), "deep but ustar-splittable\n");
  settleTimes(dir);
}

/** Names and values only GNU and pax headers can hold. */
function makeExtendedTree(dir) {
  makeCommonTree(dir);
  sh(`
    mkdir -p "${DEEP}" "dir-${LONG}"
    printf long > "dir-${LONG}/${LONG}"
    ln "dir-${LONG}/${LONG}" "hard-${LONG}"
    printf deep > "${DEEP}/file-${"f".repeat(80)}"
    ln -s "${"t".repeat(120)}/${LONG}" longsym
    printf 'unicode\\n' > 'héllo-世界.txt'
    : > bigids; chown 3000000:4000000 bigids
    : > negative
  `, dir);
  settleTimes(dir);
  sh(`touch -d @-100 negative; touch -d @${T0}.25 'héllo-世界.txt'`, dir);
  sh(`python3 -c "import os; os.setxattr('héllo-世界.txt', 'user.wasl', b'v\\x00\\xff')"`, dir);
}

const tarTest = suite("tar reader against GNU tar");

const common = join(work, "common");
const extended = join(work, "extended");
makeCommonTree(common);
makeExtendedTree(extended);

for (const format of ["ustar", "gnu", "pax"]) {
  for (const [label, dir] of [["common", common], ["extended", extended]]) {
    if (format === "ustar" && label === "extended") continue;
    tarTest(`${format} ${label} tree matches the disk`, async () => {
      const file = join(work, `${label}-${format}.tar`);
      sh(`tar --format=${format} --numeric-owner ${format === "pax" ? "--xattrs" : ""} -cf ${file} -C ${dir} .`);
      const tree = await parseTar(file);
      const reader = tarReaders({ [FAKE]: file });
      const nsec = format === "pax";
      assertSameTree(describeTree(tree.root, reader, { nsec }), describeDisk(dir, { nsec }), `${format} ${label}`);
      if (format === "pax" && label === "extended") {
        const n = img.layerLookup(tree, "héllo-世界.txt");
        assert.equal([...n.xattrs.get("user.wasl")], [0x76, 0, 0xff]);
        assert.is(n.mtimeNsec, 250000000);
      }
    });
  }
}

tarTest("the reader gives the same tree for any chunking of the input", async () => {
  const file = join(work, "extended-pax.tar");
  const whole = img.serialiseLayerTree(await parseTar(file));
  for (const chunk of [1, 7, 511, 513, 4096]) assert.is(img.serialiseLayerTree(await parseTar(file, { chunk })), whole, `chunk ${chunk}`);
});

tarTest("gzip-compressed tars are detected and streamed through gunzip", async () => {
  const plain = join(work, "common-gnu.tar");
  const gz = join(work, "common-gnu.tar.gz");
  fs.writeFileSync(gz, gzipSync(fs.readFileSync(plain)));
  assert.is(img.serialiseLayerTree(await parseTar(gz, { chunk: 1000 })), img.serialiseLayerTree(await parseTar(plain)));
});

tarTest("zstd layers fail clearly when the host has no zstd", async () => {
  const file = join(work, "z.tar.zst");
  sh(`zstd -q -f -o ${file} common-gnu.tar`);
  const noZstd = { ...host, zstdDecompress: undefined };
  try {
    await img.decompressStream(noZstd, img.readRange(host, file));
    assert.unreachable("zstd accepted");
  } catch (e) {
    assert.match(e.message, "zstd layers are not supported on this host");
  }
});

tarTest("the cached index round-trips the tree", async () => {
  const tree = await parseTar(join(work, "extended-pax.tar"));
  const json = img.serialiseLayerTree(tree);
  const again = img.parseLayerTree(json, FAKE);
  assert.is(img.serialiseLayerTree(again), json);
  const a = img.layerLookup(again, "x/file1"), b = img.layerLookup(again, "y/link1");
  assert.ok(a === b && a.nlink === 3, "hard links stay one inode");
});

tarTest("export writes a tree GNU tar extracts to the same tree", async () => {
  for (const label of ["common-ustar", "extended-pax"]) {
    const src = join(work, `${label}.tar`);
    const tree = await parseTar(src);
    const out = join(work, `${label}.exported.tar`);
    const w = host.openWrite(out);
    for await (const c of img.writeTreeTar(tree.root, tarReaders({ [FAKE]: src }))) w.write(c);
    w.close();
    const dest = join(work, `${label}.extracted`);
    fs.mkdirSync(dest);
    sh(`tar --numeric-owner --xattrs -xpf ${out} -C ${dest}`);
    const orig = label === "common-ustar" ? common : extended;
    assertSameTree(describeDisk(dest, { nsec: true }), describeDisk(orig, { nsec: true }), label);
    // And our reader agrees with itself on the exported archive.
    assertSameTree(describeTree((await parseTar(out)).root, tarReaders({ [FAKE]: out }), { nsec: true }),
      describeTree(tree.root, tarReaders({ [FAKE]: src }), { nsec: true }), label + " reparsed");
  }
});

tarTest.run();

// ---- whiteouts, opaque directories, replacement within a layer ----

const wh = suite("layers with OCI whiteouts");

/** Applies one layer directory onto a merged directory with real file operations, as Docker does. */
function applyOnDisk(layer, merged) {
  sh(`
    find . -name '.wh..wh..opq' | while read -r f; do find "${merged}/$(dirname "$f")" -mindepth 1 -delete; done
    find . -name '.wh.*' ! -name '.wh..wh..opq' | while read -r f; do n=$(basename "$f"); rm -rf "${merged}/$(dirname "$f")/\${n#.wh.}"; done
    tar --exclude='.wh.*' -cf - . | tar -C "${merged}" -xpf -
  `, layer);
}

/** The same over parsed trees: whiteouts and opaque markers hide only what is below. */
function applyTree(target, layerDir) {
  if (layerDir.opaque) target.children.clear();
  for (const w of layerDir.whiteouts ?? []) target.children.delete(w);
  for (const [name, child] of layerDir.children) {
    if (child.kind === "dir") {
      let t = target.children.get(name);
      if (!t || t.kind !== "dir") { t = Object.assign(Object.create(Object.getPrototypeOf(child)), child, { children: new Map() }); target.children.set(name, t); }
      else if (!child.implicit) Object.assign(t, { mode: child.mode, uid: child.uid, gid: child.gid, mtimeSec: child.mtimeSec, mtimeNsec: child.mtimeNsec });
      applyTree(t, child);
    } else {
      target.children.set(name, child);
    }
  }
}

wh("three layers: whiteouts, an opaque dir, a deleted-then-recreated dir, replacement", async () => {
  const L = [1, 2, 3].map((i) => join(work, `wl${i}`));
  L.forEach((d) => fs.mkdirSync(d));
  sh(`mkdir -p etc d/sub old/inner keep; echo k > etc/keep; echo g > etc/gone; echo x > d/x; echo y > d/sub/y; echo a > old/inner/a; echo same > keep/f`, L[0]);
  sh(`mkdir -p etc d; : > etc/.wh.gone; : > d/.wh..wh..opq; echo z > d/z; : > .wh.old; echo new > keep/f 2>/dev/null || (mkdir keep && echo new > keep/f)`, L[1]);
  sh(`mkdir -p old; echo b > old/b; echo third > etc/keep 2>/dev/null || (mkdir -p etc && echo third > etc/keep)`, L[2]);
  const merged = join(work, "wmerged");
  fs.mkdirSync(merged);
  const files = {};
  const trees = [];
  for (const [i, d] of L.entries()) {
    settleTimes(d);
    const file = join(work, `wl${i + 1}.tar`);
    sh(`tar --format=pax -cf ${file} -C ${d} .`);
    const id = "sha256:" + sha256(fs.readFileSync(file));
    files[id] = file;
    trees.push(await parseTar(file, { id }));
    applyOnDisk(d, merged);
  }
  const [t1, t2, t3] = trees;
  assert.equal([...img.layerLookup(t2, "etc").whiteouts], ["gone"]);
  assert.ok(img.layerLookup(t2, "d").opaque, "d is opaque in layer 2");
  assert.equal([...t2.root.whiteouts], ["old"]);
  assert.ok(!img.layerLookup(t3, "old").opaque, "the recreated dir is a plain dir; the whiteout below hides the old one");
  assert.is(img.layerLookup(t1, "etc/.wh.gone"), null);
  const root = Object.assign(Object.create(Object.getPrototypeOf(t1.root)), t1.root, { children: new Map() });
  for (const t of trees) applyTree(root, t.root);
  assertSameTree(describeTree(root, tarReaders(files)), describeDisk(merged), "merged");
});

/** A tiny ustar writer for archives GNU tar would refuse to make. */
function ustar(entries) {
  const blocks = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, "utf8");
    h.write("0000644\0", 100); h.write("0000000\0", 108); h.write("0000000\0", 116);
    const data = Buffer.from(e.data ?? "");
    h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write(T0.toString(8).padStart(11, "0") + "\0", 136);
    h.write(e.type ?? "0", 156);
    h.write(e.link ?? "", 157, 100, "utf8");
    h.write("ustar\0" + "00", 257, "binary");
    h.fill(0x20, 148, 156);
    let sum = 0; for (const c of h) sum += c;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

async function parseBuffer(buf) {
  const file = join(work, `buf-${sha256(buf).slice(0, 12)}.tar`);
  fs.writeFileSync(file, buf);
  return parseTar(file);
}

async function rejects(promise, pattern) {
  try { await promise; } catch (e) { assert.match(e.message, pattern); return e; }
  assert.unreachable(`expected an error matching ${pattern}`);
}

wh("a later entry for the same path replaces the earlier; a dir named twice keeps its entries", async () => {
  const t = await parseBuffer(ustar([
    { name: "a", data: "first" }, { name: "a", data: "second!" },
    { name: "d/", type: "5" }, { name: "d/keep", data: "k" }, { name: "d/", type: "5" },
    { name: "f", data: "file" }, { name: "f/", type: "5" },
    { name: "h", data: "x" }, { name: "h2", type: "1", link: "h" }, { name: "h", data: "replaced" },
  ]));
  assert.is(img.layerLookup(t, "a").size, 7);
  assert.ok(img.layerLookup(t, "d/keep"));
  assert.is(img.layerLookup(t, "f").kind, "dir");
  assert.is(img.layerLookup(t, "h2").nlink, 1, "the replaced name no longer counts as a link");
  assert.is(img.layerLookup(t, "h").size, 8);
});

wh("a whiteout beside an entry of the same layer hides only the lower one", async () => {
  const t = await parseBuffer(ustar([{ name: ".wh.dir" }, { name: "dir/", type: "5" }, { name: "dir/n", data: "n" }, { name: ".wh.file" }, { name: "file", data: "f" }]));
  assert.ok(img.layerLookup(t, "dir").opaque);
  assert.is(t.root.whiteouts, null);
  assert.ok(img.layerLookup(t, "dir/n"));
});

wh("hostile archives are refused with the entry named", async () => {
  await rejects(parseBuffer(ustar([{ name: "../x", data: "x" }])), /"\.\.\/x" escapes the layer root/);
  await rejects(parseBuffer(ustar([{ name: "a/../../x", data: "x" }])), /escapes the layer root/);
  await rejects(parseBuffer(ustar([{ name: "a", type: "2", link: "/etc" }, { name: "a/passwd", data: "root::0:0" }])), /"a\/passwd" goes through the symlink "a"/);
  await rejects(parseBuffer(ustar([{ name: "ok", data: "x" }, { name: "l", type: "1", link: "../../etc/shadow" }])), /escapes the layer root/);
  await rejects(parseBuffer(ustar([{ name: "l", type: "1", link: "missing" }])), /neither an earlier entry of this layer nor a file of the layers below/);
  // Absolute names are put under the root, as tar extracts them.
  const t = await parseBuffer(ustar([{ name: "/etc/passwd", data: "root::0:0" }]));
  assert.is(img.layerLookup(t, "etc/passwd").size, 9);
  assert.ok(img.layerLookup(t, "etc").implicit);
});

wh("entry data can be streamed from the reader", async () => {
  const file = join(work, "common-gnu.tar");
  const reader = new img.TarReader(img.readRange(host, file, 0, -1, 333));
  const seen = {};
  for (let e = await reader.next(); e; e = await reader.next()) {
    if (e.path === "./big") { let n = 0; const h = createHash("sha256"); for await (const c of reader.data()) { h.update(c); n += c.length; } seen.big = [n, h.digest("hex")]; }
    if (e.path === "./s513") seen.s513 = sha256(await reader.readAll());
  }
  assert.equal(seen.big, [300000, sha256(fs.readFileSync(join(common, "big")))]);
  assert.is(seen.s513, sha256(fs.readFileSync(join(common, "s513"))));
  assert.is(reader.position, fs.statSync(file).size, "the whole archive, end blocks included, is consumed");
});

wh("truncated archives and bad checksums are clear errors", async () => {
  const good = ustar([{ name: "f", data: "x".repeat(2000) }, { name: "g", data: "y" }]);
  await rejects(parseBuffer(good.subarray(0, 1200)), /truncated archive: entry data ends/);
  await rejects(parseBuffer(good.subarray(0, 300)), /truncated archive: a header ends after 300/);
  const pax = fs.readFileSync(join(work, "extended-pax.tar"));
  await rejects(parseBuffer(pax.subarray(0, 512 + 100)), /truncated archive/);
  const bad = Buffer.from(good); bad[3] ^= 1;
  await rejects(parseBuffer(bad), /bad header checksum at offset 0/);
});

wh.run();

// ---- the store, OCI layouts and docker save tarballs, from Debian's busybox-static ----

const st = suite("image store");
const BUSYBOX = "/bin/busybox";
const haveBusybox = fs.existsSync(BUSYBOX);
if (!haveBusybox) console.error("skipping the image store tests: /bin/busybox is missing (apt-get install busybox-static)");

const blobDir = join(work, "blobs-src");
function packLayer(name, setup, gzip) {
  const d = join(work, "src-" + name);
  fs.mkdirSync(d, { recursive: true });
  setup(d);
  settleTimes(d);
  const tar = join(work, `${name}.tar`);
  sh(`tar --format=pax --sort=name --numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf ${tar} -C ${d} .`);
  const plain = fs.readFileSync(tar);
  const blob = gzip ? gzipSync(plain) : plain;
  return { dir: d, plain, blob, diffID: "sha256:" + sha256(plain), digest: "sha256:" + sha256(blob), gzip };
}

const json = (o) => Buffer.from(JSON.stringify(o));
const desc = (mediaType, b) => ({ mediaType, digest: "sha256:" + sha256(b), size: b.length });

function configFor(layers, extra = {}) {
  return json({
    architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z",
    config: {
      Env: ["PATH=/bin", "GREETING=hi"], Entrypoint: ["/bin/sh", "-c"], Cmd: ["echo $GREETING"], WorkingDir: "/srv",
      User: "1000:1000", ExposedPorts: { "8080/tcp": {} }, Labels: { "org.example": "wasl" }, ...extra,
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) },
  });
}

/** Writes an OCI layout with one image; returns its directory. */
function writeLayout(name, layers, { refName = "1.0", corrupt = null } = {}) {
  const dir = join(work, name);
  fs.mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (b) => { fs.writeFileSync(join(dir, "blobs", "sha256", sha256(b)), b); return b; };
  const config = put(configFor(layers));
  for (const l of layers) put(l.blob);
  const manifest = put(json({
    schemaVersion: 2, mediaType: img.MEDIA.ociManifest, config: desc(img.MEDIA.ociConfig, config),
    layers: layers.map((l) => desc(l.gzip ? img.MEDIA.ociLayerGzip : img.MEDIA.ociLayer, l.blob)),
  }));
  // An image index with an arm64 manifest first: the loader must pick linux/amd64.
  const arm = put(json({ schemaVersion: 2, mediaType: img.MEDIA.ociManifest, config: desc(img.MEDIA.ociConfig, config), layers: [] }));
  const index = put(json({
    schemaVersion: 2, mediaType: img.MEDIA.ociIndex, manifests: [
      { ...desc(img.MEDIA.ociManifest, arm), platform: { os: "linux", architecture: "arm64" } },
      { ...desc(img.MEDIA.ociManifest, manifest), platform: { os: "linux", architecture: "amd64" } },
    ],
  }));
  fs.writeFileSync(join(dir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(join(dir, "index.json"), json({
    schemaVersion: 2, manifests: [{ ...desc(img.MEDIA.ociIndex, index), annotations: { "org.opencontainers.image.ref.name": refName } }],
  }));
  if (corrupt) { const p = join(dir, "blobs", "sha256", corrupt.digest.slice(7)); const b = fs.readFileSync(p); b[b.length >> 1] ^= 0xff; fs.writeFileSync(p, b); }
  return { dir, manifestDigest: "sha256:" + sha256(manifest), configDigest: "sha256:" + sha256(config) };
}

/** A docker save tarball: "new" (manifest.json, Docker 25 style blobs/ with <id>/layer.tar symlinks) or "old" (repositories). */
function writeDockerSave(name, layers, tag, format) {
  const dir = join(work, name + ".d");
  fs.mkdirSync(dir);
  const config = configFor(layers);
  const ids = layers.map((l, i) => sha256(l.diffID + i));
  if (format === "new") {
    fs.mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
    fs.writeFileSync(join(dir, "blobs", "sha256", sha256(config)), config);
    layers.forEach((l, i) => {
      fs.writeFileSync(join(dir, "blobs", "sha256", sha256(l.plain)), l.plain);
      fs.mkdirSync(join(dir, ids[i]));
      fs.symlinkSync(`../blobs/sha256/${sha256(l.plain)}`, join(dir, ids[i], "layer.tar"));
    });
    fs.writeFileSync(join(dir, "manifest.json"), json([{ Config: `blobs/sha256/${sha256(config)}`, RepoTags: [tag], Layers: ids.map((id) => `${id}/layer.tar`) }]));
  } else {
    layers.forEach((l, i) => {
      fs.mkdirSync(join(dir, ids[i]));
      fs.writeFileSync(join(dir, ids[i], "layer.tar"), l.plain);
      fs.writeFileSync(join(dir, ids[i], "VERSION"), "1.0");
      fs.writeFileSync(join(dir, ids[i], "json"), json({ id: ids[i], ...(i ? { parent: ids[i - 1] } : {}), architecture: "amd64", os: "linux", config: JSON.parse(config).config }));
    });
    const [n, t] = tag.split(":");
    fs.writeFileSync(join(dir, "repositories"), json({ [n]: { [t]: ids[ids.length - 1] } }));
  }
  const file = join(work, name);
  sh(`tar --format=pax -cf ${file} -C ${dir} .`);
  return file;
}

/** Every file under the store root with its sha256: "unchanged" means this is equal. */
function snapshot(root) {
  return sh(`find . -type f ! -path './tmp/*' -exec sha256sum {} + | sort; find tmp -mindepth 1 | wc -l`, root);
}

if (haveBusybox) {
  const base = packLayer("base", (d) => sh(`
    mkdir -p bin etc srv
    cp ${BUSYBOX} bin/busybox
    ln -s busybox bin/sh; ln bin/busybox bin/ls
    echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd
    echo old > etc/motd; mkdir -p var/cache; echo c > var/cache/c`, d), true);
  const top = packLayer("top", (d) => sh(`mkdir -p etc var/cache; echo 'hello from layer 2' > etc/motd; : > etc/.wh.passwd; : > var/cache/.wh..wh..opq`, d), false);
  const other = packLayer("other", (d) => sh(`mkdir -p srv; echo other > srv/index.html`, d), false);
  const storeRoot = join(work, "store");
  const open = () => img.ImageStore.open(host, storeRoot);

  st("an OCI layout loads: linux/amd64 picked from the index, config parsed, contents read lazily", async () => {
    const layout = writeLayout("layout-a", [base, top]);
    const store = open();
    const [im] = await img.loadImage(store, `oci:${layout.dir}`, { name: "bb-oci" });
    assert.equal(im.tags, ["bb-oci:1.0"]);
    assert.is(im.manifest, layout.manifestDigest);
    const image = store.image("bb-oci:1.0");
    assert.equal(image.config.env, ["PATH=/bin", "GREETING=hi"]);
    assert.equal(image.config.entrypoint, ["/bin/sh", "-c"]);
    assert.equal(image.config.cmd, ["echo $GREETING"]);
    assert.is(image.config.workingDir, "/srv");
    assert.is(image.config.user, "1000:1000");
    assert.equal(image.config.exposedPorts, ["8080/tcp"]);
    assert.equal(image.config.labels, { "org.example": "wasl" });
    assert.equal(image.layers.map((l) => l.diffID), [base.diffID, top.diffID]);
    const [t1, t2] = await store.layerTrees("bb-oci:1.0");
    const bb = img.layerLookup(t1, "bin/busybox");
    assert.is(bb, img.layerLookup(t1, "bin/ls"));
    assert.is(bb.nlink, 2);
    assert.is(sha256(readAllNode(store, bb)), sha256(fs.readFileSync(BUSYBOX)));
    assert.is(img.layerLookup(t1, "bin/sh").target, "busybox");
    assert.equal([...img.layerLookup(t2, "etc").whiteouts], ["passwd"]);
    assert.ok(img.layerLookup(t2, "var/cache").opaque);
    assert.is(readAllNode(store, img.layerLookup(t2, "etc/motd")).toString(), "hello from layer 2\n");
    // The gzip layer is kept uncompressed once for random access; the plain one is its own blob.
    assert.ok(fs.existsSync(join(storeRoot, "layers", "sha256", base.diffID.slice(7) + ".tar")));
    assert.ok(!fs.existsSync(join(storeRoot, "layers", "sha256", top.diffID.slice(7) + ".tar")));
    store.close();
  });

  st("loading again stores nothing new and reads no tar; a fresh store uses the cached index", async () => {
    const before = snapshot(storeRoot);
    const store = open();
    await img.loadImage(store, `oci:${join(work, "layout-a")}`, { name: "bb-oci" });
    assert.equal([store.stats.blobsWritten, store.stats.layersIndexed], [0, 0]);
    assert.is(snapshot(storeRoot), before);
    const trees = await open().layerTrees("bb-oci:1.0");
    assert.is(trees.length, 2);
    const fresh = open();
    await fresh.layerTrees("bb-oci:1.0");
    assert.equal([fresh.stats.layersIndexed, fresh.stats.layerIndexesLoaded], [0, 2]);
  });

  st("a second image sharing the base layer stores it once; docker save tarballs in both formats load", async () => {
    const layoutB = writeLayout("layout-b", [base, other], { refName: "example.com/team/bb:2" });
    const store = open();
    const [b] = await img.loadImage(store, layoutB.dir);
    assert.equal(b.tags, ["example.com/team/bb:2"]);
    assert.is(store.stats.layersIndexed, 1, "only the new layer is indexed");
    const blobs = fs.readdirSync(join(storeRoot, "blobs", "sha256"));
    assert.is(blobs.filter((h) => h === base.digest.slice(7)).length, 1);

    const newSave = writeDockerSave("bb-new.tar", [base, top], "busybox:new", "new");
    const [c] = await img.loadImage(store, newSave);
    assert.equal(c.tags, ["busybox:new"]);
    const oldSave = writeDockerSave("bb-old.tar.gz", [base, other], "docker.io/library/busybox:old", "old");
    fs.writeFileSync(oldSave, gzipSync(fs.readFileSync(oldSave)));
    const [d] = await img.loadImage(store, `docker-archive:${oldSave}`);
    assert.equal(d.tags, ["busybox:old"]);
    const image = store.image("docker.io/library/busybox:old");
    assert.equal(image.config.cmd, ["echo $GREETING"]);
    assert.equal(image.layers.map((l) => l.diffID), [base.diffID, other.diffID]);
    // The docker save layers are plain tars: their diffIDs are already indexed, nothing is re-read.
    assert.is(store.stats.layersIndexed, 1);
    const [t1] = await store.layerTrees("busybox:new");
    assert.is(sha256(readAllNode(store, img.layerLookup(t1, "bin/busybox"))), sha256(fs.readFileSync(BUSYBOX)));
    assert.equal(store.list().map((x) => x.tags.join()).sort(), ["bb-oci:1.0", "busybox:new", "busybox:old", "example.com/team/bb:2"]);
    store.close();
  });

  st("a digest mismatch or a hostile layer leaves the store unchanged", async () => {
    const before = snapshot(storeRoot);
    const fresh = packLayer("fresh", (d) => sh(`echo fresh > f`, d), true);
    const fresh2 = packLayer("fresh2", (d) => sh(`echo fresh2 > g`, d), false);
    const bad = writeLayout("layout-bad", [fresh, fresh2], { corrupt: fresh2 });
    await rejects(img.loadImage(open(), `oci:${bad.dir}`, { name: "bad" }), /digest mismatch/);
    assert.is(snapshot(storeRoot), before);
    const evil = { plain: ustar([{ name: "ok", data: "fine" }, { name: "../../escape", data: "x" }]) };
    Object.assign(evil, { blob: evil.plain, diffID: "sha256:" + sha256(evil.plain), gzip: false });
    const hostile = writeLayout("layout-hostile", [fresh, evil]);
    await rejects(img.loadImage(open(), `oci:${hostile.dir}`, { name: "evil" }), /layer 2\/2 .*"\.\.\/\.\.\/escape" escapes the layer root/);
    assert.is(snapshot(storeRoot), before);
    const truncated = writeDockerSave("bb-trunc.tar", [base, top], "trunc:1", "new");
    fs.truncateSync(truncated, 600000);
    await rejects(img.loadImage(open(), truncated), /truncated/);
    assert.is(snapshot(storeRoot), before);
  });

  st("remove deletes only blobs no remaining image references", async () => {
    const store = open();
    const count = () => fs.readdirSync(join(storeRoot, "blobs", "sha256")).length;
    const n0 = count();
    const removed = store.remove("bb-oci:1.0");
    assert.ok(!removed.includes(base.digest) && !removed.includes(top.digest), "layers still used by busybox:new / example.com stay");
    assert.is(count(), n0 - removed.length);
    for (const ref of ["busybox:new", "busybox:old", "example.com/team/bb:2"]) {
      for (const t of await store.layerTrees(ref)) img.walkLayer(t, (_p, n) => { if (n.kind === "file") readAllNode(store, n); });
    }
    store.remove("busybox:new");
    assert.ok(fs.existsSync(join(storeRoot, "blobs", "sha256", base.digest.slice(7))), "the gzip base is still used by example.com/team/bb:2");
    assert.ok(!fs.existsSync(join(storeRoot, "layers", "sha256", top.diffID.slice(7) + ".json")), "top is unused now");
    store.remove("busybox:old");
    store.remove("example.com/team/bb:2");
    assert.equal(fs.readdirSync(join(storeRoot, "blobs", "sha256")), []);
    assert.equal(fs.readdirSync(join(storeRoot, "layers", "sha256")), []);
    assert.equal(store.list(), []);
  });

  st("a plain layer blob stays while a gzip image of the same diffID needs its contents", async () => {
    const root2 = join(work, "store2");
    const store = img.ImageStore.open(host, root2);
    await img.loadImage(store, join(work, "bb-new.tar"));
    await img.loadImage(store, `oci:${join(work, "layout-b")}`);
    assert.is(store.stats.layersIndexed, 3, "base and top from the tarball, other from the layout");
    store.remove("busybox:new");
    const [t1] = await store.layerTrees("example.com/team/bb:2");
    assert.is(sha256(readAllNode(store, img.layerLookup(t1, "bin/busybox"))), sha256(fs.readFileSync(BUSYBOX)));
    store.remove("example.com/team/bb:2");
    assert.equal(fs.readdirSync(join(root2, "blobs", "sha256")), []);
  });

  st("a truncated gzip layer is a clear error", async () => {
    const cut = { ...base, blob: base.blob.subarray(0, base.blob.length - 5000) };
    cut.digest = "sha256:" + sha256(cut.blob);
    const layout = writeLayout("layout-cut", [cut]);
    await rejects(img.loadImage(img.ImageStore.open(host, join(work, "store3")), `oci:${layout.dir}`), /gunzip failed: unexpected end of file/);
  });

  st("a hard link to a file of a lower layer (docker save writes them) names a copy-up of that file; a hidden target is refused", async () => {
    // One inode for both names in the linking layer, the bytes still read from the base layer's blob.
    const plainOf = (buf) => ({ plain: buf, blob: buf, diffID: "sha256:" + sha256(buf), digest: "sha256:" + sha256(buf), gzip: false });
    const xlink = plainOf(ustar([{ name: "bin/bb2", type: "1", link: "bin/busybox" }, { name: "bin/bb3", type: "1", link: "./bin/busybox" }]));
    const layout = writeLayout("layout-xlink", [base, top, xlink], { refName: "xlink" });
    const root = join(work, "store-xlink");
    await img.loadImage(img.ImageStore.open(host, root), `oci:${layout.dir}`, { name: "bb-x" });
    for (const store of [img.ImageStore.open(host, root), img.ImageStore.open(host, root)]) {
      const t3 = (await store.layerTrees("bb-x:xlink"))[2];
      const up = img.layerLookup(t3, "bin/busybox");
      assert.ok(up, "the target is copied up into the linking layer");
      assert.is(img.layerLookup(t3, "bin/bb2"), up);
      assert.is(img.layerLookup(t3, "bin/bb3"), up);
      assert.is(up.nlink, 3);
      assert.is(sha256(readAllNode(store, up)), sha256(fs.readFileSync(BUSYBOX)));
    }
    // etc/passwd exists in the base layer but the top layer whites it out: nothing to link to.
    const hidden = plainOf(ustar([{ name: "etc/pw", type: "1", link: "etc/passwd" }]));
    await rejects(img.loadImage(img.ImageStore.open(host, join(work, "store-xlink2")), `oci:${writeLayout("layout-xlink2", [base, top, hidden]).dir}`),
      /hard link "etc\/pw" → "etc\/passwd": the target is neither an earlier entry of this layer nor a file of the layers below/);
  });

  st("a layer diff with whiteouts round-trips through export", async () => {
    const store = open();
    const t = await parseTar(join(work, "top.tar"));
    const out = join(work, "top-export.tar");
    const w = host.openWrite(out);
    for await (const c of img.writeLayerDiffTar(t.root, tarReaders({ [FAKE]: join(work, "top.tar") }))) w.write(c);
    w.close();
    const listing = sh(`tar -tf ${out}`).trim().split("\n");
    assert.ok(listing.includes("etc/.wh.passwd") && listing.includes("var/cache/.wh..wh..opq"), listing.join(" "));
    const noOffsets = (tree) => img.serialiseLayerTree(tree).replace(/"o":\d+,/g, "");
    assert.is(noOffsets(await parseTar(out)), noOffsets(t));
    store.close();
  });
}

st.run();

// ---- references ----

const refs = suite("image references");
refs("names, tags, digests, registries, oci: and docker-archive: and paths", () => {
  const cases = [
    ["busybox", { kind: "name", name: "busybox", tag: "latest", ref: "busybox:latest" }],
    ["docker.io/library/alpine:3.19", { kind: "name", name: "alpine", tag: "3.19", ref: "alpine:3.19" }],
    ["localhost:5000/team/tool:1.2", { kind: "name", name: "localhost:5000/team/tool", tag: "1.2", ref: "localhost:5000/team/tool:1.2" }],
    ["oci:./my-image-dir", { kind: "oci", dir: "./my-image-dir", tag: null }],
    ["oci:/tmp/layout:v2", { kind: "oci", dir: "/tmp/layout", tag: "v2" }],
    ["docker-archive:./img.tar", { kind: "docker-archive", file: "./img.tar" }],
    ["./alpine.tar", { kind: "path", path: "./alpine.tar" }],
    ["/abs/dir", { kind: "path", path: "/abs/dir" }],
    ["img.tar.gz", { kind: "path", path: "img.tar.gz" }],
  ];
  for (const [s, want] of cases) {
    const got = img.parseImageReference(s);
    for (const k of Object.keys(want)) assert.equal(got[k], want[k], `${s}: ${k}`);
  }
  const d = "sha256:" + "a".repeat(64);
  assert.is(img.parseImageReference(`busybox@${d}`).ref, `busybox@${d}`);
  assert.throws(() => img.parseImageReference("Upper/Case"), /lowercase/);
});
refs.run();
