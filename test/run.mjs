// The test entry point (`npm test` builds, then runs this): every test/**/*.test.mjs is an uvu suite
// file run as its own node process, a few at a time. Their output is shown in file order (the first
// unfinished file streams live, later ones are held until it ends). The uvu summaries are summed and
// the very last line printed is `N passed, N failed`; the exit status is 1 if anything failed.
// A file that crashes, or exits non-zero without reporting a failed test, counts as one failure.
//
//   node test/run.mjs [FILTER…]      only files whose path contains one of the FILTER strings
//   WASL_TEST_SUITES=N                how many files run at once (default 2)
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const testDir = fileURLToPath(new URL(".", import.meta.url));
const root = join(testDir, "..");
const PARALLEL = Math.max(1, Number(process.env.WASL_TEST_SUITES || 2));
const FILE_TIMEOUT_MS = Number(process.env.WASL_TEST_FILE_TIMEOUT || 900) * 1000;

function findTestFiles(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTestFiles(p, out);
    else if (name.endsWith(".test.mjs")) out.push(p);
  }
  return out;
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

/** Reads uvu's closing summary ("Total: N", "Passed: N", "Skipped: N"); null if there is none. */
function parseUvuSummary(text) {
  const clean = stripAnsi(text);
  const last = (re) => { const all = [...clean.matchAll(re)]; return all.length ? Number(all[all.length - 1][1]) : null; };
  const total = last(/^\s*Total:\s+(\d+)\s*$/gm), passed = last(/^\s*Passed:\s+(\d+)\s*$/gm), skipped = last(/^\s*Skipped:\s+(\d+)\s*$/gm);
  if (total === null || passed === null) return null;
  return { total, passed, skipped: skipped ?? 0 };
}

const filters = process.argv.slice(2);
const files = findTestFiles(testDir).filter((f) => !filters.length || filters.some((x) => f.includes(x)));

// Output is released in file order: runs[i].chunks are printed once every earlier file is done.
const runs = files.map((file) => ({ file, chunks: [], done: false, result: null }));
let shown = 0;      // index of the file whose output streams live
let flushedChunks = 0;
function flush() {
  while (shown < runs.length) {
    const r = runs[shown];
    while (flushedChunks < r.chunks.length) process.stdout.write(r.chunks[flushedChunks++]);
    if (!r.done) return;
    shown++; flushedChunks = 0;
  }
}

function runFile(run) {
  return new Promise((resolve) => {
    const rel = relative(root, run.file);
    run.chunks.push(`\n━━ ${rel}\n`);
    flush();
    const started = Date.now();
    const child = spawn(process.execPath, [run.file], { cwd: root, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } });
    let text = "", timedOut = false;
    const onData = (b) => { const s = b.toString(); text += s; run.chunks.push(s); flush(); };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, FILE_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const summary = parseUvuSummary(text);
      let passed = 0, failed = 0, skipped = 0, note = "";
      if (summary) { passed = summary.passed; failed = summary.total - summary.passed; skipped = summary.skipped; }
      if (!summary || timedOut || ((code !== 0 || signal) && failed === 0)) {
        failed += 1;
        note = timedOut ? `killed after ${FILE_TIMEOUT_MS / 1000} s` : !summary ? `crashed (exit ${code ?? signal}) before its summary`
          : `exited with ${code ?? signal} without a failed test`;
      }
      run.result = { rel, passed, failed, skipped, note, seconds: (Date.now() - started) / 1000 };
      run.chunks.push(`━━ ${rel}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}` +
        `${note ? ` — ${note}` : ""} (${run.result.seconds.toFixed(1)} s)\n`);
      run.done = true;
      flush();
      resolve();
    });
  });
}

let next = 0;
async function worker() { while (next < runs.length) await runFile(runs[next++]); }
await Promise.all(Array.from({ length: Math.min(PARALLEL, runs.length) }, worker));
flush();

let passed = 0, failed = 0, skipped = 0;
for (const r of runs) { passed += r.result.passed; failed += r.result.failed; skipped += r.result.skipped; }
console.log("");
for (const r of runs) if (r.result.failed) console.log(`failed: ${r.result.rel} (${r.result.failed})${r.result.note ? " — " + r.result.note : ""}`);
if (skipped) console.log(`skipped: ${skipped}`);
if (!runs.length) console.log("no test files matched");
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed || !runs.length ? 1 : 0;
