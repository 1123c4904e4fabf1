// The syscall fast path (asm/fastsys.ts): the calls it serves really stay in the core (the
// machine's fastSyscalls counter), none do under --trace, deterministic mode keeps its clock in
// the kernel and gives the same output whichever path answered. What the calls return is checked
// against Linux by the differential guests test/guest/fast_*.c.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = process.env.WASL_DIST ? join(root, process.env.WASL_DIST) : join(root, "dist");
const { Kernel } = await import(pathToFileURL(join(dist, "runtime/kernel.js")).href);
const { coreModule } = await import(pathToFileURL(join(dist, "runtime/host/wasm.js")).href);
const { nodeHost } = await import(pathToFileURL(join(dist, "runtime/host/node.js")).href);
const { deterministicHost } = await import(pathToFileURL(join(dist, "runtime/host/deterministic.js")).href);

/** A C source of ours (test/kernel/fastpath.c by default), built static into the content-addressed cache. */
function buildGuest(rel = "test/kernel/fastpath.c") {
  const src = join(root, rel);
  const hash = createHash("sha256").update(readFileSync(src)).digest("hex").slice(0, 16);
  const out = join(root, "test/.cache/kernel", hash, rel.split("/").pop().replace(/\.c$/, ""));
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp${process.pid}`;
  const r = spawnSync("gcc", ["-O2", "-static", "-o", tmp, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  renameSync(tmp, out);
  return out;
}
const guest = buildGuest();

/**
 * Runs the guest on a fresh machine; stdout, the exit code, how many calls the core answered and
 * how many lines the trace logged.
 */
async function run(args, { trace = false, deterministic = null, program = guest } = {}) {
  let out = "", logged = 0, machine = null;
  const base = {
    ...nodeHost,
    write(fd, data) { if (fd === 1) out += Buffer.from(data).toString(); return data.length; },
    log() { logged++; },
  };
  const host = deterministic ? deterministicHost(base, { ...deterministic, instructions: () => machine?.icount ?? 0n }) : base;
  const k = await Kernel.create(await coreModule(), { host, trace });
  machine = k.machine;
  const p = k.spawn(program, [program, ...args], ["PATH=/bin"], "/");
  const s = await k.run(p);
  return { out, code: s.exitCode, fast: k.machine.fastSyscalls, logged };
}

const N = 2000;
const fast = suite("syscall fast path");

// Calls per loop, and the ones the kernel still answers: getrandom refills its pool there.
const families = [["ids", 2, 0], ["clock", 3, 0], ["random", 1, Math.ceil((N * 16) / 4096) + 1], ["futex", 1, 0],
  ["devices", 2, 0], ["pipe", 2, 0], ["file", 2, Math.ceil(N / 4096) + 1]];
for (const [mode, perLoop, slow] of families) {
  fast(`${mode}: answered in the core, and in the kernel under --trace`, async () => {
    const r = await run([mode, String(N)]);
    assert.is(r.out, `${mode} ${N}/${N}\n`);
    assert.is(r.code, 0);
    assert.ok(r.fast >= N * perLoop - slow, `only ${r.fast} of ${N * perLoop} calls took the fast path`);
    const t = await run([mode, String(N)], { trace: true });
    assert.is(t.out, r.out);
    assert.is(t.fast, 0);
    assert.ok(t.logged >= N * perLoop, `the trace logged ${t.logged} lines`);
  });
}

fast("the differential device guest prints the same through the core, through the kernel (--trace) and natively", async () => {
  const program = buildGuest("test/guest/fast_devices.c");
  const native = spawnSync(program, [], { encoding: "utf8" });
  const r = await run([], { program }), t = await run([], { program, trace: true });
  assert.ok(r.fast > 0 && t.fast === 0, `${r.fast} calls in the core, ${t.fast} with --trace`);
  assert.is(r.out, native.stdout);
  assert.is(t.out, native.stdout);
});

fast("FUTEX_WAKE goes to the kernel while a thread waits on any futex, and comes back when it is gone", async () => {
  const r = await run(["waiting", String(N)]);
  assert.is(r.out, `waiting ${N}/${N}\n`);
  // N fast wakes after the join; the N before it, and a few of libc's own, reached the kernel.
  assert.ok(r.fast >= N && r.fast < N + N / 2, `${r.fast} fast calls`);
});

fast("read/write on a pipe go to the kernel while epoll watches it, and come back when it is gone", async () => {
  const r = await run(["watched", String(N)]);
  assert.is(r.out, `watched ${N}/${N}\n`);
  assert.is(r.code, 0);
  // Only the N round trips after EPOLL_CTL_DEL (2 calls each) stay in the core.
  assert.ok(r.fast >= 2 * N && r.fast < 2 * N + N / 2, `${r.fast} fast calls`);
});

fast("read/write stay in the kernel while inotify watches anything", async () => {
  const r = await run(["pipe", String(N), "inotify"]);
  assert.is(r.out, `pipe ${N}/${N}\n`);
  assert.ok(r.fast < N / 2, `${r.fast} fast calls`);
});

fast("a file of an image layer: read in the core, and each copy-up, write and truncation by another process seen", async () => {
  const w = await import(pathToFileURL(join(dist, "runtime/index.js")).href);
  const { nodeImageHost } = await import(pathToFileURL(join(dist, "images/host-node.js")).href);
  const work = mkdtempSync(join(tmpdir(), "wasl-fastpath-"));
  try {
    const store = new w.ImageStore(nodeImageHost(), join(work, "home"));
    const layout = join(work, "image");
    w.writeOciLayout(layout, [
      { path: "fastpath", type: "file", mode: 0o755, data: readFileSync(guest) },
      { path: "data.txt", type: "file", mode: 0o666, data: "abcdefgh".repeat(N / 4) },
    ], { Cmd: ["/fastpath"] }, { refName: "latest" });
    const c = w.Container.create(store, await w.openImage(store, `oci:${layout}`));
    let out = "";
    const host = { ...nodeHost, write(fd, data) { if (fd === 1) out += Buffer.from(data).toString(); return data.length; } };
    const k = await Kernel.create(await coreModule(), { host, root: { sb: c.superblock, source: "overlay" } });
    const s = await k.run(k.spawn("/fastpath", ["/fastpath", "overlay", String(N)], ["PATH=/bin"], "/"));
    assert.is(out, `after the copy-up: 3 XYZ\nafter the truncation: 0\noverlay ${N}/${N}\n`);
    assert.is(s.exitCode, 0);
    assert.ok(k.machine.fastSyscalls >= 2 * N - 10, `${k.machine.fastSyscalls} fast calls`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

fast("deterministic mode: time stays in the kernel; output is reproducible and the same with --trace", async () => {
  const det = { seed: "fast" };
  const clock = await run(["clock", String(N)], { deterministic: det });
  assert.is(clock.out, `clock ${N}/${N}\n`);
  assert.ok(clock.fast < N, `${clock.fast} fast calls: the virtual clock was read in the core`);
  const random = await run(["random", String(N)], { deterministic: det });
  assert.ok(random.fast >= N - Math.ceil((N * 16) / 4096) - 1, "getrandom from the seeded pool stays fast");
  const a = await run(["show", "300"], { deterministic: det });
  const b = await run(["show", "300"], { deterministic: det });
  const traced = await run(["show", "300"], { deterministic: det, trace: true });
  assert.is(a.code, 0);
  assert.match(a.out, /^1\.\d{9} 946684800\.\d{9} [0-9a-f]{14}\n/);
  assert.is(b.out, a.out);
  assert.is(traced.out, a.out);
  assert.ok(a.fast > 0 && traced.fast === 0);
  const other = await run(["show", "300"], { deterministic: { seed: "other" } });
  assert.is.not(other.out.replace(/ [0-9a-f]+\n/g, "\n"), a.out);
});

fast.run();
