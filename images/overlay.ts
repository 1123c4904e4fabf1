// The union file system of a container, with Linux overlayfs semantics: read-only image layers
// (LayerNode trees, shared with every other container of the image) under one writable upper
// tree of the same shape. Whiteouts and opaque directories of the layers hide what lies below;
// any change to a lower object first copies it (and its parents) up into the upper tree, keeping
// mode, owner, times and xattrs. A file's bytes are copied only when it is opened for writing or
// truncated ("metacopy"): a chmod leaves the upper copy pointing at the lower layer's content.
//
// Where this follows a particular kernel configuration:
// - inode numbers are stable per (layer, layer inode) and a copied-up object keeps the number of
//   its lower origin, as overlayfs reports st_ino on one underlying file system (or with xino);
// - a hard-linked lower file is copied up once and every other visible name of it is linked to
//   the copy at once, so hard links survive copy-up (overlayfs needs index=on for that, and links
//   the other names lazily; doing it eagerly keeps a committed layer consistent);
// - renaming a directory that has lower parts fails with EXDEV, as without redirect_dir (Docker's
//   configuration); `mv` then copies;
// - merged directories report nlink 1, as ovl_getattr does.
//
// Names: the VFS passes byte strings (one char per byte); layer trees hold names decoded as
// UTF-8 by the tar reader. Names are converted at this boundary; a guest name that is not valid
// UTF-8 is kept byte for byte.
import { ENOENT, EIO, EXDEV, EFBIG, ENXIO, EOPNOTSUPP, ENOSPC } from "../runtime/errno.js";
import { Inode, Superblock, type Attr, type Cred, type DirEntry, type FileIO, type MemoryPages } from "../runtime/vfs/inode.js";
import { PageStore, ByteBudget, MAX_FILE_SIZE, DEFAULT_FS_BYTES } from "../runtime/vfs/memfs.js";
import {
  S_IFMT, S_IFDIR, S_IFLNK, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_ISGID, O_ACCMODE, O_RDONLY, O_TRUNC,
  dtypeOf, makedev, major, minor, type Stat, type StatFs,
} from "../runtime/vfs/abi.js";
import { LayerNode, S_IFMT_OF, readNode, nodeContent, walkLayer, type ContentReader, type LayerTree, type NodeKind } from "./layer.js";

export const OVERLAYFS_SUPER_MAGIC = 0x794c7630;
const NS = 1_000_000_000n;
const COPY_CHUNK = 1 << 20;

// ---- names and link targets between the VFS's byte strings and the layers' UTF-8 strings ----

const ASCII = /^[\x00-\x7f]*$/;
const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextEncoder();

export function layerName(bytes: string): string {
  if (ASCII.test(bytes)) return bytes;
  const b = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) b[i] = bytes.charCodeAt(i) & 0xff;
  try { return utf8Strict.decode(b); } catch { return bytes; }
}

export function vfsName(s: string): string {
  if (ASCII.test(s)) return s;
  let out = "";
  for (const x of utf8.encode(s)) out += String.fromCharCode(x);
  return out;
}

/** A real object of one layer: `layer` indexes the stack bottom first; the upper tree is last. */
interface Real { layer: number; node: LayerNode }

/** What a name in a merged directory is: its topmost real object and the directories it merges with. */
interface Found { top: Real; below: Real[] }

function nsOf(n: LayerNode): bigint { return BigInt(n.mtimeSec) * NS + BigInt(n.mtimeNsec); }

function kindOfMode(mode: number): NodeKind | null {
  switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFCHR: return "chardev";
    case S_IFBLK: return "blockdev";
    case S_IFIFO: return "fifo";
    default: return null;
  }
}

export interface OverlayOptions {
  /** Anonymous device number (tests pin it); the default is the next free one. */
  dev?: bigint;
  /** What the bytes written to upper files may take (statfs's size); DEFAULT_FS_BYTES by default. */
  budget?: ByteBudget;
}

