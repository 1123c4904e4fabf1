// The image-management commands of `wasl`, after their docker namesakes: load, images, rmi, pull,
// inspect, commit and export. Each resolves to an exit status; wasl's own failures (a bad archive,
// a digest mismatch, an unknown image or container) print one line and exit 125, as docker does.
// Progress lines go to stderr and only when it is a terminal; stdout carries the result alone so
// scripts can read it (`id=$(wasl commit c img)`, `wasl export c > rootfs.tar`).
import * as fs from "node:fs";
import {
  ImageStore, loadImage, pullImage, describePullProgress, parseImageReference, parseImageName,
  type Container, type StoredImage, type ImageHost, type PullProgress,
} from "../images/index.js";
import { nodeImageHost } from "../images/host-node.js";

/** The commands this file implements, for the CLI's router and usage text. */
export const IMAGE_USAGE = `       wasl load [-q] [-t NAME[:TAG]] FILE|DIR   import a docker-save tarball or an OCI layout
       wasl images [-q] [--no-trunc]             list stored images
       wasl rmi IMAGE...                         untag/remove images (only unreferenced blobs are deleted)
       wasl pull [-q] [--insecure] NAME[:TAG]    fetch an image from a registry
       wasl inspect IMAGE...                     the image config as JSON
       wasl commit CONTAINER [NAME[:TAG]]        a container's changes as a new image
       wasl export [-o FILE] CONTAINER           a container's file system as a tar`;

/** Exit status of a failure of wasl itself (not of a guest, not of the command line). */
export const EXIT_WASL_ERROR = 125;
const EXIT_USAGE = 2;

/** A failure to report as one line and exit 125. */
class CommandError extends Error {}

/**
 * How `wasl commit`/`wasl export` reach a container kept by `wasl run` (without --rm). The run
 * command owns the on-disk format under $WASL_HOME/containers/<id>; it hands this file a resolver.
 */
export type ContainerResolver = (store: ImageStore, ref: string) => Promise<Container>;

export interface ImageCommandContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  host?: ImageHost;
  /** The store root; default $WASL_HOME or the user's cache directory. */
  storeRoot?: string;
  openContainer?: ContainerResolver;
  /** Image IDs some kept container is built on (they cannot be removed without -f). */
  imagesInUse?: (store: ImageStore) => Map<string, string[]>;
}

// ---- argument parsing ----

interface FlagSpec { [flag: string]: "bool" | "value" }

/** Splits flags (from spec, -x or --long, --long=value) from operands; `--` ends flags. */
function parseFlags(args: string[], spec: FlagSpec, cmd: string): { flags: Map<string, string | true>; operands: string[] } {
  const flags = new Map<string, string | true>();
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") { operands.push(...args.slice(i + 1)); break; }
    if (!a.startsWith("-") || a === "-") { operands.push(a); continue; }
    const eq = a.indexOf("=");
    const name = eq > 0 && a.startsWith("--") ? a.slice(0, eq) : a;
    const kind = spec[name];
    if (!kind) throw new UsageError(`wasl ${cmd}: unknown option ${a}`);
    if (kind === "bool") flags.set(name, true);
    else if (eq > 0 && a.startsWith("--")) flags.set(name, a.slice(eq + 1));
    else if (i + 1 < args.length) flags.set(name, args[++i]);
    else throw new UsageError(`wasl ${cmd}: option ${a} needs a value`);
  }
  return { flags, operands };
}

class UsageError extends Error {}

const flag = (flags: Map<string, string | true>, ...names: string[]) => names.some((n) => flags.has(n));
const flagValue = (flags: Map<string, string | true>, ...names: string[]): string | undefined => {
  for (const n of names) { const v = flags.get(n); if (typeof v === "string") return v; }
  return undefined;
};

// ---- presentation ----

/** Docker's short image ID: the first 12 hex digits of the config digest. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** Docker's size style: decimal units, three significant digits ("5.59MB", "824kB", "0B"). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes, u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  const s = u === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.replace(/\.0+$|(\.\d*[1-9])0+$/, "$1") + units[u];
}

/** Columns padded to their widest cell, three spaces apart, like docker's tables. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3)).join("").trimEnd()).join("\n") + "\n";
}

/** "name:tag" → ["name", "tag"]; "name@sha256:…" → ["name", "<none>"]. */
function splitTag(ref: string): [string, string] {
  const at = ref.indexOf("@");
  if (at >= 0) return [ref.slice(0, at), "<none>"];
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, "latest"];
}

