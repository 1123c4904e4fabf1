// Loading images into the store: OCI image layouts (a directory, or the same inside a tarball),
// `docker save` tarballs in the current format (manifest.json, with or without an OCI index.json)
// and the old one (repositories + <id>/layer.tar + <id>/json). Every blob is verified against
// its digest; each load is one store transaction, so a failure leaves the store unchanged.
import { readRange, sha256Digest, type ByteStream, type ImageHost } from "./host.js";
import { TarReader, decompressStream, detectCompression } from "./tar.js";
import { normaliseLayerPath, type LayerTree } from "./layer.js";
import {
  MEDIA, checkDigest, documentKind, isIndexMediaType, makeManifest, parseImageConfig, parseIndex, parseJSON, parseManifest,
  type Descriptor, type ImageConfig,
} from "./manifest.js";
import { DigestMismatchError, ImageStore, StoreTransaction, type Image, type StoredImage } from "./store.js";
import { parseImageName, parseImageReference, type ImageReference } from "./reference.js";

export interface LoadOptions {
  /** Tag to give the loaded image(s) when the source names none ("name" or "name:tag"). */
  name?: string;
  /** Progress lines for long loads (the CLI prints them on a TTY). */
  progress?: (line: string) => void;
}

export const WANTED_PLATFORM = { os: "linux", architecture: "amd64" };

/** Files of an image source: a directory, or the members of a tarball. Paths use "/". */
interface SourceFiles {
  describe(path: string): string;
  has(path: string): boolean;
  read(path: string): Uint8Array;
  stream(path: string): ByteStream;
}

function dirFiles(host: ImageHost, dir: string): SourceFiles {
  const full = (p: string) => host.join(dir, ...p.split("/"));
  return {
    describe: (p) => full(p),
    has: (p) => host.stat(full(p))?.kind === "file",
    read: (p) => host.readFile(full(p)),
    stream: (p) => readRange(host, full(p)),
  };
}

interface Member { type: string; offset: number; size: number; linkpath: string }

/** Indexes a tarball's members in one pass; contents are then read by range from the file. */
async function tarFiles(host: ImageHost, file: string): Promise<SourceFiles> {
  const members = new Map<string, Member>();
  const reader = new TarReader(readRange(host, file));
  for (let e = await reader.next(); e; e = await reader.next()) {
    const name = normaliseLayerPath(e.path, `member of ${file}:`).join("/");
    members.set(name, { type: e.type, offset: e.dataOffset, size: e.size, linkpath: e.linkpath });
  }
  // docker save writes repeated layers (and, since Docker 25, every <id>/layer.tar) as links.
  const resolve = (p: string, depth = 0): Member | null => {
    const m = members.get(p);
    if (!m || depth > 16) return null;
    if (m.type === "file") return m;
    if (m.type === "hardlink") return resolve(normaliseLayerPath(m.linkpath).join("/"), depth + 1);
    if (m.type === "symlink") {
      const base = p.split("/").slice(0, -1);
      const target = m.linkpath.startsWith("/") ? m.linkpath : [...base, m.linkpath].join("/");
      const parts: string[] = [];
      for (const c of target.split("/")) {
        if (c === "" || c === ".") continue;
        if (c === "..") { if (!parts.length) return null; parts.pop(); } else parts.push(c);
      }
      return resolve(parts.join("/"), depth + 1);
    }
    return null;
  };
  const get = (p: string) => {
    const m = resolve(p);
    if (!m) throw new Error(`${file}: no file ${JSON.stringify(p)} in the archive`);
    return m;
  };
  return {
    describe: (p) => `${file}:${p}`,
    has: (p) => resolve(p) !== null,
    read: (p) => {
      const m = get(p);
      const f = host.openRead(file);
      try {
        const buf = new Uint8Array(m.size);
        let got = 0;
        while (got < m.size) {
          const n = f.read(buf.subarray(got), m.offset + got);
          if (n <= 0) throw new Error(`${file}: truncated archive (member ${p})`);
          got += n;
        }
        return buf;
      } finally {
        f.close();
      }
    },
    stream: (p) => { const m = get(p); return readRange(host, file, m.offset, m.offset + m.size); },
  };
}