export class OverlaySuperblock extends Superblock {
  readonly fsType = "overlay";
  root: OverlayInode;
  /** The layer index of the upper tree (one above the topmost image layer). */
  readonly upperLayer: number;
  /** Inodes by (layer, real node): the identity that keeps inode numbers stable. */
  private readonly inodes: Map<LayerNode, OverlayInode>[];
  /** Bytes of upper files that were written (others read their ContentRef or data). */
  readonly upperData = new Map<LayerNode, PageStore>();
  readonly budget: ByteBudget;
  /** The store for an upper file's bytes, charged to the budget. */
  newStore(): PageStore { return new PageStore(this.budget); }
  /** An upper node lost its last name: its bytes no longer count. */
  unlinked(n: LayerNode | undefined): void { if (n && n.kind !== "dir" && n.nlink <= 0) this.upperData.get(n)?.detachBudget(); }
  /** Told when a file's bytes move into a new upper store (copy-up): copies of its pages follow. */
  readonly storeReplaced = new Set<() => void>();
  /** Upper nodes that are sockets: layer trees (and tar) have no such kind; they are never committed. */
  readonly sockets = new WeakSet<LayerNode>();
  private upperIno: number;
  private hardLinkIndex = new Map<number, Map<LayerNode, string[][]>>();

  /**
   * layers: the image's layer trees, bottom first (never modified). upper: the container's
   * writable tree (a directory LayerNode, possibly holding earlier changes).
   */
  constructor(clock: () => bigint, readonly layers: LayerTree[], readonly upper: LayerNode, readonly reader: ContentReader, opts: OverlayOptions = {}) {
    super(clock, opts.dev);
    this.budget = opts.budget ?? new ByteBudget(DEFAULT_FS_BYTES);
    if (upper.kind !== "dir") throw new Error("overlay: the upper tree's root must be a directory");
    this.upperLayer = layers.length;
    this.inodes = Array.from({ length: layers.length + 1 }, () => new Map());
    let max = 1;
    const seen = (n: LayerNode) => { if (n.ino > max) max = n.ino; if (n.children) for (const c of n.children.values()) seen(c); };
    seen(upper);
    this.upperIno = max;
    const lowers: Real[] = [];
    if (!upper.opaque) {
      for (let l = layers.length - 1; l >= 0; l--) {
        lowers.push({ layer: l, node: layers[l].root });
        if (layers[l].root.opaque) break;
      }
    }
    this.root = this.inodeFor({ top: { layer: this.upperLayer, node: upper }, below: lowers });
  }

  /** st_ino of a real object: the layer in the high bits, the layer's own number in the low ones (like xino). */
  inoOf(r: Real): bigint { return (BigInt(r.layer + 1) << 32n) | BigInt(r.node.ino); }

  isUpper(r: Real): boolean { return r.layer === this.upperLayer; }

  newUpperNode(kind: NodeKind): LayerNode { return new LayerNode(++this.upperIno, kind); }

  /** The inode for a name's real objects: the cached one for its top object, or a new one. */
  inodeFor(f: Found): OverlayInode {
    const cache = this.inodes[f.top.layer];
    let i = cache.get(f.top.node);
    if (!i) {
      i = new OverlayInode(this, this.inoOf(f.top), f.top.node);
      cache.set(f.top.node, i);
      if (this.isUpper(f.top)) { i.upper = f.top.node; i.lowers = f.below; }
      else i.lowers = [f.top, ...f.below];
      i.loadMeta();
    } else if (i.isDir()) {
      // A directory's merge chain is what lookup found now (its upper copy stays its own).
      if (this.isUpper(f.top)) { i.upper = f.top.node; i.lowers = f.below; }
      else if (!i.upper) i.lowers = [f.top, ...f.below];
    }
    return i;
  }

  /** Records that node (a copy-up or a new object) is i's upper object. */
  adoptUpper(i: OverlayInode, node: LayerNode): void {
    i.upper = node;
    this.inodes[this.upperLayer].set(node, i);
  }

