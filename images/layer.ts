// A layer as a read-only inode tree, built from its tar with the OCI whiteout rules applied at
// import: ".wh.NAME" becomes a whiteout recorded on the parent directory, ".wh..wh..opq" marks the
// directory opaque. File contents are not copied: a file holds a reference (layer diffID, offset
// and length in the uncompressed tar) and is read when opened. Names are normalised under the
// layer root and a name that would leave it is an error.
import { TarReader, type TarEntry } from "./tar.js";

export type NodeKind = "dir" | "file" | "symlink" | "chardev" | "blockdev" | "fifo";

/** Where a file's bytes are: a range of the uncompressed tar of layer `layer` (its diffID). */
export interface ContentRef {
  layer: string;
  offset: number;
  size: number;
}

/** S_IF* type bits for each kind, to build a Linux st_mode. */
export const S_IFMT_OF: Record<NodeKind, number> = {
  dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000, blockdev: 0o060000, fifo: 0o010000,
};

export class LayerNode {
  /** Unique within the layer; the root is 1. Hard links are one node with nlink > 1. */
  ino: number;
  kind: NodeKind;
  /** Permission bits only (07777); add S_IFMT_OF[kind] for st_mode. */
  mode = 0;
  uid = 0;
  gid = 0;
  mtimeSec = 0;
  mtimeNsec = 0;
  nlink = 1;
  xattrs: Map<string, Uint8Array> | null = null;
  /** Files: content length. Symlinks: byte length of the target. */
  size = 0;
  content: ContentRef | null = null;
  /** Bytes held in memory instead of a layer range (upper layers written by a container). */
  data: Uint8Array | null = null;
  target = "";
  rdevMajor = 0;
  rdevMinor = 0;
  /** Directories: entries of this layer. */
  children: Map<string, LayerNode> | null = null;
  /** Directories: names deleted from the layers below (".wh.NAME"). */
  whiteouts: Set<string> | null = null;
  /** Directories: nothing below this layer shows through (".wh..wh..opq"). */
  opaque = false;
  /**
   * Directories the tar never named but that had to exist for a deeper entry. Their metadata is a
   * default (0755 root): an overlay should take the metadata of the same directory in a lower
   * layer when there is one, as Docker's layer extraction leaves existing directories alone.
   */
  implicit = false;

  constructor(ino: number, kind: NodeKind) {
    this.ino = ino;
    this.kind = kind;
    if (kind === "dir") { this.children = new Map(); this.nlink = 2; }
  }

  get stMode(): number { return S_IFMT_OF[this.kind] | this.mode; }
}

export interface LayerTree {
  /** The layer's diffID ("sha256:…" of the uncompressed tar), which ContentRefs name. */
  id: string;
  root: LayerNode;
  /** Highest ino handed out. */
  maxIno: number;
}

export class LayerPathError extends Error {}

const utf8 = new TextEncoder();

/**
 * Splits an archive name into components under the root: leading "/" and "./" are dropped
 * (absolute names land under the root, as tar extracts them), "." components vanish, and ".."
 * anywhere is refused, since no honest layer needs it and resolving it lexically could disagree
 * with a symlink on the way.
 */
export function normaliseLayerPath(name: string, what = "entry"): string[] {
  const parts: string[] = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") throw new LayerPathError(`${what} ${JSON.stringify(name)} escapes the layer root ("..")`);
    if (c.includes("\0")) throw new LayerPathError(`${what} ${JSON.stringify(name)} contains a NUL byte`);
    parts.push(c);
  }
  return parts;
}

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * The node a path names in the stack of layers below a layer (lowers bottom first), as the union
 * shows it: the nearest layer holding the path wins; a whiteout or an opaque directory on the way
 * hides the layers beneath; no symlink is followed (archive names are real paths).
 */
export function lowerLookup(lowers: readonly LayerTree[], parts: string[]): LayerNode | null {
  for (let i = lowers.length - 1; i >= 0; i--) {
    let n = lowers[i].root;
    let j = 0;
    for (; j < parts.length; j++) {
      const child = n.children!.get(parts[j]);
      if (!child) {
        if (n.opaque || n.whiteouts?.has(parts[j])) return null;
        break;
      }
      if (j < parts.length - 1 && child.kind !== "dir") return null;
      n = child;
    }
    if (j === parts.length) return n;
  }
  return null;
}

/** Builds a layer tree incrementally from tar entries (in archive order). */
export class LayerBuilder {
  readonly root: LayerNode;
  private nextIno = 1;

