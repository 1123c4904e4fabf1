// Busybox differential tests: every test/busybox/*.sh runs under Debian's busybox natively and
// under `wasl exec /bin/busybox sh SCRIPT`, each in a fresh empty directory of its own; stdout and
// the exit status must match. Scripts build what they need (test/busybox/tree.inc) in that cwd.
// Runs against the built runtime: WASL_DIST (default dist/).
import { suite } from "uvu";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { guestEnv, describeStatus, firstDifference } from "./lib/run.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(root, process.env.WASL_DIST || "dist");
const cli = pathToFileURL(join(dist, "runtime", "cli.js")).href;
const scriptDir = join(root, "test", "busybox");
const BUSYBOX = "/bin/busybox";
const TIMEOUT_MS = Number(process.env.WASL_TEST_TIMEOUT || 120) * 1000;
const scripts = readdirSync(scriptDir).filter((f) => f.endsWith(".sh")).sort();

function fail(message) {
  const e = new Error(message.split("\n").join("\n    "));
  e.stack = "";
  throw e;
}

function freshDir(name) { return mkdtempSync(join(tmpdir(), `wasl-bb-${name.replace(/\W/g, "_")}-`)); }

function runNative(script) {
  const cwd = freshDir(script);
  try {
    const r = spawnSync(BUSYBOX, ["sh", join(scriptDir, script)], { cwd, env: guestEnv(), timeout: 30000, input: "" });
    return { stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? "", status: r.status ?? 128 + (r.signal ? 9 : 0) };
  } finally { rmSync(cwd, { recursive: true, force: true }); }
}

function runWasl(script) {
  const cwd = freshDir(script);
  const code = `import(${JSON.stringify(cli)}).then((m) => m.main(process.argv.slice(1))).then((c) => process.exit(c))`;
  return new Promise((done) => {
    const out = [], err = [];
    const child = spawn(process.execPath, ["--input-type=module", "-e", code, "exec", BUSYBOX, "sh", join(scriptDir, script)],
      { cwd, env: guestEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, TIMEOUT_MS);
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.stdin.on("error", () => {});
    child.stdin.end();
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      done({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), status: signal ? null : status, timedOut });
    });
  });
}

const test = suite("busybox scripts");
if (!existsSync(BUSYBOX)) {
  console.error(`${BUSYBOX} is not installed: every busybox script is skipped`);
  for (const s of scripts) test.skip(s);
} else {
  for (const script of scripts) {
    test(script, async () => {
      const native = runNative(script);
      if (native.stdout.length === 0) fail(`native run printed nothing (status ${native.status}): ${native.stderr.slice(-400)}`);
      const wasl = await runWasl(script);
      const problems = [];
      if (wasl.timedOut) problems.push(`timed out after ${TIMEOUT_MS / 1000} s`);
      else if (wasl.status !== native.status) problems.push(`exit status: native ${describeStatus(native.status)}, wasl ${describeStatus(wasl.status)}`);
      const diff = firstDifference(native.stdout, wasl.stdout);
      if (diff) problems.push(diff);
      if (problems.length) {
        const tail = wasl.stderr.trim().slice(-1200);
        if (tail) problems.push(`wasl stderr:\n    ${tail.split("\n").join("\n    ")}`);
        fail(problems.join("\n  "));
      }
    });
  }
}
test.run();
