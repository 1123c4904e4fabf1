// Pulling from registries. Against Debian's docker-registry (started here on 127.0.0.1, images
// pushed into it by skopeo from OCI layouts built from /bin/busybox): the pulled image equals the
// pushed one digest for digest, a manifest index yields linux/amd64, a second pull fetches no blob,
// a corrupted blob in the registry's storage fails with a digest mismatch and leaves the store as it
// was, and token auth works with a token server run by the test (JWTs signed with a key openssl
// makes here), blobs redirected to a storage server by the registry's redirect middleware. A fake
// registry written here covers what the real one cannot be made to do on demand: Basic auth, a
// connection cut mid-blob, schema 1, Docker manifest lists with variants, a lying Docker-Content-Digest.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import { createHash, createPrivateKey, sign, randomBytes, X509Certificate } from "node:crypto";
import { gzipSync } from "node:zlib";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(repo, process.env.WASL_DIST || "dist");
const img = await import(pathToFileURL(join(dist, "images/index.js")).href);
const { nodeImageHost } = await import(pathToFileURL(join(dist, "images/host-node.js")).href);
const baseHost = nodeImageHost();

const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-registry-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
const sh = (cmd, cwd = work) => execFileSync("bash", ["-ec", cmd], { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const json = (o) => Buffer.from(JSON.stringify(o));
const desc = (mediaType, b) => ({ mediaType, digest: "sha256:" + sha256(b), size: b.length });
const have = (cmd) => spawnSync("bash", ["-c", `command -v ${cmd}`]).status === 0;
const T0 = 1700000000;

/** An ImageHost that logs every HTTP request and can be given its own environment. */
function loggingHost(env = {}) {
  const log = [];
  return {
    log,
    host: { ...baseHost, env: (n) => (n in env ? env[n] : undefined), http: (req) => { log.push({ url: req.url, auth: req.headers.Authorization ?? null }); return baseHost.http(req); } },
  };
}

/** Every file under the store root with its sha256 (and how many staging entries remain). */
function snapshot(root) {
  return sh(`find . -type f -exec sha256sum {} + | sort; find tmp -mindepth 1 | wc -l`, root);
}

async function rejects(promise, re, cls = Error) {
  try {
    await promise;
  } catch (e) {
    if (process.env.SHOW_ERR) console.log("ERR:", e.message);
    assert.instance(e, cls, `error class: ${e.message}`);
    assert.match(e.message, re);
    assert.not.match(e.message, /\n/, "one line");
    return e;
  }
  assert.unreachable(`expected an error matching ${re}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

function listen(handler) {
  return new Promise((res) => {
    const server = http.createServer(handler);
    server.listen(0, "127.0.0.1", () => res({ server, port: server.address().port, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

// ---- image content ----

/** A layer tar made by GNU tar from a tree `setup` creates; gzip-compressed when asked. */
function packLayer(name, setup, gzip) {
  const d = join(work, "src-" + name);
  fs.mkdirSync(d, { recursive: true });
  sh(setup, d);
  sh(`find . -depth -exec touch -h -d @${T0} {} +`, d);
  const tar = join(work, `${name}.tar`);
  sh(`tar --format=pax --sort=name --numeric-owner --owner=0 --group=0 --pax-option=delete=atime,delete=ctime -cf ${tar} -C ${d} .`);
  const plain = fs.readFileSync(tar);
  const blob = gzip ? gzipSync(plain) : plain;
  return { plain, blob, diffID: "sha256:" + sha256(plain), digest: "sha256:" + sha256(blob), mediaType: gzip ? img.MEDIA.ociLayerGzip : img.MEDIA.ociLayer };
}

function configFor(layers, arch = "amd64", label = "") {
  return json({
    architecture: arch, os: "linux", created: "2024-01-01T00:00:00Z",
    config: { Env: ["PATH=/bin"], Cmd: ["/bin/sh"], Labels: { "org.example.label": label || arch } },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) },
  });
}

/** Config and manifest documents of one image; blobs: every blob by digest. */
function makeImage(layers, { arch = "amd64", label = "", docker = false } = {}) {
  const config = configFor(layers, arch, label);
  const manifest = json({
    schemaVersion: 2, mediaType: docker ? img.MEDIA.dockerManifest : img.MEDIA.ociManifest,
    config: desc(docker ? img.MEDIA.dockerConfig : img.MEDIA.ociConfig, config),
    layers: layers.map((l) => ({ ...desc(docker ? img.MEDIA.dockerLayerGzip : l.mediaType, l.blob) })),
  });
  const blobs = new Map([[`sha256:${sha256(config)}`, config], ...layers.map((l) => [l.digest, l.blob])]);
  return { config, manifest, blobs, digest: "sha256:" + sha256(manifest), configDigest: "sha256:" + sha256(config), mediaType: docker ? img.MEDIA.dockerManifest : img.MEDIA.ociManifest };
}

function makeIndex(entries, docker = false) {
  const mediaType = docker ? img.MEDIA.dockerList : img.MEDIA.ociIndex;
  const bytes = json({ schemaVersion: 2, mediaType, manifests: entries.map(([im, platform]) => ({ ...desc(im.mediaType, im.manifest), platform })) });
  return { bytes, mediaType, digest: "sha256:" + sha256(bytes) };
}

/** An OCI layout holding `top` (an image or an index of images) under the tag `tag`. */
function writeLayout(name, top, images, tag) {
  const dir = join(work, name);
  fs.mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (b) => fs.writeFileSync(join(dir, "blobs", "sha256", sha256(b)), b);
  for (const im of images) { put(im.manifest); for (const b of im.blobs.values()) put(b); }
  const topBytes = top.manifest ?? top.bytes;
  put(topBytes);
  fs.writeFileSync(join(dir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(join(dir, "index.json"), json({ schemaVersion: 2, manifests: [{ ...desc(top.mediaType, topBytes), annotations: { "org.opencontainers.image.ref.name": tag } }] }));
  return dir;
}

const haveTar = have("tar");
const small = haveTar && packLayer("small", "mkdir -p etc; echo small > etc/small", false);
const smallGz = haveTar && packLayer("small-gz", "mkdir -p srv; echo 'gzip layer' > srv/index.html", true);

// ---- pure parsing ----

const unit = suite("registry: references and challenges");

unit("WWW-Authenticate challenges are parsed with quoted values, escapes and several schemes", () => {
  assert.equal(img.parseWWWAuthenticate(`Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/tool:pull,push"`),
    [{ scheme: "bearer", params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:team/tool:pull,push" } }]);
  assert.equal(img.parseWWWAuthenticate(`Basic realm="a \\"quoted\\" realm", charset=UTF-8, Bearer realm=http://t/x,error="insufficient_scope"`), [
    { scheme: "basic", params: { realm: 'a "quoted" realm', charset: "UTF-8" } },
    { scheme: "bearer", params: { realm: "http://t/x", error: "insufficient_scope" } },
  ]);
  assert.equal(img.parseWWWAuthenticate(""), []);
});

unit("registry hosts, repositories and schemes", () => {
  assert.equal(img.registryOf("localhost:5000/team/tool"), { registry: "localhost:5000", repository: "team/tool" });
  assert.equal(img.registryOf("busybox"), { registry: "registry-1.docker.io", repository: "library/busybox" });
  assert.equal(img.registryOf("team/tool"), { registry: "registry-1.docker.io", repository: "team/tool" });
  assert.equal(img.registryOf("ghcr.io/a/b/c"), { registry: "ghcr.io", repository: "a/b/c" });
  assert.is(img.registryBaseURL("localhost:5000"), "http://localhost:5000");
  assert.is(img.registryBaseURL("127.0.0.1:5000"), "http://127.0.0.1:5000");
  assert.is(img.registryBaseURL("[::1]:5000"), "http://[::1]:5000");
  assert.is(img.registryBaseURL("ghcr.io"), "https://ghcr.io");
  assert.is(img.registryBaseURL("registry.local:5000", true), "http://registry.local:5000");
});

unit("the platform choice: linux/amd64 without a variant, else v1, else an error naming what there is", () => {
  const d = (n, platform) => ({ mediaType: img.MEDIA.ociManifest, digest: "sha256:" + String(n).repeat(64), size: 1, platform });
  const v3 = d(1, { os: "linux", architecture: "amd64", variant: "v3" }), plain = d(2, { os: "linux", architecture: "amd64" });
  const arm = d(3, { os: "linux", architecture: "arm64", variant: "v8" }), v1 = d(4, { os: "linux", architecture: "amd64", variant: "v1" });
  assert.is(img.pickPlatform([arm, v3, plain], "x"), plain);
  assert.is(img.pickPlatform([v3, v1], "x"), v1);
  assert.throws(() => img.pickPlatform([arm, v3, d(5, { os: "windows", architecture: "amd64" })], "x"), /no linux\/amd64 image in the index \(it has linux\/arm64\/v8, linux\/amd64\/v3, windows\/amd64\)/);
});

unit("the terminal display redraws one line per layer in place, byte counts at most every interval", () => {
  let t = 0;
  const out = [];
  const d = new img.PullProgressDisplay((s) => out.push(s), () => t, 100);
  const p = (layer, state, done) => ({ layer, layers: 2, digest: "sha256:" + "ab".repeat(32), state, done, total: 2048 });
  d.update(p(0, "downloading", 0));
  d.update(p(1, "cached", 2048));
  t = 50; d.update(p(0, "downloading", 1024));
  t = 150; d.update(p(0, "downloading", 1536));
  d.update(p(0, "done", 2048));
  d.finish();
  const line = (s) => `\r\x1b[2K${s}\n`;
  assert.equal(out, [
    line("layer 1/2 abababababab downloading 0 B / 2.0 KiB"),
    "\x1b[1A" + line("layer 1/2 abababababab downloading 0 B / 2.0 KiB") + line("layer 2/2 abababababab already present"),
    "\x1b[2A" + line("layer 1/2 abababababab downloading 1.5 KiB / 2.0 KiB") + line("layer 2/2 abababababab already present"),
    "\x1b[2A" + line("layer 1/2 abababababab done (2.0 KiB)") + line("layer 2/2 abababababab already present"),
    "\x1b[2A" + line("layer 1/2 abababababab done (2.0 KiB)") + line("layer 2/2 abababababab already present"),
  ]);
});

unit.run();

// ---- a fake registry, for the behaviours a real one cannot be made to show ----

/**
 * Serves repos ({ "team/tool": { tags: {tag: digest}, manifests: Map digest → {bytes, mediaType} } })
 * and blobs (Map digest → bytes). auth: "none" | "basic" | "bearer"; redirect: blobs move to a storage
 * server on another port; cut: a blob digest whose connection is dropped halfway; lie: send a wrong
 * Docker-Content-Digest.
 */
async function fakeRegistry({ repos, blobs, auth = "none", redirect = false, cut = null, lie = false, publicRepos = [] }) {
  const users = { alice: "secret" };
  const tokens = new Map();
  const seen = { tokenRequests: [], storageAuth: [], blobGets: 0 };
  const storage = await listen((req, res) => {
    seen.storageAuth.push(req.headers.authorization ?? null);
    const b = blobs.get(decodeURIComponent(new URL(req.url, "http://x").pathname.slice(9)));
    if (!b) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "Content-Length": b.length }).end(b);
  });
  const basicUser = (h) => {
    const m = /^Basic (.+)$/.exec(h ?? "");
    if (!m) return null;
    const [u, p] = Buffer.from(m[1], "base64").toString().split(":");
    return users[u] === p ? u : null;
  };
  let self;
  const error = (res, status, code, message, extra = {}) => res.writeHead(status, { "Content-Type": "application/json", ...extra }).end(json({ errors: [{ code, message }] }));
  const server = await listen((req, res) => {
    const url = new URL(req.url, self.url);
    if (url.pathname === "/token") {
      seen.tokenRequests.push({ service: url.searchParams.get("service"), scope: url.searchParams.get("scope"), auth: req.headers.authorization ?? null });
      const user = basicUser(req.headers.authorization);
      if (req.headers.authorization && !user) return error(res, 401, "UNAUTHORIZED", "bad credentials");
      const token = randomBytes(8).toString("hex");
      const repo = /^repository:([^:]+):pull$/.exec(url.searchParams.get("scope") ?? "")?.[1];
      tokens.set(token, user || publicRepos.includes(repo) ? repo : null);
      return res.writeHead(200, { "Content-Type": "application/json" }).end(json({ access_token: token }));
    }
    const m = /^\/v2\/(?:(.+)\/(manifests|blobs)\/(.+))?$/.exec(url.pathname);
    if (!m) return error(res, 404, "NOT_FOUND", "no such endpoint");
    const [, name, kind, ref] = m;
    if (auth === "basic" && !basicUser(req.headers.authorization))
      return error(res, 401, "UNAUTHORIZED", "authentication required", { "WWW-Authenticate": `Basic realm="fake registry"` });
    if (auth === "bearer") {
      const t = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const granted = t && tokens.has(t) && (!name || tokens.get(t) === name);
      if (!granted) {
        const scope = name ? `,scope="repository:${name}:pull"` : "";
        return error(res, 401, "UNAUTHORIZED", "authentication required", { "WWW-Authenticate": `Bearer realm="${self.url}/token",service="fake-registry"${scope}` });
      }
    }
    if (!name) return res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    const r = repos[name];
    if (!r) return error(res, 404, "NAME_UNKNOWN", "repository name not known to registry");
    if (kind === "manifests") {
      const digest = ref.startsWith("sha256:") ? ref : r.tags[ref];
      const doc = digest && r.manifests.get(digest);
      if (!doc) return error(res, 404, "MANIFEST_UNKNOWN", "manifest unknown");
      const claimed = lie ? "sha256:" + "e".repeat(64) : digest;
      return res.writeHead(200, { "Content-Type": doc.mediaType, "Docker-Content-Digest": claimed, "Content-Length": doc.bytes.length }).end(doc.bytes);
    }
    const b = blobs.get(ref);
    if (!b) return error(res, 404, "BLOB_UNKNOWN", "blob unknown to registry");
    seen.blobGets++;
    if (redirect) return res.writeHead(307, { Location: `${storage.url}/storage/${encodeURIComponent(ref)}?signature=x` }).end();
    if (ref === cut) {
      res.writeHead(200, { "Content-Length": b.length });
      res.write(b.subarray(0, b.length >> 1), () => res.socket.destroy());
      return;
    }
    res.writeHead(200, { "Content-Length": b.length }).end(b);
  });
  self = server;
  return {
    ...server, seen,
    close: () => { server.server.closeAllConnections(); storage.server.closeAllConnections(); server.server.close(); storage.server.close(); },
  };
}

/** repos/blobs for a fake registry from images and indexes: { "team/tool": { "1.2": image or index } }. */
function contentOf(spec, extraImages = []) {
  const repos = {}, blobs = new Map();
  const addImage = (r, im) => { r.manifests.set(im.digest, { bytes: im.manifest, mediaType: im.mediaType }); for (const [d, b] of im.blobs) blobs.set(d, b); };
  for (const [name, tags] of Object.entries(spec)) {
    const r = repos[name] = { tags: {}, manifests: new Map() };
    for (const [tag, top] of Object.entries(tags)) {
      r.tags[tag] = top.digest;
      if (top.manifest) addImage(r, top);
      else { r.manifests.set(top.digest, { bytes: top.bytes, mediaType: top.mediaType }); for (const im of extraImages) addImage(r, im); }
    }
  }
  return { repos, blobs };
}

const fake = suite("registry: fake registry (auth, redirects, broken transfers)");
if (!haveTar) console.error("skipping the fake registry tests: GNU tar is missing");
else {
  const image = makeImage([smallGz, small]);
  const storeRoot = (n) => join(work, "fake-store-" + n);

  fake("anonymous bearer token: service and scope sent to the realm, the token used on every request", async () => {
    const reg = await fakeRegistry({ ...contentOf({ "team/tool": { "1.2": image } }), auth: "bearer", publicRepos: ["team/tool"] });
    try {
      const { host, log } = loggingHost();
      const store = img.ImageStore.open(host, storeRoot("bearer"));
      const progress = [];
      const im = await img.pullImage(store, `127.0.0.1:${reg.port}/team/tool:1.2`, { onProgress: (p) => progress.push(p) });
      assert.equal(im, { id: image.configDigest, manifest: image.digest, tags: [`127.0.0.1:${reg.port}/team/tool:1.2`] });
      assert.equal(reg.seen.tokenRequests, [{ service: "fake-registry", scope: "repository:team/tool:pull", auth: null }]);
      const afterToken = log.slice(log.findIndex((r) => r.url.includes("/token")) + 1);
      assert.ok(afterToken.length >= 4 && afterToken.every((r) => /^Bearer [0-9a-f]{16}$/.test(r.auth)), "every request after the token carries it");
      // Progress: per layer, bytes up to the layer's size, then unpacked.
      for (const [i, l] of [smallGz, small].entries()) {
        const mine = progress.filter((p) => p.layer === i);
        assert.ok(mine.every((p) => p.layers === 2 && p.digest === l.digest && p.total === l.blob.length && p.done <= p.total));
        assert.equal(mine.map((p) => p.state).filter((s, k, a) => s !== a[k - 1]), ["downloading", "unpacking", "done"]);
        assert.is(mine.filter((p) => p.state === "downloading").at(-1).done, l.blob.length);
      }
      assert.match(img.describePullProgress(progress[1]), /^layer \d\/2 [0-9a-f]{12} downloading /);
      const tree = (await store.layerTrees(im.tags[0]))[1];
      assert.ok(img.layerLookup(tree, "etc/small"));
    } finally { reg.close(); }
  });

  fake("a private repository: unauthorized without credentials, Basic credentials sent to the token realm", async () => {
    const reg = await fakeRegistry({ ...contentOf({ "team/tool": { "1.2": image } }), auth: "bearer" });
    try {
      const ref = `127.0.0.1:${reg.port}/team/tool:1.2`;
      const store = img.ImageStore.open(loggingHost().host, storeRoot("private"));
      const before = snapshot(store.root);
      await rejects(img.pullImage(store, ref), /^127\.0\.0\.1:\d+\/team\/tool:1\.2: unauthorized \(UNAUTHORIZED: authentication required\): set \$WASL_REGISTRY_AUTH/, img.RegistryError);
      await rejects(img.pullImage(store, ref, { auth: { username: "alice", password: "wrong" } }), /unauthorized .*the credentials were refused/);
      assert.is(snapshot(store.root), before);
      reg.seen.tokenRequests.length = 0;
      const im = await img.pullImage(store, ref, { auth: { username: "alice", password: "secret" } });
      assert.is(im.manifest, image.digest);
      assert.equal(reg.seen.tokenRequests.map((t) => t.auth), ["Basic " + Buffer.from("alice:secret").toString("base64")]);
    } finally { reg.close(); }
  });

  fake("Basic auth with $WASL_REGISTRY_AUTH; blobs redirected to storage on another origin get no Authorization", async () => {
    const reg = await fakeRegistry({ ...contentOf({ "team/tool": { "1.2": image } }), auth: "basic", redirect: true });
    try {
      const ref = `127.0.0.1:${reg.port}/team/tool:1.2`;
      await rejects(img.pullImage(img.ImageStore.open(loggingHost().host, storeRoot("basic0")), ref), /unauthorized/);
      const { host, log } = loggingHost({ WASL_REGISTRY_AUTH: "alice:secret" });
      const store = img.ImageStore.open(host, storeRoot("basic"));
      const im = await img.pullImage(store, ref);
      assert.is(im.id, image.configDigest);
      assert.is(reg.seen.blobGets, 3, "config and two layers");
      assert.equal(reg.seen.storageAuth, [null, null, null]);
      assert.ok(log.filter((r) => r.url.startsWith(reg.url) && r.auth).every((r) => r.auth === "Basic " + Buffer.from("alice:secret").toString("base64")));
      assert.ok(log.some((r) => r.url.includes("/storage/")), "the redirects were followed");
    } finally { reg.close(); }
  });

  fake("a connection cut in the middle of a layer fails the pull, stops the other downloads and leaves the store unchanged", async () => {
    const first = makeImage([small]);
    const big = packLayer("big", "head -c 3000000 /dev/urandom > big", true);
    const cutImage = makeImage([smallGz, small, big]);
    const reg = await fakeRegistry({ ...contentOf({ "team/tool": { "1.2": cutImage }, "team/base": { "1": first } }), cut: smallGz.digest });
    try {
      const store = img.ImageStore.open(baseHost, storeRoot("cut"));
      await img.pullImage(store, `127.0.0.1:${reg.port}/team/base:1`);
      const before = snapshot(store.root);
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/tool:1.2`), /: layer 1\/3 \(sha256:[0-9a-f]{64}\): download broken off after \d+ bytes: http:\/\/127\.0\.0\.1:\d+\/v2\/team\/tool\/blobs\/sha256:[0-9a-f]{64}: connection closed by the server$/);
      assert.is(snapshot(store.root), before);
      assert.equal(store.list().map((x) => x.tags[0]), [`127.0.0.1:${reg.port}/team/base:1`]);
    } finally { reg.close(); }
  });

  fake("an aborted pull (the CLI's Ctrl-C) ends with one line and leaves the store unchanged", async () => {
    const big = packLayer("big2", "head -c 2000000 /dev/urandom > big", true);
    const reg = await fakeRegistry(contentOf({ "team/tool": { "1.2": makeImage([small, big]) } }));
    try {
      const store = img.ImageStore.open(baseHost, storeRoot("abort"));
      const before = snapshot(store.root);
      const ac = new AbortController();
      const onProgress = (p) => { if (p.state === "downloading" && p.done > 0) ac.abort(); };
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/tool:1.2`, { signal: ac.signal, onProgress }), /^127\.0\.0\.1:\d+\/team\/tool:1\.2: pull aborted$/, img.RegistryError);
      assert.is(snapshot(store.root), before);
    } finally { reg.close(); }
  });

  fake("Docker manifest lists: the variant-less linux/amd64 entry is chosen over amd64/v3 and arm64", async () => {
    const amd = makeImage([smallGz], { docker: true, label: "plain" });
    const v3 = makeImage([smallGz], { docker: true, label: "v3" });
    const arm = makeImage([small], { docker: true, arch: "arm64" });
    const list = makeIndex([[arm, { os: "linux", architecture: "arm64", variant: "v8" }], [v3, { os: "linux", architecture: "amd64", variant: "v3" }], [amd, { os: "linux", architecture: "amd64" }]], true);
    const armOnly = makeIndex([[arm, { os: "linux", architecture: "arm64" }]]);
    const reg = await fakeRegistry(contentOf({ "team/multi": { "1": list, "arm": armOnly } }, [amd, v3, arm]));
    try {
      const store = img.ImageStore.open(baseHost, storeRoot("list"));
      const im = await img.pullImage(store, `127.0.0.1:${reg.port}/team/multi:1`);
      assert.is(im.manifest, amd.digest);
      assert.equal(store.image(im.id).config.labels, { "org.example.label": "plain" });
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/multi:arm`), /no linux\/amd64 image in the index \(it has linux\/arm64\)/);
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/multi@${arm.digest}`), /it is a linux\/arm64 image/);
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/multi:nope`), /team\/multi:nope: tag nope: not found \(MANIFEST_UNKNOWN: manifest unknown\)$/);
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/nothing:1`), /not found \(NAME_UNKNOWN/);
    } finally { reg.close(); }
  });

  fake("a schema 1 manifest and a wrong Docker-Content-Digest are clear errors", async () => {
    const s1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: "team/old", tag: "1", fsLayers: [], history: [], signatures: [] }));
    const repos = { "team/old": { tags: { 1: "sha256:" + sha256(s1) }, manifests: new Map([["sha256:" + sha256(s1), { bytes: s1, mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws" }]]) } };
    const reg = await fakeRegistry({ repos, blobs: new Map() });
    const liar = await fakeRegistry({ ...contentOf({ "team/tool": { "1.2": image } }), lie: true });
    try {
      const store = img.ImageStore.open(baseHost, storeRoot("s1"));
      await rejects(img.pullImage(store, `127.0.0.1:${reg.port}/team/old:1`), /schema 1 manifest, which wasl does not support/);
      await rejects(img.pullImage(store, `127.0.0.1:${liar.port}/team/tool:1.2`), /digest mismatch: the registry says sha256:e{64}/, img.DigestMismatchError);
      assert.equal(store.list(), []);
    } finally { reg.close(); liar.close(); }
  });

  fake("a registry that is not there: connection refused, one line", async () => {
    const port = await freePort();
    await rejects(img.pullImage(img.ImageStore.open(baseHost, storeRoot("down")), `127.0.0.1:${port}/team/tool:1.2`),
      new RegExp(`^127\\.0\\.0\\.1:${port}/team/tool:1\\.2: cannot reach the registry: http://127\\.0\\.0\\.1:${port}/v2/: connection refused$`), img.RegistryError);
  });
}
fake.run();

// ---- Debian's docker-registry, fed by skopeo ----

const real = suite("registry: Debian's docker-registry and skopeo");
const missing = ["docker-registry", "skopeo", "openssl"].filter((c) => !have(c));
if (!fs.existsSync("/bin/busybox")) missing.push("/bin/busybox (busybox-static)");
if (!haveTar) missing.push("tar");
if (missing.length) console.error(`skipping the docker-registry tests: missing ${missing.join(", ")} (apt-get install docker-registry skopeo openssl busybox-static)`);
else {
  const storage = join(work, "registry-storage");
  fs.mkdirSync(storage);

  async function startRegistry(name, extraConfig = "") {
    const port = await freePort();
    const config = join(work, `${name}.yml`);
    fs.writeFileSync(config, `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
http:
  addr: 127.0.0.1:${port}
${extraConfig}`);
    const logFile = join(work, `${name}.log`);
    // The registry lives as long as this process holds the pipe on the wrapper's stdin: however this
    // process ends (even SIGKILL from the runner's timeout) the pipe closes and the wrapper kills it.
    const child = spawn("sh", ["-c", 'exec 3<&0; docker-registry serve "$1" </dev/null & r=$!; (read _ <&3; kill $r) & wait $r', "sh", config],
      { stdio: ["pipe", fs.openSync(logFile, "w"), fs.openSync(logFile, "a")] });
    child.unref();
    child.stdin.unref();
    // Ready when /v2/ answers at all (200, or 401 when it wants a token).
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${fs.readFileSync(logFile, "utf8")}`);
      try { await fetch(`http://127.0.0.1:${port}/v2/`); break; } catch { /* not listening yet */ }
      if (i > 400) throw new Error(`docker-registry did not start: ${fs.readFileSync(logFile, "utf8")}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return { port, host: `127.0.0.1:${port}` };
  }

  const push = (layoutDir, tag, dest, all = false) =>
    sh(`skopeo --insecure-policy copy --quiet ${all ? "--all" : ""} --preserve-digests --dest-tls-verify=false oci:${layoutDir}:${tag} docker://${dest}`);

  /** The registry's own file for a blob. */
  const registryBlobPath = (digest) => join(storage, "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");

  const base = packLayer("bb-base", `mkdir -p bin etc; cp /bin/busybox bin/busybox; ln -s busybox bin/sh; echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd`, true);
  const top = packLayer("bb-top", `mkdir -p etc; echo 'hello from the registry' > etc/motd`, false);
  const tool = makeImage([base, top]);
  const armLayer = packLayer("arm", `mkdir -p etc; echo arm64 > etc/arch`, true);
  const arm = makeImage([armLayer], { arch: "arm64" });
  const index = makeIndex([[arm, { os: "linux", architecture: "arm64", variant: "v8" }], [tool, { os: "linux", architecture: "amd64" }]]);
  const brokenLayer = packLayer("broken", `mkdir -p etc; echo 'to be corrupted' > etc/broken`, true);
  const broken = makeImage([base, brokenLayer]);

  let open, tokenReg;
  const storeRoot = join(work, "store");

  real.before(async () => {
    open = await startRegistry("open");
    push(writeLayout("layout-tool", tool, [tool], "1.2"), "1.2", `${open.host}/team/tool:1.2`);
    push(writeLayout("layout-multi", index, [tool, arm], "multi"), "multi", `${open.host}/team/multi:1`, true);
    push(writeLayout("layout-broken", broken, [broken], "1"), "1", `${open.host}/team/broken:1`);
  });

  real("a pushed image pulls back digest for digest; busybox inside is the host's", async () => {
    const { host, log } = loggingHost();
    const store = img.ImageStore.open(host, storeRoot);
    const im = await img.pullImage(store, `${open.host}/team/tool:1.2`);
    assert.equal(im, { id: tool.configDigest, manifest: tool.digest, tags: [`${open.host}/team/tool:1.2`] });
    const image = store.image(`${open.host}/team/tool:1.2`);
    assert.equal(image.layers.map((l) => [l.digest, l.diffID]), [[base.digest, base.diffID], [top.digest, top.diffID]]);
    for (const d of [tool.digest, tool.configDigest, base.digest, top.digest]) assert.ok(store.hasBlob(d), d);
    assert.equal(Buffer.from(store.readBlob(tool.digest)), tool.manifest);
    const [t1, t2] = await store.layerTrees(im.id);
    const bb = img.layerLookup(t1, "bin/busybox");
    const buf = new Uint8Array(bb.size);
    for (let at = 0; at < buf.length; ) at += img.readNode(store, bb, buf.subarray(at), at);
    assert.is(sha256(buf), sha256(fs.readFileSync("/bin/busybox")));
    assert.ok(img.layerLookup(t2, "etc/motd"));
    assert.is(log.filter((r) => r.url.includes("/blobs/")).length, 3);
    store.close();
  });

  real("pulling again fetches no blob and changes nothing", async () => {
    const before = snapshot(storeRoot);
    const { host, log } = loggingHost();
    const store = img.ImageStore.open(host, storeRoot);
    const progress = [];
    await img.pullImage(store, `${open.host}/team/tool:1.2`, { onProgress: (p) => progress.push(p.state) });
    assert.equal(log.map((r) => new URL(r.url).pathname), ["/v2/", "/v2/team/tool/manifests/1.2"]);
    assert.equal([store.stats.blobsWritten, store.stats.layersIndexed], [0, 0]);
    assert.equal(progress, ["cached", "cached", "unpacking", "done", "unpacking", "done"]);
    assert.is(snapshot(storeRoot), before);
  });

  real("a multi-arch index yields the linux/amd64 manifest, whose layers the store already has", async () => {
    const { host, log } = loggingHost();
    const store = img.ImageStore.open(host, storeRoot);
    const im = await img.pullImage(store, `${open.host}/team/multi:1`);
    assert.equal(im, { id: tool.configDigest, manifest: tool.digest, tags: [`${open.host}/team/multi:1`] });
    assert.equal(log.map((r) => new URL(r.url).pathname), ["/v2/", "/v2/team/multi/manifests/1", `/v2/team/multi/manifests/${tool.digest}`]);
    assert.ok(!store.hasBlob(arm.digest) && !store.hasBlob(armLayer.digest));
    const byDigest = await img.pullImage(img.ImageStore.open(baseHost, join(work, "store-by-digest")), `${open.host}/team/multi@${tool.digest}`);
    assert.equal(byDigest.tags, [`${open.host}/team/multi@${tool.digest}`]);
  });

  real("a corrupted blob in the registry's storage: digest mismatch, the store unchanged", async () => {
    const p = registryBlobPath(brokenLayer.digest);
    const b = fs.readFileSync(p);
    b[b.length >> 1] ^= 0xff;
    fs.writeFileSync(p, b);
    const before = snapshot(storeRoot);
    const store = img.ImageStore.open(baseHost, storeRoot);
    await rejects(img.pullImage(store, `${open.host}/team/broken:1`),
      new RegExp(`team/broken:1: layer 2/2 \\(${brokenLayer.digest}\\): digest mismatch: expected ${brokenLayer.digest}, the content hashes to sha256:`), img.DigestMismatchError);
    assert.is(snapshot(storeRoot), before);
    await rejects(img.pullImage(store, `${open.host}/team/tool:9.9`), /tag 9\.9: not found \(MANIFEST_UNKNOWN/, img.RegistryError);
  });

  real("token auth: a token server signs JWTs the registry verifies; blobs redirected to storage get no token", async () => {
    // The token server's signing certificate, which the registry trusts.
    sh(`openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 2 -subj /CN=wasl-test-token 2>/dev/null`);
    const key = createPrivateKey(fs.readFileSync(join(work, "token.key")));
    const certDer = new X509Certificate(fs.readFileSync(join(work, "token.crt"))).raw;
    const b64url = (b) => Buffer.from(b).toString("base64url");
    const requests = [];
    const tokens = await listen((req, res) => {
      const url = new URL(req.url, "http://x");
      const auth = req.headers.authorization ?? "";
      requests.push({ scope: url.searchParams.get("scope"), service: url.searchParams.get("service"), basic: !!auth });
      if (auth && auth !== "Basic " + Buffer.from("alice:secret").toString("base64")) return res.writeHead(401).end();
      const [type, name, actions] = (url.searchParams.get("scope") ?? "::").split(":");
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: "JWT", alg: "RS256", x5c: [certDer.toString("base64")] };
      const claims = { iss: "wasl-test-issuer", sub: auth ? "alice" : "", aud: url.searchParams.get("service"), exp: now + 600, nbf: now - 60, iat: now,
        jti: randomBytes(8).toString("hex"), access: auth ? [{ type, name, actions: actions.split(",") }] : [] };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const token = `${signingInput}.${b64url(sign("sha256", Buffer.from(signingInput), key))}`;
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token, expires_in: 600 }));
    });
    // Blob storage the registry's redirect middleware sends clients to: the registry's own files.
    const storageAuth = [];
    const files = await listen((req, res) => {
      storageAuth.push(req.headers.authorization ?? null);
      const p = join(storage, decodeURIComponent(new URL(req.url, "http://x").pathname));
      if (!p.startsWith(storage) || !fs.existsSync(p)) return res.writeHead(404).end();
      res.writeHead(200).end(fs.readFileSync(p));
    });
    try {
      tokenReg = await startRegistry("token", `auth:
  token:
    realm: ${tokens.url}/token
    service: wasl-test-registry
    issuer: wasl-test-issuer
    rootcertbundle: ${join(work, "token.crt")}
middleware:
  storage:
    - name: redirect
      options:
        baseurl: ${files.url}/
`);
      const ref = `${tokenReg.host}/team/tool:1.2`;
      const anon = img.ImageStore.open(baseHost, join(work, "store-token-anon"));
      await rejects(img.pullImage(anon, ref), /unauthorized \(UNAUTHORIZED: authentication required.*\): set \$WASL_REGISTRY_AUTH/, img.RegistryError);
      assert.equal(requests, [{ scope: "repository:team/tool:pull", service: "wasl-test-registry", basic: false }]);
      await rejects(img.pullImage(anon, ref, { auth: { username: "alice", password: "nope" } }), /unauthorized.*credentials were refused/);
      assert.equal(anon.list(), []);

      const { host, log } = loggingHost({ WASL_REGISTRY_AUTH: "alice:secret" });
      const store = img.ImageStore.open(host, join(work, "store-token"));
      const im = await img.pullImage(store, ref);
      assert.equal(im, { id: tool.configDigest, manifest: tool.digest, tags: [ref] });
      assert.ok(log.filter((r) => r.url.startsWith(`http://${tokenReg.host}/v2/team/`)).every((r) => r.auth?.startsWith("Bearer ey")));
      assert.is(storageAuth.length, 3, "config and both layers came from the storage server");
      assert.equal(storageAuth, [null, null, null]);
    } finally {
      tokens.server.close();
      files.server.closeAllConnections();
      files.server.close();
    }
  });
}
real.run();