  /** The inode an upper node belongs to, if one was made. */
  upperInode(node: LayerNode): OverlayInode | undefined { return this.inodes[this.upperLayer].get(node); }

  /** st_ino a directory listing reports for a real object (the same as its inode's, once made). */
  entryIno(r: Real): bigint { return this.inodes[r.layer].get(r.node)?.ino ?? this.inoOf(r); }

  /** Every path (as name lists) of a hard-linked node in one image layer. */
  hardLinkPaths(r: Real): string[][] {
    let idx = this.hardLinkIndex.get(r.layer);
    if (!idx) {
      idx = new Map();
      const m = idx;
      walkLayer(this.layers[r.layer], (p, n) => {
        if (n.kind === "dir" || n.nlink < 2) return;
        const list = m.get(n) ?? [];
        list.push(p.split("/"));
        m.set(n, list);
      });
      this.hardLinkIndex.set(r.layer, idx);
    }
    return idx.get(r.node) ?? [];
  }

  /** Reads a real file's bytes, turning a failing layer read into EIO. */
  readReal(n: LayerNode, buf: Uint8Array, pos: number): number {
    const data = this.upperData.get(n);
    if (data) return data.read(buf, pos);
    try {
      return readNode(this.reader, n, buf, pos);
    } catch {
      return -EIO;
    }
  }

  statfs(): StatFs {
    const blocks = BigInt(Math.floor(this.budget.limit / 4096));
    const used = BigInt(Math.ceil(this.budget.used / 4096));
    return {
      type: OVERLAYFS_SUPER_MAGIC, bsize: 4096, blocks, bfree: blocks - used, bavail: blocks - used,
      files: BigInt(1 << 30), ffree: BigInt((1 << 30) - this.upperIno), namelen: 255, frsize: 4096, fsid: 0n,
    };
  }
}

export class OverlayInode extends Inode implements FileIO {
  /** The object in the upper tree, once there is one. */
  upper: LayerNode | null = null;
  /**
   * Lower objects, top first. A directory: the lower directories merged under it (the chain stops
   * at an opaque one). Anything else: the object it was copied up from, if any.
   */
  lowers: Real[] = [];
  /** Where it was last found; copy-up goes through this path. */
  parent: OverlayInode | null = null;
  name = "";

  constructor(readonly osb: OverlaySuperblock, ino: bigint, first: LayerNode) {
    super(osb, ino, first.kind === "dir" ? S_IFDIR : S_IFMT_OF[first.kind]);
  }

  /** The object whose metadata shows: the upper one, else the first lower one a tar really named. */
  meta(): LayerNode {
    if (this.upper && !this.upper.implicit) return this.upper;
    for (const l of this.lowers) if (!l.node.implicit) return l.node;
    return this.upper ?? this.lowers[0].node;
  }

  loadMeta(): void {
    const m = this.meta();
    this.mode = (this.upper && this.osb.sockets.has(this.upper)) ? S_IFSOCK | m.mode : m.stMode;
    this.uid = m.uid;
    this.gid = m.gid;
    this.atimeNs = this.mtimeNs = this.ctimeNs = this.btimeNs = nsOf(m);
    this.rdev = m.kind === "chardev" || m.kind === "blockdev" ? makedev(m.rdevMajor, m.rdevMinor) : 0n;
    if (m.kind !== "dir") this.nlink = m.nlink;
  }

  /** Writes this inode's metadata into its upper object (which becomes explicit). */
  private syncUpper(): void {
    const u = this.upper;
    if (!u) return;
    u.mode = this.mode & 0o7777;
    u.uid = this.uid;
    u.gid = this.gid;
    let s = this.mtimeNs / NS, r = this.mtimeNs % NS;
    if (r < 0n) { s -= 1n; r += NS; }
    u.mtimeSec = Number(s);
    u.mtimeNsec = Number(r);
    u.implicit = false;
  }

  touchM(): void { super.touchM(); this.syncUpper(); }

