// End to end through the `wasl` command: images built here from Debian's busybox-static (a busybox
// rootfs) and from a debootstrap minbase rootfs, packed by this file in four formats (OCI layout
// directory; docker save as Docker ≥ 25 writes it, with an OCI index.json and blobs/sha256; as
// Docker < 25 wrote it, <id>/layer.tar with manifest.json; and the pre-1.10 repositories-only
// form), then `wasl load`, `wasl images`, `wasl inspect`, `wasl rmi`, `wasl pull` (from Debian's
// docker-registry fed by skopeo) and, when the CLI has them, `wasl run`, `wasl commit` and
// `wasl export`. Commands run in the image are compared with the same commands run natively under
// chroot in a tree unpacked from the very same layer tar, set up as Docker sets up a container's
// root: its init layer's empty 0755 files at /etc/resolv.conf, /etc/hostname and /etc/hosts
// (replacing the image's), with the container's own files bind-mounted over them (in a private
// mount namespace, `unshare -m`), so `docker export` of it is the tree left behind.
//
// The minbase rootfs comes from `debootstrap --variant=minbase bookworm` (about 35 s here) and is
// cached in test/.cache/debootstrap-minbase-bookworm-amd64; WASL_TEST_NO_DEBOOTSTRAP=1 skips it.
// Timings (load, first run) are printed as "images_cli timing:" lines for bench/.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as net from "node:net";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { writeWaslLauncher } from "./lib/run.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(repo, process.env.WASL_DIST || "dist");
const cacheDir = join(repo, "test", ".cache");
const MINBASE_KEY = "debootstrap-minbase-bookworm-amd64";
const RUN_TIMEOUT_MS = Number(process.env.WASL_TEST_TIMEOUT || 300) * 1000;

const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-images-cli-"));
const children = [];
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  fs.rmSync(work, { recursive: true, force: true });
});
const sh = (cmd, cwd = work) => execFileSync("bash", ["-ec", cmd], { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 }).toString();
const have = (cmd) => spawnSync("bash", ["-c", `command -v ${cmd}`]).status === 0;
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const json = (o) => Buffer.from(JSON.stringify(o));
const T0 = 1700000000;
/** Timings are reported, never asserted (speed claims live in bench/). */
const timing = (what, ms) => console.log(`images_cli timing: ${what}: ${(ms / 1000).toFixed(2)} s`);

function fail(message) {
  const e = new Error(message.split("\n").join("\n    "));
  e.stack = "";
  throw e;
}

// A launcher for the CLI of WASL_DIST (bin/wasl.js always loads dist/). A script file, not
// `node -e`: node would take a first argument "inspect" as its debugger subcommand.
const launcher = join(work, "wasl.mjs");
writeWaslLauncher(launcher);

