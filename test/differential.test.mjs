// Differential tests: every C guest in test/guest, built three ways, runs natively (the oracle) and
// under wasl with the same argv, environment and stdin; stdout and the exit status must match exactly.
import { suite } from "uvu";
import { VARIANTS, listGuests, buildGuest, compilerFingerprint } from "./lib/guests.mjs";
import { runNative, runWasl, guestEnv, compareRuns, describeStatus, waslCli } from "./lib/run.mjs";
import { existsSync } from "node:fs";

const JOBS = Math.max(1, Number(process.env.WASL_TEST_JOBS || 2));
// WASL_DIFF_GUESTS=a,b: only these guests. WASL_DIFF_JIT=N: the wasl runs get WASL_JIT=N (their
// environment is the guest's, so the native run sees the same variable).
const only = process.env.WASL_DIFF_GUESTS ? new Set(process.env.WASL_DIFF_GUESTS.split(",")) : null;
const guests = listGuests().filter((g) => !only || only.has(g.name));
const jitEnv = process.env.WASL_DIFF_JIT ? { WASL_JIT: process.env.WASL_DIFF_JIT } : {};

// uvu runs tests one after another; the work (build, native run, wasl run) of every test is queued
// up front in test order and done JOBS at a time, and each test awaits its own job, so runs overlap.
const queue = [];
let active = 0;
function pump() {
  while (active < JOBS && queue.length) {
    const { work, resolve } = queue.shift();
    active++;
    work().then(resolve, (e) => resolve({ error: `harness error: ${e?.stack || e}` })).finally(() => { active--; pump(); });
  }
}
function enqueue(work) { return new Promise((resolve) => { queue.push({ work, resolve }); pump(); }); }

/** Fails a test with a multi-line message and no stack (uvu would print the message's lines twice). */
function fail(message) {
  const e = new Error(message.split("\n").join("\n    "));
  e.stack = "";
  throw e;
}

async function job(guest, variant) {
  const built = await buildGuest(guest, variant);
  if (built.error) return { error: built.error };
  const opts = { args: guest.args, env: guestEnv({ ...guest.env, ...jitEnv }), stdin: guest.stdin };
  const native = runNative(built.path, opts);
  // The guest itself must behave as declared on the host before wasl is asked to match it.
  if (native.error || native.timedOut || native.status !== guest.status)
    return { error: `native run is wrong (the guest or the toolchain is broken, not wasl): status ${describeStatus(native.status)}, ` +
      `expected ${describeStatus(guest.status)}${native.timedOut ? " (timed out)" : ""}${native.error ? " " + native.error : ""}\n` +
      `  native stderr: ${native.stderr.toString().slice(-800)}` };
  if (native.stdout.length === 0) return { error: "native run printed nothing; a guest must print checkable output" };
  if (!existsSync(waslCli)) return { error: `${waslCli} does not exist (the wasl CLI is not built or not written yet)` };
  const wasl = await runWasl(built.path, opts);
  return { native, wasl };
}

for (const variant of VARIANTS) {
  const test = suite(variant.label);
  if (!compilerFingerprint(variant)) {
    console.error(`skipping the ${variant.label} variant: ${variant.cc} is not installed`);
    for (const g of guests) test.skip(`${g.name} [${variant.name}]`);
    test.run();
    continue;
  }
  for (const guest of guests) {
    const pending = enqueue(() => job(guest, variant));
    test(`${guest.name} [${variant.name}]`, async () => {
      const r = await pending;
      if (r.error) fail(r.error);
      const problem = compareRuns(r.native, r.wasl);
      if (problem) fail(`under wasl differs from native:\n  ${problem}`);
    });
  }
  test.run();
}
