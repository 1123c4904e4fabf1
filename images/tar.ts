// A streaming tar reader: ustar, GNU (long names 'L', long links 'K', base-256 numbers), POSIX pax
// ('x' per entry, 'g' global: path, linkpath, size, uid, gid, mtime with fractions, uname, gname,
// SCHILY.xattr.*). The archive arrives as chunks, never as one buffer; each entry reports the
// offset of its data in the (uncompressed) archive, so a caller can read contents later by range.
// Compressed input is recognised by its magic bytes and decompressed through the host.
import type { ByteStream, ImageHost } from "./host.js";

export type TarEntryType = "file" | "hardlink" | "symlink" | "chardev" | "blockdev" | "dir" | "fifo";

export interface TarEntry {
  type: TarEntryType;
  /** The name as stored (pax/GNU long name applied), not normalised. */
  path: string;
  /** Symlink target, or the archive path a hard link refers to. */
  linkpath: string;
  /** Bytes of data that follow the header (0 for everything but regular files). */
  size: number;
  /** Permission bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtimeSec: number;
  mtimeNsec: number;
  devmajor: number;
  devminor: number;
  /** Extended attributes from SCHILY.xattr.* / LIBARCHIVE.xattr.* records. */
  xattrs: Map<string, Uint8Array> | null;
  /** Offset of the first header block of this entry (extension headers included). */
  headerOffset: number;
  /** Offset of the entry's data in the archive. */
  dataOffset: number;
}

export class TarError extends Error {}

const BLOCK = 512;
const utf8 = new TextDecoder("utf-8");

/** Pulls exact byte counts out of a chunk stream and counts the position. */
class ChunkReader {
  private it: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  position = 0;
  done = false;

  constructor(source: ByteStream) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) { this.done = true; return false; }
      this.chunk = r.value;
      this.at = 0;
    }
    return true;
  }

  /** Up to n bytes (fewer only at end of input); a view that is valid until the next call. */
  async readSome(n: number): Promise<Uint8Array> {
    if (!(await this.fill())) return new Uint8Array(0);
    const take = Math.min(n, this.chunk.length - this.at);
    const out = this.chunk.subarray(this.at, this.at + take);
    this.at += take;
    this.position += take;
    return out;
  }

  /** Exactly n bytes, or fewer at end of input (a copy the caller may keep). */
  async readExact(n: number): Promise<Uint8Array> {
    const first = await this.readSome(n);
    if (first.length === n || first.length === 0) return first.slice();
    const out = new Uint8Array(n);
    out.set(first);
    let got = first.length;
    while (got < n) {
      const part = await this.readSome(n - got);
      if (part.length === 0) return out.subarray(0, got);
      out.set(part, got);
      got += part.length;
    }
    return out;
  }

  /** Skips n bytes; the number actually skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const part = await this.readSome(left);
      if (part.length === 0) break;
      left -= part.length;
    }
    return n - left;
  }

  async drain(): Promise<void> {
    while ((await this.readSome(1 << 30)).length > 0) { /* consume the rest of the input */ }
  }
}

function cString(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return utf8.decode(b.subarray(off, end));
}

