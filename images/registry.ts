// Pulling images from a registry over the OCI distribution API (the Docker registry v2 protocol):
// the /v2/ ping, token or Basic authentication from the WWW-Authenticate challenge, manifests and
// image indexes (linux/amd64 picked), then the config and layer blobs streamed into the store.
// A pull is one store transaction: every blob is checked against its digest before it is kept,
// blobs the store already has are not fetched, and any failure leaves the store as it was.
import { sha256Digest, type ByteStream, type HttpResponse, type ImageHost } from "./host.js";
import { MEDIA, checkDigest, documentKind, isIndexMediaType, parseImageConfig, parseIndex, parseJSON, parseManifest, type Descriptor } from "./manifest.js";
import { DigestMismatchError, ImageStore, StoreTransaction, type StoredImage } from "./store.js";
import { parseImageName } from "./reference.js";
import { WANTED_PLATFORM } from "./oci.js";
import type { LayerTree } from "./layer.js";

export interface Credentials { username: string; password: string }

/** Where a pull stands with one layer; `done`/`total` count the layer's compressed bytes. */
export interface PullProgress {
  /** 0-based, bottom layer first. */
  layer: number;
  layers: number;
  digest: string;
  /** "cached": the store has the blob, nothing is fetched; "unpacking": indexing the layer's tar. */
  state: "cached" | "downloading" | "unpacking" | "done";
  done: number;
  total: number;
}

export interface PullOptions {
  /** Overrides $WASL_REGISTRY_AUTH ("user:pass"). */
  auth?: Credentials;
  /** Plain http for every registry; otherwise only localhost / 127.0.0.1 / ::1 are spoken to without TLS. */
  insecure?: boolean;
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  /** Layers fetched at once (default 3). */
  parallel?: number;
}

/** A registry said no, or could not be reached; the message is one line naming the image. */
export class RegistryError extends Error {
  constructor(message: string, readonly status = 0) { super(message); }
}

const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(", ");
const SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(pretty)?jws|^application\/vnd\.docker\.distribution\.manifest\.v1\+json/;
const MAX_DOCUMENT = 4 << 20; // manifests, indexes, configs and error bodies are small; a bigger one is an attack or a mistake
const MAX_REDIRECTS = 10;

// ---- references and challenges ----

/** The registry host and repository path of an image name ("busybox" → Docker Hub's library/busybox). */
export function registryOf(name: string): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  const first = slash > 0 ? name.slice(0, slash) : "";
  if (first && (/[.:]/.test(first) || first === "localhost")) {
    const registry = first === "docker.io" || first === "index.docker.io" ? "registry-1.docker.io" : first;
    return { registry, repository: name.slice(slash + 1) };
  }
  return { registry: "registry-1.docker.io", repository: name.includes("/") ? name : `library/${name}` };
}

/** Loopback registries are spoken to over http, as Docker does; everything else over https. */
export function registryBaseURL(registry: string, insecure = false): string {
  const hostOnly = registry.startsWith("[") ? registry.slice(0, registry.indexOf("]") + 1) : registry.replace(/:\d+$/, "");
  const loopback = hostOnly === "localhost" || hostOnly === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostOnly);
  return `${insecure || loopback ? "http" : "https"}://${registry}`;
}

export interface Challenge { scheme: string; params: Record<string, string> }

/**
 * Parses a WWW-Authenticate header (RFC 7235): one or more challenges, each a scheme followed by
 * comma-separated name=value parameters whose values may be quoted strings with \-escapes.
 */
export function parseWWWAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => { while (i < n && (header[i] === " " || header[i] === "\t")) i++; };
  const token = () => { const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(header.slice(i)); if (!m) return ""; i += m[0].length; return m[0]; };
  while (i < n) {
    skipSpace();
    if (header[i] === ",") { i++; continue; }
    const scheme = token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      skipSpace();
      const start = i;
      const name = token();
      skipSpace();
      if (!name || header[i] !== "=") { i = start; break; } // the next challenge's scheme (or token68)
      i++;
      skipSpace();
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') { if (header[i] === "\\" && i + 1 < n) i++; value += header[i++]; }
        i++;
      } else {
        const m = /^[^,\s]*/.exec(header.slice(i))!;
        value = m[0];
        i += value.length;
      }
      challenge.params[name.toLowerCase()] = value;
      skipSpace();
      if (header[i] === ",") i++;
    }
  }
  return out;
}

