// What the image code needs from the machine it runs on. Nothing under images/ imports node:
// modules except host-node.ts, which implements this for Node; a browser host provides blobs,
// gunzip (DecompressionStream) and sha256 its own way. File operations are synchronous because
// the kernel reads file contents on its synchronous syscall path; only decompression, which Node
// offers as a stream, is asynchronous. Failures throw Error (these are load-time paths, not syscalls).

/** Random access to one stored file (a blob, a cached uncompressed layer). */
export interface RandomAccessFile {
  readonly size: number;
  /** Reads up to buf.length bytes at pos; the count read (0 at end of file). */
  read(buf: Uint8Array, pos: number): number;
  close(): void;
}

/** A file being written front to back. */
export interface FileWriter {
  write(data: Uint8Array): void;
  close(): void;
}

/** Incremental sha256. */
export interface Sha256 {
  update(data: Uint8Array): void;
  /** Lowercase hex of the digest; the hash cannot be updated afterwards. */
  hex(): string;
}

export interface FileInfo {
  kind: "file" | "dir" | "other";
  size: number;
}

export type ByteStream = AsyncIterable<Uint8Array>;

/** One HTTP request of the registry client (GET or HEAD; bodies are never sent). */
export interface HttpRequest {
  method: "GET" | "HEAD";
  url: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A response whose body has not been read yet. Redirects are returned as they are (3xx with a
 * Location header), not followed: the client decides which headers go to the new origin.
 */
export interface HttpResponse {
  status: number;
  /** A header's value, or null (names are case-insensitive). */
  header(name: string): string | null;
  /** The body, once; a connection that breaks midway ends it with an error. */
  body(): ByteStream;
  /** Releases the connection when the body is not wanted. */
  discard(): Promise<void>;
}

export interface ImageHost {
  /** Joins path segments with the host's separator. */
  join(...parts: string[]): string;
  /** Where the store lives when neither the caller nor $WASL_HOME says otherwise. */
  defaultStoreRoot(): string;
  env(name: string): string | undefined;

  stat(path: string): FileInfo | null;
  readFile(path: string): Uint8Array;
  /** Writes a whole file (replacing it). */
  writeFile(path: string, data: Uint8Array): void;
  openRead(path: string): RandomAccessFile;
  openWrite(path: string): FileWriter;
  listDir(path: string): string[];
  mkdirp(path: string): void;
  /** Atomic within one filesystem; replaces the destination. */
  rename(from: string, to: string): void;
  /** Removes a file or a whole directory tree; no error when it does not exist. */
  remove(path: string): void;

  gunzip(source: ByteStream): ByteStream;
  /** Absent when the host cannot decompress zstd; zstd layers then fail with a clear error. */
  zstdDecompress?(source: ByteStream): ByteStream;
  sha256(): Sha256;
  /** Absent on hosts without network access; pulling from a registry then fails with a clear error. */
  http?(req: HttpRequest): Promise<HttpResponse>;
}

/** Streams [start, end) of a stored file in chunks. */
export async function* readRange(host: ImageHost, path: string, start = 0, end = -1, chunkSize = 1 << 20): ByteStream {
  const f = host.openRead(path);
  try {
    const stop = end < 0 ? f.size : Math.min(end, f.size);
    let pos = start;
    while (pos < stop) {
      const buf = new Uint8Array(Math.min(chunkSize, stop - pos));
      const n = f.read(buf, pos);
      if (n <= 0) throw new Error(`${path}: unexpected end of file at byte ${pos} (expected ${stop})`);
      pos += n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    f.close();
  }
}

/** The sha256 of a byte sequence, as "sha256:<hex>". */
export function sha256Digest(host: ImageHost, data: Uint8Array): string {
  const h = host.sha256();
  h.update(data);
  return "sha256:" + h.hex();
}