/** An octal field (space/NUL padded) or a GNU base-256 field (high bit of the first byte set). */
function numericField(b: Uint8Array, off: number, len: number, what: string): number {
  if (b[off] & 0x80) {
    const negative = b[off] === 0xff;
    let v = BigInt(b[off] & 0x7f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[off + i]);
    if (negative) v -= 1n << BigInt(len * 8 - 1);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new TarError(`${what} field is too large (${v})`);
    return Number(v);
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new TarError(`${what} field is not an octal number (${JSON.stringify(utf8.decode(b.subarray(off, end)))})`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function checksumMatches(h: Uint8Array): boolean {
  let stored: number;
  try { stored = numericField(h, 148, 8, "checksum"); } catch { return false; }
  let unsigned = 0, signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += c;
    signed += c < 128 ? c : c - 256;
  }
  // Some old tars summed signed chars; both are accepted, as GNU tar does.
  return stored === unsigned || stored === signed;
}

/** "1234.5" → [1234, 500000000]; negative times round toward minus infinity with a positive fraction. */
function parsePaxTime(v: string): [number, number] {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(v);
  if (!m) throw new TarError(`bad pax time ${JSON.stringify(v)}`);
  let sec = Number(m[2]);
  let nsec = m[3] ? Number((m[3] + "000000000").slice(0, 9)) : 0;
  if (m[1]) {
    sec = -sec;
    if (nsec) { sec -= 1; nsec = 1e9 - nsec; }
  }
  return [sec, nsec];
}

function paxInt(v: string, key: string): number {
  if (!/^\d+$/.test(v)) throw new TarError(`bad pax ${key} ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new TarError(`pax ${key} is too large (${v})`);
  return n;
}

/** pax records: "<len> <key>=<value>\n". Values stay bytes (xattr values are binary). */
function parsePax(data: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // NUL padding after the last record
    let sp = at;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = Number(utf8.decode(data.subarray(at, sp)));
    if (!Number.isInteger(len) || len <= sp - at || at + len > data.length || data[at + len - 1] !== 0x0a)
      throw new TarError(`malformed pax header record at byte ${at}`);
    const rec = data.subarray(sp + 1, at + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarError(`malformed pax header record at byte ${at} (no '=')`);
    out.set(utf8.decode(rec.subarray(0, eq)), rec.slice(eq + 1));
    at += len;
  }
  return out;
}

function base64Decode(s: string): Uint8Array {
  const bin = atob(s.replace(/=+$/, "") + "===".slice((s.replace(/=+$/, "").length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Reads entries one after another; the data of the current entry can be read before next(). */
export class TarReader {
  private input: ChunkReader;
  private global = new Map<string, Uint8Array>();
  /** Data bytes of the current entry not yet consumed, and the padding after them. */
  private left = 0;
  private pad = 0;
  private ended = false;
  entries = 0;

  constructor(source: ByteStream) {
    this.input = new ChunkReader(source);
  }

  /** Bytes of (uncompressed) archive consumed so far. */
  get position(): number { return this.input.position; }

  private async block(what: string): Promise<Uint8Array | null> {
    const b = await this.input.readExact(BLOCK);
    if (b.length === 0) return null;
    if (b.length < BLOCK) throw new TarError(`truncated archive: ${what} ends after ${b.length} of 512 bytes at offset ${this.input.position - b.length}`);
    return b;
  }

  private async extensionData(size: number, what: string): Promise<Uint8Array> {
    if (size > 64 << 20) throw new TarError(`${what} of ${size} bytes is implausibly large`);
    const data = await this.input.readExact(size);
    if (data.length < size) throw new TarError(`truncated archive: ${what} ends after ${data.length} of ${size} bytes`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if ((await this.input.skip(pad)) < pad) throw new TarError(`truncated archive: padding after ${what}`);
    return data;
  }

  /** The next entry, or null at the end of the archive (after which the input is fully consumed). */
  async next(): Promise<TarEntry | null> {
    if (this.ended) return null;
    await this.skipData();
    let longName: string | null = null;
    let longLink: string | null = null;
    let pax: Map<string, Uint8Array> | null = null;
    const headerOffset = this.input.position;
    for (;;) {
      const at = this.input.position;
      const h = await this.block("a header");
      if (h === null) {
        if (longName !== null || longLink !== null || pax !== null) throw new TarError(`truncated archive: extension header at offset ${headerOffset} has no entry after it`);
        // Input ends without the two zero blocks; producers that omit them exist, and every entry was whole.
        this.ended = true;
        return null;
      }
      if (isZeroBlock(h)) {
        if (longName !== null || longLink !== null || pax !== null) throw new TarError(`truncated archive: extension header at offset ${headerOffset} has no entry after it`);
        this.ended = true;
        await this.input.drain();
        return null;
      }
      if (!checksumMatches(h)) throw new TarError(`bad header checksum at offset ${at} (entry ${JSON.stringify(cString(h, 0, 100))}): not a tar archive, or a corrupt one`);
      const flag = String.fromCharCode(h[156]);
      const size = numericField(h, 124, 12, "size");
      if (flag === "L") { longName = cString(await this.extensionData(size, "GNU long name"), 0, size); continue; }
      if (flag === "K") { longLink = cString(await this.extensionData(size, "GNU long link name"), 0, size); continue; }
      if (flag === "x") { pax = parsePax(await this.extensionData(size, "pax header")); continue; }
      if (flag === "g") {
        for (const [k, v] of parsePax(await this.extensionData(size, "pax global header"))) {
          if (v.length === 0) this.global.delete(k); else this.global.set(k, v);
        }
        continue;
      }
      if (flag === "V") { await this.extensionData(size, "volume label"); continue; }
      if (flag === "S" || flag === "M") throw new TarError(`entry ${JSON.stringify(cString(h, 0, 100))}: GNU ${flag === "S" ? "sparse" : "multi-volume"} entries are not supported`);
      return this.entry(h, flag, size, headerOffset, longName, longLink, pax);
    }
  }

  private entry(h: Uint8Array, flag: string, size: number, headerOffset: number,
    longName: string | null, longLink: string | null, pax: Map<string, Uint8Array> | null): TarEntry {
    const magic = cString(h, 257, 6);
    const isUstar = magic === "ustar" && h[262] === 0; // POSIX; GNU writes "ustar " and has no prefix field
    let path = cString(h, 0, 100);
    if (isUstar && h[345] !== 0) path = cString(h, 345, 155) + "/" + path;
    if (longName !== null) path = longName;
    const linkpath = longLink ?? cString(h, 157, 100);
    const e: TarEntry = {
      type: "file", path, linkpath, size,
      mode: numericField(h, 100, 8, "mode") & 0o7777,
      uid: numericField(h, 108, 8, "uid"),
      gid: numericField(h, 116, 8, "gid"),
      uname: cString(h, 265, 32),
      gname: cString(h, 297, 32),
      mtimeSec: numericField(h, 136, 12, "mtime"), mtimeNsec: 0,
      devmajor: 0, devminor: 0,
      xattrs: null, headerOffset, dataOffset: 0,
    };
    if (magic.startsWith("ustar")) {
      e.devmajor = numericField(h, 329, 8, "devmajor");
      e.devminor = numericField(h, 337, 8, "devminor");
    }
    const records = this.global.size ? new Map([...this.global, ...(pax ?? [])]) : pax;
    if (records) this.applyPax(e, records);
    switch (flag) {
      case "0": case "\0": case "7": e.type = e.path.endsWith("/") && flag === "\0" ? "dir" : "file"; break;
      case "1": e.type = "hardlink"; break;
      case "2": e.type = "symlink"; break;
      case "3": e.type = "chardev"; break;
      case "4": e.type = "blockdev"; break;
      case "5": case "D": e.type = "dir"; break;
      case "6": e.type = "fifo"; break;
      default: e.type = "file"; // POSIX: an unknown type is read as a regular file
    }
    // Only regular files (and GNU dumpdirs, whose data is skipped) carry data; the size field of
    // the other types is ignored, as Linux tars do.
    const dataSize = e.type === "file" || flag === "D" ? e.size : 0;
    if (e.type !== "file") e.size = 0;
    this.left = dataSize;
    this.pad = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    e.dataOffset = this.input.position;
    this.entries++;
    return e;
  }

  private applyPax(e: TarEntry, records: Map<string, Uint8Array>): void {
    for (const [key, raw] of records) {
      const v = () => utf8.decode(raw);
      switch (key) {
        case "path": e.path = v(); break;
        case "linkpath": e.linkpath = v(); break;
        case "size": e.size = paxInt(v(), key); break;
        case "uid": e.uid = paxInt(v(), key); break;
        case "gid": e.gid = paxInt(v(), key); break;
        case "uname": e.uname = v(); break;
        case "gname": e.gname = v(); break;
        case "mtime": [e.mtimeSec, e.mtimeNsec] = parsePaxTime(v()); break;
        case "SCHILY.devmajor": e.devmajor = paxInt(v(), key); break;
        case "SCHILY.devminor": e.devminor = paxInt(v(), key); break;
        default:
          if (key.startsWith("SCHILY.xattr.")) (e.xattrs ??= new Map()).set(key.slice(13), raw);
          else if (key.startsWith("LIBARCHIVE.xattr.")) (e.xattrs ??= new Map()).set(decodeURIComponent(key.slice(17)), base64Decode(v()));
          else if (key.startsWith("GNU.sparse.")) throw new TarError(`entry ${JSON.stringify(e.path)}: sparse files are not supported`);
        // atime, ctime, comment, charset, hdrcharset and vendor keys do not change the file tree.
      }
    }
  }

  /** The current entry's data in chunks (views valid until the next chunk is requested). */
  async *data(): ByteStream {
    while (this.left > 0) {
      const part = await this.input.readSome(this.left);
      if (part.length === 0) throw new TarError(`truncated archive: entry data ends ${this.left} bytes early at offset ${this.input.position}`);
      this.left -= part.length;
      yield part;
    }
  }

  /** The current entry's whole data. */
  async readAll(): Promise<Uint8Array> {
    const out = new Uint8Array(this.left);
    let at = 0;
    for await (const part of this.data()) { out.set(part, at); at += part.length; }
    return out;
  }

  private async skipData(): Promise<void> {
    const want = this.left + this.pad;
    const got = await this.input.skip(want);
    if (got < this.left) throw new TarError(`truncated archive: entry data ends ${this.left - got} bytes early at offset ${this.input.position}`);
    if (got < want) throw new TarError(`truncated archive: padding after entry data is cut short at offset ${this.input.position}`);
    this.left = this.pad = 0;
  }
}

export type Compression = "none" | "gzip" | "zstd";

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/**
 * Looks at the first bytes of a stream and returns the uncompressed stream: gzip goes through the
 * host's gunzip, zstd through its zstd decompressor when it has one.
 */
export async function decompressStream(host: ImageHost, source: ByteStream, what = "layer"): Promise<{ compression: Compression; stream: ByteStream }> {
  const it = source[Symbol.asyncIterator]();
  const firstChunks: Uint8Array[] = [];
  let have = 0;
  let finished = false;
  while (have < 4) {
    const r = await it.next();
    if (r.done) { finished = true; break; }
    firstChunks.push(r.value);
    have += r.value.length;
  }
  const head = new Uint8Array(Math.min(have, 4));
  let at = 0;
  for (const c of firstChunks) { if (at >= head.length) break; const n = Math.min(c.length, head.length - at); head.set(c.subarray(0, n), at); at += n; }
  async function* replay(): ByteStream {
    yield* firstChunks;
    if (!finished) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  const compression = detectCompression(head);
  if (compression === "gzip") return { compression, stream: host.gunzip(replay()) };
  if (compression === "zstd") {
    if (!host.zstdDecompress) throw new TarError(`${what} is zstd-compressed: zstd layers are not supported on this host`);
    return { compression, stream: host.zstdDecompress(replay()) };
  }
  return { compression, stream: replay() };
}