function base64(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Credentials from the options, else $WASL_REGISTRY_AUTH ("user:pass"). */
function credentialsFrom(host: ImageHost, opts: PullOptions): Credentials | null {
  if (opts.auth) return opts.auth;
  const env = host.env("WASL_REGISTRY_AUTH");
  if (!env) return null;
  const colon = env.indexOf(":");
  if (colon < 0) throw new RegistryError(`$WASL_REGISTRY_AUTH must be "user:password"`);
  return { username: env.slice(0, colon), password: env.slice(colon + 1) };
}

// ---- the HTTP side ----

async function readBody(res: HttpResponse, what: string, limit = MAX_DOCUMENT): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body()) {
    size += chunk.length;
    if (size > limit) throw new RegistryError(`${what} is larger than ${limit} bytes`);
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The registry's own words from an error body ({"errors":[{"code","message"}]}), if it sent any. */
async function registryErrorText(res: HttpResponse): Promise<string> {
  try {
    const doc = JSON.parse(new TextDecoder().decode(await readBody(res, "error body", 64 << 10)));
    const errs = Array.isArray(doc?.errors) ? doc.errors : [];
    const text = errs.map((e: any) => [e.code, e.message].filter(Boolean).join(": ")).filter(Boolean).join("; ");
    return text || (typeof doc?.details === "string" ? doc.details : "");
  } catch {
    return "";
  }
}

const originOf = (url: string) => new URL(url).origin;

class RegistryClient {
  private authorization: string | null = null;
  private triedScopes = new Set<string>();
  /** Whether a request succeeded since the last authentication: a later 401 then means an expired token. */
  private authWorked = false;
  readonly base: string;

  constructor(private host: ImageHost, readonly registry: string, readonly repository: string, private opts: PullOptions,
    private creds: Credentials | null, private signal: AbortSignal) {
    this.base = registryBaseURL(registry, opts.insecure);
  }

  private get pullScope(): string { return `repository:${this.repository}:pull`; }

  /** One request, following redirects; the registry's credentials never go to another origin. */
  private async send(url: string, headers: Record<string, string>, withAuth: boolean): Promise<HttpResponse> {
    const http = this.host.http;
    if (!http) throw new RegistryError("this host has no network access (its ImageHost has no http capability)");
    const origin = originOf(this.base);
    for (let hops = 0; ; hops++) {
      const h = { ...headers };
      if (withAuth && this.authorization && originOf(url) === origin) h.Authorization = this.authorization;
      let res: HttpResponse;
      try {
        res = await http({ method: "GET", url, headers: h, signal: this.signal });
      } catch (e: any) {
        throw new RegistryError(`cannot reach the registry: ${e.message ?? e}`);
      }
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = res.header("location");
      await res.discard();
      if (!location) throw new RegistryError(`${url}: redirect (${res.status}) without a Location`, res.status);
      if (hops >= MAX_REDIRECTS) throw new RegistryError(`${url}: more than ${MAX_REDIRECTS} redirects`, res.status);
      url = new URL(location, url).href;
    }
  }

  /** GET a registry path; a 401 is answered once per scope by authenticating as the challenge asks. */
  async get(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const url = this.base + path;
    for (;;) {
      const res = await this.send(url, headers, true);
      // The ping passes with any valid token; only a repository request shows the token's scope was granted.
      if (res.status !== 401) { if (path !== "/v2/") this.authWorked = true; return res; }
      const header = res.header("www-authenticate") ?? "";
      const text = await registryErrorText(res);
      const challenges = parseWWWAuthenticate(header);
      const scope = challenges.find((c) => c.scheme === "bearer")?.params.scope ?? this.pullScope;
      if ((this.triedScopes.has(scope) && !this.authWorked) || !challenges.length) throw this.unauthorized(text);
      this.triedScopes.add(scope);
      this.authWorked = false;
      await this.authenticate(challenges, scope);
    }
  }

  private unauthorized(text: string): RegistryError {
    const how = this.creds ? "the credentials were refused" : "set $WASL_REGISTRY_AUTH=user:password if it needs a login";
    return new RegistryError(`unauthorized${text ? ` (${text})` : ""}: ${how}`, 401);
  }

  /** GET /v2/: is this a registry, and does it want authentication before anything else? */
  async ping(): Promise<void> {
    const res = await this.get("/v2/");
    if (res.status === 200) { await res.discard(); return; }
    const text = await registryErrorText(res);
    if (res.status === 404) throw new RegistryError(`${this.base} is not a registry: /v2/ answered 404`, 404);
    throw new RegistryError(`${this.base}/v2/ answered ${res.status}${text ? ` (${text})` : ""}`, res.status);
  }

  private async authenticate(challenges: Challenge[], scope: string): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    if (bearer) return this.fetchToken(bearer, scope);
    if (basic) {
      if (!this.creds) throw this.unauthorized("");
      this.authorization = "Basic " + base64(`${this.creds.username}:${this.creds.password}`);
      return;
    }
    throw new RegistryError(`unsupported authentication scheme(s): ${challenges.map((c) => c.scheme).join(", ")}`, 401);
  }

  /** The token flow of the distribution spec: GET realm?service=…&scope=…, anonymous or with Basic credentials. */
  private async fetchToken(c: Challenge, scope: string): Promise<void> {
    const realm = c.params.realm;
    if (!realm) throw new RegistryError(`the registry's Bearer challenge names no realm`, 401);
    let url: URL;
    try { url = new URL(realm); } catch { throw new RegistryError(`the registry's token realm ${JSON.stringify(realm)} is not a URL`, 401); }
    if (c.params.service) url.searchParams.set("service", c.params.service);
    url.searchParams.set("scope", scope);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.creds) headers.Authorization = "Basic " + base64(`${this.creds.username}:${this.creds.password}`);
    let res: HttpResponse;
    for (let hops = 0; ; hops++) {
      try {
        res = await this.host.http!({ method: "GET", url: url.href, headers, signal: this.signal });
      } catch (e: any) {
        throw new RegistryError(`cannot reach the token server: ${e.message ?? e}`);
      }
      const location = res.header("location");
      if (![301, 302, 303, 307, 308].includes(res.status) || !location || hops >= MAX_REDIRECTS) break;
      await res.discard();
      const next = new URL(location, url);
      if (next.origin !== url.origin) delete headers.Authorization;
      url = next;
    }
    if (res.status === 401 || res.status === 403) throw this.unauthorized(await registryErrorText(res) || `the token server answered ${res.status}`);
    if (res.status !== 200) throw new RegistryError(`the token server ${url.origin} answered ${res.status}`, res.status);
    const doc = parseJSON(await readBody(res, "token response"), `the token server's answer`);
    const token = typeof doc.token === "string" && doc.token ? doc.token : doc.access_token;
    if (typeof token !== "string" || !token) throw new RegistryError(`the token server's answer holds no token`, 401);
    this.authorization = "Bearer " + token;
  }

  /** A manifest or index by tag or digest, checked against the digest it is known by. */
  async manifest(reference: string, expected: string | null, what: string): Promise<{ bytes: Uint8Array; digest: string; mediaType: string }> {
    const res = await this.get(`/v2/${this.repository}/manifests/${reference}`, { Accept: MANIFEST_ACCEPT });
    if (res.status !== 200) throw await this.statusError(res, what);
    const bytes = await readBody(res, what);
    const digest = sha256Digest(this.host, bytes);
    const mediaType = (res.header("content-type") ?? "").split(";")[0].trim();
    const claimed = res.header("docker-content-digest");
    if (expected && digest !== expected) throw new DigestMismatchError(`${what}: digest mismatch: expected ${expected}, the registry sent content hashing to ${digest}`);
    if (claimed?.startsWith("sha256:") && claimed !== digest)
      throw new DigestMismatchError(`${what}: digest mismatch: the registry says ${claimed}, the content hashes to ${digest}`);
    if (SCHEMA1.test(mediaType) || parseJSON(bytes, what).schemaVersion === 1)
      throw new RegistryError(`${what} is a Docker schema 1 manifest, which wasl does not support (push it again with a current docker or skopeo)`);
    return { bytes, digest, mediaType };
  }

  /** A blob's bytes; more than the descriptor's size is an error before it is written anywhere. */
  async *blob(d: Descriptor, what: string, onBytes: (n: number) => void): ByteStream {
    const res = await this.get(`/v2/${this.repository}/blobs/${d.digest}`);
    if (res.status !== 200) throw await this.statusError(res, what);
    let n = 0;
    const body = res.body()[Symbol.asyncIterator]();
    try {
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try { next = await body.next(); } catch (e: any) { throw new RegistryError(`${what}: download broken off after ${n} bytes: ${e.message ?? e}`); }
        if (next.done) break;
        n += next.value.length;
        if (d.size >= 0 && n > d.size) throw new DigestMismatchError(`${what}: the registry sent more than the ${d.size} bytes the manifest declares`);
        onBytes(n);
        yield next.value;
      }
    } finally {
      await body.return?.();
    }
  }

  private async statusError(res: HttpResponse, what: string): Promise<RegistryError> {
    const text = await registryErrorText(res);
    const detail = text ? ` (${text})` : "";
    if (res.status === 404) return new RegistryError(`${what}: not found${detail}`, 404);
    if (res.status === 401 || res.status === 403) return this.unauthorized(text);
    return new RegistryError(`${what}: the registry answered ${res.status}${detail}`, res.status);
  }
}

