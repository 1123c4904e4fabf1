// Image references as the CLI accepts them: a stored image `name[:tag]` or `name@sha256:…`, an
// OCI layout `oci:DIR[:TAG]`, a docker-save tarball `docker-archive:FILE`, or a plain path (a
// directory is an OCI layout, a file a docker-save tarball; which one is decided by the loader).

export type ImageReference =
  | { kind: "name"; name: string; tag: string; digest: string | null; /** name:tag (or name@digest) as stored */ ref: string }
  | { kind: "oci"; dir: string; tag: string | null }
  | { kind: "docker-archive"; file: string }
  | { kind: "path"; path: string };

/** Whether the argument is written as a path rather than an image name. */
function looksLikePath(s: string): boolean {
  return s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s === "." || s === ".." || s.startsWith("~/") ||
    /^[A-Za-z]:[\\/]/.test(s) || s.startsWith(".\\") || s.startsWith("..\\") || /\.(tar|tar\.gz|tgz)$/.test(s);
}

/**
 * Docker's short names: "busybox" is "docker.io/library/busybox"; the store keeps the short form,
 * so both spellings find the same image.
 */
export function familiarName(name: string): string {
  if (name.startsWith("docker.io/library/")) return name.slice(18);
  if (name.startsWith("index.docker.io/library/")) return name.slice(24);
  if (name.startsWith("docker.io/")) return name.slice(10);
  return name;
}

const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses `[registry[:port]/]path[:tag][@sha256:hex]`; throws on a malformed name. */
export function parseImageName(s: string): { name: string; tag: string; digest: string | null; ref: string } {
  let rest = s;
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid image reference ${JSON.stringify(s)}: bad digest`);
  }
  let tag = "";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  if (tag && !TAG.test(tag)) throw new Error(`invalid image reference ${JSON.stringify(s)}: bad tag ${JSON.stringify(tag)}`);
  const slash = rest.indexOf("/");
  let path = rest;
  if (slash > 0) {
    const first = rest.slice(0, slash);
    // As in Docker: the first component is a registry when it has a dot, a port, or is localhost.
    if (/[.:]/.test(first) || first === "localhost") {
      if (!DOMAIN.test(first)) throw new Error(`invalid image reference ${JSON.stringify(s)}: bad registry ${JSON.stringify(first)}`);
      path = rest.slice(slash + 1);
    }
  }
  if (!NAME.test(path)) throw new Error(`invalid image reference ${JSON.stringify(s)}: names are lowercase letters, digits and separators`);
  const name = familiarName(rest);
  if (!tag && !digest) tag = "latest";
  return { name, tag, digest, ref: digest && !tag ? `${name}@${digest}` : `${name}:${tag}` };
}

export function parseImageReference(s: string): ImageReference {
  if (s.startsWith("oci:")) {
    const body = s.slice(4);
    // oci:DIR:TAG, as skopeo writes it; a colon inside a Windows drive prefix is not a tag.
    const m = /^(.*?[^\\/:]):([\w][\w.-]{0,127})$/.exec(body);
    if (m && !/^[A-Za-z]$/.test(m[1])) return { kind: "oci", dir: m[1], tag: m[2] };
    return { kind: "oci", dir: body, tag: null };
  }
  if (s.startsWith("docker-archive:")) return { kind: "docker-archive", file: s.slice(15) };
  if (looksLikePath(s)) return { kind: "path", path: s };
  return { kind: "name", ...parseImageName(s) };
}