/** Runs the wasl CLI from WASL_DIST with its store at `home`; resolves {stdout, stderr, status, ms}. */
function wasl(args, { home, env = {}, timeout = RUN_TIMEOUT_MS, stdoutFile = null } = {}) {
  return new Promise((done) => {
    const out = [], err = [];
    const t0 = performance.now();
    const stdout = stdoutFile ? fs.openSync(stdoutFile, "w") : "pipe";
    const child = spawn(process.execPath, [launcher, ...args], {
      cwd: work, env: { PATH: process.env.PATH, HOME: work, WASL_HOME: home, LANG: "C", TZ: "UTC", ...env },
      stdio: ["ignore", stdout, "pipe"],
    });
    children.push(child);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, timeout);
    child.stdout?.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (typeof stdout === "number") fs.closeSync(stdout);
      done({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), status: signal ? `signal ${signal}` : status, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** A command that must succeed. */
async function ok(args, opts) {
  const r = await wasl(args, opts);
  if (r.status !== 0) fail(`wasl ${args.join(" ")} exited ${r.status}${r.timedOut ? " (timed out)" : ""}\n${r.stderr.trim().slice(-1500)}`);
  return r;
}

/** A command that must fail as wasl's own error: status 125 and one line on stderr matching re. */
async function fails125(args, re, opts) {
  const r = await wasl(args, opts);
  assert.is(r.status, 125, `wasl ${args.join(" ")}: status ${r.status}, stderr ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.is(lines.length, 1, `one line of error, got: ${r.stderr}`);
  assert.match(lines[0], re);
  assert.is(r.stdout, "");
  return r;
}

const newStore = (name) => { const d = join(work, "store-" + name); fs.mkdirSync(d); return d; };

/** Every file under a store root with its sha256: a store left unchanged has the same snapshot. */
const snapshot = (root) => sh(`find . -type f -exec sha256sum {} + | sort; find tmp -mindepth 1 | wc -l`, root);

// ---- root file systems ----

/** A busybox rootfs: /bin/busybox, every applet as a symlink to it, /etc files, root's home, /tmp. */
function busyboxRootfs(dir) {
  fs.mkdirSync(dir, { recursive: true });
  sh(`mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev var/log
    chmod 1777 tmp; chmod 700 root
    cp /bin/busybox bin/busybox
    for p in $(/bin/busybox --list-full); do [ -e "$p" ] || ln -s /bin/busybox "$p"; done
    printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\\n' > etc/passwd
    printf 'root:x:0:\\nnogroup:x:65534:\\n' > etc/group
    printf 'PRETTY_NAME="wasl busybox test image"\\nNAME="busybox"\\nID=busybox\\nVERSION_ID=1.35\\n' > etc/os-release
    echo wasl-test > etc/hostname
    find . -exec touch -h -d @${T0} {} +`, dir);
  return dir;
}

/**
 * The debootstrap minbase tree, made once and kept in test/.cache (the mirror is Debian's; set
 * WASL_DEBIAN_MIRROR to use another). Returns the tree, or a reason it is not available.
 */
function minbaseRootfs() {
  if (process.env.WASL_TEST_NO_DEBOOTSTRAP) return { skip: "WASL_TEST_NO_DEBOOTSTRAP is set" };
  const tree = join(cacheDir, MINBASE_KEY);
  if (fs.existsSync(join(tree, "etc", "os-release")) && fs.existsSync(join(tree, "usr", "bin", "dpkg"))) return { tree, cached: true };
  if (!have("debootstrap")) return { skip: "debootstrap is not installed (apt-get install debootstrap)" };
  if (process.getuid?.() !== 0) return { skip: "debootstrap needs root" };
  const partial = tree + ".partial";
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(cacheDir, { recursive: true });
  const t0 = performance.now();
  const r = spawnSync("debootstrap", ["--variant=minbase", "bookworm", partial, process.env.WASL_DEBIAN_MIRROR || "http://deb.debian.org/debian"],
    { stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60 * 1000, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    const why = (r.stderr?.toString() || r.stdout?.toString() || r.error?.message || "").trim().split("\n").slice(-3).join(" | ");
    return { skip: `debootstrap failed (status ${r.status}): ${why}` };
  }
  fs.renameSync(partial, tree);
  timing("debootstrap minbase bookworm", performance.now() - t0);
  return { tree, cached: false };
}

// ---- packing images (our own JSON, GNU tar for the layer) ----

/**
 * The layer tar of a tree, as Docker's build would make it: pax headers, numeric owners, sorted
 * names, no device nodes in /dev, no apt caches. `native` receives the same tree by unpacking it.
 */
function packLayer(tree, name) {
  const tarFile = join(work, `${name}.layer.tar`);
  sh(`tar --format=pax --pax-option=delete=atime,delete=ctime --numeric-owner --sort=name -C '${tree}' \
      --exclude='./dev/*' --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' --exclude='./proc/*' --exclude='./sys/*' \
      -cf '${tarFile}' .`);
  const bytes = fs.readFileSync(tarFile);
  return { file: tarFile, size: bytes.length, diffID: "sha256:" + sha256(bytes) };
}

function imageConfig(layer, { env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], cmd = ["/bin/sh"], label } = {}) {
  return json({
    architecture: "amd64", os: "linux", created: new Date(T0 * 1000).toISOString(),
    config: { Env: env, Cmd: cmd, WorkingDir: "/", Labels: { "org.wasl.test": label } },
    rootfs: { type: "layers", diff_ids: [layer.diffID] },
    history: [{ created: new Date(T0 * 1000).toISOString(), created_by: "images_cli.test.mjs" }],
  });
}

const put = (dir, bytes) => {
  const hex = sha256(bytes);
  fs.mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  fs.writeFileSync(join(dir, "blobs", "sha256", hex), bytes);
  return { digest: "sha256:" + hex, size: bytes.length };
};

/** An OCI image layout directory with a gzip-compressed layer, tagged `tag` and named `name`. */
function ociLayout(layer, dir, name, tag, configOpts) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
  const gz = gzipSync(fs.readFileSync(layer.file), { level: 1 });
  const l = put(dir, gz);
  const c = put(dir, imageConfig(layer, { ...configOpts, label: "oci" }));
  const m = put(dir, json({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...c },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...l }],
  }));
  fs.writeFileSync(join(dir, "index.json"), json({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...m,
      annotations: { "io.containerd.image.name": `${name}:${tag}`, "org.opencontainers.image.ref.name": tag },
      platform: { os: "linux", architecture: "amd64" } }],
  }));
  return { dir, config: c.digest, manifest: m.digest };
}

/** `docker save` as Docker ≥ 25 writes it: an OCI layout plus manifest.json naming blobs/sha256/…. */
function dockerSaveNew(layer, file, ref, configOpts) {
  const dir = file + ".d";
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
  fs.mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  fs.copyFileSync(layer.file, join(dir, "blobs", "sha256", layer.diffID.slice(7)));
  const c = put(dir, imageConfig(layer, { ...configOpts, label: "docker-new" }));
  const m = put(dir, json({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...c },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer.diffID, size: layer.size }],
  }));
  fs.writeFileSync(join(dir, "index.json"), json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...m,
    annotations: { "io.containerd.image.name": `docker.io/library/${ref}`, "org.opencontainers.image.ref.name": ref.split(":")[1] } }] }));
  fs.writeFileSync(join(dir, "manifest.json"), json([{ Config: `blobs/sha256/${c.digest.slice(7)}`, RepoTags: [ref], Layers: [`blobs/sha256/${layer.diffID.slice(7)}`] }]));
  sh(`tar --sort=name -C '${dir}' -cf '${file}' . && rm -rf '${dir}'`);
  return { file, config: c.digest };
}

