// The JSON documents of an image: OCI / Docker manifests, image indexes (manifest lists) and the
// image config, parsed into the few fields wasl uses and checked enough to give clear errors.

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

export interface Platform { os: string; architecture: string; variant?: string }

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Manifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** What `docker run` takes from an image: the process defaults and the layer chain. */
export interface ImageConfig {
  architecture: string;
  os: string;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir: string;
  user: string;
  exposedPorts: string[];
  labels: Record<string, string>;
  stopSignal: string;
  /** sha256 of each uncompressed layer tar, bottom layer first. */
  diffIDs: string[];
  created: string;
}

const utf8 = new TextDecoder("utf-8");
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseJSON(bytes: Uint8Array | string, what: string): any {
  try {
    return JSON.parse(typeof bytes === "string" ? bytes : utf8.decode(bytes));
  } catch (e: any) {
    throw new Error(`${what} is not valid JSON: ${e.message}`);
  }
}

export function checkDigest(d: unknown, what: string): string {
  if (typeof d !== "string") throw new Error(`${what}: missing digest`);
  if (!d.startsWith("sha256:")) throw new Error(`${what}: unsupported digest algorithm in ${JSON.stringify(d)} (only sha256)`);
  if (!DIGEST.test(d)) throw new Error(`${what}: malformed digest ${JSON.stringify(d)}`);
  return d;
}

function descriptor(d: any, what: string): Descriptor {
  if (!d || typeof d !== "object") throw new Error(`${what}: missing descriptor`);
  const out: Descriptor = { mediaType: String(d.mediaType ?? ""), digest: checkDigest(d.digest, what), size: Number(d.size ?? -1) };
  if (d.annotations) out.annotations = d.annotations;
  if (d.platform) out.platform = d.platform;
  return out;
}

export function isIndexMediaType(t: string): boolean {
  return t === MEDIA.ociIndex || t === MEDIA.dockerList;
}

/** An image index / manifest list (also the index.json of a layout). */
export function parseIndex(bytes: Uint8Array, what: string): Descriptor[] {
  const doc = parseJSON(bytes, what);
  if (!Array.isArray(doc.manifests)) throw new Error(`${what} has no "manifests" list`);
  return doc.manifests.map((d: any, i: number) => descriptor(d, `${what} manifests[${i}]`));
}

/** Distinguishes an index from a manifest when the descriptor's mediaType does not say. */
export function documentKind(bytes: Uint8Array, what: string): "index" | "manifest" {
  const doc = parseJSON(bytes, what);
  if (Array.isArray(doc.manifests)) return "index";
  if (doc.config && Array.isArray(doc.layers)) return "manifest";
  if (doc.schemaVersion === 1) throw new Error(`${what} is a Docker schema 1 manifest, which is not supported`);
  throw new Error(`${what} is neither an image manifest nor an image index`);
}

export function parseManifest(bytes: Uint8Array, what: string): Manifest {
  const doc = parseJSON(bytes, what);
  if (doc.schemaVersion === 1) throw new Error(`${what} is a Docker schema 1 manifest, which is not supported`);
  if (!doc.config || !Array.isArray(doc.layers)) throw new Error(`${what} is not an image manifest (no config or layers)`);
  return {
    mediaType: String(doc.mediaType ?? MEDIA.ociManifest),
    config: descriptor(doc.config, `${what} config`),
    layers: doc.layers.map((d: any, i: number) => descriptor(d, `${what} layers[${i}]`)),
  };
}

function stringList(v: unknown, what: string): string[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw new Error(`${what} is not a list of strings`);
  return v as string[];
}

export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  const doc = parseJSON(bytes, what);
  const c = doc.config ?? {};
  const rootfs = doc.rootfs ?? {};
  const diffIDs = stringList(rootfs.diff_ids, `${what} rootfs.diff_ids`) ?? [];
  diffIDs.forEach((d, i) => checkDigest(d, `${what} rootfs.diff_ids[${i}]`));
  return {
    architecture: String(doc.architecture ?? ""),
    os: String(doc.os ?? ""),
    env: stringList(c.Env, `${what} Env`) ?? [],
    entrypoint: stringList(c.Entrypoint, `${what} Entrypoint`),
    cmd: stringList(c.Cmd, `${what} Cmd`),
    workingDir: String(c.WorkingDir ?? ""),
    user: String(c.User ?? ""),
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    labels: { ...(c.Labels ?? {}) },
    stopSignal: String(c.StopSignal ?? ""),
    diffIDs,
    created: String(doc.created ?? ""),
  };
}

const utf8e = new TextEncoder();

/** A canonical OCI manifest for images that arrive without one (docker save's manifest.json). */
export function makeManifest(config: Descriptor, layers: Descriptor[]): Uint8Array {
  const d = (x: Descriptor) => ({ mediaType: x.mediaType, digest: x.digest, size: x.size });
  return utf8e.encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: d(config), layers: layers.map(d) }));
}