  private get data(): PageStore | undefined { return this.upper ? this.osb.upperData.get(this.upper) : undefined; }

  // ---- stat ----

  stat(): Stat {
    const s = super.stat();
    if (this.isDir()) s.nlink = this.dirNlink();
    return s;
  }

  private dirNlink(): number {
    if ((this.upper && this.lowers.length) || this.lowers.length > 1) return 1;
    if (this.upper) {
      let n = 2;
      for (const c of this.upper.children!.values()) if (c.kind === "dir") n++;
      return n;
    }
    return this.lowers[0].node.nlink;
  }

  size(): number {
    if (this.isDir()) return 4096;
    const d = this.data;
    if (d) return d.length;
    return this.meta().size;
  }

  blocks(): number {
    const d = this.data;
    if (d) return d.pageCount * 8;
    return this.isRegular() ? Math.ceil(this.size() / 4096) * 8 : 0;
  }

  // ---- copy-up ----

  /**
   * Makes sure this object has an upper copy (parents first). withData: a regular file's bytes are
   * copied too (emptied instead when truncate is set, for O_TRUNC).
   */
  copyUp(withData = false, truncate = false): number {
    if (!this.upper) {
      const p = this.parent;
      // An object that lost its last name cannot be copied up any more (the kernel says ESTALE/ENOENT).
      if (!p || p.findChild(this.name) === null || p.lookupInode(this.name) !== this) return -ENOENT;
      const e = p.copyUp();
      if (e) return e;
      if (!this.upper) {
        const src = this.meta();
        const n = this.osb.newUpperNode(src.kind);
        n.mode = this.mode & 0o7777;
        n.uid = this.uid;
        n.gid = this.gid;
        n.mtimeSec = src.mtimeSec;
        n.mtimeNsec = src.mtimeNsec;
        n.xattrs = src.xattrs ? new Map(src.xattrs) : null;
        n.size = src.size;
        n.target = src.target;
        n.rdevMajor = src.rdevMajor;
        n.rdevMinor = src.rdevMinor;
        // Metadata-only so far: the bytes stay in the lower layer until someone writes.
        n.content = src.content;
        n.data = src.data;
        p.upper!.children!.set(this.name, n);
        this.osb.adoptUpper(this, n);
        this.syncUpper();
        if (n.kind !== "dir") {
          n.nlink = 1;
          if (this.lowers.length && this.lowers[0].node.nlink > 1) this.linkUpAliases(this.lowers[0]);
          this.nlink = n.nlink;
        }
      }
    }
    if (withData && this.isRegular() && !this.data) return this.copyUpData(truncate);
    return 0;
  }