/** `docker save` as Docker < 25 wrote it (`withManifest`), or the pre-1.10 repositories-only form. */
function dockerSaveOld(layer, file, ref, { withManifest = true, ...configOpts } = {}) {
  const dir = file + ".d";
  const configBytes = imageConfig(layer, { ...configOpts, label: withManifest ? "docker-old" : "docker-v1" });
  const cfgHex = sha256(configBytes);
  // v1 layer ids were sha256 of the parent chain; any 64 hex digits do for one layer.
  const id = sha256(Buffer.from(layer.diffID + cfgHex));
  fs.mkdirSync(join(dir, id), { recursive: true });
  fs.copyFileSync(layer.file, join(dir, id, "layer.tar"));
  fs.writeFileSync(join(dir, id, "VERSION"), "1.0");
  const cfg = JSON.parse(configBytes);
  fs.writeFileSync(join(dir, id, "json"), json({ id, created: cfg.created, os: "linux", architecture: "amd64", config: cfg.config }));
  const [name, tag] = ref.split(":");
  fs.writeFileSync(join(dir, "repositories"), json({ [name]: { [tag]: id } }));
  if (withManifest) {
    fs.writeFileSync(join(dir, `${cfgHex}.json`), configBytes);
    fs.writeFileSync(join(dir, "manifest.json"), json([{ Config: `${cfgHex}.json`, RepoTags: [ref], Layers: [`${id}/layer.tar`] }]));
  }
  sh(`tar --sort=name -C '${dir}' -cf '${file}' . && rm -rf '${dir}'`);
  return { file, config: withManifest ? "sha256:" + cfgHex : null };
}

/** The four archive forms of one layer, named <base>:oci, :docker-new, :docker-old, :docker-v1. */
function packAll(layer, base, configOpts = {}) {
  return {
    oci: ociLayout(layer, join(work, `${base}-oci`), `wasl-test/${base}`, "oci", configOpts),
    dockerNew: dockerSaveNew(layer, join(work, `${base}-docker-new.tar`), `wasl-test/${base}:docker-new`, configOpts),
    dockerOld: dockerSaveOld(layer, join(work, `${base}-docker-old.tar`), `wasl-test/${base}:docker-old`, configOpts),
    dockerV1: dockerSaveOld(layer, join(work, `${base}-docker-v1.tar`), `wasl-test/${base}:docker-v1`, { ...configOpts, withManifest: false }),
  };
}

/** The files Docker bind-mounts into a container, in its mount order. */
const NETWORK_FILES = ["resolv.conf", "hostname", "hosts"];

/**
 * The native side: the layer tar unpacked into a fresh directory (the chroot), with Docker's init
 * layer applied (daemon/initlayer: whatever is at each network file's path is unlinked and an
 * empty root-owned 0755 file made there), as `docker export` shows a container's tree.
 */
function unpackNative(layer, name, dir = join(work, `native-${name}`)) {
  fs.mkdirSync(dir);
  sh(`tar --numeric-owner -xpf '${layer.file}' -C '${dir}'`);
  fs.mkdirSync(join(dir, "etc"), { recursive: true });
  for (const f of NETWORK_FILES) {
    fs.rmSync(join(dir, "etc", f), { force: true });
    fs.writeFileSync(join(dir, "etc", f), "", { mode: 0o755 });
    fs.chmodSync(join(dir, "etc", f), 0o755);
  }
  return dir;
}

/**
 * A container's own network files for the native side, in a fresh directory: the contents come
 * from a `wasl run` of the image (what they should hold is tested in test/netfiles.test.mjs; here
 * they only have to be the same on both sides).
 */
async function networkFilesDir(home, image, name) {
  const dir = join(work, `netfiles-${name}`);
  fs.mkdirSync(dir);
  for (const f of NETWORK_FILES) {
    const r = await ok(["run", "--rm", "--hostname", HOSTNAME, image, "cat", `/etc/${f}`], { home });
    fs.writeFileSync(join(dir, f), r.stdout, { mode: 0o644 });
  }
  return dir;
}

/**
 * `chroot DIR ARGV…` with the network files of netDir bind-mounted over DIR's, in a mount
 * namespace of its own (the mounts vanish with it) and a network namespace with only the loopback
 * device up (a sandbox's network, and `docker run --network none`'s: glibc's AI_ADDRCONFIG, for
 * one, sees no address but loopback ones), and a fixed environment, as `wasl run` gives the guest.
 */