// ---- the commands ----

class ImageCommands {
  private storeCache: ImageStore | null = null;
  readonly host: ImageHost;

  constructor(readonly ctx: ImageCommandContext) {
    this.host = ctx.host ?? nodeImageHost();
  }

  get store(): ImageStore {
    return this.storeCache ??= ImageStore.open(this.host, this.ctx.storeRoot);
  }

  private out(s: string): void { this.ctx.stdout.write(s); }

  /** A progress printer for stderr when it is a terminal (one line rewritten in place), else null. */
  private progressLine(): { line: (s: string) => void; end: () => void } | null {
    const err = this.ctx.stderr;
    if (!err.isTTY) return null;
    let shown = false;
    return {
      line: (s) => { err.write(`\r\x1b[2K${s.slice(0, ((err as any).columns ?? 80) - 1)}`); shown = true; },
      end: () => { if (shown) err.write("\r\x1b[2K"); shown = false; },
    };
  }

  /** Size of an image: the uncompressed bytes of its layers (a layer shared with others counts fully). */
  private imageSize(id: string): { layers: number; size: number } {
    const im = this.store.image(id);
    let size = 0;
    for (const l of im.layers) size += this.host.stat(this.store.layerTarPath(l.diffID))?.size ?? 0;
    return { layers: im.layers.length, size };
  }

