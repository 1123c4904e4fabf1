// Writes an inode tree as a tar: ustar headers, with a pax header in front of an entry whenever
// ustar cannot hold it exactly (long or non-ASCII names, large ids or sizes, sub-second or negative
// mtimes, xattrs). A tree with whiteouts and opaque directories (a container's upper layer) becomes
// a layer diff with OCI whiteout entries; without them it is a plain filesystem export.
import type { ByteStream } from "./host.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX, readNode, type ContentReader, type LayerNode } from "./layer.js";

export interface TarExportOptions {
  /**
   * Write deletions as OCI whiteouts (".wh.NAME") and opaque directories as ".wh..wh..opq":
   * the tree is a set of changes and the tar is a layer. Off, they are left out.
   */
  whiteouts?: boolean;
  /** Bytes per data chunk read from the content reader. */
  chunkSize?: number;
}

const BLOCK = 512;
const enc = new TextEncoder();

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** One "<len> key=value\n" record; the length counts its own digits. */
function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const body = enc.encode(` ${key}=`).length + value.length + 1;
  let len = body + String(body).length;
  if (String(len).length !== String(body).length) len = body + String(len).length;
  const head = enc.encode(`${len} ${key}=`);
  const out = new Uint8Array(len);
  out.set(head);
  out.set(value, head.length);
  out[len - 1] = 0x0a;
  return out;
}

function octal(h: Uint8Array, off: number, len: number, v: number): void {
  const s = v.toString(8).padStart(len - 1, "0");
  h.set(enc.encode(s), off);
  h[off + len - 1] = 0;
}

function fitsOctal(v: number, len: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < 8 ** (len - 1);
}

function putString(h: Uint8Array, off: number, len: number, s: string): void {
  h.set(enc.encode(s).subarray(0, len), off);
}

/** Splits a path into ustar prefix and name (both must fit and be ASCII), or null. */
function splitUstar(path: string): [string, string] | null {
  if (!isAscii(path)) return null;
  if (path.length <= 100) return ["", path];
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
    if (i <= 155 && path.length - i - 1 <= 100 && path.length - i - 1 > 0) return [path.slice(0, i), path.slice(i + 1)];
  }
  return null;
}

export interface HeaderFields {
  path: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeSec: number;
  mtimeNsec: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Uint8Array> | null;
}