function nativeRun(dir, netDir, argv, env) {
  const setup = `ip link set lo up || exit 99; for f in ${NETWORK_FILES.join(" ")}; do mount --bind "$1/$f" "$2/etc/$f" || exit 99; done; shift; exec chroot "$@"`;
  const r = spawnSync("unshare", ["-m", "-n", "sh", "-c", setup, "sh", netDir, dir, ...argv],
    { env, stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
  if (r.status === 99) fail(`could not set up the native side (unshare -m -n, ip link set lo up, mount --bind): ${r.stderr}`);
  return { stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "", status: r.status };
}

// ---- does the CLI have `run`, `commit`, `export` of kept containers? ----

const usage = await wasl(["--help"], { home: newStore("probe") });
const hasRun = /wasl run\b/.test(usage.stderr + usage.stdout);

// ---- busybox ----

const bb = suite("busybox image through the CLI");
const BB = fs.existsSync("/bin/busybox");
if (!BB) console.error("/bin/busybox (busybox-static) is not installed: the busybox image tests are skipped");

let bbLayer, bbImages, bbNative;
bb.before(() => {
  if (!BB) return;
  const tree = busyboxRootfs(join(work, "busybox-rootfs"));
  bbLayer = packLayer(tree, "busybox");
  bbImages = packAll(bbLayer, "busybox");
  bbNative = unpackNative(bbLayer, "busybox");
});

const bbTest = (name, fn) => BB ? bb(name, fn) : bb.skip(name);

bbTest("load: each format prints the image name and is listed by `wasl images`", async () => {
  const home = newStore("bb-load");
  const forms = [
    [bbImages.oci.dir, "wasl-test/busybox:oci"],
    [`oci:${bbImages.oci.dir}`, "wasl-test/busybox:oci"],
    [bbImages.dockerNew.file, "wasl-test/busybox:docker-new"],
    [`docker-archive:${bbImages.dockerOld.file}`, "wasl-test/busybox:docker-old"],
    [bbImages.dockerV1.file, "wasl-test/busybox:docker-v1"],
  ];
  for (const [src, name] of forms) {
    const r = await ok(["load", src], { home });
    assert.is(r.stdout, `Loaded image: ${name}\n`, src);
    assert.is(r.stderr, "", "no progress when stderr is not a terminal");
  }
  const r = await ok(["images"], { home });
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines[0].split(/\s{2,}/), ["REPOSITORY", "TAG", "IMAGE ID", "LAYERS", "SIZE"]);
  const rows = lines.slice(1).map((l) => l.split(/\s{2,}/));
  assert.equal(rows.map((x) => x[1]), ["docker-new", "docker-old", "docker-v1", "oci"]);
  for (const row of rows) {
    assert.is(row[0], "wasl-test/busybox");
    assert.match(row[2], /^[0-9a-f]{12}$/);
    assert.is(row[3], "1");
  }
  // The size column is the layer's uncompressed size, in docker's units.
  const mb = bbLayer.size / 1e6;
  assert.is(rows[0][4], `${mb >= 10 ? mb.toFixed(1) : mb.toFixed(2)}MB`.replace(/\.?0+MB$/, "MB"));
  assert.is(rows.find((x) => x[1] === "oci")[2], bbImages.oci.config.slice(7, 19));
  assert.is(rows.find((x) => x[1] === "docker-new")[2], bbImages.dockerNew.config.slice(7, 19));
  // One layer (one diffID) under four images: one index, one uncompressed copy (of the gzip blob).
  const layerFiles = fs.readdirSync(join(home, "layers", "sha256")).sort();
  assert.equal(layerFiles, [bbLayer.diffID.slice(7) + ".json", bbLayer.diffID.slice(7) + ".tar"]);
  const q = await ok(["images", "-q"], { home });
  assert.is(q.stdout.trim().split("\n").length, 4);
  const filtered = await ok(["images", "wasl-test/busybox:oci"], { home });
  assert.is(filtered.stdout.trim().split("\n").length, 2);
});

bbTest("load -t names an image whose archive has no name; a reload changes nothing", async () => {
  const home = newStore("bb-tag");
  const dir = join(work, "bb-untagged");
  fs.cpSync(bbImages.oci.dir, dir, { recursive: true });
  const idx = JSON.parse(fs.readFileSync(join(dir, "index.json")));
  delete idx.manifests[0].annotations;
  fs.writeFileSync(join(dir, "index.json"), json(idx));
  let r = await ok(["load", dir], { home });
  assert.is(r.stdout, `Loaded image ID: ${bbImages.oci.config}\n`);
  r = await ok(["images"], { home });
  assert.match(r.stdout, /\n<none>\s+<none>\s+[0-9a-f]{12}\s+1\s/);
  r = await ok(["load", "-t", "mine/bb:1", dir], { home });
  assert.is(r.stdout, "Loaded image: mine/bb:1\n");
  const before = snapshot(home);
  await ok(["load", "-t", "mine/bb:1", dir], { home });
  assert.is(snapshot(home), before);
});

bbTest("inspect prints the image config as JSON", async () => {
  const home = newStore("bb-inspect");
  await ok(["load", bbImages.dockerNew.file], { home });
  const r = await ok(["inspect", "wasl-test/busybox:docker-new"], { home });
  const [doc] = JSON.parse(r.stdout);
  assert.is(doc.Id, bbImages.dockerNew.config);
  assert.equal(doc.RepoTags, ["wasl-test/busybox:docker-new"]);
  assert.is(doc.Architecture, "amd64");
  assert.is(doc.Os, "linux");
  assert.equal(doc.Config.Cmd, ["/bin/sh"]);
  assert.equal(doc.Config.Labels, { "org.wasl.test": "docker-new" });
  assert.equal(doc.RootFS.diff_ids, [bbLayer.diffID]);
  assert.is(doc.Size, bbLayer.size);
  const byId = await ok(["inspect", bbImages.dockerNew.config.slice(7, 19)], { home });
  assert.is(byId.stdout, r.stdout);
  await fails125(["inspect", "nosuch:image"], /^wasl inspect: no such image: nosuch:image$/, { home });
});

bbTest("rmi removes only blobs no other image uses", async () => {
  const home = newStore("bb-rmi");
  await ok(["load", bbImages.oci.dir], { home });
  await ok(["load", bbImages.dockerNew.file], { home });
  await ok(["load", "-t", "extra:tag", bbImages.dockerNew.file], { home });
  const blobs = () => fs.readdirSync(join(home, "blobs", "sha256")).sort();
  const layers = () => fs.readdirSync(join(home, "layers", "sha256")).sort();
  // A second tag: rmi of one tag only untags.
  let r = await ok(["rmi", "extra:tag"], { home });
  assert.is(r.stdout, "Untagged: extra:tag\n");
  // The docker-new image: its config and manifest and plain layer blob go; the layer index stays
  // because the OCI image has the same diffID.
  const before = blobs();
  r = await ok(["rmi", "wasl-test/busybox:docker-new"], { home });
  assert.match(r.stdout, /^Untagged: wasl-test\/busybox:docker-new\nDeleted: sha256:[0-9a-f]{64}\n/);
  const gone = before.filter((b) => !blobs().includes(b));
  assert.ok(gone.includes(bbImages.dockerNew.config.slice(7)), "its config is deleted");
  assert.ok(gone.includes(bbLayer.diffID.slice(7)), "its plain layer blob is deleted (the OCI image keeps the gzip blob and the unpacked copy)");
  assert.equal(layers(), [bbLayer.diffID.slice(7) + ".json", bbLayer.diffID.slice(7) + ".tar"]);
  r = await ok(["inspect", "wasl-test/busybox:oci"], { home });
  // The last image: everything goes.
  await ok(["rmi", bbImages.oci.config.slice(7, 19)], { home });
  assert.equal(blobs(), []);
  assert.equal(layers(), []);
  r = await ok(["images"], { home });
  assert.is(r.stdout.trim(), "REPOSITORY   TAG   IMAGE ID   LAYERS   SIZE");
  r = await wasl(["rmi", "nosuch", "wasl-test/busybox:oci"], { home });
  assert.is(r.status, 125);
  assert.is(r.stderr, "wasl rmi: no such image: nosuch\nwasl rmi: no such image: wasl-test/busybox:oci\n");
});

bbTest("bad archives fail with status 125, one line, and leave the store unchanged", async () => {
  const home = newStore("bb-bad");
  await ok(["load", bbImages.dockerOld.file], { home });
  const before = snapshot(home);
  // A layer blob whose bytes do not match its digest.
  const bad = join(work, "bb-bad-oci");
  fs.cpSync(bbImages.oci.dir, bad, { recursive: true });
  const m = JSON.parse(fs.readFileSync(join(bad, "blobs", "sha256", bbImages.oci.manifest.slice(7))));
  const layerBlob = join(bad, "blobs", "sha256", m.layers[0].digest.slice(7));
  const bytes = fs.readFileSync(layerBlob);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(layerBlob, bytes);
  await fails125(["load", bad], /^wasl load: .*digest mismatch/, { home });
  // A docker save tarball cut in the middle of its layer.
  const cut = join(work, "bb-cut.tar");
  const whole = fs.readFileSync(bbImages.dockerNew.file);
  fs.writeFileSync(cut, whole.subarray(0, whole.length >> 1));
  await fails125(["load", cut], /^wasl load: /, { home });
  // Not an image at all.
  const junk = join(work, "junk.tar");
  sh(`mkdir -p junkdir && echo hi > junkdir/x && tar -C junkdir -cf '${junk}' .`);
  await fails125(["load", junk], /neither a docker save tarball/, { home });
  await fails125(["load", join(work, "no-such-file.tar")], /no such file or directory/, { home });
  assert.is(snapshot(home), before);
  const u = await wasl(["load"], { home });
  assert.is(u.status, 2);
});

bbTest("load on a terminal shows progress on stderr, rewritten in place", async () => {
  if (!have("script")) { console.error("skipping the terminal progress test: no script(1) (util-linux)"); return; }
  const home = newStore("bb-tty");
  // script(1) gives the command a pty for stdout and stderr; its output is both, as the terminal saw it.
  const r = spawnSync("script", ["-qec", `'${process.execPath}' '${launcher}' load '${bbImages.dockerOld.file}'`, "/dev/null"],
    { env: { PATH: process.env.PATH, HOME: work, WASL_HOME: home, TERM: "dumb" }, stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
  const text = r.stdout.toString();
  assert.is(r.status, 0, text);
  assert.match(text, /\r\x1b\[2Kloading .*layer 1\/1/);
  assert.match(text, /Loaded image: wasl-test\/busybox:docker-old\r?\n/);
  assert.match(text, /loaded in \d+\.\d\d s/);
});

// ---- pull from Debian's docker-registry, the image pushed by skopeo ----

const pullMissing = ["docker-registry", "skopeo"].filter((c) => !have(c));
bbTest("pull from a local registry: quiet without a terminal, prints the reference", async () => {
  if (pullMissing.length) {
    console.error(`skipping wasl pull: missing ${pullMissing.join(", ")} (apt-get install docker-registry skopeo)`);
    return;
  }
  const port = await new Promise((done) => { const srv = net.createServer().listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => done(p)); }); });
  const storage = join(work, "registry");
  const config = join(work, "registry.yml");
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  children.push(child);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) fail(`docker-registry exited with ${child.exitCode} (port ${port} taken?)`);
    try { await fetch(`http://127.0.0.1:${port}/v2/`); break; } catch { /* not yet */ }
    if (i > 400) fail("docker-registry did not start");
    await new Promise((r) => setTimeout(r, 25));
  }
  try {
    const ref = `127.0.0.1:${port}/team/busybox:1.35`;
    sh(`skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=false oci:${bbImages.oci.dir}:oci docker://${ref}`);
    const home = newStore("bb-pull");
    const r = await ok(["pull", ref], { home });
    assert.is(r.stdout, `${ref}\n`);
    assert.is(r.stderr, "");
    const ins = JSON.parse((await ok(["inspect", ref], { home })).stdout)[0];
    assert.is(ins.Id, bbImages.oci.config);
    assert.is(ins.Manifest, bbImages.oci.manifest);
    // A second pull fetches nothing new and changes nothing.
    const before = snapshot(home);
    await ok(["pull", ref], { home });
    assert.is(snapshot(home), before);
    await fails125(["pull", `127.0.0.1:${port}/team/nosuch:1`], /^wasl pull: 127\.0\.0\.1:\d+\/team\/nosuch:1: /, { home });
  } finally {
    child.kill("SIGKILL");
  }
});

