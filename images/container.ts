// A container's file system: an image's layers (shared, read-only) under the container's own
// upper tree, as one overlay superblock the kernel mounts as the guest's root. `commit` turns the
// upper tree into a new layer (deletions as OCI whiteouts) and records a new image; `exportTar`
// writes the merged tree as a plain tar, like `docker export`.
//
// With `init`, a layer like Docker's init layer (moby daemon/initlayer) sits between the image
// and the upper tree: empty files at /etc/resolv.conf, /etc/hostname and /etc/hosts (mode 0755,
// root, replacing whatever the image has there; /etc's time becomes the container's creation
// time) for the sandbox to bind-mount the container's own files over. It belongs to the
// container, not the image: `exportTar` shows those empty files, as `docker export` and
// `docker cp` do, and `commit` (the upper tree only) leaves them out, as `docker commit` and
// `docker diff` do.
import type { ByteStream } from "./host.js";
import { LayerNode, type ContentReader, type LayerTree } from "./layer.js";
import { writeLayerDiffTar, writeTreeTar } from "./export.js";
import { MEDIA, makeManifest, parseJSON } from "./manifest.js";
import { parseImageName } from "./reference.js";
import { ImageStore, StoreTransaction, type Image } from "./store.js";
import { OverlaySuperblock, OverlayInode, layerName, type OverlayOptions } from "./overlay.js";
import { major, minor, S_IFMT, S_IFSOCK } from "../runtime/vfs/abi.js";

const NS = 1_000_000_000n;

export interface ContainerOptions extends OverlayOptions {
  /** Nanoseconds since the epoch, for new files' times (the kernel passes its own clock). */
  clock?: () => bigint;
  /** The writable tree to start from (a kept container's changes); a new empty one by default. */
  upper?: LayerNode;
  /** Docker's init layer under the upper tree: the mount points of NETWORK_FILES. */
  init?: boolean;
  /** When the container was made, in ns since the epoch (the init layer's times); now by default. */
  created?: bigint;
}

/** The files Docker bind-mounts into every container, in its mount order. */
export const NETWORK_FILES = ["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"];

/**
 * The node whose metadata the image shows at a top-level name (the topmost layer that names it
 * with a tar entry of its own), or null when no layer has it or a whiteout hides it.
 */
function topLevelNode(layers: LayerTree[], name: string): LayerNode | null {
  let found: LayerNode | null = null;
  for (let l = layers.length - 1; l >= 0; l--) {
    const root = layers[l].root;
    const n = root.children!.get(name);
    if (n) {
      if (found && n.kind !== "dir") break;
      found = n;
      if (n.kind !== "dir" || !n.implicit) break;
    }
    if (root.whiteouts?.has(name) || root.opaque) break;
  }
  return found;
}

/**
 * The init layer, as moby's initlayer.Setup leaves it: for each network file, what was at its
 * path unlinked and an empty root-owned 0755 file made. Making them touched /etc, so /etc is
 * there with the image's mode and owner (0755 root where the image has no directory by that
 * name) and the time the container was made, as overlayfs's copy-up and create leave it.
 */
function initLayer(layers: LayerTree[], nowNs: bigint): LayerTree {
  let ino = 1;
  const [sec, nsec] = splitNs(nowNs);
  const root = new LayerNode(ino++, "dir");
  root.mode = 0o755;
  root.implicit = true;
  const etc = new LayerNode(ino++, "dir");
  const image = topLevelNode(layers, "etc");
  if (image?.kind === "dir") {
    etc.mode = image.mode; etc.uid = image.uid; etc.gid = image.gid; etc.xattrs = image.xattrs;
  } else etc.mode = 0o755;
  etc.mtimeSec = sec; etc.mtimeNsec = nsec;
  root.children!.set("etc", etc);
  for (const path of NETWORK_FILES) {
    const f = new LayerNode(ino++, "file");
    f.mode = 0o755;
    f.data = new Uint8Array(0);
    f.mtimeSec = sec; f.mtimeNsec = nsec;
    etc.children!.set(path.slice("/etc/".length), f);
  }
  return { id: "init", root, maxIno: ino - 1 };
}

export interface CommitOptions {
  /** name[:tag] for the new image. */
  tag?: string;
  /** Replaces fields of the image config's "config" object (Env, Cmd, …). */
  config?: Record<string, unknown>;
  /** The history entry's created_by. */
  createdBy?: string;
}

function splitNs(ns: bigint): [number, number] {
  let s = ns / NS, r = ns % NS;
  if (r < 0n) { s -= 1n; r += NS; }
  return [Number(s), Number(r)];
}

export class Container {
  /** The writable layer: changes, whiteouts and opaque directories, as a layer tree. */
  readonly upper: LayerNode;
  /** The root file system to mount: `new Vfs(container.superblock, clock, "overlay")`. */
  readonly superblock: OverlaySuperblock;
  /** When it was made (ns since the epoch, whole milliseconds so that an ISO date string keeps it). */
  readonly created: bigint;

  constructor(readonly store: ImageStore, readonly image: Image, opts: ContainerOptions = {}) {
    this.upper = opts.upper ?? new LayerNode(1, "dir");
    if (!opts.upper) {
      this.upper.mode = 0o755;
      this.upper.implicit = true;
    }
    const clock = opts.clock ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.created = opts.created ?? clock() / 1_000_000n * 1_000_000n;
    const layers = image.layers.map((l) => store.layerTree(l.diffID));
    if (opts.init) layers.push(initLayer(layers, this.created));
    this.superblock = new OverlaySuperblock(clock, layers, this.upper, store, opts);
  }

