// The host's C toolchain run under wasl: gcc's driver forks and execs cc1, as and collect2/ld,
// talks to them through pipes and temporary files, and cc1 is a large program whose hot loops the
// JIT compiles. The binary it produces must be byte for byte the one the same gcc makes natively.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wasl = join(root, "bin/wasl.js");
const gcc = "/usr/bin/gcc";

test("gcc -O2 under wasl builds the same binary as natively", () => {
  if (!existsSync(gcc)) { console.log("  skipped: no /usr/bin/gcc"); return; }
  const dir = mkdtempSync(join(tmpdir(), "wasl-gcc-"));
  try {
    copyFileSync(join(root, "test/guest/sha256.c"), join(dir, "sha256.c"));
    const opts = { cwd: dir, encoding: "utf8", timeout: 300_000 };
    const n = spawnSync(gcc, ["-O2", "sha256.c", "-o", "native"], opts);
    assert.is(n.status, 0, n.stderr);
    const w = spawnSync(process.execPath, [wasl, "exec", gcc, "-O2", "sha256.c", "-o", "wasl"], opts);
    assert.is(w.stderr, "");
    assert.is(w.status, 0);
    assert.ok(readFileSync(join(dir, "wasl")).equals(readFileSync(join(dir, "native"))), "the two binaries differ");
    // and what it built runs
    const r = spawnSync(join(dir, "wasl"), [], { encoding: "utf8" });
    assert.is(r.stdout, spawnSync(join(dir, "native"), [], { encoding: "utf8" }).stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
