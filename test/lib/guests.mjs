// The C test guests (test/guest/*.c): their metadata, and building each one three ways into a
// content-addressed cache (test/.cache/<sha256>/NAME.<variant>) so reruns do not recompile.
//
// A guest declares how it is run in `//!` comment lines at the top of its source:
//   //! args: ["one", "two words"]      argv[1..] (JSON array)
//   //! env: {"NAME": "value"}          added to the fixed base environment (JSON object)
//   //! stdin: "text\n"                 bytes fed to stdin (JSON string); empty by default
//   //! status: 134                     the status a native run must end with (shell form: 128+n for signal n)
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const guestDir = join(root, "test", "guest");
export const cacheDir = join(root, "test", ".cache");

/** The ways every guest is built: the three static forms the issue asks for, and plain dynamic
 *  gcc (the host's ld.so and libc.so run under wasl too). */
export const VARIANTS = [
  { name: "glibc", label: "gcc -O2 -static", cc: "gcc", flags: ["-O2", "-static"] },
  { name: "glibc-dyn", label: "gcc -O2 (dynamic)", cc: "gcc", flags: ["-O2"] },
  { name: "glibc-pie", label: "gcc -O2 -static-pie", cc: "gcc", flags: ["-O2", "-static-pie"] },
  { name: "musl", label: "musl-gcc -O2 -static", cc: "musl-gcc", flags: ["-O2", "-static"] },
];

/** Every guest source with its run metadata, sorted by name. */
export function listGuests() {
  return readdirSync(guestDir).filter((f) => f.endsWith(".c")).sort().map((f) => {
    const path = join(guestDir, f);
    const source = readFileSync(path, "utf8");
    const meta = { args: [], env: {}, stdin: "", status: 0 };
    for (const m of source.matchAll(/^\/\/!\s*(\w+):\s*(.*)$/gm)) {
      const [, key, value] = m;
      if (!(key in meta)) throw new Error(`${f}: unknown //! key '${key}'`);
      try { meta[key] = JSON.parse(value); } catch { throw new Error(`${f}: //! ${key} is not valid JSON: ${value}`); }
    }
    // Local headers (#include "x.h") are part of what the binary is built from, so of its cache key.
    const headers = [...source.matchAll(/^#include "([^"]+)"/gm)].map((m) => readFileSync(join(guestDir, m[1]), "utf8")).join("\0");
    return { name: f.slice(0, -2), path, source, headers, ...meta };
  });
}

const fingerprints = new Map();

/**
 * What identifies a compiler for the cache key: its version text, the wrapper script if it is one
 * (musl-gcc is a shell script around gcc with a specs file), and the libc.a it links. Returns null
 * when the compiler is not installed.
 */
export function compilerFingerprint(variant) {
  const key = variant.cc + " " + variant.flags.join(" ");
  if (fingerprints.has(key)) return fingerprints.get(key);
  let fp = null;
  const v = spawnSync(variant.cc, ["--version"], { encoding: "utf8" });
  if (!v.error && v.status === 0) {
    const parts = [v.stdout];
    const which = spawnSync("sh", ["-c", `command -v ${variant.cc}`], { encoding: "utf8" }).stdout?.trim();
    let libc = null;
    if (which) {
      const real = realpathSync(which);
      parts.push(real);
      const head = readFileSync(real).subarray(0, 4096);
      if (head.subarray(0, 2).toString() === "#!") {
        const script = readFileSync(real, "utf8");
        parts.push(script);
        const specs = script.match(/-specs\s+"?([^"\s]+)"?/);
        if (specs && existsSync(specs[1])) { parts.push(readFileSync(specs[1], "utf8")); libc = join(dirname(specs[1]), "libc.a"); }
      }
    }
    if (!libc) libc = spawnSync(variant.cc, [...variant.flags, "-print-file-name=libc.a"], { encoding: "utf8" }).stdout?.trim();
    if (libc && existsSync(libc)) { const st = statSync(libc); parts.push(`${realpathSync(libc)} ${st.size} ${st.mtimeMs}`); }
    fp = parts.join("\n");
  }
  fingerprints.set(key, fp);
  return fp;
}

/** The cached binary's path for a guest and variant (whether or not it has been built yet). */
export function binaryPath(guest, variant) {
  const fp = compilerFingerprint(variant);
  const h = createHash("sha256");
  h.update(guest.source); h.update("\0"); h.update(guest.headers ?? ""); h.update("\0"); h.update(variant.cc + " " + variant.flags.join(" ")); h.update("\0"); h.update(fp || "missing");
  return join(cacheDir, h.digest("hex"), `${guest.name}.${variant.name}`);
}

/**
 * Builds one guest (or finds it in the cache). Resolves to { path } or { error } — never rejects,
 * so a build started early cannot become an unhandled rejection.
 */
export function buildGuest(guest, variant) {
  const fp = compilerFingerprint(variant);
  if (!fp) return Promise.resolve({ error: `${variant.cc} is not installed; the ${variant.label} variant is skipped` });
  const out = binaryPath(guest, variant);
  if (existsSync(out)) return Promise.resolve({ path: out, cached: true });
  mkdirSync(dirname(out), { recursive: true });
  // Build under a temporary name and rename, so a concurrent run never sees half a binary.
  const tmp = `${out}.tmp${process.pid}`;
  const args = [...variant.flags, "-w", "-o", tmp, guest.path, "-lm"];
  return new Promise((resolve) => {
    execFile(variant.cc, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) {
        rmSync(tmp, { force: true });
        resolve({ error: `${variant.cc} ${args.join(" ")} failed:\n${stderr || err.message}` });
        return;
      }
      renameSync(tmp, out);
      resolve({ path: out, cached: false });
    });
  });
}
