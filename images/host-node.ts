// The Node implementation of ImageHost: node:fs for the store, node:zlib for gunzip (and zstd
// where this Node has it), node:crypto for sha256. The only file under images/ that imports node:.
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import * as zlib from "node:zlib";
import { createHash } from "node:crypto";
import { Readable, pipeline, type Transform } from "node:stream";
import type { ImageHost, ByteStream, RandomAccessFile, FileWriter, FileInfo, Sha256 } from "./host.js";

/** Pipes a byte stream through a Node transform; errors on either side end the output with that error. */
async function* throughTransform(source: ByteStream, transform: Transform, what: string): ByteStream {
  pipeline(Readable.from(source), transform, () => {});
  try {
    for await (const chunk of transform) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } catch (e: any) {
    throw new Error(`${what} failed: ${e?.message ?? e}${e?.code === "Z_BUF_ERROR" ? " (the compressed data is truncated)" : ""}`);
  }
}

function defaultStoreRoot(): string {
  const home = os.homedir();
  if (process.platform === "win32") return path.join(process.env.LOCALAPPDATA || path.join(home, "AppData", "Local"), "wasl", "cache");
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "wasl");
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, ".cache"), "wasl");
}

export function nodeImageHost(): ImageHost {
  const zstd = (zlib as any).createZstdDecompress as (() => Transform) | undefined;
  const host: ImageHost = {
    join: (...parts) => path.join(...parts),
    defaultStoreRoot,
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
  };
  if (zstd) host.zstdDecompress = (source) => throughTransform(source, zstd(), "zstd decompression");
  return host;
}
