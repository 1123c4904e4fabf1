// The README's library example runs as written (it imports "wasl", the package's own entry) and
// prints what its comments say.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const hasBusybox = spawnSync("sh", ["-c", "test -x /bin/busybox || test -x /usr/bin/busybox"]).status === 0;

test("the README's Sandbox example prints what its comments promise", () => {
  if (!hasBusybox) { console.log("  skipped: busybox-static is not installed (the example's default image is built from it)"); return; }
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const m = readme.match(/<!-- example: sandbox[^>]*-->\n```js\n([\s\S]*?)```/);
  assert.ok(m, "the README has the marked example block");
  const code = m[1];
  // Expected output: the text after `// ` on each console.log line.
  const expected = code.split("\n").filter((l) => l.startsWith("console.log(")).map((l) => l.replace(/^.*\/\/ /, "").replace(/\s+\(.*\)$/, ""));
  const dir = join(root, "test", ".cache");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "readme-example.mjs");
  writeFileSync(file, code);
  const home = mkdtempSync(join(tmpdir(), "wasl-home-"));
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: "utf8", env: { ...process.env, WASL_HOME: home }, timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split("\n"), expected);
});

test.run();