bb.run();

// ---- running images: wasl run against chroot ----

const IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const HOSTNAME = "wasl-test";
/** What docker run gives a root process of an image whose Env only sets PATH. */
const nativeEnv = () => ({ PATH: IMAGE_PATH, HOSTNAME, HOME: "/root" });

/**
 * `ls -la /` with what legitimately differs between a chroot and a container left out: the lines
 * of the mount points /dev, /proc and /sys, the link count and size of directories (an
 * overlay's merged directories report one link, as Linux overlayfs does; sizes are per filesystem),
 * and the time of /etc, which is when each side's init layer was made.
 */
function normaliseLsRoot(text) {
  return text.split("\n").filter((l) => !/ (dev|proc|sys)$/.test(l) && !/^total /.test(l)).map((l) => {
    const f = l.trim().split(/\s+/);
    if (f.length < 9 || !f[0].startsWith("d")) return l.replace(/\s+/g, " ");
    if (f[8] === "etc") return [f[0], f[2], f[3], f[8]].join(" ");
    return [f[0], f[2], f[3], ...f.slice(5)].join(" ");
  }).join("\n");
}

/** The comparisons every image gets: [label, argv for wasl run and chroot, normalise]. */
const COMMON = [
  ["cat /etc/os-release", ["/bin/sh", "-c", "cat /etc/os-release"]],
  ["ls -la /", ["/bin/sh", "-c", "ls -la /"], normaliseLsRoot],
  ["pipeline: for/sort -r", ["/bin/sh", "-c", "for i in 1 2 3; do echo $i; done | sort -r"]],
  ["id", ["/bin/sh", "-c", "id"]],
  ["env (sorted)", ["/bin/sh", "-c", "env | sort"]],
  ["exit status", ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]],
  // Last: it writes into the native tree.
  ["echo hi > /tmp/x; cat /tmp/x", ["/bin/sh", "-c", "echo hi > /tmp/x; cat /tmp/x"]],
];