/** Peeks at a source file's first bytes to learn its compression. */
async function compressionOf(files: SourceFiles, path: string) {
  for await (const chunk of files.stream(path)) return detectCompression(chunk.subarray(0, 4));
  return "none" as const;
}

function platformOK(p: { os?: string; architecture?: string } | undefined): boolean {
  return !p || ((!p.os || p.os === WANTED_PLATFORM.os) && (!p.architecture || p.architecture === WANTED_PLATFORM.architecture));
}

function checkConfigPlatform(config: ImageConfig, what: string): void {
  if (!platformOK(config)) throw new Error(`${what} is a ${config.os}/${config.architecture} image; wasl runs ${WANTED_PLATFORM.os}/${WANTED_PLATFORM.architecture} images`);
}

function tagsFrom(names: string[], what: string): string[] {
  return names.map((n) => {
    try { return parseImageName(n).ref; } catch (e: any) { throw new Error(`${what}: ${e.message}`); }
  });
}

/** Stores the layers of one image (bottom first) and its config and manifest; returns the manifest digest. */
async function storeImage(txn: StoreTransaction, files: SourceFiles, configPath: string, configDigest: string | null,
  layerPaths: { path: string; digest: string | null; size?: number; mediaType?: string }[], what: string,
  progress?: (line: string) => void): Promise<{ manifest: string; config: string }> {
  const configBytes = files.read(configPath);
  const cfg = await txn.putBlobBytes(configBytes, { digest: configDigest ?? undefined, what: `${what} config ${files.describe(configPath)}` });
  const config = parseImageConfig(configBytes, `${what} config`);
  checkConfigPlatform(config, what);
  if (config.diffIDs.length !== layerPaths.length)
    throw new Error(`${what}: ${layerPaths.length} layers but the config lists ${config.diffIDs.length} diff_ids`);
  const layers: Descriptor[] = [];
  const trees: LayerTree[] = [];
  for (let i = 0; i < layerPaths.length; i++) {
    const l = layerPaths[i];
    const label = `${what} layer ${i + 1}/${layerPaths.length} (${files.describe(l.path)})`;
    progress?.(`loading ${label}`);
    const compression = await compressionOf(files, l.path);
    // An uncompressed layer's digest is its diffID, so a layer the store has is not read again.
    const expected = l.digest ?? (compression === "none" ? config.diffIDs[i] : undefined);
    const blob = await txn.putBlob(() => files.stream(l.path), { digest: expected, size: l.size, what: label });
    trees.push(await txn.importLayer(blob.digest, config.diffIDs[i], label, trees));
    const mediaType = l.mediaType ?? (compression === "gzip" ? MEDIA.ociLayerGzip : compression === "zstd" ? MEDIA.ociLayerZstd : MEDIA.ociLayer);
    layers.push({ mediaType, digest: blob.digest, size: blob.size });
  }
  const manifestBytes = makeManifest({ mediaType: MEDIA.ociConfig, digest: cfg.digest, size: cfg.size }, layers);
  const manifest = await txn.putBlobBytes(manifestBytes, { what: `${what} manifest` });
  return { manifest: manifest.digest, config: cfg.digest };
}

// ---- OCI image layout ----

const blobPathOf = (digest: string) => `blobs/sha256/${digest.slice(7)}`;

/** A small blob of the source (index, manifest, config), checked against its descriptor. */
function readVerifiedBlob(host: ImageHost, files: SourceFiles, d: Descriptor, what: string): Uint8Array {
  const p = blobPathOf(d.digest);
  if (!files.has(p)) throw new Error(`${what}: blob ${d.digest} is missing (${files.describe(p)})`);
  const bytes = files.read(p);
  const actual = sha256Digest(host, bytes);
  if (actual !== d.digest) throw new DigestMismatchError(`${what}: digest mismatch in ${files.describe(p)}: expected ${d.digest}, the content hashes to ${actual}`);
  if (d.size >= 0 && bytes.length !== d.size) throw new DigestMismatchError(`${what}: blob ${d.digest} is ${bytes.length} bytes, the descriptor says ${d.size}`);
  return bytes;
}

