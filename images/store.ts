// The content-addressed image store under one root directory:
//   blobs/sha256/<hex>         every blob (manifests, configs, layers as they came), sha256-verified
//   layers/sha256/<hex>.tar    a compressed layer's uncompressed tar (hex = its diffID), for random access
//   layers/sha256/<hex>.json   a layer's parsed tree (the index), so a second load reads no tar
//   images.json                the images: id (config digest), manifest digest, tags
//   tmp/                       staging; a load writes here and moves into place only when all is verified
// A blob or layer shared by several images exists once. Loading happens in a transaction: any
// failure (digest mismatch, truncated or hostile layer) leaves the store as it was.
import { readRange, type ByteStream, type ImageHost, type RandomAccessFile } from "./host.js";
import { TarReader, decompressStream } from "./tar.js";
import { LayerBuilder, parseLayerTree, serialiseLayerTree, walkLayer, type ContentReader, type ContentRef, type LayerTree } from "./layer.js";
import { checkDigest, parseImageConfig, parseManifest, type ImageConfig, type Manifest } from "./manifest.js";
import { parseImageName } from "./reference.js";

export interface StoredImage {
  /** The config digest, as Docker's image ID. */
  id: string;
  manifest: string;
  /** name:tag references, familiar form ("busybox:latest"). */
  tags: string[];
}

export interface LayerInfo {
  /** The blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  /** sha256 of the uncompressed tar; names the layer tree and its ContentRefs. */
  diffID: string;
}

export interface Image extends StoredImage {
  manifestDoc: Manifest;
  config: ImageConfig;
  layers: LayerInfo[];
}

export class DigestMismatchError extends Error {}

/** What the store keeps of whole files read for exec (a file above a quarter of it is not kept). */
const WHOLE_FILE_CACHE_BYTES = 64 << 20;
const hexOf = (digest: string) => checkDigest(digest, "digest").slice(7);
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** Counters a test (or `--verbose`) can read: how much work the store actually did. */
export interface StoreStats { blobsWritten: number; blobsReused: number; layersIndexed: number; layerIndexesLoaded: number }

export class ImageStore implements ContentReader {
  readonly stats: StoreStats = { blobsWritten: 0, blobsReused: 0, layersIndexed: 0, layerIndexesLoaded: 0 };
  private trees = new Map<string, LayerTree>();
  private openLayers = new Map<string, RandomAccessFile>();
  /**
   * Whole files read for exec, most recently used last: layer contents never change (they are
   * addressed by digest), so a program run again is not read from disk again.
   */
  private wholeFiles = new Map<string, Uint8Array>();
  private wholeFileBytes = 0;
  private txnCounter = 0;

  constructor(readonly host: ImageHost, readonly root: string) {
    for (const d of ["blobs/sha256", "layers/sha256", "tmp"]) host.mkdirp(host.join(root, ...d.split("/")));
  }

  /** The store at root, else $WASL_HOME, else the host's cache directory. */
  static open(host: ImageHost, root?: string): ImageStore {
    return new ImageStore(host, root ?? host.env("WASL_HOME") ?? host.defaultStoreRoot());
  }

  path(...parts: string[]): string { return this.host.join(this.root, ...parts); }
  blobPath(digest: string): string { return this.path("blobs", "sha256", hexOf(digest)); }
  hasBlob(digest: string): boolean { return this.host.stat(this.blobPath(digest))?.kind === "file"; }
  readBlob(digest: string): Uint8Array {
    if (!this.hasBlob(digest)) throw new Error(`blob ${digest} is not in the store`);
    return this.host.readFile(this.blobPath(digest));
  }

  // ---- the images index ----

  list(): StoredImage[] {
    const p = this.path("images.json");
    if (!this.host.stat(p)) return [];
    const doc = JSON.parse(utf8d.decode(this.host.readFile(p)));
    return doc.images as StoredImage[];
  }

  private writeList(images: StoredImage[]): void {
    const tmp = this.path("tmp", `images.json.${this.uniqueSuffix()}`);
    this.host.writeFile(tmp, utf8.encode(JSON.stringify({ version: 1, images }, null, 1) + "\n"));
    this.host.rename(tmp, this.path("images.json"));
  }

  /** An image by tag ("busybox", "busybox:1.36"), by ID ("sha256:…" or a unique hex prefix) or manifest digest. */
  find(ref: string): StoredImage | null {
    const images = this.list();
    const hex = ref.startsWith("sha256:") ? ref.slice(7) : ref;
    if (/^[0-9a-f]{4,64}$/.test(hex)) {
      const byId = images.filter((im) => im.id.slice(7).startsWith(hex) || im.manifest.slice(7).startsWith(hex));
      if (byId.length === 1) return byId[0];
      if (byId.length > 1) throw new Error(`${ref} names more than one image`);
    }
    let tag: string;
    try { tag = parseImageName(ref).ref; } catch { return null; }
    return images.find((im) => im.tags.includes(tag)) ?? null;
  }