  /** lowers: the layers this one is applied on (bottom first), for hard links to their files. */
  constructor(readonly id: string, private readonly lowers: readonly LayerTree[] = []) {
    this.root = this.node("dir");
    this.root.mode = 0o755;
    this.root.implicit = true;
  }

  private node(kind: NodeKind): LayerNode {
    return new LayerNode(this.nextIno++, kind);
  }

  /** The directory that holds `parts`' last component, creating implicit directories on the way. */
  private parentOf(parts: string[], name: string): LayerNode {
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const c = parts[i];
      let child = dir.children!.get(c);
      if (!child) {
        child = this.node("dir");
        child.mode = 0o755;
        child.implicit = true;
        dir.children!.set(c, child);
      } else if (child.kind === "symlink") {
        throw new LayerPathError(`entry ${JSON.stringify(name)} goes through the symlink ${JSON.stringify(parts.slice(0, i + 1).join("/"))} of the same layer`);
      } else if (child.kind !== "dir") {
        throw new LayerPathError(`entry ${JSON.stringify(name)}: ${JSON.stringify(parts.slice(0, i + 1).join("/"))} is not a directory`);
      }
      dir = child;
    }
    return dir;
  }

  private lookup(parts: string[]): LayerNode | null {
    let n: LayerNode | undefined = this.root;
    for (const c of parts) {
      if (!n || n.kind !== "dir") return null;
      n = n.children!.get(c);
    }
    return n ?? null;
  }

  private static detach(n: LayerNode): void {
    if (n.kind !== "dir") n.nlink--;
  }

  /** Applies one tar entry. */
  add(e: TarEntry): void {
    const parts = normaliseLayerPath(e.path);
    if (parts.length === 0) {
      // "./" names the layer root itself: only its metadata can change.
      if (e.type !== "dir") throw new LayerPathError(`entry ${JSON.stringify(e.path)} names the layer root but is not a directory`);
      this.setMeta(this.root, e);
      this.root.implicit = false;
      return;
    }
    const dir = this.parentOf(parts, e.path);
    const name = parts[parts.length - 1];
    if (name.startsWith(WHITEOUT_PREFIX)) {
      if (name === OPAQUE_MARKER) { dir.opaque = true; return; }
      // Other ".wh..wh." names are aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) with no meaning here.
      if (name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return;
      const hidden = name.slice(WHITEOUT_PREFIX.length);
      if (hidden === "") throw new LayerPathError(`whiteout entry ${JSON.stringify(e.path)} names nothing`);
      (dir.whiteouts ??= new Set()).add(hidden);
      return;
    }
    const existing = dir.children!.get(name);
    let n: LayerNode;
    if (e.type === "hardlink") {
      const targetParts = normaliseLayerPath(e.linkpath, `hard link ${JSON.stringify(e.path)} → target`);
      const target = this.lookup(targetParts) ?? this.copyUp(targetParts);
      if (!target) throw new LayerPathError(`hard link ${JSON.stringify(e.path)} → ${JSON.stringify(e.linkpath)}: the target is neither an earlier entry of this layer nor a file of the layers below`);
      if (target.kind === "dir") throw new LayerPathError(`hard link ${JSON.stringify(e.path)} → ${JSON.stringify(e.linkpath)}: the target is a directory`);
      if (target === existing) return;
      n = target;
      n.nlink++;
    } else if (e.type === "dir" && existing?.kind === "dir") {
      // A directory named again keeps its entries; the later header's metadata wins (as tar extracts).
      this.setMeta(existing, e);
      existing.implicit = false;
      return;
    } else {
      n = this.node(e.type);
      this.setMeta(n, e);
      if (e.type === "file") { n.content = { layer: this.id, offset: e.dataOffset, size: e.size }; n.size = e.size; }
      else if (e.type === "symlink") { n.target = e.linkpath; n.size = utf8.encode(e.linkpath).length; }
      else if (e.type === "chardev" || e.type === "blockdev") { n.rdevMajor = e.devmajor; n.rdevMinor = e.devminor; }
    }
    if (existing) LayerBuilder.detach(existing);
    dir.children!.set(name, n);
  }

  /**
   * A hard link to a file of a lower layer (docker save writes such layers): applying the layer
   * through overlayfs copies the file up before linking, so this layer gets the file at its own
   * path too, one inode for both names; the bytes stay in the lower layer's blob.
   */
  private copyUp(parts: string[]): LayerNode | null {
    const below = parts.length ? lowerLookup(this.lowers, parts) : null;
    if (!below || below.kind === "dir") return null;
    const n = this.node(below.kind);
    n.mode = below.mode; n.uid = below.uid; n.gid = below.gid;
    n.mtimeSec = below.mtimeSec; n.mtimeNsec = below.mtimeNsec; n.xattrs = below.xattrs;
    n.size = below.size; n.data = below.data; n.target = below.target;
    n.rdevMajor = below.rdevMajor; n.rdevMinor = below.rdevMinor;
    if (below.content) n.content = { ...below.content };
    this.parentOf(parts, parts.join("/")).children!.set(parts[parts.length - 1], n);
    return n;
  }

  private setMeta(n: LayerNode, e: TarEntry): void {
    n.mode = e.mode;
    n.uid = e.uid;
    n.gid = e.gid;
    n.mtimeSec = e.mtimeSec;
    n.mtimeNsec = e.mtimeNsec;
    n.xattrs = e.xattrs;
  }

  /**
   * Settles the rules that need the whole layer: a whiteout beside an entry of the same name in
   * this layer only deletes the lower one (whiteouts never hide their own layer), so a directory
   * there becomes opaque and the whiteout of a non-directory is redundant. Directory nlink is
   * 2 + subdirectories, as Linux reports it.
   */
  finish(): LayerTree {
    const settle = (dir: LayerNode) => {
      let subdirs = 0;
      for (const child of dir.children!.values()) if (child.kind === "dir") { subdirs++; settle(child); }
      dir.nlink = 2 + subdirs;
      if (dir.whiteouts) {
        for (const w of [...dir.whiteouts]) {
          const child = dir.children!.get(w);
          if (!child) continue;
          if (child.kind === "dir") child.opaque = true;
          dir.whiteouts.delete(w);
        }
        if (dir.whiteouts.size === 0) dir.whiteouts = null;
      }
    };
    settle(this.root);
    return { id: this.id, root: this.root, maxIno: this.nextIno - 1 };
  }
}