/** The header blocks of one entry: a pax 'x' header when needed, then the ustar header. */
export function tarHeader(f: HeaderFields): Uint8Array {
  const pax: Uint8Array[] = [];
  const split = splitUstar(f.path);
  if (!split) pax.push(paxRecord("path", enc.encode(f.path)));
  const link = f.linkpath ?? "";
  const linkFits = isAscii(link) && link.length <= 100;
  if (!linkFits) pax.push(paxRecord("linkpath", enc.encode(link)));
  if (!fitsOctal(f.size, 12)) pax.push(paxRecord("size", enc.encode(String(f.size))));
  if (!fitsOctal(f.uid, 8)) pax.push(paxRecord("uid", enc.encode(String(f.uid))));
  if (!fitsOctal(f.gid, 8)) pax.push(paxRecord("gid", enc.encode(String(f.gid))));
  if (f.mtimeNsec !== 0 || !fitsOctal(f.mtimeSec, 12)) {
    let sec = f.mtimeSec, nsec = f.mtimeNsec;
    let sign = "";
    if (sec < 0) { sign = "-"; if (nsec) { sec += 1; nsec = 1e9 - nsec; } sec = -sec; }
    const frac = nsec ? "." + String(nsec).padStart(9, "0").replace(/0+$/, "") : "";
    pax.push(paxRecord("mtime", enc.encode(`${sign}${sec}${frac}`)));
  }
  if (f.xattrs) for (const [k, v] of [...f.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push(paxRecord("SCHILY.xattr." + k, v));

  const blocks: Uint8Array[] = [];
  if (pax.length) {
    const data = concat(pax);
    const short = ("PaxHeaders/" + (split ? split[1] : "entry")).slice(0, 100).replace(/[^\x20-\x7e]/g, "_");
    blocks.push(ustarBlock({ path: short, typeflag: "x", mode: 0o644, uid: 0, gid: 0, size: data.length, mtimeSec: 0, mtimeNsec: 0 }, ["", short], ""));
    blocks.push(padded(data));
  }
  const fallback = split ?? ["", f.path.replace(/[^\x20-\x7e]/g, "_").slice(-100)];
  blocks.push(ustarBlock(f, fallback, linkFits ? link : link.replace(/[^\x20-\x7e]/g, "_").slice(0, 100)));
  return concat(blocks);
}

function ustarBlock(f: HeaderFields, [prefix, name]: [string, string], link: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  putString(h, 0, 100, name);
  octal(h, 100, 8, f.mode & 0o7777);
  octal(h, 108, 8, fitsOctal(f.uid, 8) ? f.uid : 0);
  octal(h, 116, 8, fitsOctal(f.gid, 8) ? f.gid : 0);
  octal(h, 124, 12, fitsOctal(f.size, 12) ? f.size : 0);
  octal(h, 136, 12, fitsOctal(f.mtimeSec, 12) ? f.mtimeSec : 0);
  h.fill(0x20, 148, 156);
  h[156] = f.typeflag.charCodeAt(0);
  putString(h, 157, 100, link);
  putString(h, 257, 6, "ustar");
  putString(h, 263, 2, "00");
  octal(h, 329, 8, f.devmajor ?? 0);
  octal(h, 337, 8, f.devminor ?? 0);
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  putString(h, 148, 7, sum.toString(8).padStart(6, "0") + "\0");
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const TYPEFLAG = { file: "0", symlink: "2", chardev: "3", blockdev: "4", dir: "5", fifo: "6" } as const;

/**
 * The tree under `root` as a tar stream, entries depth first in name order; a hard-linked inode
 * is written once and its other names as hard links to the first. Names are relative ("bin/sh").
 */
export async function* writeTreeTar(root: LayerNode, reader: ContentReader, opts: TarExportOptions = {}): ByteStream {
  const firstName = new Map<number, string>();
  const chunkSize = opts.chunkSize ?? 1 << 20;
  const meta = (n: LayerNode) => ({ mode: n.mode, uid: n.uid, gid: n.gid, mtimeSec: n.mtimeSec, mtimeNsec: n.mtimeNsec, xattrs: n.xattrs });
  const marker = (path: string) => tarHeader({ path, typeflag: "0", mode: 0, uid: 0, gid: 0, size: 0, mtimeSec: 0, mtimeNsec: 0 });

  async function* dir(prefix: string, d: LayerNode): ByteStream {
    if (opts.whiteouts) {
      // Markers come before the directory's other entries, as the OCI spec asks of writers.
      if (d.opaque) yield marker(prefix + OPAQUE_MARKER);
      for (const w of [...(d.whiteouts ?? [])].sort()) yield marker(prefix + WHITEOUT_PREFIX + w);
    }
    for (const name of [...d.children!.keys()].sort()) {
      const n = d.children!.get(name)!;
      const path = prefix + name;
      const linked = firstName.get(n.ino);
      if (linked !== undefined) {
        yield tarHeader({ path, typeflag: "1", linkpath: linked, size: 0, ...meta(n) });
        continue;
      }
      if (n.kind !== "dir" && n.nlink > 1) firstName.set(n.ino, path);
      switch (n.kind) {
        case "dir":
          yield tarHeader({ path: path + "/", typeflag: TYPEFLAG.dir, size: 0, ...meta(n) });
          yield* dir(path + "/", n);
          break;
        case "file": {
          const size = n.data ? n.data.length : n.size;
          yield tarHeader({ path, typeflag: TYPEFLAG.file, size, ...meta(n) });
          let pos = 0;
          while (pos < size) {
            const buf = new Uint8Array(Math.min(chunkSize, size - pos));
            const got = readNode(reader, n, buf, pos);
            if (got <= 0) throw new Error(`${path}: contents end at byte ${pos} of ${size}`);
            pos += got;
            yield got === buf.length ? buf : buf.subarray(0, got);
          }
          if (size % BLOCK) yield new Uint8Array(BLOCK - (size % BLOCK));
          break;
        }
        case "symlink":
          yield tarHeader({ path, typeflag: TYPEFLAG.symlink, linkpath: n.target, size: 0, ...meta(n) });
          break;
        default:
          yield tarHeader({ path, typeflag: TYPEFLAG[n.kind], size: 0, devmajor: n.rdevMajor, devminor: n.rdevMinor, ...meta(n) });
      }
    }
  }
  // The root's own metadata is written only when the tree has it (a tar that named "./").
  if (!root.implicit) yield tarHeader({ path: "./", typeflag: TYPEFLAG.dir, size: 0, ...meta(root) });
  yield* dir("", root);
  yield new Uint8Array(2 * BLOCK);
}

/** A container's changes (an upper tree with whiteouts and opaque directories) as an OCI layer tar. */
export function writeLayerDiffTar(upper: LayerNode, reader: ContentReader): ByteStream {
  return writeTreeTar(upper, reader, { whiteouts: true });
}
