// Running a guest natively and under wasl with the same argv, environment and stdin, and comparing
// the two runs: stdout byte for byte and the exit status in the shell's form (128+n for signal n).
import { spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./guests.mjs";

export const waslCli = join(root, "bin", "wasl.js");

/**
 * Node's arguments that run the wasl CLI of WASL_DIST (default dist/; bin/wasl.js always loads
 * dist/) with the given arguments: `spawn(process.execPath, waslNodeArgs("exec", prog))`.
 */
export function waslNodeArgs(...args) {
  const code = `import(${JSON.stringify(cliUrl())}).then((m) => m.main(process.argv.slice(1))).then((c) => process.exit(c))`;
  return ["--input-type=module", "-e", code, ...args];
}

/**
 * Writes a script that runs the same CLI (`node PATH ARGS…`), for callers that need a command line
 * (script(1), a pty) or a first argument node would take for itself (`inspect`). Returns path.
 */
export function writeWaslLauncher(path) {
  writeFileSync(path, `const { main } = await import(${JSON.stringify(cliUrl())});\nprocess.exit(await main(process.argv.slice(2)));\n`);
  return path;
}

function cliUrl() { return pathToFileURL(join(resolve(root, process.env.WASL_DIST || "dist"), "runtime", "cli.js")).href; }

/** Seconds a run under wasl may take before it is killed (WASL_TEST_TIMEOUT overrides). */
export const WASL_TIMEOUT_MS = Number(process.env.WASL_TEST_TIMEOUT || 60) * 1000;
export const NATIVE_TIMEOUT_MS = 20000;
const MAX_OUTPUT = 64 << 20;

/** The environment every guest gets, on both sides: fixed, so runs do not depend on the caller's. */
export function guestEnv(extra = {}) {
  return { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/nonexistent", LANG: "C", TZ: "UTC", ...extra };
}

const SIGNAL_NAMES = Object.fromEntries(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** A process end as the shell reports it: the exit code, or 128+n for death by signal n. */
export function shellStatus(status, signal) {
  if (signal) return 128 + constants.signals[signal];
  return status;
}

/** "139 (SIGSEGV)" for statuses above 128, the number otherwise. */
export function describeStatus(s) {
  if (s === null || s === undefined) return "none";
  return s > 128 && SIGNAL_NAMES[s - 128] ? `${s} (${SIGNAL_NAMES[s - 128]})` : String(s);
}

/** Runs a binary directly on the host. */
export function runNative(binary, { args = [], env = guestEnv(), stdin = "", timeout = NATIVE_TIMEOUT_MS } = {}) {
  const r = spawnSync(binary, args, { input: stdin, env, timeout, maxBuffer: MAX_OUTPUT, killSignal: "SIGKILL" });
  const timedOut = r.error?.code === "ETIMEDOUT";
  return {
    stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr ?? Buffer.alloc(0),
    status: timedOut || (r.error && r.status === null && !r.signal) ? null : shellStatus(r.status, r.signal),
    timedOut, error: r.error && !timedOut ? r.error.message : null,
  };
}

/**
 * Runs a binary under wasl (`node bin/wasl.js exec BINARY ARGS…`). The CLI passes its own
 * environment to the guest, so the guest environment is the child's environment. Resolves, never
 * rejects; a run over the time limit is killed and reported as timedOut.
 */
export function runWasl(binary, { args = [], env = guestEnv(), stdin = "", timeout = WASL_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const out = [], err = [];
    let timedOut = false, settled = false;
    const child = spawn(process.execPath, [waslCli, "exec", binary, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, timeout);
    const finish = (result) => { if (settled) return; settled = true; clearTimeout(timer); resolve(result); };
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("error", (e) => finish({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status: null, timedOut, error: `could not start: ${e.message}` }));
    // The CLI reports a guest's death by signal n as exit status 128+n; the node process itself
    // dying of a signal is a host-side crash, which must not pass for the guest's signal.
    child.on("close", (code, signal) => finish({
      stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut,
      error: signal && !timedOut ? `the wasl (node) process itself died of ${signal}` : null,
      status: signal ? null : code,
    }));
    child.stdin.on("error", () => {});  // the guest may exit without reading its stdin
    child.stdin.end(stdin);
  });
}

function tail(buf, n = 1200) {
  const s = buf.toString("utf8");
  return s.length > n ? "…" + s.slice(-n) : s;
}

/** Where two outputs first differ, with a few lines of context from each. */
export function firstDifference(expected, actual) {
  const n = Math.min(expected.length, actual.length);
  let i = 0;
  while (i < n && expected[i] === actual[i]) i++;
  if (i === n && expected.length === actual.length) return null;
  const line = expected.subarray(0, i).toString("latin1").split("\n").length;
  const lineStart = expected.lastIndexOf(0x0a, i - 1) + 1;
  const show = (b) => {
    const end = b.indexOf(0x0a, i);
    return JSON.stringify(b.subarray(lineStart, end < 0 ? Math.min(b.length, i + 200) : Math.min(end, i + 200)).toString("utf8"));
  };
  return `stdout differs at byte ${i} (line ${line}); native ${expected.length} bytes, wasl ${actual.length} bytes\n` +
    `    native: ${show(expected)}\n    wasl:   ${show(actual)}`;
}

/** null when the wasl run matches the native one, else a message that says how and shows wasl's stderr. */
export function compareRuns(native, wasl) {
  const problems = [];
  if (wasl.error) problems.push(`wasl: ${wasl.error}`);
  if (wasl.timedOut) problems.push(`wasl run timed out after ${WASL_TIMEOUT_MS / 1000} s`);
  if (!wasl.timedOut && native.status !== wasl.status)
    problems.push(`exit status: native ${describeStatus(native.status)}, wasl ${describeStatus(wasl.status)}`);
  const diff = firstDifference(native.stdout, wasl.stdout);
  if (diff) problems.push(diff);
  if (!problems.length) return null;
  const stderr = tail(wasl.stderr).trim();
  if (stderr) problems.push(`wasl stderr:\n    ${stderr.split("\n").join("\n    ")}`);
  return problems.join("\n  ");
}
