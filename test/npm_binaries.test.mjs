// A real Go program from the npm registry, run natively and under wasl: esbuild's static Linux
// binary (a dev dependency of this project) — version, a TypeScript transform through stdin, and
// bundling one of our own modules (goroutines, futexes, epoll, file I/O).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const esbuild = join(root, "node_modules/@esbuild/linux-x64/bin/esbuild");
const wasl = join(root, "bin/wasl.js");

function both(args, input) {
  const opts = { cwd: root, input, encoding: "utf8", timeout: 180_000, maxBuffer: 1 << 26 };
  return { native: spawnSync(esbuild, args, opts), wasl: spawnSync(process.execPath, [wasl, "exec", esbuild, ...args], opts) };
}

const available = existsSync(esbuild);

test("esbuild (Go) --version", () => {
  if (!available) { console.log("  skipped: @esbuild/linux-x64 is not installed"); return; }
  const r = both(["--version"]);
  assert.is(r.wasl.status, r.native.status);
  assert.is(r.wasl.stdout, r.native.stdout);
});

test("esbuild (Go) transforms TypeScript from stdin", () => {
  if (!available) return;
  const r = both(["--loader=ts", "--format=esm"], "enum E { A = 1, B } export const f = (x: number): E => x + E.B;\n");
  assert.is(r.wasl.status, r.native.status, r.wasl.stderr);
  assert.is(r.wasl.stdout, r.native.stdout);
});

test("esbuild (Go) bundles one of our modules to a file", () => {
  if (!available) return;
  const dir = mkdtempSync(join(tmpdir(), "wasl-esbuild-"));
  try {
    const args = (out) => ["runtime/sandbox.ts", "--bundle", "--platform=node", "--format=esm", `--outfile=${join(dir, out)}`, "--log-level=warning"];
    const n = spawnSync(esbuild, args("native.js"), { cwd: root, encoding: "utf8", timeout: 180_000 });
    const w = spawnSync(process.execPath, [wasl, "exec", esbuild, ...args("wasl.js")], { cwd: root, encoding: "utf8", timeout: 180_000 });
    assert.is(w.status, n.status, w.stderr);
    assert.ok(readFileSync(join(dir, "wasl.js")).equals(readFileSync(join(dir, "native.js"))), "the bundles are byte-identical");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