/** Reads a whole (uncompressed) layer tar into a tree. */
export async function buildLayerTree(id: string, tar: TarReader): Promise<LayerTree> {
  const b = new LayerBuilder(id);
  for (let e = await tar.next(); e; e = await tar.next()) b.add(e);
  return b.finish();
}

/** The node at a path inside one layer (no symlinks followed, whiteouts not consulted). */
export function layerLookup(tree: LayerTree, path: string): LayerNode | null {
  let n: LayerNode | undefined = tree.root;
  for (const c of normaliseLayerPath(path, "path")) {
    if (!n || n.kind !== "dir") return null;
    n = n.children!.get(c);
  }
  return n ?? null;
}

/** Visits every (path, node) pair depth first, children in name order; hard links are visited once per name. */
export function walkLayer(tree: LayerTree, visit: (path: string, node: LayerNode, parent: LayerNode | null) => void): void {
  const rec = (path: string, n: LayerNode) => {
    for (const name of [...n.children!.keys()].sort()) {
      const child = n.children!.get(name)!;
      const p = path ? path + "/" + name : name;
      visit(p, child, n);
      if (child.kind === "dir") rec(p, child);
    }
  };
  visit("", tree.root, null);
  rec("", tree.root);
}

/** Reads file contents by reference; the store implements it (synchronously, for the kernel). */
export interface ContentReader {
  /** Reads up to buf.length bytes of the file at pos within it; the count read. */
  readContent(ref: ContentRef, buf: Uint8Array, pos: number): number;
  /** The whole file, possibly cached and shared: callers read it and never write it. */
  wholeContent?(ref: ContentRef): Uint8Array;
}

/** A file node's whole bytes, shared with the layer (or the reader's cache): never to be written. */
export function nodeContent(reader: ContentReader, n: LayerNode): Uint8Array {
  if (n.data) return n.data;
  if (!n.content) return new Uint8Array(0);
  if (reader.wholeContent) return reader.wholeContent(n.content);
  const out = new Uint8Array(n.content.size);
  for (let got = 0; got < out.length;) {
    const k = reader.readContent(n.content, out.subarray(got), got);
    if (k <= 0) throw new Error(`layer ${n.content.layer}: short read`);
    got += k;
  }
  return out;
}

