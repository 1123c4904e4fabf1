// Busybox differential tests: every test/busybox/*.sh runs under Debian's busybox natively and
// under `wasl exec /bin/busybox sh SCRIPT`, each in a fresh empty directory of its own; stdout and
// the exit status must match. Scripts build what they need (test/busybox/tree.inc) in that cwd.
// Runs against the built runtime: WASL_DIST (default dist/).
import { suite } from "uvu";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { guestEnv, describeStatus, firstDifference, waslNodeArgs } from "./lib/run.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
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

function runWasl(script) { return runCommand([BUSYBOX, "sh", join(scriptDir, script)], freshDir(script)); }

/** Runs argv under `wasl exec` in cwd (removed afterwards when given). */
function runCommand(argv, cwd) {
  return new Promise((done) => {
    const out = [], err = [];
    const child = spawn(process.execPath, waslNodeArgs("exec", ...argv),
      { cwd, env: guestEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, TIMEOUT_MS);
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.stdin.on("error", () => {});
    child.stdin.end();
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (cwd) rmSync(cwd, { recursive: true, force: true });
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
      // Every call these scripts make is implemented: the kernel's "unimplemented syscall" notice must not appear.
      const missing = wasl.stderr.split("\n").filter((l) => l.startsWith("wasl: unimplemented syscall"));
      if (missing.length) problems.push(`wasl reported: ${[...new Set(missing)].join("; ")}`);
      if (problems.length) {
        const tail = wasl.stderr.trim().slice(-1200);
        if (tail) problems.push(`wasl stderr:\n    ${tail.split("\n").join("\n    ")}`);
        fail(problems.join("\n  "));
      }
    });
  }
}
// glibc's user lookups (ls -l, id) first try nscd over an AF_UNIX socket (socket + connect to
// /var/run/nscd/socket, ENOENT here) before reading /etc/passwd: that must not reach ENOSYS.
for (const argv of [["/bin/ls", "-l", "/bin/busybox"], ["/usr/bin/id", "root"]]) {
  const name = `${argv.join(" ")} (nscd lookup over AF_UNIX)`;
  if (!existsSync(argv[0])) { test.skip(name); continue; }
  test(name, async () => {
    const native = spawnSync(argv[0], argv.slice(1), { env: guestEnv() });
    const wasl = await runCommand(argv);
    const problems = [];
    const diff = firstDifference(native.stdout, wasl.stdout);
    if (diff) problems.push(diff);
    if (wasl.status !== native.status) problems.push(`exit status: native ${describeStatus(native.status)}, wasl ${describeStatus(wasl.status)}`);
    if (wasl.stderr.includes("unimplemented syscall")) problems.push(`wasl stderr: ${wasl.stderr.trim()}`);
    if (problems.length) fail(problems.join("\n  "));
  });
}
test.run();