// ---- the pull ----

function isWanted(p: Descriptor["platform"]): boolean {
  return !!p && p.os === WANTED_PLATFORM.os && p.architecture === WANTED_PLATFORM.architecture;
}

/** From an index: linux/amd64 without a variant (amd64 v2/v3 builds need CPU features wasl may lack), else the v1 variant. */
export function pickPlatform(entries: Descriptor[], what: string): Descriptor {
  const amd64 = entries.filter((e) => isWanted(e.platform));
  const pick = amd64.find((e) => !e.platform!.variant) ?? amd64.find((e) => e.platform!.variant === "v1");
  if (pick) return pick;
  const have = entries.map((e) => e.platform ? [e.platform.os, e.platform.architecture, e.platform.variant].filter(Boolean).join("/") : "unspecified").join(", ");
  throw new RegistryError(`${what}: no ${WANTED_PLATFORM.os}/${WANTED_PLATFORM.architecture} image in the index (it has ${have || "nothing"})`);
}

/** Runs tasks with at most `limit` at once; after the first failure the others are aborted, then that failure is thrown. */
async function runLimited(tasks: (() => Promise<void>)[], limit: number, abort: () => void): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < tasks.length) {
      const t = tasks[next++];
      try { await t(); } catch (e) { if (!failure) { failure = { e }; abort(); } }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw (failure as { e: unknown }).e;
}