/** Reads a file node's bytes from position pos (in-memory data or its layer range). */
export function readNode(reader: ContentReader, n: LayerNode, buf: Uint8Array, pos: number): number {
  if (n.data) {
    if (pos >= n.data.length) return 0;
    const take = Math.min(buf.length, n.data.length - pos);
    buf.set(n.data.subarray(pos, pos + take));
    return take;
  }
  if (!n.content) return 0;
  return reader.readContent(n.content, buf, pos);
}

// ---- the cached index: a layer tree as JSON, so a second load does not read the tar again ----

const INDEX_VERSION = 1;

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}
function unb64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface IndexRecord {
  /** Path of this name ("" for the root). */
  p: string;
  i: number;
  /** Present only on the first name of an inode; later names of a hard-linked inode carry p and i. */
  k?: NodeKind;
  m?: number; u?: number; g?: number; t?: [number, number]; n?: number;
  o?: number; s?: number; l?: string; r?: [number, number];
  /** The layer holding a file's bytes when not this one (a hard link to a lower layer's file). */
  y?: string;
  x?: Record<string, string>;
  w?: string[]; q?: 1; im?: 1;
}

/** Serialises a layer tree (without in-memory file data) for the index cache. */
export function serialiseLayerTree(tree: LayerTree): string {
  const seen = new Set<number>();
  const recs: IndexRecord[] = [];
  walkLayer(tree, (p, n) => {
    if (seen.has(n.ino)) { recs.push({ p, i: n.ino }); return; }
    seen.add(n.ino);
    const r: IndexRecord = { p, i: n.ino, k: n.kind, m: n.mode, u: n.uid, g: n.gid, t: [n.mtimeSec, n.mtimeNsec], n: n.nlink };
    if (n.kind === "file") { r.o = n.content?.offset ?? 0; r.s = n.size; if (n.content && n.content.layer !== tree.id) r.y = n.content.layer; }
    if (n.kind === "symlink") r.l = n.target;
    if (n.kind === "chardev" || n.kind === "blockdev") r.r = [n.rdevMajor, n.rdevMinor];
    if (n.xattrs) { r.x = {}; for (const [k, v] of n.xattrs) r.x[k] = b64(v); }
    if (n.whiteouts?.size) r.w = [...n.whiteouts].sort();
    if (n.opaque) r.q = 1;
    if (n.implicit) r.im = 1;
    recs.push(r);
  });
  return JSON.stringify({ version: INDEX_VERSION, id: tree.id, maxIno: tree.maxIno, nodes: recs });
}

/** The inverse of serialiseLayerTree; null when the index is of another version or layer. */
export function parseLayerTree(json: string, id: string): LayerTree | null {
  const doc = JSON.parse(json);
  if (doc.version !== INDEX_VERSION || doc.id !== id) return null;
  const byIno = new Map<number, LayerNode>();
  const dirs = new Map<string, LayerNode>();
  let root: LayerNode | null = null;
  for (const r of doc.nodes as IndexRecord[]) {
    let n = byIno.get(r.i);
    if (!n) {
      n = new LayerNode(r.i, r.k!);
      n.mode = r.m!; n.uid = r.u!; n.gid = r.g!; [n.mtimeSec, n.mtimeNsec] = r.t!; n.nlink = r.n!;
      if (r.k === "file") { n.size = r.s!; n.content = { layer: r.y ?? id, offset: r.o!, size: r.s! }; }
      if (r.l !== undefined) { n.target = r.l; n.size = utf8.encode(r.l).length; }
      if (r.r) [n.rdevMajor, n.rdevMinor] = r.r;
      if (r.x) { n.xattrs = new Map(); for (const k of Object.keys(r.x)) n.xattrs.set(k, unb64(r.x[k])); }
      if (r.w) n.whiteouts = new Set(r.w);
      n.opaque = !!r.q;
      n.implicit = !!r.im;
      byIno.set(r.i, n);
    }
    if (n.kind === "dir") dirs.set(r.p, n);
    if (r.p === "") { root = n; continue; }
    const slash = r.p.lastIndexOf("/");
    const parent = dirs.get(slash < 0 ? "" : r.p.slice(0, slash));
    if (!parent || parent.kind !== "dir") throw new Error(`layer index ${id}: ${r.p} has no parent directory`);
    parent.children!.set(r.p.slice(slash + 1), n);
  }
  if (!root) throw new Error(`layer index ${id} has no root`);
  return { id, root, maxIno: doc.maxIno };
}