/** Follows an index (manifest list) down to the linux/amd64 manifest. */
async function resolveManifest(txn: StoreTransaction, files: SourceFiles, d: Descriptor, what: string, depth = 0): Promise<{ desc: Descriptor; bytes: Uint8Array }> {
  if (depth > 4) throw new Error(`${what}: image indexes nest too deeply`);
  const bytes = readVerifiedBlob(txn.store.host, files, d, what);
  const kind = isIndexMediaType(d.mediaType) ? "index" : documentKind(bytes, `${what} ${d.digest}`);
  if (kind === "manifest") return { desc: d, bytes };
  const entries = parseIndex(bytes, `${what} index ${d.digest}`);
  const pick = entries.find((e) => e.platform && platformOK(e.platform)) ?? entries.find((e) => !e.platform);
  if (!pick) {
    const have = entries.map((e) => `${e.platform?.os}/${e.platform?.architecture}`).join(", ");
    throw new Error(`${what}: no ${WANTED_PLATFORM.os}/${WANTED_PLATFORM.architecture} image in the index (it has ${have})`);
  }
  return resolveManifest(txn, files, pick, what, depth + 1);
}

function namesFromAnnotations(d: Descriptor, opts: LoadOptions): string[] {
  const a = d.annotations ?? {};
  const full = a["io.containerd.image.name"];
  const refName = a["org.opencontainers.image.ref.name"];
  if (opts.name) {
    const n = parseImageName(opts.name);
    // "name" alone takes the layout's tag when it has one, else latest.
    return [opts.name.includes(":") || !refName || !/^[\w][\w.-]*$/.test(refName) ? n.ref : `${n.name}:${refName}`];
  }
  if (full) return [full];
  if (refName && (refName.includes("/") || refName.includes(":"))) return [refName];
  return [];
}

async function loadLayoutFiles(txn: StoreTransaction, files: SourceFiles, where: string, tag: string | null, opts: LoadOptions): Promise<StoredImage[]> {
  if (!files.has("oci-layout")) throw new Error(`${where} is not an OCI image layout (no oci-layout file)`);
  const layout = parseJSON(files.read("oci-layout"), `${where} oci-layout`);
  if (typeof layout.imageLayoutVersion !== "string" || !layout.imageLayoutVersion.startsWith("1."))
    throw new Error(`${where}: unsupported imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}`);
  if (!files.has("index.json")) throw new Error(`${where}: no index.json`);
  let top = parseIndex(files.read("index.json"), `${where} index.json`);
  if (tag !== null) {
    top = top.filter((d) => d.annotations?.["org.opencontainers.image.ref.name"] === tag ||
      (d.annotations?.["io.containerd.image.name"] ?? "").endsWith(":" + tag));
    if (!top.length) throw new Error(`${where}: no image tagged ${JSON.stringify(tag)} in index.json`);
  }
  const forUs = top.filter((d) => platformOK(d.platform));
  if (!forUs.length) throw new Error(`${where}: no ${WANTED_PLATFORM.os}/${WANTED_PLATFORM.architecture} image in index.json`);
  const out: StoredImage[] = [];
  for (const d of forUs) {
    const what = `${where} ${d.digest.slice(0, 19)}`;
    const { desc, bytes } = await resolveManifest(txn, files, d, what);
    const m = parseManifest(bytes, `${what} manifest`);
    const configBytes = readVerifiedBlob(txn.store.host, files, m.config, `${what} config`);
    const config = parseImageConfig(configBytes, `${what} config`);
    checkConfigPlatform(config, what);
    if (config.diffIDs.length !== m.layers.length) throw new Error(`${what}: ${m.layers.length} layers but ${config.diffIDs.length} diff_ids`);
    const trees: LayerTree[] = [];
    for (let i = 0; i < m.layers.length; i++) {
      const l = m.layers[i];
      const p = blobPathOf(l.digest);
      const label = `${what} layer ${i + 1}/${m.layers.length} (${files.describe(p)})`;
      opts.progress?.(`loading ${label}`);
      if (!txn.hasBlob(l.digest) && !files.has(p)) throw new Error(`${label}: blob ${l.digest} is missing`);
      await txn.putBlob(() => files.stream(p), { digest: l.digest, size: l.size, what: label });
      trees.push(await txn.importLayer(l.digest, config.diffIDs[i], label, trees));
    }
    await txn.putBlobBytes(configBytes, { digest: m.config.digest, what: `${what} config` });
    await txn.putBlobBytes(bytes, { digest: desc.digest, what: `${what} manifest` });
    const im: StoredImage = { id: m.config.digest, manifest: desc.digest, tags: tagsFrom(namesFromAnnotations(d, opts), where) };
    txn.addImage(im);
    out.push(im);
  }
  return out;
}