/** The network files as the guest sees them: mount points (EBUSY), writable in place, resolvable through /etc/hosts. */
const NETWORK_FILE_CMDS = [
  ["stat and cat of the network files", ["/bin/sh", "-c", "stat -c '%A %u %g %s %n' /etc/hosts /etc/hostname /etc/resolv.conf; cat /etc/hostname /etc/hosts"]],
  ["rm, mv onto and write to the network files", ["/bin/sh", "-c", "rm /etc/hosts; echo x > /tmp/h; mv /tmp/h /etc/hosts; echo '10.1.2.3 extra' >> /etc/hosts; tail -1 /etc/hosts; ls /etc | grep -c -E '^(hosts|hostname|resolv.conf)$'"]],
];

const MINBASE_ONLY = [
  ["dpkg -l | head", ["/bin/sh", "-c", "dpkg -l | head"]],
  // glibc's resolver through nsswitch.conf ("hosts: files dns"): localhost, the container's name, an address back to a name.
  ["getent hosts (glibc, files backend)", ["/bin/sh", "-c", "getent hosts localhost; getent ahostsv4 wasl-test; getent hosts 127.0.1.1; getent hosts ip6-allnodes"]],
  ["ls /usr/bin | wc -l", ["/bin/sh", "-c", "ls /usr/bin | wc -l"]],
  ["bash -c 'echo $BASH_VERSION'", ["bash", "-c", "echo $BASH_VERSION"]],
  ["bash: globbing, arithmetic, arrays", ["bash", "-O", "extglob", "-c", "a=(/etc/*.conf); echo ${#a[@]} $((6*7)); echo /etc/@(host|pass)*"]],
  ["sed/awk/sort over /etc/passwd (dynamic coreutils)", ["/bin/sh", "-c", "cut -d: -f1,3 /etc/passwd | sort -t: -k2n | head -5; wc -l < /etc/group; sha256sum /etc/debian_version"]],
];

/** Registers one test per command: wasl run IMAGE argv vs chroot DIR argv (stdout and status). */
function compareRuns(t, label, { home, image, native, netDir }, cmds) {
  for (const [name, argv, normalise = (s) => s] of cmds) {
    t(`${label}: ${name}`, async () => {
      const r = await wasl(["run", "--rm", "--hostname", HOSTNAME, image(), ...argv], { home: home() });
      const n = nativeRun(native(), netDir(), argv, nativeEnv());
      const want = normalise(n.stdout), got = normalise(r.stdout);
      if (!want) fail(`the chroot run printed nothing (status ${n.status}): ${n.stderr}`);
      // wasl's own notes ("wasl: unimplemented syscall …") are not the guest's; they are listed, not compared.
      const notes = r.stderr.split("\n").filter((l) => /^wasl: unimplemented syscall/.test(l));
      if (notes.length) console.log(`images_cli note: ${label}: ${name}: ${notes.join("; ")}`);
      const gotErr = r.stderr.split("\n").filter((l) => !/^wasl: unimplemented syscall/.test(l)).join("\n");
      const problems = [];
      if (r.timedOut) problems.push("wasl run timed out");
      if (r.status !== n.status) problems.push(`exit status: chroot ${n.status}, wasl ${r.status}`);
      if (got !== want) problems.push(`stdout differs:\n--- chroot\n${want}\n--- wasl\n${got}`);
      if (gotErr !== n.stderr) problems.push(`stderr differs:\n--- chroot\n${n.stderr}\n--- wasl\n${gotErr}`);
      if (problems.length) fail(`${problems.join("\n")}${notes.length ? `\nwasl notes: ${notes.join("; ")}` : ""}`);
    });
  }
}