  private copyUpData(truncate: boolean): number {
    const u = this.upper!;
    const store = this.osb.newStore();
    if (!truncate) {
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(u.size, 1)));
      for (let pos = 0; pos < u.size; ) {
        const n = this.osb.readReal(u, buf, pos);
        if (n < 0) return n;
        if (n === 0) return -EIO;
        const w = store.write(buf.subarray(0, n), pos);
        if (w !== n) { store.detachBudget(); return w < 0 ? w : -ENOSPC; }
        pos += n;
      }
      store.truncate(u.size);
    }
    u.content = null;
    u.data = null;
    this.osb.upperData.set(u, store);
    if (truncate && u.size !== 0) this.touchM();
    u.size = store.length;
    for (const fn of this.osb.storeReplaced) fn();
    return 0;
  }

  /** After copying up a hard-linked lower file: its other visible names become links to the copy. */
  private linkUpAliases(origin: Real): void {
    for (const parts of this.osb.hardLinkPaths(origin)) {
      let d: OverlayInode | null = this.osb.root;
      for (let i = 0; d && i < parts.length - 1; i++) {
        const c: OverlayInode | null = d.lookupInode(parts[i]);
        d = c && c.isDir() ? c : null;
      }
      if (!d) continue;
      const last = parts[parts.length - 1];
      const f = d.findChild(last);
      if (!f || f.top.layer !== origin.layer || f.top.node !== origin.node) continue;
      if (d.copyUp()) continue;
      d.upper!.children!.set(last, this.upper!);
      this.upper!.nlink++;
    }
  }

  // ---- attributes ----

  setattr(a: Attr): number {
    const e = this.copyUp();
    if (e) return e;
    super.setattr(a);
    this.syncUpper();
    return 0;
  }

  // ---- directories ----

  /** This directory's real directories, top first. */
  private chain(): Real[] {
    return this.upper ? [{ layer: this.osb.upperLayer, node: this.upper }, ...this.lowers] : this.lowers;
  }

  /** The real objects a name (layer form) stands for, or null when nothing shows. */
  findChild(name: string, chain = this.chain()): Found | null {
    let top: Real | null = null;
    const below: Real[] = [];
    for (const r of chain) {
      const c = r.node.children?.get(name);
      if (c) {
        if (!top) {
          top = { layer: r.layer, node: c };
          if (c.kind !== "dir" || c.opaque) break;
        } else {
          // Only directories merge; anything else below a directory is hidden by it.
          if (c.kind !== "dir") break;
          below.push({ layer: r.layer, node: c });
          if (c.opaque) break;
        }
      }
      if (r.node.whiteouts?.has(name)) break;
    }
    return top ? { top, below } : null;
  }

  /** Does anything in the lower layers still answer to name (so removing it needs a whiteout)? */
  private lowerHas(name: string): boolean {
    return this.findChild(name, this.lowers) !== null;
  }

  lookupInode(name: string): OverlayInode | null {
    const f = this.findChild(name);
    if (!f) return null;
    const i = this.osb.inodeFor(f);
    i.parent = this;
    i.name = name;
    return i;
  }

  lookup(name: string): Inode | number {
    return this.lookupInode(layerName(name)) ?? -ENOENT;
  }

  list(): DirEntry[] {
    const seen = new Set<string>();
    const hidden = new Set<string>();
    const perLayer: DirEntry[][] = [];
    for (const r of this.chain()) {
      const out: DirEntry[] = [];
      for (const [name, c] of r.node.children!) {
        if (seen.has(name) || hidden.has(name)) continue;
        seen.add(name);
        const mode = this.osb.sockets.has(c) ? S_IFSOCK : c.stMode;
        out.push({ name: vfsName(name), ino: this.osb.entryIno({ layer: r.layer, node: c }), type: dtypeOf(mode) });
      }
      if (r.node.whiteouts) for (const w of r.node.whiteouts) hidden.add(w);
      perLayer.push(out);
    }
    // As ovl_dir_read_merged: the lowest layer's entries first, then the others from the top down.
    if (perLayer.length > 1) perLayer.unshift(perLayer.pop()!);
    return perLayer.flat();
  }

  /** New objects get the creator's ids; a setgid directory passes its group (and setgid to subdirs). */
  private own(n: LayerNode, cred: Cred): void {
    n.uid = cred.uid;
    n.gid = this.mode & S_ISGID ? this.gid : cred.gid;
    if (n.kind === "dir" && (this.mode & S_ISGID)) n.mode |= S_ISGID;
  }

  private make(name: string, n: LayerNode, cred: Cred): Inode | number {
    const e = this.copyUp();
    if (e) return e;
    const u = this.upper!;
    const ln = layerName(name);
    this.own(n, cred);
    const now = this.osb.now();
    n.mtimeSec = Number(now / NS);
    n.mtimeNsec = Number(now % NS);
    // A directory made where a lower one was deleted must not show the old entries (ovl_create_over_whiteout).
    if (u.whiteouts?.delete(ln) && n.kind === "dir") n.opaque = true;
    if (u.whiteouts?.size === 0) u.whiteouts = null;
    u.children!.set(ln, n);
    const i = this.osb.inodeFor({ top: { layer: this.osb.upperLayer, node: n }, below: [] });
    i.parent = this;
    i.name = ln;
    i.atimeNs = i.mtimeNs = i.ctimeNs = i.btimeNs = now;
    this.touchM();
    return i;
  }

  private newNode(kind: NodeKind, perm: number): LayerNode {
    const n = this.osb.newUpperNode(kind);
    n.mode = perm & 0o7777;
    return n;
  }

  create(name: string, mode: number, cred: Cred): Inode | number {
    const n = this.newNode("file", mode);
    const i = this.make(name, n, cred);
    if (typeof i !== "number") this.osb.upperData.set(n, this.osb.newStore());
    return i;
  }

  mkdir(name: string, mode: number, cred: Cred): Inode | number {
    return this.make(name, this.newNode("dir", mode), cred);
  }

  symlink(name: string, target: string, cred: Cred): Inode | number {
    const n = this.newNode("symlink", 0o777);
    n.target = layerName(target);
    n.size = target.length;
    return this.make(name, n, cred);
  }

  mknod(name: string, mode: number, rdev: bigint, cred: Cred): Inode | number {
    if ((mode & S_IFMT) === S_IFREG) return this.create(name, mode, cred);
    const kind = kindOfMode(mode);
    const n = this.newNode(kind ?? "fifo", mode);
    if (kind === null) {
      if ((mode & S_IFMT) !== S_IFSOCK) return -EOPNOTSUPP;
      this.osb.sockets.add(n);
    }
    if (kind === "chardev" || kind === "blockdev") { n.rdevMajor = major(rdev); n.rdevMinor = minor(rdev); }
    const i = this.make(name, n, cred);
    if (typeof i !== "number" && kind === null) i.mode = S_IFSOCK | (mode & 0o7777);
    return i;
  }

  link(name: string, target: Inode): number {
    if (!(target instanceof OverlayInode) || target.osb !== this.osb) return -EXDEV;
    let e = target.copyUp();
    if (e) return e;
    if ((e = this.copyUp())) return e;
    const u = this.upper!, ln = layerName(name);
    u.whiteouts?.delete(ln);
    if (u.whiteouts?.size === 0) u.whiteouts = null;
    u.children!.set(ln, target.upper!);
    target.nlink = ++target.upper!.nlink;
    target.touchC();
    this.touchM();
    return 0;
  }

  /** Removes name from the merged view: drops the upper entry, and covers lower ones with a whiteout. */
  private remove(ln: string, child: OverlayInode): number {
    const e = this.copyUp();
    if (e) return e;
    const u = this.upper!;
    const up = u.children!.get(ln);
    if (up) {
      u.children!.delete(ln);
      if (up.kind !== "dir") up.nlink--;
      this.osb.unlinked(up);
    }
    if (this.lowerHas(ln)) (u.whiteouts ??= new Set()).add(ln);
    child.nlink = child.isDir() ? 0 : up ? up.nlink : Math.max(0, child.nlink - 1);
    child.touchC();
    this.touchM();
    return 0;
  }

  unlink(name: string): number {
    const ln = layerName(name);
    const child = this.lookupInode(ln);
    return child ? this.remove(ln, child) : -ENOENT;
  }

  rmdir(name: string): number {
    const ln = layerName(name);
    const child = this.lookupInode(ln);
    return child ? this.remove(ln, child) : -ENOENT;
  }

  rename(oldName: string, newDir: Inode, newName: string, exchange: boolean): number {
    if (!(newDir instanceof OverlayInode) || newDir.osb !== this.osb) return -EXDEV;
    const nd = newDir;
    const ol = layerName(oldName), nl = layerName(newName);
    const src = this.lookupInode(ol);
    if (!src) return -ENOENT;
    const dst = nd.lookupInode(nl);
    if (exchange && !dst) return -ENOENT;
    // Without redirect_dir a directory with lower parts cannot move: the kernel's EXDEV, which
    // makes mv(1) fall back to copying.
    if (src.isDir() && src.lowers.length) return -EXDEV;
    if (exchange && dst!.isDir() && dst!.lowers.length) return -EXDEV;
    let e = src.copyUp();
    if (!e && exchange) e = dst!.copyUp();
    if (!e) e = this.copyUp();
    if (!e) e = nd.copyUp();
    if (e) return e;
    const ou = this.upper!, nu = nd.upper!;
    const s = src.upper!;
    if (exchange) {
      const d = dst!.upper!;
      ou.children!.set(ol, d);
      nu.children!.set(nl, s);
      if (d.kind === "dir" && this.lowerHas(ol)) d.opaque = true;
      if (s.kind === "dir" && nd.lowerHas(nl)) s.opaque = true;
      dst!.parent = this;
      dst!.name = ol;
      dst!.touchC();
    } else {
      if (dst) {
        const du = nu.children!.get(nl);
        if (du && du.kind !== "dir") du.nlink--;
        this.osb.unlinked(du);
        dst.nlink = dst.isDir() ? 0 : du ? du.nlink : Math.max(0, dst.nlink - 1);
        dst.touchC();
      }
      ou.children!.delete(ol);
      if (this.lowerHas(ol)) (ou.whiteouts ??= new Set()).add(ol);
      nu.whiteouts?.delete(nl);
      if (nu.whiteouts?.size === 0) nu.whiteouts = null;
      nu.children!.set(nl, s);
      // A directory landing where lower entries live must hide them.
      if (s.kind === "dir" && nd.lowerHas(nl)) s.opaque = true;
    }
    src.parent = nd;
    src.name = nl;
    src.touchC();
    this.touchM();
    if (nd !== this) nd.touchM();
    return 0;
  }

  tmpfile(mode: number, cred: Cred): Inode | number {
    const e = this.copyUp();
    if (e) return e;
    const n = this.newNode("file", mode);
    this.own(n, cred);
    n.nlink = 0;
    this.osb.upperData.set(n, this.osb.newStore());
    const i = this.osb.inodeFor({ top: { layer: this.osb.upperLayer, node: n }, below: [] });
    i.nlink = 0;
    return i;
  }

  // ---- symlinks ----

  readlink(): string | number { return vfsName(this.meta().target); }

  // ---- regular files ----

  openIO(flags: number): FileIO | number {
    if (!this.isRegular()) return super.openIO(flags);
    if ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC)) {
      const e = this.copyUp(true, (flags & O_TRUNC) !== 0);
      if (e) return e;
    }
    // Reads go to whatever the file is now: a descriptor opened before a copy-up sees the copy (Linux ≥ 4.19).
    return this;
  }

  memoryPages(): MemoryPages { return { store: this.data ?? null, replaced: this.osb.storeReplaced }; }

  sharedContent(): Uint8Array | null {
    // Until a copy-up the file is its lower layer's, which no write reaches.
    const n = this.upper === null && this.isRegular() ? this.lowers[0]?.node : undefined;
    if (!n || this.osb.upperData.has(n)) return null;
    try { return nodeContent(this.osb.reader, n); } catch { return null; }
  }

  read(buf: Uint8Array, pos: number): number {
    const n = this.upper ?? this.lowers[0]?.node;
    return n ? this.osb.readReal(n, buf, pos) : 0;
  }

  write(d: Uint8Array, pos: number): number {
    if (!this.data) {
      const e = this.copyUp(true);
      if (e) return e;
    }
    const n = this.data!.write(d, pos);
    if (n > 0) { this.upper!.size = this.data!.length; this.touchM(); }
    return n;
  }

  truncate(size: number): number {
    if (!this.isRegular()) return super.truncate(size);
    if (size > MAX_FILE_SIZE) return -EFBIG;
    const e = this.copyUp(true, size === 0);
    if (e) return e;
    this.data!.truncate(size);
    this.upper!.size = size;
    this.touchM();
    return 0;
  }

  seekData(pos: number, hole: boolean): number {
    const d = this.data;
    if (d) return d.seekData(pos, hole);
    const size = this.size();
    if (pos >= size) return -ENXIO;
    return hole ? size : pos;
  }
}