/** Loads an OCI image layout directory (all its linux/amd64 images, or the one tagged `tag`). */
export function loadOciLayout(store: ImageStore, dir: string, tag: string | null = null, opts: LoadOptions = {}): Promise<StoredImage[]> {
  return StoreTransaction.run(store, (txn) => loadLayoutFiles(txn, dirFiles(store.host, dir), dir, tag, opts));
}

// ---- docker save tarballs ----

const utf8 = new TextEncoder();

async function loadDockerManifest(txn: StoreTransaction, files: SourceFiles, file: string, opts: LoadOptions): Promise<StoredImage[]> {
  const doc = parseJSON(files.read("manifest.json"), `${file} manifest.json`);
  if (!Array.isArray(doc)) throw new Error(`${file}: manifest.json is not a list`);
  const out: StoredImage[] = [];
  for (const [i, entry] of doc.entries()) {
    const what = `${file} image ${i + 1}`;
    if (typeof entry.Config !== "string" || !Array.isArray(entry.Layers)) throw new Error(`${what}: manifest.json entry lacks Config or Layers`);
    const digestInName = (p: string) => {
      const m = /^(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/.exec(p);
      return m ? "sha256:" + m[1] : null;
    };
    const layerPaths = (entry.Layers as string[]).map((p) => {
      const path = normaliseLayerPath(p, `${what} layer`).join("/");
      const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path);
      return { path, digest: m ? "sha256:" + m[1] : null };
    });
    const configPath = normaliseLayerPath(entry.Config, `${what} config`).join("/");
    const stored = await storeImage(txn, files, configPath, digestInName(configPath), layerPaths, what, opts.progress);
    const names: string[] = Array.isArray(entry.RepoTags) ? entry.RepoTags : [];
    const im: StoredImage = { id: stored.config, manifest: stored.manifest, tags: tagsFrom(opts.name ? [opts.name] : names, what) };
    txn.addImage(im);
    out.push(im);
  }
  return out;
}

