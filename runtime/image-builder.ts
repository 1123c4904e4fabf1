// Small images packed by our own code (Node only): a one-layer OCI image layout written from a
// list of entries, and the default image — the host's busybox-static with its applet links and
// the few /etc files programs expect — loaded into the store when it is not there yet.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { tarHeader } from "../images/export.js";
import { MEDIA } from "../images/manifest.js";
import { loadOciLayout } from "../images/oci.js";
import type { ImageStore, Image } from "../images/store.js";

export interface ImageEntry {
  /** Relative path in the image ("bin/sh"). */
  path: string;
  type: "file" | "dir" | "symlink";
  mode?: number;
  uid?: number;
  gid?: number;
  data?: Uint8Array | string;
  /** Symlink target. */
  target?: string;
}

/** The fields of an image config's "config" object wasl run uses. */
export interface ImageConfigFields {
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const enc = new TextEncoder();

/** A plain tar of the entries, parents before children, in the order given (all times mtime). */
export function layerTar(entries: ImageEntry[], mtime = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.type === "file" ? (typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    parts.push(tarHeader({
      path: e.type === "dir" ? e.path.replace(/\/?$/, "/") : e.path,
      typeflag: e.type === "file" ? "0" : e.type === "dir" ? "5" : "2",
      mode: e.mode ?? (e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644),
      uid: e.uid ?? 0, gid: e.gid ?? 0, size: data.length, mtimeSec: mtime, mtimeNsec: 0, linkpath: e.target,
    }));
    if (data.length) {
      const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
      padded.set(data);
      parts.push(padded);
    }
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Writes a one-layer OCI image layout to dir (created), tagged refName in index.json. */
export function writeOciLayout(dir: string, entries: ImageEntry[], config: ImageConfigFields, opts: { refName?: string; mtime?: number } = {}): void {
  const blobs = path.join(dir, "blobs", "sha256");
  fs.mkdirSync(blobs, { recursive: true });
  const put = (b: Uint8Array) => { const h = sha256(b); fs.writeFileSync(path.join(blobs, h), b); return { digest: `sha256:${h}`, size: b.length }; };
  const layer = put(layerTar(entries, opts.mtime ?? 0));
  const created = new Date((opts.mtime ?? 0) * 1000).toISOString();
  const cfg = put(enc.encode(JSON.stringify({
    created, architecture: "amd64", os: "linux",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], ...config },
    rootfs: { type: "layers", diff_ids: [layer.digest] },
    history: [{ created, created_by: "wasl image-builder" }],
  })));
  const manifest = put(enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, ...cfg },
    layers: [{ mediaType: MEDIA.ociLayer, ...layer }],
  })));
  fs.writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociIndex,
    manifests: [{ mediaType: MEDIA.ociManifest, ...manifest, platform: { architecture: "amd64", os: "linux" },
      annotations: opts.refName ? { "org.opencontainers.image.ref.name": opts.refName } : undefined }],
  }));
}

/** Where busybox-static usually is. */
export const BUSYBOX_PATHS = ["/bin/busybox", "/usr/bin/busybox"];

/** True when the ELF file has no PT_INTERP (runs without a dynamic loader in the image). */
function isStaticElf(bytes: Uint8Array): boolean {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 64 || dv.getUint32(0) !== 0x7f454c46) return false;
  const phoff = Number(dv.getBigUint64(32, true)), phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  for (let i = 0; i < phnum; i++) if (dv.getUint32(phoff + i * phentsize, true) === 3) return false;
  return true;
}

/** The entries of the default image: busybox, its applet links, /etc files, the usual directories. */
export function busyboxEntries(busybox: string): ImageEntry[] {
  const bin = fs.readFileSync(busybox);
  if (!isStaticElf(bin)) throw new Error(`${busybox} is not statically linked (Debian/Ubuntu: apt-get install busybox-static)`);
  // node:child_process is loaded here, when an image is built, not by every `wasl run` (~4 ms).
  const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  const applets = execFileSync(busybox, ["--list-full"], { encoding: "utf8" }).split("\n").filter((l) => l && l !== "bin/busybox");
  const dirs = new Set(["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "home", "tmp", "var", "var/tmp", "dev", "proc", "sys"]);
  for (const a of applets) dirs.add(path.posix.dirname(a));
  const entries: ImageEntry[] = [...dirs].sort().map((d) => ({
    path: d, type: "dir" as const, mode: d === "tmp" || d === "var/tmp" ? 0o1777 : d === "root" ? 0o700 : 0o755,
  }));
  entries.push({ path: "bin/busybox", type: "file", mode: 0o755, data: bin });
  for (const a of applets.sort()) entries.push({ path: a, type: "symlink", target: "/bin/busybox" });
  entries.push(
    { path: "etc/passwd", type: "file", data: "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n" +
      "user:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" },
    { path: "etc/group", type: "file", data: "root:x:0:\ndaemon:x:1:\ntty:x:5:\nusers:x:100:user\nuser:x:1000:\nnogroup:x:65534:\n" },
    { path: "etc/os-release", type: "file", data: 'NAME="wasl busybox"\nID=wasl-busybox\nPRETTY_NAME="busybox-static on wasl"\n' },
    { path: "etc/hosts", type: "file", data: "127.0.0.1\tlocalhost\n::1\tlocalhost\n" },
    { path: "home/user", type: "dir", mode: 0o755, uid: 1000, gid: 1000 },
  );
  return entries;
}

/** The name the default image is stored under. */
export const DEFAULT_IMAGE = "busybox:latest";

/**
 * The default image from the store, building it from the host's busybox-static first when the
 * store does not have it.
 */
export async function ensureDefaultImage(store: ImageStore, name = DEFAULT_IMAGE): Promise<Image> {
  if (store.find(name)) return store.image(name);
  const busybox = BUSYBOX_PATHS.find((p) => { try { return fs.statSync(p).isFile(); } catch { return false; } });
  if (!busybox) throw new Error("busybox-static is not installed (Debian/Ubuntu: apt-get install busybox-static)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasl-image-"));
  try {
    const mtime = Math.floor(fs.statSync(busybox).mtimeMs / 1000);
    writeOciLayout(dir, busyboxEntries(busybox), { Cmd: ["sh"] }, { mtime });
    const [im] = await loadOciLayout(store, dir, null, { name });
    return store.image(im.id);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