  async load(args: string[]): Promise<number> {
    const { flags, operands } = parseFlags(args, { "-q": "bool", "--quiet": "bool", "-t": "value", "--tag": "value", "-i": "value", "--input": "value" }, "load");
    const input = flagValue(flags, "-i", "--input");
    const sources = input ? [input, ...operands] : operands;
    if (sources.length !== 1) throw new UsageError("wasl load: expects one FILE (a docker save tarball) or DIR (an OCI layout)");
    const src = sources[0];
    const name = flagValue(flags, "-t", "--tag");
    if (name) parseImageName(name); // a bad name fails before any work
    // Every operand is a file or directory here (`wasl load img`), never a stored image name as in `run`.
    const resolved = /^(oci|docker-archive):/.test(src) ? parseImageReference(src) : { kind: "path" as const, path: src };
    if (resolved.kind === "path" && !this.host.stat(resolved.path)) throw new CommandError(`${src}: no such file or directory`);
    const progress = flag(flags, "-q", "--quiet") ? null : this.progressLine();
    const t0 = performance.now();
    let loaded: StoredImage[];
    try {
      loaded = await loadImage(this.store, resolved, { name, progress: progress?.line });
    } finally {
      progress?.end();
    }
    if (loaded.length === 0) throw new CommandError(`${src} holds no linux/amd64 image`);
    for (const im of loaded) {
      if (im.tags.length) for (const t of im.tags) this.out(`Loaded image: ${t}\n`);
      else this.out(`Loaded image ID: ${im.id}\n`);
    }
    if (progress) this.ctx.stderr.write(`loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
    return 0;
  }

  images(args: string[]): number {
    const { flags, operands } = parseFlags(args, { "-q": "bool", "--quiet": "bool", "--no-trunc": "bool" }, "images");
    if (operands.length > 1) throw new UsageError("wasl images: at most one REPOSITORY[:TAG] filter");
    const full = flag(flags, "--no-trunc");
    const id = (d: string) => full ? d : shortId(d);
    let rows: { repo: string; tag: string; image: StoredImage }[] = [];
    for (const im of this.store.list()) {
      if (im.tags.length === 0) rows.push({ repo: "<none>", tag: "<none>", image: im });
      for (const t of im.tags) { const [repo, tag] = splitTag(t); rows.push({ repo, tag, image: im }); }
    }
    if (operands.length) {
      const want = operands[0];
      const [repo, tag] = want.includes(":") ? splitTag(want) : [want, null];
      rows = rows.filter((r) => r.repo === repo && (tag === null || r.tag === tag));
    }
    rows.sort((a, b) => (a.repo === "<none>" ? 1 : 0) - (b.repo === "<none>" ? 1 : 0) || a.repo.localeCompare(b.repo) || a.tag.localeCompare(b.tag) || a.image.id.localeCompare(b.image.id));
    if (flag(flags, "-q", "--quiet")) {
      this.out([...new Set(rows.map((r) => id(r.image.id)))].map((s) => s + "\n").join(""));
      return 0;
    }
    const sizes = new Map<string, { layers: number; size: number }>();
    const cells = [["REPOSITORY", "TAG", "IMAGE ID", "LAYERS", "SIZE"]];
    for (const r of rows) {
      let s = sizes.get(r.image.id);
      if (!s) sizes.set(r.image.id, s = this.imageSize(r.image.id));
      cells.push([r.repo, r.tag, id(r.image.id), String(s.layers), humanSize(s.size)]);
    }
    this.out(table(cells));
    return 0;
  }

  rmi(args: string[]): number {
    const { flags, operands } = parseFlags(args, { "-f": "bool", "--force": "bool" }, "rmi");
    if (!operands.length) throw new UsageError("wasl rmi: name at least one IMAGE");
    const force = flag(flags, "-f", "--force");
    let failed = false;
    for (const ref of operands) {
      try {
        const im = this.store.find(ref);
        if (!im) throw new CommandError(`no such image: ${ref}`);
        const users = this.ctx.imagesInUse?.(this.store).get(im.id) ?? [];
        const untagOnly = im.tags.length > 1 && im.tags.includes(safeRef(ref) ?? "");
        if (users.length && !force && !untagOnly)
          throw new CommandError(`image ${ref} (${shortId(im.id)}) is used by container ${users.map(shortId).join(", ")}; remove it first or use -f`);
        const removed = this.store.remove(ref);
        const after = this.store.list().find((x) => x.manifest === im.manifest);
        const gone = after ? im.tags.filter((t) => !after.tags.includes(t)) : im.tags;
        for (const t of gone) this.out(`Untagged: ${t}\n`);
        if (!after) this.out(`Deleted: ${im.id}\n`);
        for (const d of removed) if (d !== im.id) this.out(`Deleted blob: ${d}\n`);
      } catch (e) {
        // One bad name does not stop the others, as with docker rmi; the status says something failed.
        this.ctx.stderr.write(`wasl rmi: ${(e as Error).message}\n`);
        failed = true;
      }
    }
    return failed ? EXIT_WASL_ERROR : 0;
  }

  async pull(args: string[]): Promise<number> {
    const { flags, operands } = parseFlags(args, { "-q": "bool", "--quiet": "bool", "--insecure": "bool" }, "pull");
    if (operands.length !== 1) throw new UsageError("wasl pull: expects one NAME[:TAG|@DIGEST]");
    const progress = flag(flags, "-q", "--quiet") ? null : this.progressLine();
    let im: StoredImage;
    try {
      im = await pullImage(this.store, operands[0], {
        insecure: flag(flags, "--insecure"),
        onProgress: progress ? (p: PullProgress) => progress.line(describePullProgress(p)) : undefined,
      });
    } finally {
      progress?.end();
    }
    // Like `docker pull -q`: the reference pulled, on stdout, and nothing else.
    this.out(`${im.tags[0] ?? im.id}\n`);
    return 0;
  }

  inspect(args: string[]): number {
    const { operands } = parseFlags(args, {}, "inspect");
    if (!operands.length) throw new UsageError("wasl inspect: name at least one IMAGE");
    const docs = operands.map((ref) => {
      const found = this.store.find(ref);
      if (!found) throw new CommandError(`no such image: ${ref}`);
      const im = this.store.image(found.id);
      const config = JSON.parse(new TextDecoder().decode(this.store.readBlob(im.manifestDoc.config.digest)));
      const { size } = this.imageSize(im.id);
      return {
        Id: im.id, RepoTags: im.tags, Manifest: im.manifest,
        Created: config.created ?? "", Architecture: config.architecture ?? "", Os: config.os ?? "",
        Config: config.config ?? {}, RootFS: config.rootfs ?? {},
        Layers: im.layers.map((l) => ({ Digest: l.digest, DiffID: l.diffID, MediaType: l.mediaType, Size: l.size })),
        Size: size,
      };
    });
    this.out(JSON.stringify(docs, null, 4) + "\n");
    return 0;
  }

  private async container(ref: string): Promise<Container> {
    if (!this.ctx.openContainer) throw new CommandError(`containers are not kept by this build of wasl (no container ${ref})`);
    return this.ctx.openContainer(this.store, ref);
  }

  async commit(args: string[]): Promise<number> {
    const { flags, operands } = parseFlags(args, { "-m": "value", "--message": "value" }, "commit");
    if (operands.length < 1 || operands.length > 2) throw new UsageError("wasl commit: expects CONTAINER [NAME[:TAG]]");
    const [cref, tag] = operands;
    if (tag) parseImageName(tag);
    const c = await this.container(cref);
    const im = await c.commit({ tag, createdBy: flagValue(flags, "-m", "--message") ?? "wasl commit" });
    this.out(`${im.id}\n`);
    return 0;
  }

  async export(args: string[]): Promise<number> {
    const { flags, operands } = parseFlags(args, { "-o": "value", "--output": "value" }, "export");
    if (operands.length !== 1) throw new UsageError("wasl export: expects one CONTAINER");
    const file = flagValue(flags, "-o", "--output");
    if (!file && this.ctx.stdout.isTTY) throw new CommandError("refusing to write a tar to a terminal: redirect stdout or use -o FILE");
    const c = await this.container(operands[0]);
    if (file) {
      const tmp = `${file}.wasl-tmp-${process.pid}`;
      const fd = fs.openSync(tmp, "w");
      try {
        for await (const chunk of c.exportTar()) fs.writeSync(fd, chunk);
        fs.closeSync(fd);
        fs.renameSync(tmp, file);
      } catch (e) {
        try { fs.closeSync(fd); } catch { /* closed */ }
        fs.rmSync(tmp, { force: true });
        throw e;
      }
    } else {
      // A reader that goes away (`wasl export c | head`) ends the export with an error, not a crash.
      let broken: Error | null = null;
      const onError = (e: Error) => { broken = e; };
      this.ctx.stdout.on("error", onError);
      try {
        for await (const chunk of c.exportTar()) {
          await writeAll(this.ctx.stdout, chunk);
          if (broken) break;
        }
      } finally {
        this.ctx.stdout.off("error", onError);
      }
      if (broken) throw new CommandError(`writing the tar: ${(broken as Error).message}`);
    }
    return 0;
  }
}

function safeRef(ref: string): string | null {
  try { return parseImageName(ref).ref; } catch { return null; }
}

/** Writes with backpressure, so a big export to a pipe does not pile up in memory. */
function writeAll(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    // Errors arrive as the stream's "error" event (the caller listens); a write never hangs on one.
    const ok = stream.write(chunk, (e) => { if (e) resolve(); });
    if (ok) resolve();
    else stream.once("drain", resolve);
  });
}

/**
 * Runs one image command (`cmd` is one of cli.ts's IMAGE_COMMANDS); resolves to the exit status. Errors of
 * wasl's own become one line on stderr and status 125; usage errors status 2.
 */
export async function runImageCommand(cmd: string, args: string[], ctx: ImageCommandContext): Promise<number> {
  const c = new ImageCommands(ctx);
  try {
    switch (cmd) {
      case "load": return await c.load(args);
      case "images": return c.images(args);
      case "rmi": return c.rmi(args);
      case "pull": return await c.pull(args);
      case "inspect": return c.inspect(args);
      case "commit": return await c.commit(args);
      case "export": return await c.export(args);
    }
    throw new UsageError(`wasl: unknown command ${cmd}`);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`${e.message}\n${IMAGE_USAGE}\n`);
      return EXIT_USAGE;
    }
    const msg = ((e as Error)?.message ?? String(e)).split("\n")[0];
    ctx.stderr.write(`wasl ${cmd}: ${msg}\n`);
    if (process.env.WASL_DEBUG) ctx.stderr.write(`${(e as Error)?.stack}\n`);
    return EXIT_WASL_ERROR;
  } finally {
    c["storeCache"]?.close();
  }
}