/**
 * Pulls `reference` ("localhost:5000/team/tool:1.2", "busybox", "name@sha256:…") into the store
 * and tags it with that reference. Returns the stored image.
 */
export async function pullImage(store: ImageStore, reference: string, opts: PullOptions = {}): Promise<StoredImage> {
  const host = store.host;
  let ref: ReturnType<typeof parseImageName>;
  try { ref = parseImageName(reference); } catch (e: any) { throw new RegistryError(e.message); }
  const { registry, repository } = registryOf(ref.name);
  const label = reference;
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  opts.signal?.addEventListener("abort", onOuterAbort);
  try {
    const creds = credentialsFrom(host, opts);
    const client = new RegistryClient(host, registry, repository, opts, creds, inner.signal);
    await client.ping();
    return await StoreTransaction.run(store, async (txn) => {
      // Down from the tag (or digest) through any index to the linux/amd64 manifest.
      let doc = await client.manifest(ref.digest ?? ref.tag, ref.digest, ref.digest ? `manifest ${ref.digest}` : `tag ${ref.tag}`);
      for (let depth = 0; ; depth++) {
        const kind = isIndexMediaType(doc.mediaType) ? "index" : documentKind(doc.bytes, `manifest ${doc.digest}`);
        if (kind === "manifest") break;
        if (depth >= 4) throw new RegistryError(`image indexes nest too deeply`);
        const pick = pickPlatform(parseIndex(doc.bytes, `index ${doc.digest}`), `index ${doc.digest}`);
        doc = await client.manifest(pick.digest, pick.digest, `manifest ${pick.digest}`);
      }
      const manifest = parseManifest(doc.bytes, `manifest ${doc.digest}`);

      await txn.putBlob(() => client.blob(manifest.config, "config", () => {}), { digest: manifest.config.digest, size: manifest.config.size, what: `config ${manifest.config.digest}` });
      const config = parseImageConfig(txn.readBlob(manifest.config.digest), `config ${manifest.config.digest}`);
      if ((config.os && config.os !== WANTED_PLATFORM.os) || (config.architecture && config.architecture !== WANTED_PLATFORM.architecture))
        throw new RegistryError(`it is a ${config.os}/${config.architecture} image; wasl runs ${WANTED_PLATFORM.os}/${WANTED_PLATFORM.architecture} images`);
      if (config.diffIDs.length !== manifest.layers.length)
        throw new RegistryError(`the manifest has ${manifest.layers.length} layers but the config lists ${config.diffIDs.length} diff_ids`);

      // Fetch the layer blobs (a few at once; a layer listed twice is fetched once), then index them bottom up.
      const layers = manifest.layers;
      const report = (i: number, state: PullProgress["state"], done: number) =>
        opts.onProgress?.({ layer: i, layers: layers.length, digest: layers[i].digest, state, done, total: Math.max(layers[i].size, done) });
      const firstUse = new Map<string, number>();
      layers.forEach((l, i) => { checkDigest(l.digest, `layer ${i + 1}`); if (!firstUse.has(l.digest)) firstUse.set(l.digest, i); });
      const tasks = [...firstUse].map(([digest, i]) => async () => {
        const what = `layer ${i + 1}/${layers.length} (${digest})`;
        if (txn.hasBlob(digest)) { report(i, "cached", layers[i].size); return; }
        report(i, "downloading", 0);
        await txn.putBlob(() => client.blob(layers[i], what, (n) => report(i, "downloading", n)), { digest, size: layers[i].size, what });
      });
      await runLimited(tasks, Math.max(1, opts.parallel ?? 3), () => inner.abort());
      const trees: LayerTree[] = [];
      for (let i = 0; i < layers.length; i++) {
        report(i, "unpacking", layers[i].size);
        trees.push(await txn.importLayer(layers[i].digest, config.diffIDs[i], `layer ${i + 1}/${layers.length} (${layers[i].digest})`, trees));
        report(i, "done", layers[i].size);
      }
      await txn.putBlobBytes(doc.bytes, { digest: doc.digest, what: `manifest ${doc.digest}` });
      const image: StoredImage = { id: manifest.config.digest, manifest: doc.digest, tags: [ref.ref] };
      txn.addImage(image);
      return image;
    });
  } catch (e: any) {
    if (opts.signal?.aborted) throw new RegistryError(`${label}: pull aborted`);
    if (e instanceof Error) {
      e.message = `${label}: ${e.message}`;
      throw e;
    }
    throw new RegistryError(`${label}: ${String(e)}`);
  } finally {
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** One line for a terminal: "layer 2/3 sha256:0123456789ab downloading 1.2 MB / 3.4 MB". */
export function describePullProgress(p: PullProgress): string {
  const mb = (n: number) => n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
  const head = `layer ${p.layer + 1}/${p.layers} ${p.digest.slice(7, 19)}`;
  if (p.state === "downloading") return `${head} downloading ${mb(p.done)} / ${mb(p.total)}`;
  if (p.state === "cached") return `${head} already present`;
  return `${head} ${p.state === "unpacking" ? "unpacking" : "done"} (${mb(p.total)})`;
}
