// The Node implementation of ImageHost: node:fs for the store, node:zlib for gunzip (and zstd
// where this Node has it), node:crypto for sha256. The only file under images/ that imports node:.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { createHash } from "node:crypto";
import { Readable, pipeline, type Transform } from "node:stream";
import { userCacheDir } from "../runtime/host/cachedir.js";
import type { ImageHost, ByteStream, RandomAccessFile, FileWriter, FileInfo, Sha256, HttpRequest, HttpResponse } from "./host.js";

/** Pipes a byte stream through a Node transform; errors on either side end the output with that error. */
async function* throughTransform(source: ByteStream, transform: Transform, what: string): ByteStream {
  pipeline(Readable.from(source), transform, () => {});
  try {
    for await (const chunk of transform) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } catch (e: any) {
    throw new Error(`${what} failed: ${e?.message ?? e}${e?.code === "Z_BUF_ERROR" ? " (the compressed data is truncated)" : ""}`);
  }
}

/** fetch() reports "fetch failed" / "terminated"; the reason a user can act on is in its cause. */
function networkError(e: any, url: string): Error {
  if (e?.name === "AbortError") return new Error(`${url}: aborted`);
  const c = e?.cause ?? e;
  const code = c?.code ?? c?.cause?.code;
  const reason = code === "ECONNREFUSED" ? "connection refused" : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "host not found"
    : code === "ECONNRESET" || code === "UND_ERR_SOCKET" ? "connection closed by the server" : code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT" ? "connection timed out"
    : c?.message ?? String(e);
  return new Error(`${url}: ${reason}`);
}

/** HTTP through the global fetch, with redirects returned to the caller. */
async function nodeHttp(req: HttpRequest): Promise<HttpResponse> {
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers: req.headers, redirect: "manual", signal: req.signal });
  } catch (e) {
    throw networkError(e, req.url);
  }
  let used = false;
  return {
    status: res.status,
    header: (name) => res.headers.get(name),
    async *body() {
      if (used) throw new Error(`${req.url}: the response body was already read`);
      used = true;
      if (!res.body) return;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
      } catch (e) {
        throw networkError(e, req.url);
      }
    },
    async discard() {
      if (used) return;
      used = true;
      try { await res.body?.cancel(); } catch { /* the connection is gone either way */ }
    },
  };
}

export function nodeImageHost(): ImageHost {
  const zstd = (zlib as any).createZstdDecompress as (() => Transform) | undefined;
  const host: ImageHost = {
    join: (...parts) => path.join(...parts),
    defaultStoreRoot: userCacheDir,
    env: (name) => process.env[name],
    stat(p): FileInfo | null {
      try {
        const s = fs.statSync(p);
        return { kind: s.isFile() ? "file" : s.isDirectory() ? "dir" : "other", size: s.size };
      } catch (e: any) {
        if (e.code === "ENOENT" || e.code === "ENOTDIR") return null;
        throw e;
      }
    },
    readFile: (p) => { const b = fs.readFileSync(p); return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); },
    writeFile: (p, data) => fs.writeFileSync(p, data),
    openRead(p): RandomAccessFile {
      const fd = fs.openSync(p, "r");
      const size = fs.fstatSync(fd).size;
      return {
        size,
        read: (buf, pos) => fs.readSync(fd, buf, 0, buf.length, pos),
        close: () => fs.closeSync(fd),
      };
    },
    openWrite(p): FileWriter {
      const fd = fs.openSync(p, "w");
      return {
        write(data) {
          let off = 0;
          while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
        },
        close: () => fs.closeSync(fd),
      };
    },
    listDir: (p) => fs.readdirSync(p).sort(),
    mkdirp: (p) => { fs.mkdirSync(p, { recursive: true }); },
    rename: (a, b) => fs.renameSync(a, b),
    remove: (p) => fs.rmSync(p, { recursive: true, force: true }),
    gunzip: (source) => throughTransform(source, zlib.createGunzip(), "gunzip"),
    sha256(): Sha256 {
      const h = createHash("sha256");
      return { update: (d) => { h.update(d); }, hex: () => h.digest("hex") };
    },
    http: nodeHttp,
  };
  if (zstd) host.zstdDecompress = (source) => throughTransform(source, zstd(), "zstd decompression");
  return host;
}
