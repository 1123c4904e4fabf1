// The command line's compiled-code cache (runtime/host/codecache.ts): dist/runtime/cli.js compiles
// the CLI bundle through V8's code cache kept in the user's cache directory. The cache may only
// ever make a start quicker: these runs check that it is written, used as it is, replaced when it
// is damaged or belongs to another bundle, and never needed for a correct answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createHash } from "node:crypto";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { waslNodeArgs } from "./lib/run.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(resolve(repo, process.env.WASL_DIST || "dist"), "runtime", "cli.bundle.cjs");
const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-codecache-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));

const DIGEST = 20;
const sha1 = (b) => createHash("sha1").update(b).digest();

/** `wasl syscalls` (the "cli" cache) with XDG_CACHE_HOME at cacheHome; its output and status. */
function syscalls(cacheHome, env = {}) {
  const r = spawnSync(process.execPath, waslNodeArgs("syscalls"), {
    env: { ...process.env, HOME: work, XDG_CACHE_HOME: cacheHome, ...env }, encoding: "utf8",
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
const codeDir = (cacheHome) => join(cacheHome, "wasl", "code");
const cacheFiles = (cacheHome) => (fs.existsSync(codeDir(cacheHome)) ? fs.readdirSync(codeDir(cacheHome)) : []);

const reference = syscalls(join(work, "none"), { WASL_CODE_CACHE: "0" });

test("without a cache directory the command works and writes nothing", () => {
  assert.is(reference.status, 0, reference.stderr);
  assert.match(reference.stdout, /\d+ full, \d+ partial, \d+ ENOSYS\n$/);
  assert.equal(cacheFiles(join(work, "none")), []);
});

test("the first run writes the cache, keyed by the bundle's digest; the next uses it unchanged", () => {
  const home = join(work, "a");
  const first = syscalls(home);
  assert.is(first.stdout, reference.stdout);
  const files = cacheFiles(home);
  assert.is(files.length, 1);
  assert.match(files[0], /-cli\.bin$/);
  const file = join(codeDir(home), files[0]);
  const written = fs.readFileSync(file);
  assert.ok(written.subarray(0, DIGEST).equals(sha1(fs.readFileSync(bundle))), "starts with the bundle's digest");
  assert.ok(written.subarray(DIGEST, 2 * DIGEST).equals(sha1(written.subarray(2 * DIGEST))), "then the payload's");
  assert.ok(written.length > 2 * DIGEST + 1000);
  const second = syscalls(home);
  assert.is(second.stdout, reference.stdout);
  // Accepted as it was: not rewritten (a rejected or unreadable cache is written anew).
  assert.ok(fs.readFileSync(file).equals(written));
});

test("a damaged cache is not used, and is replaced", () => {
  const home = join(work, "b");
  syscalls(home);
  const file = join(codeDir(home), cacheFiles(home)[0]);
  const good = fs.readFileSync(file);
  const bad = Buffer.from(good);
  for (let i = 2 * DIGEST + 100; i < bad.length; i += 997) bad[i] ^= 0x5a;
  fs.writeFileSync(file, bad);
  const r = syscalls(home);
  assert.is(r.stdout, reference.stdout);
  const now = fs.readFileSync(file);
  assert.not.ok(now.equals(bad), "the damaged file was replaced");
  assert.ok(now.subarray(DIGEST, 2 * DIGEST).equals(sha1(now.subarray(2 * DIGEST))));
});

test("a cache made for another bundle is not used, and is replaced", () => {
  const home = join(work, "c");
  syscalls(home);
  const file = join(codeDir(home), cacheFiles(home)[0]);
  const other = Buffer.from(fs.readFileSync(file));
  other[0] ^= 1; // the digest of some other bundle
  fs.writeFileSync(file, other);
  assert.is(syscalls(home).stdout, reference.stdout);
  assert.ok(fs.readFileSync(file).subarray(0, DIGEST).equals(sha1(fs.readFileSync(bundle))));
});

test("an unwritable cache directory costs nothing but the cache", () => {
  const home = join(work, "d");
  fs.mkdirSync(join(home, "wasl"), { recursive: true });
  fs.writeFileSync(codeDir(home), "not a directory");
  const r = syscalls(home);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, reference.stdout);
  assert.is(r.stderr, "");
});

test.run();
