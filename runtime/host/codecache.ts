// Loading a CommonJS bundle through V8's code cache (Node only). Parsing and compiling the command
// line's ~400 KB of JavaScript, and compiling each function on its first call, is a third of a
// short `wasl run`; with the cache V8 deserializes the bytecode of every function the last run
// of the same command used instead (Node 20 has no compile cache for ES modules, hence vm.Script).
//
// The cache is an optimisation only: any problem (no cache directory, unwritable, stale,
// corrupt, rejected by this V8) means the bundle is compiled from source as it would be without.
// A cache file is [digest of the bundle | digest of the payload | V8's cached data]; it is used
// only when both digests match (V8 itself checks just its version, flags and the source length).
// The digests guard against stale and damaged files, not against someone who can write the user's
// cache (they could as well edit the bundle): SHA-1, at twice SHA-256's speed, is enough.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const DIGEST = 20;
/** Cache files kept in the directory (several builds and commands); the oldest go first. */
const KEEP_FILES = 16;

export interface CachedBundle<T> {
  /** The bundle's module.exports. */
  exports: T;
  /** Writes the cache when none was used (call when the work worth caching is done); never throws. */
  save(): void;
}

const digest = (b: Uint8Array) => createHash("sha1").update(b).digest();

/**
 * Runs the CommonJS file (it sees require, module, exports, __filename, __dirname, and its own
 * URL as __bundle_url) compiled with the code cache in cacheDir under the name key (null: no cache).
 */
export function loadCachedBundle<T>(file: string, cacheDir: string | null, key: string): CachedBundle<T> {
  const source = fs.readFileSync(file);
  const sourceDigest = digest(source);
  const cacheFile = cacheDir ? path.join(cacheDir, `${sourceDigest.toString("hex").slice(0, 16)}-${process.version}-${process.arch}-${key}.bin`) : null;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      const b = fs.readFileSync(cacheFile);
      const payload = b.subarray(2 * DIGEST);
      if (b.length > 2 * DIGEST && sourceDigest.equals(b.subarray(0, DIGEST)) && digest(payload).equals(b.subarray(DIGEST, 2 * DIGEST))) cachedData = payload;
    } catch { /* no cache yet */ }
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname, __bundle_url) {${source.toString("utf8")}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  const mod = { exports: {} as T };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file), pathToFileURL(file).href);
  const used = cachedData !== undefined && !script.cachedDataRejected;
  let saved = used || !cacheFile;
  return {
    exports: mod.exports,
    save() {
      if (saved) return;
      saved = true;
      try { writeCache(cacheFile!, sourceDigest, () => script.createCachedData()); } catch { /* a cache we cannot write is no cache */ }
    },
  };
}

function writeCache(file: string, sourceDigest: Buffer, cachedData: () => Buffer): void {
  const dir = path.dirname(file);
  // The directory first: where it cannot be made (HOME=/nonexistent) the serialisation is not paid for.
  fs.mkdirSync(dir, { recursive: true });
  const data = cachedData();
  // Written whole under a temporary name, then renamed: a reader sees the old file or the new one.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([sourceDigest, digest(data), data]), { mode: 0o600 });
  fs.renameSync(tmp, file);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".bin") || f.endsWith(".tmp"));
  if (files.length <= KEEP_FILES) return;
  const byAge = files.map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { f } of byAge.slice(0, files.length - KEEP_FILES)) fs.rmSync(path.join(dir, f), { force: true });
}