  /** A stored image with its manifest, config and layers. */
  image(ref: string): Image {
    const im = this.find(ref);
    if (!im) throw new Error(`no image ${JSON.stringify(ref)} in the store (${this.root})`);
    const manifestDoc = parseManifest(this.readBlob(im.manifest), `manifest ${im.manifest}`);
    const config = parseImageConfig(this.readBlob(manifestDoc.config.digest), `config ${manifestDoc.config.digest}`);
    if (config.diffIDs.length !== manifestDoc.layers.length)
      throw new Error(`image ${ref}: the manifest has ${manifestDoc.layers.length} layers but the config ${config.diffIDs.length} diff_ids`);
    const layers = manifestDoc.layers.map((d, i) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, diffID: config.diffIDs[i] }));
    return { ...im, manifestDoc, config, layers };
  }

  /** The image's layer trees, bottom layer first (each loaded from its cached index). */
  async layerTrees(ref: string): Promise<LayerTree[]> {
    const im = this.image(ref);
    return im.layers.map((l) => this.layerTree(l.diffID));
  }

  /** A layer's tree; shared, read-only. */
  layerTree(diffID: string): LayerTree {
    let tree = this.trees.get(diffID);
    if (tree) return tree;
    const p = this.path("layers", "sha256", hexOf(diffID) + ".json");
    if (!this.host.stat(p)) throw new Error(`layer ${diffID} has no index in the store (was it imported?)`);
    const parsed = parseLayerTree(utf8d.decode(this.host.readFile(p)), diffID);
    if (!parsed) throw new Error(`layer index ${p} is of another format; remove and load the image again`);
    this.stats.layerIndexesLoaded++;
    this.trees.set(diffID, parsed);
    return parsed;
  }

  /** Where a layer's uncompressed tar is: the cached copy for compressed layers, else the blob itself. */
  layerTarPath(diffID: string): string {
    const cached = this.path("layers", "sha256", hexOf(diffID) + ".tar");
    if (this.host.stat(cached)) return cached;
    return this.blobPath(diffID);
  }

  readContent(ref: ContentRef, buf: Uint8Array, pos: number): number {
    if (pos >= ref.size) return 0;
    let f = this.openLayers.get(ref.layer);
    if (!f) {
      f = this.host.openRead(this.layerTarPath(ref.layer));
      this.openLayers.set(ref.layer, f);
    }
    const want = Math.min(buf.length, ref.size - pos);
    let got = 0;
    while (got < want) {
      const n = f.read(buf.subarray(got, want), ref.offset + pos + got);
      if (n <= 0) throw new Error(`layer ${ref.layer}: its tar ends before byte ${ref.offset + pos + got}`);
      got += n;
    }
    return got;
  }

  wholeContent(ref: ContentRef): Uint8Array {
    const key = `${ref.layer}@${ref.offset}`;
    const hit = this.wholeFiles.get(key);
    if (hit) { this.wholeFiles.delete(key); this.wholeFiles.set(key, hit); return hit; }
    const out = new Uint8Array(ref.size);
    this.readContent(ref, out, 0);
    if (ref.size <= WHOLE_FILE_CACHE_BYTES / 4) {
      this.wholeFiles.set(key, out);
      this.wholeFileBytes += out.length;
      for (const [k, v] of this.wholeFiles) {
        if (this.wholeFileBytes <= WHOLE_FILE_CACHE_BYTES) break;
        this.wholeFiles.delete(k);
        this.wholeFileBytes -= v.length;
      }
    }
    return out;
  }

  /** Closes the layer files opened for reading contents (and forgets cached ones). */
  close(): void {
    for (const f of this.openLayers.values()) f.close();
    this.openLayers.clear();
    this.wholeFiles.clear();
    this.wholeFileBytes = 0;
  }

  uniqueSuffix(): string {
    const r = new Uint8Array(6);
    crypto.getRandomValues(r);
    return `${++this.txnCounter}-${[...r].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  begin(): StoreTransaction {
    return new StoreTransaction(this, this.path("tmp", `load-${this.uniqueSuffix()}`));
  }

  /**
   * Untags `ref` (a tag removes that tag, an ID removes the image with all its tags), then deletes
   * every blob and layer cache no remaining image references. Returns the deleted blob digests.
   */
  remove(ref: string): string[] {
    const im = this.find(ref);
    if (!im) throw new Error(`no image ${JSON.stringify(ref)} in the store`);
    let images = this.list();
    let byTag = false;
    try { byTag = im.tags.includes(parseImageName(ref).ref); } catch { /* an ID */ }
    if (byTag && im.tags.length > 1) {
      const tag = parseImageName(ref).ref;
      images = images.map((x) => x.manifest === im.manifest ? { ...x, tags: x.tags.filter((t) => t !== tag) } : x);
    } else {
      images = images.filter((x) => x.manifest !== im.manifest);
    }
    this.writeList(images);
    return this.collectGarbage(images);
  }

  private collectGarbage(images: StoredImage[]): string[] {
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    for (const im of images) {
      keepBlobs.add(im.manifest);
      const m = parseManifest(this.readBlob(im.manifest), `manifest ${im.manifest}`);
      keepBlobs.add(m.config.digest);
      for (const l of m.layers) keepBlobs.add(l.digest);
      for (const d of parseImageConfig(this.readBlob(m.config.digest), `config ${m.config.digest}`).diffIDs) keepLayers.add(d);
    }
    // A plain layer blob is also where its contents are read from when no other image kept the
    // compressed form's uncompressed copy; it stays while any image uses that diffID.
    for (const d of keepLayers) if (!this.host.stat(this.path("layers", "sha256", hexOf(d) + ".tar"))) keepBlobs.add(d);
    this.close();
    const removed: string[] = [];
    for (const hex of this.host.listDir(this.path("blobs", "sha256"))) {
      if (keepBlobs.has("sha256:" + hex)) continue;
      this.host.remove(this.path("blobs", "sha256", hex));
      removed.push("sha256:" + hex);
    }
    for (const f of this.host.listDir(this.path("layers", "sha256"))) {
      const diffID = "sha256:" + f.replace(/\.(tar|json)$/, "");
      if (keepLayers.has(diffID)) continue;
      this.host.remove(this.path("layers", "sha256", f));
      this.trees.delete(diffID);
    }
    return removed;
  }

  /** @internal called by a transaction's commit */
  registerImages(add: StoredImage[]): void {
    let images = this.list();
    for (const im of add) {
      // A tag names one image: moving it leaves the old image untagged (but kept, as Docker does).
      images = images.map((x) => ({ ...x, tags: x.tags.filter((t) => !im.tags.includes(t)) }));
      const same = images.find((x) => x.manifest === im.manifest);
      if (same) same.tags = [...new Set([...same.tags, ...im.tags])].sort();
      else images.push({ ...im, tags: [...im.tags].sort() });
    }
    this.writeList(images);
  }

  /** @internal */
  cacheTree(tree: LayerTree): void { this.trees.set(tree.id, tree); }
}

/**
 * One load: blobs and layer caches are written under a staging directory and verified there;
 * commit() moves them into the store and records the images; abort() (or any failure before
 * commit) deletes the staging directory and the store is untouched.
 */
export class StoreTransaction {
  private staged = new Map<string, string>(); // final path → staged path
  private images: StoredImage[] = [];
  private trees: LayerTree[] = [];

  constructor(readonly store: ImageStore, readonly dir: string) {
    store.host.mkdirp(dir);
  }

  private get host(): ImageHost { return this.store.host; }

  /** A blob's current location: staged in this load or already in the store; null if neither. */
  blobLocation(digest: string): string | null {
    const final = this.store.blobPath(digest);
    return this.staged.get(final) ?? (this.store.hasBlob(digest) ? final : null);
  }

  hasBlob(digest: string): boolean { return this.blobLocation(digest) !== null; }

  readBlob(digest: string): Uint8Array {
    const p = this.blobLocation(digest);
    if (!p) throw new Error(`blob ${digest} is not in the store`);
    return this.host.readFile(p);
  }

  /**
   * Stores a blob after checking its sha256 (and size) against what the manifest says. A blob the
   * store already has is not read again. `source` is only called when the bytes are needed.
   */
  async putBlob(source: () => ByteStream, expected: { digest?: string; size?: number; what: string }): Promise<{ digest: string; size: number }> {
    if (expected.digest && this.hasBlob(expected.digest)) {
      this.store.stats.blobsReused++;
      return { digest: expected.digest, size: this.host.stat(this.blobLocation(expected.digest)!)!.size };
    }
    const tmp = this.host.join(this.dir, `blob-${this.store.uniqueSuffix()}`);
    const out = this.host.openWrite(tmp);
    const h = this.host.sha256();
    let size = 0;
    try {
      for await (const chunk of source()) { h.update(chunk); out.write(chunk); size += chunk.length; }
    } finally {
      out.close();
    }
    const digest = "sha256:" + h.hex();
    if (expected.digest && digest !== expected.digest) {
      this.host.remove(tmp);
      throw new DigestMismatchError(`${expected.what}: digest mismatch: expected ${expected.digest}, the content hashes to ${digest}`);
    }
    if (expected.size !== undefined && expected.size >= 0 && size !== expected.size) {
      this.host.remove(tmp);
      throw new DigestMismatchError(`${expected.what}: size mismatch: expected ${expected.size} bytes, got ${size}`);
    }
    if (this.hasBlob(digest)) { this.host.remove(tmp); this.store.stats.blobsReused++; return { digest, size }; }
    this.staged.set(this.store.blobPath(digest), tmp);
    this.store.stats.blobsWritten++;
    return { digest, size };
  }

  putBlobBytes(data: Uint8Array, expected: { digest?: string; what: string }): Promise<{ digest: string; size: number }> {
    return this.putBlob(async function* () { yield data; }, { ...expected, size: data.length });
  }

  /**
   * Builds (or finds cached) the layer tree of a stored layer blob. For a compressed blob the
   * uncompressed tar is kept beside the index. The diffID is checked against the config's when known.
   */
  async importLayer(blobDigest: string, expectedDiffID: string | null, what: string, lowers: readonly LayerTree[] = []): Promise<LayerTree> {
    const s = this.store;
    const known = expectedDiffID ?? (await this.sniffPlain(blobDigest) ? blobDigest : null);
    if (known) {
      const indexPath = s.path("layers", "sha256", hexOf(known) + ".json");
      if (this.host.stat(indexPath) && (s.hasBlob(known) || this.host.stat(s.path("layers", "sha256", hexOf(known) + ".tar")))) {
        const tree = s.layerTree(known);
        this.trees.push(tree);
        return tree;
      }
      const staged = this.trees.find((t) => t.id === known);
      if (staged) return staged;
    }
    const blobPath = this.blobLocation(blobDigest)!;
    const { compression, stream } = await decompressStream(this.host, readRange(this.host, blobPath), what);
    const h = this.host.sha256();
    const tarTmp = this.host.join(this.dir, `layer-${s.uniqueSuffix()}.tar`);
    const out = compression === "none" ? null : this.host.openWrite(tarTmp);
    async function* tee(): ByteStream {
      for await (const chunk of stream) { h.update(chunk); out?.write(chunk); yield chunk; }
    }
    const placeholder = "sha256:" + "0".repeat(64);
    const builder = new LayerBuilder(known ?? placeholder, lowers);
    const reader = new TarReader(tee());
    let tree: LayerTree;
    try {
      for (let e = await reader.next(); e; e = await reader.next()) builder.add(e);
      tree = builder.finish();
    } catch (e: any) {
      throw new Error(`${what}: ${e.message}`);
    } finally {
      out?.close();
    }
    const diffID = "sha256:" + h.hex();
    if (expectedDiffID && diffID !== expectedDiffID)
      throw new DigestMismatchError(`${what}: the uncompressed layer hashes to ${diffID}, but the image config says ${expectedDiffID}`);
    if (tree.id !== diffID) {
      tree.id = diffID;
      walkLayer(tree, (_p, n) => { if (n.content?.layer === placeholder) n.content.layer = diffID; });
    }
    if (compression !== "none") this.staged.set(s.path("layers", "sha256", hexOf(diffID) + ".tar"), tarTmp);
    const indexTmp = this.host.join(this.dir, `index-${s.uniqueSuffix()}.json`);
    this.host.writeFile(indexTmp, utf8.encode(serialiseLayerTree(tree)));
    this.staged.set(s.path("layers", "sha256", hexOf(diffID) + ".json"), indexTmp);
    s.stats.layersIndexed++;
    this.trees.push(tree);
    return tree;
  }

  private async sniffPlain(blobDigest: string): Promise<boolean> {
    const f = this.host.openRead(this.blobLocation(blobDigest)!);
    try {
      const head = new Uint8Array(4);
      const n = f.read(head, 0);
      return !(n >= 2 && head[0] === 0x1f && head[1] === 0x8b) && !(n === 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd);
    } finally {
      f.close();
    }
  }

  addImage(im: StoredImage): void { this.images.push(im); }

  commit(): void {
    for (const [final, tmp] of this.staged) {
      if (this.host.stat(final)) this.host.remove(tmp); // another load stored the same content meanwhile
      else this.host.rename(tmp, final);
    }
    this.staged.clear();
    this.store.registerImages(this.images);
    for (const t of this.trees) this.store.cacheTree(t);
    this.host.remove(this.dir);
  }

  abort(): void {
    this.staged.clear();
    this.host.remove(this.dir);
  }

  /** Runs fn inside the transaction: commit on success, abort on any error. */
  static async run<T>(store: ImageStore, fn: (txn: StoreTransaction) => Promise<T>): Promise<T> {
    const txn = store.begin();
    try {
      const r = await fn(txn);
      txn.commit();
      return r;
    } catch (e) {
      txn.abort();
      throw e;
    }
  }
}
