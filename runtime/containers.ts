// Containers kept by `wasl run` without --rm, so `wasl commit` and `wasl export` find them later:
//   $WASL_HOME/containers/<id>/config.json   id, name, image ID, command, created, exit code
//   $WASL_HOME/containers/<id>/diff.tar      the upper tree as an OCI layer diff (whiteouts included)
// Reopening parses the diff back into an upper tree (file bytes in memory: a container's own
// changes, not its image) over the image's shared layers.
import * as fs from "node:fs";
import * as path from "node:path";
import { ImageStore, type Image } from "../images/store.js";
import { Container } from "../images/container.js";
import { TarReader } from "../images/tar.js";
import { buildLayerTree, walkLayer } from "../images/layer.js";
import { readRange } from "../images/host.js";

export interface ContainerRecord {
  id: string;
  name: string;
  /** The image's ID (config digest) and the reference the user gave. */
  image: string;
  imageRef: string;
  command: string[];
  /** ISO time, to the millisecond: the container's init layer has this time (Container.created). */
  created: string;
  exitCode: number | null;
}

export function containersDir(store: ImageStore): string { return path.join(store.root, "containers"); }

/** Every kept container's record, oldest first. */
export function listContainers(store: ImageStore): ContainerRecord[] {
  const dir = containersDir(store);
  if (!fs.existsSync(dir)) return [];
  const out: ContainerRecord[] = [];
  for (const id of fs.readdirSync(dir)) {
    try { out.push(JSON.parse(fs.readFileSync(path.join(dir, id, "config.json"), "utf8"))); } catch { /* partly written: ignore */ }
  }
  return out.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}

/** A container by name, full ID or unique ID prefix; throws when there is none (or several). */
export function findContainer(store: ImageStore, ref: string): ContainerRecord {
  const all = listContainers(store);
  const byName = all.find((c) => c.name === ref);
  if (byName) return byName;
  const byId = all.filter((c) => c.id.startsWith(ref));
  if (byId.length === 1 && ref.length >= 1) return byId[0];
  if (byId.length > 1) throw new Error(`container ${ref} is ambiguous (${byId.length} match)`);
  throw new Error(`no such container: ${ref}`);
}

/** Writes a finished container's changes and record; the directory appears complete or not at all. */
export async function keepContainer(store: ImageStore, c: Container, rec: ContainerRecord): Promise<void> {
  const dir = containersDir(store);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${rec.id}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const fd = fs.openSync(path.join(tmp, "diff.tar"), "w");
  try {
    for await (const chunk of c.diffTar()) {
      for (let o = 0; o < chunk.length;) o += fs.writeSync(fd, chunk, o, chunk.length - o);
    }
  } finally { fs.closeSync(fd); }
  fs.writeFileSync(path.join(tmp, "config.json"), JSON.stringify(rec, null, 1) + "\n");
  fs.renameSync(tmp, path.join(dir, rec.id));
}

/** The upper tree of a kept container, its file bytes read into memory. */
async function readUpper(store: ImageStore, file: string) {
  const tree = await buildLayerTree("sha256:" + "0".repeat(64), new TarReader(readRange(store.host, file)));
  const f = store.host.openRead(file);
  try {
    walkLayer(tree, (_p, n) => {
      if (n.kind !== "file" || !n.content || n.data) return;
      const b = new Uint8Array(n.content.size);
      let o = 0;
      while (o < b.length) {
        const k = f.read(b.subarray(o), n.content.offset + o);
        if (k <= 0) throw new Error(`${file}: truncated`);
        o += k;
      }
      n.data = b;
      n.content = null;
    });
  } finally { f.close(); }
  return tree.root;
}

/** Reopens a kept container (for commit and export), over its init layer as `wasl run` made it. */
export async function openContainer(store: ImageStore, ref: string): Promise<Container> {
  const rec = findContainer(store, ref);
  const image: Image = store.image(rec.image);
  const upper = await readUpper(store, path.join(containersDir(store), rec.id, "diff.tar"));
  return Container.create(store, image, { upper, init: true, created: BigInt(Date.parse(rec.created)) * 1_000_000n });
}

/** Image ID → IDs of kept containers built on it (rmi refuses to remove those without -f). */
export function imagesInUse(store: ImageStore): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of listContainers(store)) m.set(c.image, [...(m.get(c.image) ?? []), c.id]);
  return m;
}

/** Removes a kept container. */
export function removeContainer(store: ImageStore, id: string): void {
  fs.rmSync(path.join(containersDir(store), id), { recursive: true, force: true });
}