const bbRun = suite("busybox image: wasl run vs chroot");
if (!BB || !hasRun) {
  if (BB) console.error("the CLI has no `wasl run`: the run comparisons are skipped");
  bbRun.skip("wasl run");
} else {
  const home = newStore("bb-run");
  let layer, images, native, netDir;
  bbRun.before(async () => {
    const tree = busyboxRootfs(join(work, "busybox-run-rootfs"));
    layer = packLayer(tree, "busybox-run");
    images = packAll(layer, "bbrun");
    native = unpackNative(layer, "busybox-run");
    for (const src of [images.oci.dir, images.dockerNew.file, images.dockerOld.file, images.dockerV1.file]) await ok(["load", src], { home });
    netDir = await networkFilesDir(home, "wasl-test/bbrun:oci", "bbrun");
  });
  const bbSides = { home: () => home, native: () => native, netDir: () => netDir };
  // The same command under each format: they are one layer, so one answer.
  for (const tag of ["oci", "docker-new", "docker-old", "docker-v1"]) {
    compareRuns(bbRun, `busybox:${tag}`, { ...bbSides, image: () => `wasl-test/bbrun:${tag}` }, COMMON.slice(0, 1));
  }
  compareRuns(bbRun, "busybox", { ...bbSides, image: () => "wasl-test/bbrun:oci" }, [...COMMON.slice(1), ...NETWORK_FILE_CMDS]);

  bbRun("run straight from a layout dir and a tarball, no load step", async () => {
    const other = newStore("bb-direct");
    let r = await ok(["run", "--rm", `oci:${images.oci.dir}`, "head", "-1", "/etc/os-release"], { home: other });
    assert.is(r.stdout, 'PRETTY_NAME="wasl busybox test image"\n');
    // The image's /etc/hostname is covered by the container's, as under Docker.
    r = await ok(["run", "--rm", "--hostname", "direct", images.dockerOld.file, "cat", "/etc/hostname"], { home: other });
    assert.is(r.stdout, "direct\n");
  });

  bbRun("two runs of one image do not see each other's files", async () => {
    let r = await ok(["run", "--rm", "wasl-test/bbrun:oci", "sh", "-c", "echo first > /tmp/x; cat /tmp/x"], { home });
    assert.is(r.stdout, "first\n");
    r = await wasl(["run", "--rm", "wasl-test/bbrun:oci", "sh", "-c", "cat /tmp/x; ls /tmp | wc -l"], { home });
    assert.is(r.stdout, "0\n");
    assert.match(r.stderr, /No such file or directory/);
  });

  bbRun("unknown image: status 125, one line", async () => {
    await fails125(["run", "--rm", "wasl-test/nosuch:1", "true"], /nosuch/, { home });
  });

  bbRun("commit and export a kept container; rmi refuses an image a container uses", async () => {
    // The network files are mount points: rm and mv onto them fail (EBUSY), a write goes to the
    // container's own file, and none of it reaches the exported tree or the committed layer.
    const script = "echo hi > /tmp/x; mkdir -p /srv/data; echo 42 > /srv/data/n; rm /etc/os-release; rm /etc/hostname; " +
      "echo '10.9.9.9 added' >> /etc/hosts; echo x > /tmp/r; mv /tmp/r /etc/resolv.conf; chmod 600 /etc/group; ln -s /tmp/x /root/link";
    const run = await wasl(["run", "--name", "c1", "--hostname", HOSTNAME, "wasl-test/bbrun:oci", "sh", "-c", script], { home });
    // export: the merged tree, compared entry by entry with the native tree after the same script.
    const nat = unpackNative(layer, "bb-commit");
    const n = nativeRun(nat, netDir, ["/bin/sh", "-c", script], nativeEnv());
    assert.is(n.status, 0, n.stderr);
    assert.match(n.stderr, /can't remove '\/etc\/hostname': Device or resource busy/);
    assert.is(run.status, n.status, run.stderr);
    assert.is(run.stderr, n.stderr);
    const exported = join(work, "c1-export.tar");
    const r = await wasl(["export", "c1"], { home, stdoutFile: exported });
    assert.is(r.status, 0, r.stderr);
    const natTar = join(work, "c1-native.tar");
    sh(`tar --format=pax --numeric-owner --sort=name -C '${nat}' -cf '${natTar}' .`);
    const listing = (file) => sh(`tar --numeric-owner -tvf '${file}' | awk '{ $4=""; $5=""; print }' | sed -e 's, \\./$, .,' -e 's, \\./, ,' -e 's,/$,,' | grep -v -E ' (\\.|dev|proc|sys)$' | sort -k4`);
    // Directories' mtimes and sizes left out (awk clears the date and time columns).
    assert.fixture(listing(exported), listing(natTar));
    const sums = (file, dir) => { fs.mkdirSync(dir); sh(`tar -xpf '${file}' -C '${dir}' && find . -type f -exec sha256sum {} + | sort -k2`, dir); return sh(`find . -type f -exec sha256sum {} + | sort -k2`, dir); };
    assert.fixture(sums(exported, join(work, "c1-x1")), sums(natTar, join(work, "c1-x2")));
    // Without a redirect to a file or pipe, export refuses a terminal (not testable here); -o works.
    const o = await ok(["export", "-o", join(work, "c1-o.tar"), "c1"], { home });
    assert.is(o.stdout, "");
    assert.ok(fs.readFileSync(join(work, "c1-o.tar")).equals(fs.readFileSync(exported)));
    // commit: a new image with a second layer, the changes and deletions in it.
    const c = await ok(["commit", "c1", "wasl-test/committed:1"], { home });
    assert.match(c.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const rows = (await ok(["images", "wasl-test/committed"], { home })).stdout.trim().split("\n");
    assert.is(rows.length, 2);
    assert.equal(rows[1].split(/\s{2,}/).slice(0, 4), ["wasl-test/committed", "1", c.stdout.slice(7, 19), "2"]);
    const after = await wasl(["run", "--rm", "--hostname", "h2", "wasl-test/committed:1", "sh", "-c",
      "cat /tmp/x /srv/data/n; ls -l /etc/group | cut -c1-10; readlink /root/link; cat /etc/hostname; grep -c added /etc/hosts; cat /etc/os-release"], { home });
    assert.is(after.stdout, "hi\n42\n-rw-------\n/tmp/x\nh2\n0\n");
    assert.is(after.status, 1);
    // `docker diff`: the kept container's layer has the changes and the deletion, not the network files.
    const kept = fs.readdirSync(join(home, "containers")).filter((d) => !d.startsWith("."));
    const diffs = kept.map((id) => sh(`tar -tf '${join(home, "containers", id, "diff.tar")}'`));
    const c1 = diffs.find((l) => l.includes("srv/data/n"));
    assert.ok(c1, "c1's diff.tar");
    assert.match(c1, /etc\/\.wh\.os-release/);
    assert.not.match(c1, /etc\/(hosts|hostname|resolv\.conf)/);
    // The base image is in use by c1: rmi refuses without -f.
    const refused = await wasl(["rmi", images.oci.config.slice(7, 19)], { home });
    assert.is(refused.status, 125);
    assert.match(refused.stderr, /is used by container/);
    await fails125(["export", "nosuch"], /^wasl export: no such container: nosuch$/, { home });
    await fails125(["commit", "nosuch", "x:1"], /^wasl commit: no such container: nosuch$/, { home });
  });
}
bbRun.run();

// ---- debootstrap minbase ----

const mb = suite("debootstrap minbase image: load, wasl run vs chroot");
const minbase = minbaseRootfs();
if (minbase.skip) {
  console.error(`skipping the minbase image tests: ${minbase.skip}`);
  mb.skip("minbase");
} else {
  const home = newStore("minbase");
  let layer, native, images, netDir;
  mb.before(() => {
    const t0 = performance.now();
    layer = packLayer(minbase.tree, "minbase");
    native = unpackNative(layer, "minbase");
    images = {
      oci: ociLayout(layer, join(work, "minbase-oci"), "wasl-test/minbase", "oci"),
      dockerNew: dockerSaveNew(layer, join(work, "minbase-docker-new.tar"), "wasl-test/minbase:docker-new"),
    };
    timing(`pack the minbase image (${(layer.size / 1e6).toFixed(0)} MB layer tar, gzip for OCI)`, performance.now() - t0);
  });

  mb("load: OCI layout (gzip layer) and docker save (plain layer); timings", async () => {
    let r = await ok(["load", images.oci.dir], { home });
    assert.is(r.stdout, "Loaded image: wasl-test/minbase:oci\n");
    timing("wasl load minbase (OCI layout, gzip)", r.ms);
    r = await ok(["load", images.dockerNew.file], { home });
    assert.is(r.stdout, "Loaded image: wasl-test/minbase:docker-new\n");
    timing("wasl load minbase (docker save, same layer already stored)", r.ms);
    const other = newStore("minbase-plain");
    r = await ok(["load", images.dockerNew.file], { home: other });
    timing("wasl load minbase (docker save, empty store)", r.ms);
    r = await ok(["images"], { home });
    assert.match(r.stdout, /wasl-test\/minbase\s+docker-new\s+[0-9a-f]{12}\s+1\s+\d+MB\n/);
    if (hasRun) {
      netDir = await networkFilesDir(home, "wasl-test/minbase:oci", "minbase");
      r = await ok(["run", "--rm", "wasl-test/minbase:oci", "true"], { home });
      timing("first wasl run of minbase (true)", r.ms);
      r = await ok(["run", "--rm", "wasl-test/minbase:oci", "true"], { home });
      timing("second wasl run of minbase (true)", r.ms);
    }
  });

  if (!hasRun) mb.skip("wasl run");
  else {
    compareRuns(mb, "minbase", { home: () => home, image: () => "wasl-test/minbase:oci", native: () => native, netDir: () => netDir },
      [...COMMON, ...MINBASE_ONLY, ...NETWORK_FILE_CMDS]);
    mb("minbase: two runs do not share /tmp", async () => {
      await ok(["run", "--rm", "wasl-test/minbase:docker-new", "bash", "-c", "echo one > /tmp/x"], { home });
      const r = await wasl(["run", "--rm", "wasl-test/minbase:docker-new", "ls", "/tmp"], { home });
      assert.is(r.stdout, "");
      assert.is(r.status, 0, r.stderr);
    });
  }
}
mb.run();