/** The pre-1.10 format: repositories {name: {tag: id}}, each layer a directory <id>/ with json and layer.tar. */
async function loadDockerRepositories(txn: StoreTransaction, files: SourceFiles, file: string, opts: LoadOptions): Promise<StoredImage[]> {
  const repos = parseJSON(files.read("repositories"), `${file} repositories`);
  const byTop = new Map<string, string[]>();
  for (const name of Object.keys(repos)) for (const tag of Object.keys(repos[name])) {
    const id = String(repos[name][tag]);
    byTop.set(id, [...(byTop.get(id) ?? []), `${name}:${tag}`]);
  }
  const out: StoredImage[] = [];
  for (const [top, names] of byTop) {
    const what = `${file} ${names[0]}`;
    const chain: { id: string; json: any }[] = [];
    for (let id: string | undefined = top; id; ) {
      if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`${what}: bad layer id ${JSON.stringify(id)}`);
      if (chain.length > 1000 || chain.some((c) => c.id === id)) throw new Error(`${what}: the layer parent chain loops`);
      const json = parseJSON(files.read(`${id}/json`), `${what} ${id}/json`);
      chain.push({ id, json });
      id = json.parent;
    }
    chain.reverse();
    const diffIDs: string[] = [];
    const layers: Descriptor[] = [];
    const trees: LayerTree[] = [];
    for (const [i, { id }] of chain.entries()) {
      const label = `${what} layer ${i + 1}/${chain.length} (${id.slice(0, 12)}/layer.tar)`;
      opts.progress?.(`loading ${label}`);
      const compression = await compressionOf(files, `${id}/layer.tar`);
      const blob = await txn.putBlob(() => files.stream(`${id}/layer.tar`), { what: label });
      const tree = await txn.importLayer(blob.digest, null, label, trees);
      trees.push(tree);
      diffIDs.push(tree.id);
      layers.push({ mediaType: compression === "gzip" ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: blob.digest, size: blob.size });
    }
    const topJson = chain[chain.length - 1].json;
    const configDoc = {
      architecture: topJson.architecture ?? "amd64", os: topJson.os ?? "linux", created: topJson.created,
      config: topJson.config ?? topJson.container_config ?? {},
      rootfs: { type: "layers", diff_ids: diffIDs },
    };
    const configBytes = utf8.encode(JSON.stringify(configDoc));
    checkConfigPlatform(parseImageConfig(configBytes, `${what} config`), what);
    const cfg = await txn.putBlobBytes(configBytes, { what: `${what} config` });
    const manifest = await txn.putBlobBytes(makeManifest({ mediaType: MEDIA.ociConfig, digest: cfg.digest, size: cfg.size }, layers), { what: `${what} manifest` });
    const im: StoredImage = { id: cfg.digest, manifest: manifest.digest, tags: tagsFrom(opts.name ? [opts.name] : names, what) };
    txn.addImage(im);
    out.push(im);
  }
  return out;
}

/** Loads a `docker save` tarball (either format, plain or gzip-compressed) or an OCI layout packed as a tar. */
export function loadDockerArchive(store: ImageStore, file: string, opts: LoadOptions = {}): Promise<StoredImage[]> {
  const host = store.host;
  return StoreTransaction.run(store, async (txn) => {
    let tarPath = file;
    const { compression, stream } = await decompressStream(host, readRange(host, file), file);
    if (compression !== "none") {
      tarPath = host.join(txn.dir, "archive.tar");
      const out = host.openWrite(tarPath);
      try { for await (const c of stream) out.write(c); } finally { out.close(); }
    }
    let files: SourceFiles;
    try {
      files = await tarFiles(host, tarPath);
    } catch (e: any) {
      throw new Error(`${file}: ${e.message}`);
    }
    if (files.has("manifest.json")) return loadDockerManifest(txn, files, file, opts);
    if (files.has("oci-layout") && files.has("index.json")) return loadLayoutFiles(txn, files, file, null, opts);
    if (files.has("repositories")) return loadDockerRepositories(txn, files, file, opts);
    throw new Error(`${file} is neither a docker save tarball (no manifest.json or repositories) nor an OCI archive`);
  });
}

/** Loads whatever a reference points at (a layout dir, a tarball); names need no loading. */
export async function loadImage(store: ImageStore, ref: string | ImageReference, opts: LoadOptions = {}): Promise<StoredImage[]> {
  const r = typeof ref === "string" ? parseImageReference(ref) : ref;
  switch (r.kind) {
    case "oci": return loadOciLayout(store, r.dir, r.tag, opts);
    case "docker-archive": return loadDockerArchive(store, r.file, opts);
    case "path": {
      const st = store.host.stat(r.path);
      if (!st) throw new Error(`${r.path}: no such file or directory`);
      return st.kind === "dir" ? loadOciLayout(store, r.path, null, opts) : loadDockerArchive(store, r.path, opts);
    }
    case "name": {
      const im = store.find(r.ref);
      if (!im) throw new Error(`no image ${JSON.stringify(r.ref)} in the store (load it with \`wasl load FILE\`)`);
      return [im];
    }
  }
}

/** The image a `wasl run` argument names, loading a layout or tarball into the store first. */
export async function openImage(store: ImageStore, ref: string, opts: LoadOptions = {}): Promise<Image> {
  const loaded = await loadImage(store, ref, opts);
  if (loaded.length === 0) throw new Error(`${ref} holds no image`);
  return store.image(loaded[0].id);
}