  /** A container of a stored image (a tag, an ID) or of an Image already opened. */
  static create(store: ImageStore, image: Image | string, opts: ContainerOptions = {}): Container {
    return new Container(store, typeof image === "string" ? store.image(image) : image, opts);
  }

  private get reader(): ContentReader { return this.store; }

  /**
   * The upper tree with written bytes in place (in-memory data), sockets left out, ready for
   * writeLayerDiffTar. Files only chmod-ed keep their reference into the lower layer's tar.
   */
  diffTree(): LayerNode {
    const sb = this.superblock;
    const copies = new Map<LayerNode, LayerNode>();
    const clone = (n: LayerNode): LayerNode => {
      let c = copies.get(n);
      if (c) return c;
      c = new LayerNode(n.ino, n.kind);
      copies.set(n, c);
      c.mode = n.mode; c.uid = n.uid; c.gid = n.gid; c.mtimeSec = n.mtimeSec; c.mtimeNsec = n.mtimeNsec;
      c.nlink = n.nlink; c.xattrs = n.xattrs; c.target = n.target; c.rdevMajor = n.rdevMajor; c.rdevMinor = n.rdevMinor;
      c.opaque = n.opaque; c.implicit = n.implicit;
      c.whiteouts = n.whiteouts ? new Set(n.whiteouts) : null;
      const written = sb.upperData.get(n);
      if (written) { c.data = written.bytes(); c.size = c.data.length; }
      else { c.content = n.content; c.data = n.data; c.size = n.size; }
      if (n.children) for (const [name, child] of n.children) if (!sb.sockets.has(child)) c.children!.set(name, clone(child));
      return c;
    };
    return clone(this.upper);
  }

  /** The merged tree as a layer tree (a snapshot: file bytes are read when the tar is written). */
  mergedTree(): LayerNode {
    const nodes = new Map<OverlayInode, LayerNode>();
    let nextIno = 1;
    const snap = (i: OverlayInode): LayerNode | null => {
      const seen = nodes.get(i);
      if (seen) { seen.nlink++; return seen; }
      if ((i.mode & S_IFMT) === S_IFSOCK) return null;
      const m = i.meta();
      const n = new LayerNode(nextIno++, m.kind);
      nodes.set(i, n);
      n.mode = i.mode & 0o7777; n.uid = i.uid; n.gid = i.gid;
      [n.mtimeSec, n.mtimeNsec] = splitNs(i.mtimeNs);
      n.xattrs = m.xattrs;
      n.target = m.target;
      n.rdevMajor = major(i.rdev); n.rdevMinor = minor(i.rdev);
      if (n.kind === "file") {
        const written = i.upper ? this.superblock.upperData.get(i.upper) : undefined;
        if (written) n.data = written.bytes();
        else { n.content = m.content; n.data = m.data; }
        n.size = n.data ? n.data.length : m.size;
      }
      n.nlink = 1;
      if (n.kind === "dir") {
        for (const e of i.list()) {
          const child = i.lookupInode(layerName(e.name));
          if (!child) continue;
          const c = snap(child);
          if (c) n.children!.set(layerName(e.name), c);
        }
      }
      return n;
    };
    const root = snap(this.superblock.root)!;
    root.implicit = true; // `docker export` has no "./" entry
    return root;
  }

  /** The merged tree as a tar (`docker export`). */
  exportTar(): ByteStream {
    return writeTreeTar(this.mergedTree(), this.reader);
  }

  /** The container's changes as an OCI layer tar. */
  diffTar(): ByteStream {
    return writeLayerDiffTar(this.diffTree(), this.reader);
  }

  /**
   * Stores the upper tree as a new layer on top of the image's and records a new image (the
   * parent's config with the layer's diffID added). Returns the new image.
   */
  async commit(opts: CommitOptions = {}): Promise<Image> {
    const store = this.store;
    const diff = this.diffTree();
    const parent = this.image;
    const id = await StoreTransaction.run(store, async (txn) => {
      const blob = await txn.putBlob(() => writeLayerDiffTar(diff, this.reader), { what: "container layer" });
      // The tar is uncompressed, so its digest is its diffID.
      await txn.importLayer(blob.digest, blob.digest, "container layer", parent.layers.map((l) => store.layerTree(l.diffID)));
      const doc = parseJSON(store.readBlob(parent.manifestDoc.config.digest), "image config");
      const created = new Date(Number(this.superblock.now() / 1_000_000n)).toISOString();
      doc.created = created;
      doc.rootfs = { type: "layers", diff_ids: [...(doc.rootfs?.diff_ids ?? []), blob.digest] };
      if (Array.isArray(doc.history)) doc.history.push({ created, created_by: opts.createdBy ?? "wasl commit" });
      if (opts.config) doc.config = { ...(doc.config ?? {}), ...opts.config };
      const cfg = await txn.putBlobBytes(new TextEncoder().encode(JSON.stringify(doc)), { what: "committed image config" });
      const layers = [...parent.manifestDoc.layers, { mediaType: MEDIA.ociLayer, digest: blob.digest, size: blob.size }];
      const manifest = await txn.putBlobBytes(makeManifest({ mediaType: MEDIA.ociConfig, digest: cfg.digest, size: cfg.size }, layers), { what: "committed image manifest" });
      txn.addImage({ id: cfg.digest, manifest: manifest.digest, tags: opts.tag ? [parseImageName(opts.tag).ref] : [] });
      return cfg.digest;
    });
    return store.image(id);
  }
}
