// The embeddable Sandbox API and `wasl run`: images built here from the host's busybox-static
// (plus a small C probe), run with limits, isolation checks from the threat model, deterministic
// mode, many sandboxes at once, and the CLI's docker-run behaviour and exit statuses.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeWaslLauncher } from "./lib/run.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(repo, process.env.WASL_DIST || "dist");
const w = await import(pathToFileURL(join(dist, "runtime/index.js")).href);
const { nodeImageHost } = await import(pathToFileURL(join(dist, "images/host-node.js")).href);

const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-sandbox-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
const home = join(work, "home");
const store = new w.ImageStore(nodeImageHost(), home);
const BUSYBOX = w.BUSYBOX_PATHS?.find?.((p) => fs.existsSync(p)) ?? "/bin/busybox";

// The probe: a static C program making hostile system calls (test/sandbox/probe.c).
const probe = join(work, "probe");
execFileSync("gcc", ["-O2", "-static", "-o", probe, join(repo, "test/sandbox/probe.c")]);

await w.ensureDefaultImage(store);
/** busybox + the probe, with an image config to test docker's rules against. */
const cfgImageDir = join(work, "cfg-image");
w.writeOciLayout(cfgImageDir, [
  ...w.busyboxEntries(BUSYBOX),
  { path: "usr/local", type: "dir" }, { path: "usr/local/bin", type: "dir" },
  { path: "usr/local/bin/probe", type: "file", mode: 0o755, data: fs.readFileSync(probe) },
  { path: "usr/local/bin/notexec", type: "file", mode: 0o644, data: "#!/bin/sh\necho no\n" },
  { path: "work", type: "dir", mode: 0o777 },
], { Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "A=1", "B=2"], WorkingDir: "/work", User: "1000:1000", Cmd: ["sh"] }, { refName: "latest" });
const [cfgStored] = await w.openImage(store, `oci:${cfgImageDir}`).then((im) => [im]);

const text = (b) => Buffer.from(b).toString();
async function rejects(f, re) {
  try { await f(); } catch (e) { assert.match(e.message, re); return; }
  assert.unreachable("expected a rejection");
}
const box = (opts = {}) => w.Sandbox.create({ image: "busybox", store, ...opts });
const probeBox = (opts = {}) => w.Sandbox.create({ image: cfgStored, store, user: "0", ...opts });

// ---- running ------------------------------------------------------------------------------------

const run = suite("sandbox run");

run("stdout, stderr, exit status, stdin, usage", async () => {
  const b = await box();
  const r = await b.run(["sh", "-c", "echo out; echo err >&2; read x; echo got $x; exit 3"], { stdin: "line\n" });
  assert.is(r.exitCode, 3);
  assert.is(r.signal, null);
  assert.is(text(r.stdout), "out\ngot line\n");
  assert.is(text(r.stderr), "err\n");
  assert.ok(r.usage.instructions > 0 && r.usage.syscalls > 0 && r.usage.maxMemory > 0 && r.usage.wallMs >= 0);
  assert.is(r.timedOut, false);
  assert.is(r.oomKilled, false);
  const k = await b.run(["sh", "-c", "kill -9 $$"]);
  assert.is(k.exitCode, 137);
  assert.is(k.signal, 9);
  const nf = await b.run(["no-such-program"]);
  assert.is(nf.exitCode, 127);
  const ne = await b.run(["/etc/passwd"]);
  assert.is(ne.exitCode, 126);
  await b.close();
});

run("pid 1, hostname, root inside", async () => {
  const b = await box({ hostname: "boxy" });
  const r = await b.run(["sh", "-c", "echo $$; hostname; id -u; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $HOSTNAME"]);
  assert.is(text(r.stdout), "1\nboxy\n0\nsh -c echo $$; hostname; id -u; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $HOSTNAME \nboxy\n");
});

run("env, cwd and user from the image config; options override them", async () => {
  const b = await w.Sandbox.create({ image: cfgStored, store });
  const cmd = ["sh", "-c", "echo $A $B; pwd; id -u; id -g"];
  assert.is(text((await b.run(cmd)).stdout), "1 2\n/work\n1000\n1000\n");
  assert.is(text((await b.run(cmd, { env: { B: "3" }, cwd: "/tmp", user: "0" })).stdout), "1 3\n/tmp\n0\n0\n");
  assert.is(text((await b.run(cmd, { user: "user" })).stdout), "1 2\n/work\n1000\n1000\n");
  assert.is(text((await b.run(cmd, { user: "root:1000" })).stdout), "1 2\n/work\n0\n1000\n");
  // The host's environment never reaches the guest.
  process.env.WASL_TEST_SECRET = "host-secret-7731";
  const env = text((await b.run(["env"])).stdout);
  assert.not.match(env, /host-secret/);
  assert.match(env, /^A=1$/m);
  await rejects(() => b.run(cmd, { user: "nobody-here" }), /unable to find user/);
});

run("writes stay in their sandbox; writeFile and readFile", async () => {
  const a = await box(), b = await box();
  assert.is((await a.run(["sh", "-c", "echo mine > /tmp/x; echo more >> /etc/os-release"])).exitCode, 0);
  assert.is(text((await a.run(["cat", "/tmp/x"])).stdout), "mine\n");
  const other = await b.run(["cat", "/tmp/x"]);
  assert.is(other.exitCode, 1);
  assert.not.match(text((await b.run(["cat", "/etc/os-release"])).stdout), /more/);
  await a.writeFile("/tmp/from-host", "xyz");
  assert.is(text((await a.run(["cat", "/tmp/from-host"])).stdout), "xyz");
  assert.is(text(await a.readFile("/tmp/x")), "mine\n");
  assert.match(text(await b.readFile("/etc/os-release")), /^NAME="wasl busybox"/);
  await rejects(() => b.readFile("/tmp/x"), /No such file/);
});

run("50 sandboxes at once from one image, each with its own files", async () => {
  const boxes = await Promise.all(Array.from({ length: 50 }, () => box()));
  const results = await Promise.all(boxes.map((b, i) => b.run(
    ["sh", "-c", "echo box-$N > /tmp/mine; i=0; while [ $i -lt 20 ]; do i=$((i+1)); done; cat /tmp/mine; ls /tmp"], { env: { N: String(i) } })));
  results.forEach((r, i) => {
    assert.is(r.exitCode, 0);
    assert.is(text(r.stdout), `box-${i}\nmine\n`);
  });
  // The layers are shared: one store entry, however many containers.
  assert.is(store.list().filter((im) => im.tags.includes("busybox:latest")).length, 1);
});

run("spawn: streams, a terminal, resize, kill", async () => {
  const b = await box();
  const p = b.spawn(["sh"], { tty: true, cols: 100, rows: 40 });
  const chunks = [];
  const reading = (async () => { for await (const c of p.stdout) chunks.push(Buffer.from(c)); })();
  const input = p.stdin.getWriter();
  await input.write("stty size\n");
  // Wait until the first answer is there before resizing.
  for (let i = 0; i < 500 && !Buffer.concat(chunks).toString().includes("40 100"); i++) await new Promise((r) => setTimeout(r, 10));
  p.resize(120, 50);
  await input.write("stty size; exit 4\n");
  const r = await p.exit;
  await reading;
  const out = Buffer.concat(chunks).toString();
  assert.is(r.exitCode, 4);
  assert.match(out, /40 100\r\n/);
  assert.match(out, /50 120\r\n/);
  const s = b.spawn(["sh", "-c", "echo ready; while :; do :; done"]);
  s.kill("SIGTERM");
  assert.is((await s.exit).exitCode, 143);
});

// ---- limits -------------------------------------------------------------------------------------

run("a program replaced in the container runs as replaced; the image's copy stays", async () => {
  const b = await probeBox();
  assert.match(text((await b.run(["probe", "tsc"])).stdout), /^tsc=\d+\n$/); // read (and cached) from the layer
  await b.writeFile("/usr/local/bin/probe", "#!/bin/sh\necho replaced\n", { mode: 0o755 });
  assert.is(text((await b.run(["probe", "tsc"])).stdout), "replaced\n");
  const other = await probeBox();
  assert.match(text((await other.run(["probe", "tsc"])).stdout), /^tsc=\d+\n$/);
  await b.close(); await other.close();
});

run("the next run keeps the last run's program pages; a program changed in place in between runs as changed", async () => {
  const b = await probeBox();
  const original = fs.readFileSync(probe);
  const at = original.indexOf(Buffer.from("tsc=%llu"));
  assert.ok(at > 0);
  const patched = Buffer.from(original);
  patched.write("TSC", at, "latin1"); // the same size, other bytes
  await b.writeFile("/usr/local/bin/probe", original, { mode: 0o755 }); // copied up: the container's own file
  assert.match(text((await b.run(["probe", "tsc"])).stdout), /^tsc=\d+\n$/);
  // The point of the test: the cache's frames stayed in the recycled machine for the next run.
  assert.ok(b.sparePrograms && b.sparePrograms.frames > 0, "program pages kept with the spare machine");
  assert.match(text((await b.run(["probe", "tsc"])).stdout), /^tsc=\d+\n$/);
  await b.writeFile("/usr/local/bin/probe", patched, { mode: 0o755 });
  assert.match(text((await b.run(["probe", "tsc"])).stdout), /^TSC=\d+\n$/);
  assert.match(text((await b.run(["probe", "null", "0", "r"])).stdout), /^$/);
  await b.close();
});

run("paths beyond ASCII (mounts, cwd, files, arguments) reach the guest as their UTF-8 bytes", async () => {
  const hostDir = join(work, "h\u00f6st dir");
  fs.mkdirSync(hostDir, { recursive: true });
  fs.writeFileSync(join(hostDir, "d\u00e4t\u00e4.txt"), "from the host\n");
  const b = await box({ mounts: [{ host: hostDir, guest: "/mnt/\u00fc" }] });
  await b.writeFile("/tmp/f\u00efle.txt", "from writeFile\n");
  const r = await b.run(["sh", "-c", 'pwd; cat "/mnt/\u00fc/d\u00e4t\u00e4.txt" "/tmp/f\u00efle.txt"; echo "$1"; echo made > "/mnt/\u00fc/n\u00e9w"', "sh", "\u00e4rg \u2713"], { cwd: "/tmp/w\u00f6rk" });
  assert.is(text(r.stderr), "");
  assert.is(text(r.stdout), "/tmp/w\u00f6rk\nfrom the host\nfrom writeFile\n\u00e4rg \u2713\n");
  assert.is(fs.readFileSync(join(hostDir, "n\u00e9w"), "utf8"), "made\n");
  assert.is(text(await b.readFile("/mnt/\u00fc/n\u00e9w")), "made\n");
  await b.close();
});

const limits = suite("sandbox limits");

limits("memory: allocation beyond the limit fails or the process is OOM-killed", async () => {
  const b = await probeBox({ memory: "48m" });
  const r = await b.run(["probe", "alloc"]);
  assert.ok(r.exitCode !== 0);
  assert.ok(r.oomKilled || /ENOMEM/.test(text(r.stdout)), `${r.exitCode} ${text(r.stdout)}`);
  assert.ok(r.usage.maxMemory <= 48 << 20);
  const sh = await (await box({ memory: "32m" })).run(["sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}"]);
  assert.ok(sh.exitCode !== 0 || sh.oomKilled, `${sh.exitCode} ${text(sh.stderr)}`);
});

limits("memory: files the guest writes (upper layer, /dev/shm) count too: ENOSPC past the limit, freed by rm", async () => {
  const b = await box({ memory: "24m" });
  for (const dir of ["/tmp", "/dev/shm"]) {
    const r = await b.run(["sh", "-c", `mkdir -p ${dir}; dd if=/dev/zero of=${dir}/big bs=1M count=40 2>&1; echo status $?; ls -l ${dir}/big;` +
      `rm ${dir}/big; dd if=/dev/zero of=${dir}/again bs=1M count=8 2>/dev/null; echo again $?; rm ${dir}/again`]);
    const out = text(r.stdout);
    assert.match(out, /No space left on device/, `${dir}: ${out}`);
    assert.match(out, /status 1/, out);
    const size = Number(/ root +root +(\d+) /.exec(out)?.[1] ?? -1);
    assert.ok(size > 0 && size <= 24 << 20, `${dir}: the file holds what fitted: ${out}`);
    assert.match(out, /again 0/, `${dir}: rm gave the space back: ${out}`);
  }
  const df = text((await b.run(["df", "-k", "/", "/dev/shm"])).stdout);
  assert.match(df, /^overlay +24576 /m, df);
  assert.match(df, /^tmpfs +24576 /m, df);
  await b.close();
});

limits("pids: fork beyond the limit gets EAGAIN", async () => {
  const b = await box({ pids: 4, deterministic: true });
  const r = await b.run(["sh", "-c", "for i in 1 2 3 4 5 6; do sleep 5 & done; wait"]);
  assert.match(text(r.stderr), /can't fork: Resource temporarily unavailable/);
});

limits("files: open beyond RLIMIT_NOFILE gets EMFILE", async () => {
  const b = await probeBox({ files: 20 });
  assert.is(text((await b.run(["probe", "emfile"])).stdout), "opened=17 errno=EMFILE\n");
});

limits("wall timeout and instruction budget kill the whole sandbox", async () => {
  const b = await box({ timeoutMs: 300 });
  const r = await b.run(["sh", "-c", "sh -c 'while :; do :; done' & while :; do :; done"]);
  assert.is(r.timedOut, true);
  assert.is(r.exitCode, 137);
  const c = await box({ instructions: 5_000_000 });
  const q = await c.run(["sh", "-c", "while :; do :; done"]);
  assert.is(q.timedOut, true);
  assert.is(q.signal, 9);
  // The core stops at the first instruction boundary at or after the budget.
  assert.ok(q.usage.instructions >= 5_000_000 && q.usage.instructions < 5_000_100, String(q.usage.instructions));
  // A sleeping sandbox is killed too.
  const s = await (await box({ timeoutMs: 100 })).run(["sleep", "1000"]);
  assert.is(s.timedOut, true);
});

limits("output is cut at outputLimit and flagged", async () => {
  const b = await box({ outputLimit: 1000 });
  const r = await b.run(["sh", "-c", "yes | head -c 100000; echo e >&2"]);
  assert.is(r.exitCode, 0);
  assert.is(r.stdout.length, 1000);
  assert.is(r.truncated.stdout, true);
  assert.is(text(r.stderr), "e\n");
  assert.is(r.truncated.stderr, false);
});

// ---- deterministic mode -------------------------------------------------------------------------

const det = suite("sandbox deterministic mode");

det("the same program prints the same time and random bytes twice", async () => {
  const once = async (opts) => {
    const b = await probeBox(opts);
    const r1 = await b.run(["probe", "entropy"]);
    const r2 = await b.run(["sh", "-c", "date +%s; head -c 16 /dev/urandom | od -An -tx1; sleep 2; date +%s; cat /proc/uptime"]);
    return text(r1.stdout) + text(r2.stdout);
  };
  const a = await once({ deterministic: true }), b = await once({ deterministic: true });
  assert.is(a, b);
  assert.match(a, /^realtime=946684800\./);
  const c = await once({ deterministic: { seed: "other" } });
  assert.is.not(a.replace(/realtime.*\n/, ""), c.replace(/realtime.*\n/, ""));
  const live = await once({});
  assert.is.not(a, live);
});

det("a run on a recycled machine reads the same counters as the first run", async () => {
  const b = await probeBox({ deterministic: true });
  const r1 = await b.run(["probe", "tsc"]);
  assert.ok(b.spare, "the machine was kept for the next run");
  const r2 = await b.run(["probe", "tsc"]);
  assert.match(text(r1.stdout), /^tsc=\d+\n$/);
  assert.is(text(r2.stdout), text(r1.stdout));
  assert.is(r2.usage.instructions, r1.usage.instructions);
  assert.is(r2.usage.maxMemory, r1.usage.maxMemory);
  // Random bytes too: nothing of the first run's getrandom pool may serve the second.
  const e1 = await b.run(["probe", "entropy"]);
  const e2 = await b.run(["probe", "entropy"]);
  assert.match(text(e1.stdout), /getrandom=[0-9a-f]{32}/);
  assert.is(text(e2.stdout), text(e1.stdout));
});

// ---- the threat model ---------------------------------------------------------------------------

const threat = suite("sandbox threat model");

threat("the next run on a recycled machine finds nothing of the last one in memory", async () => {
  const b = await probeBox();
  assert.is(text((await b.run(["probe", "plant"])).stdout), "planted\n");
  // The point of the test: the next run boots on the same Wasm instance (the sandbox's spare).
  assert.ok(b.spare, "the machine was kept for the next run");
  assert.is(text((await b.run(["probe", "scan"])).stdout), "nonzero=0 secret=0\n");
  // A recycled machine's TLBs hold nothing: the null page still faults in every later run.
  for (const [addr, how] of [["0", "r"], ["8", "w"], ["0", "x"], ["4095", "r"]]) {
    const r = await b.run(["probe", "null", addr, how]);
    assert.ok(b.spare, "on the recycled machine");
    assert.is(r.exitCode, 139, `${how} at ${addr}: ${text(r.stdout)}`);
  }
  await b.close();
});

const outside = join(work, "outside");
const shared = join(work, "outside", "shared");
fs.mkdirSync(shared, { recursive: true });
fs.writeFileSync(join(outside, "secret.txt"), "TOKEN-outside-the-mount\n");
fs.writeFileSync(join(shared, "in.txt"), "inside\n");
fs.symlinkSync("../secret.txt", join(shared, "up"));
fs.symlinkSync(join(outside, "secret.txt"), join(shared, "abs"));
fs.symlinkSync("/", join(shared, "root"));

threat("'..' and symlinks in a mount stay inside it; read-only is enforced", async () => {
  const b = await box({ mounts: [{ host: shared, guest: "/in", readOnly: true }] });
  const r = await b.run(["sh", "-c", [
    "cat /in/in.txt", "cat /in/up", "cat /in/abs", "cat /in/../secret.txt", "cat /in/../../../../secret.txt",
    "cd /in && cd ../../.. && ls", `cat ${outside}/secret.txt`, "cat /in/root/in.txt", "ls /in/root/",
    "echo x > /in/new", "mkdir /in/d", "rm /in/in.txt",
  ].join("; ")]);
  const out = text(r.stdout), err = text(r.stderr);
  assert.not.match(out + err, /TOKEN/);
  assert.match(out, /^inside\n/);
  assert.match(err, /can't create \/in\/new: Read-only file system/);
  assert.match(err, /Read-only file system/);
  assert.ok(fs.existsSync(join(shared, "in.txt")));
  assert.not.ok(fs.existsSync(join(shared, "new")));
  const rw = await box({ mounts: [{ host: shared, guest: "/data" }] });
  assert.is((await rw.run(["sh", "-c", "echo written > /data/new"])).exitCode, 0);
  assert.is(fs.readFileSync(join(shared, "new"), "utf8"), "written\n");
  fs.rmSync(join(shared, "new"));
  // What the host changes in a mounted folder between two runs shows in the next one.
  fs.mkdirSync(join(shared, "d", "sub"), { recursive: true });
  assert.is(text((await rw.run(["ls", "/data/d"])).stdout), "sub\n");
  fs.renameSync(join(shared, "d"), join(shared, "d2"));
  fs.mkdirSync(join(shared, "d"));
  fs.writeFileSync(join(shared, "d", "other"), "");
  const again = await rw.run(["sh", "-c", "ls /data/d; ls /data/d/sub; ls /data/d2"]);
  assert.is(text(again.stdout), "other\nsub\n");
  assert.match(text(again.stderr), /\/data\/d\/sub: No such file or directory/);
  fs.rmSync(join(shared, "d"), { recursive: true }); fs.rmSync(join(shared, "d2"), { recursive: true });
});

threat("no host paths, /proc shows only the sandbox's processes", async () => {
  const b = await box();
  const r = await b.run(["sh", "-c", `ls /proc; cat ${work}/outside/secret.txt; ls ${repo}; cat /proc/${process.pid}/cmdline; cat /proc/1/environ | tr '\\0' '\\n'`]);
  const out = text(r.stdout);
  const pids = out.split("\n").filter((l) => /^\d+$/.test(l)).map(Number);
  assert.equal(pids, [1, 2]);
  assert.not.match(out, /TOKEN/);
  assert.match(text(r.stderr), /No such file or directory/);
  assert.not.match(out, /WASL_TEST_SECRET|node/);
});

threat("hostile sizes and forged pointers answer like Linux (EFAULT, ENOMEM, EINVAL)", async () => {
  const native = execFileSync(probe, ["syscalls"], { encoding: "utf8" });
  const b = await probeBox();
  const r = await b.run(["probe", "syscalls"]);
  assert.is(r.exitCode, 0);
  assert.is(text(r.stdout), native);
  assert.match(native, /read_huge_count=-1 EFAULT/);
  assert.match(native, /mmap_2_60=-1 ENOMEM/);
});

// ---- wasl run -----------------------------------------------------------------------------------

const cli = suite("wasl run");

const launcher = join(work, "wasl.mjs");
writeWaslLauncher(launcher);
function wasl(args, opts = {}) {
  const r = spawnSync(process.execPath, [launcher, ...args], { env: { PATH: process.env.PATH, WASL_HOME: home }, encoding: "utf8", input: opts.input ?? "", cwd: opts.cwd ?? work });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const epImageDir = join(work, "ep-image");
w.writeOciLayout(epImageDir, [...w.busyboxEntries(BUSYBOX), { path: "data", type: "dir" }],
  { Entrypoint: ["/bin/echo", "ep"], Cmd: ["default"], Env: ["PATH=/bin:/usr/bin", "X=image"] }, { refName: "latest" });

cli("Entrypoint and Cmd, flags override the image config", () => {
  assert.equal(wasl(["run", "--rm", `oci:${epImageDir}`]), { status: 0, stdout: "ep default\n", stderr: "" });
  assert.is(wasl(["run", "--rm", `oci:${epImageDir}`, "a", "b"]).stdout, "ep a b\n");
  assert.is(wasl(["run", "--rm", "--entrypoint", "/bin/sh", `oci:${epImageDir}`, "-c", "echo $X $Y; pwd; id -u"]).stdout, "image\n/\n0\n");
  assert.is(wasl(["run", "--rm", "-e", "X=flag", "-e", "Y=y", "-w", "/tmp", "-u", "1000:1000", "--entrypoint", "/bin/sh", `oci:${epImageDir}`, "-c", "echo $X $Y; pwd; id -u"]).stdout, "flag y\n/tmp\n1000\n");
  assert.is(wasl(["run", "--rm", "--hostname", "hh", "busybox", "hostname"]).stdout, "hh\n");
  assert.is(wasl(["run", "--rm", "-i", "busybox", "wc", "-l"], { input: "a\nb\n" }).stdout, "2\n");
});

cli("exit statuses: the guest's, 125, 126, 127, 128+n", () => {
  assert.is(wasl(["run", "--rm", "busybox", "sh", "-c", "exit 42"]).status, 42);
  assert.is(wasl(["run", "--rm", "busybox", "sh", "-c", "kill -TERM $$"]).status, 143);
  const nf = wasl(["run", "--rm", "busybox", "no-such-cmd"]);
  assert.is(nf.status, 127);
  assert.match(nf.stderr, /executable file not found/);
  assert.is(wasl(["run", "--rm", "busybox", "/etc/passwd"]).status, 126);
  assert.is(wasl(["run", "--rm", "no-such-image"]).status, 125);
  assert.is(wasl(["run", "--rm", "--bogus", "busybox"]).status, 125);
  assert.is(wasl(["run", "--rm", "-v", "/no/such/dir:/x", "busybox", "true"]).status, 125);
  assert.is(wasl(["run", "--rm", "--timeout", "0.3", "busybox", "sh", "-c", "while :; do :; done"]).status, 137);
});

cli("-v HOST:GUEST[:ro]: EROFS when read-only, host-visible writes otherwise", () => {
  const d = join(work, "vol");
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(join(d, "f"), "host\n");
  const ro = wasl(["run", "--rm", "-v", `${d}:/data:ro`, "-w", "/data", "busybox", "sh", "-c", "cat f; pwd; echo x > g"]);
  assert.is(ro.stdout, "host\n/data\n");
  assert.match(ro.stderr, /Read-only file system/);
  assert.is(ro.status, 1);
  assert.is(wasl(["run", "--rm", "-v", "./vol:/data", "busybox", "sh", "-c", "echo new > /data/g"]).status, 0);
  assert.is(fs.readFileSync(join(d, "g"), "utf8"), "new\n");
});

cli("without --rm the container is kept for commit and export", () => {
  const r = wasl(["run", "--name", "keepme", "busybox", "sh", "-c", "echo kept > /tmp/k; rm /etc/os-release"]);
  assert.is(r.status, 0);
  assert.is(r.stdout, "");
  const ids = fs.readdirSync(join(home, "containers")).filter((n) => !n.startsWith("."));
  assert.ok(ids.length >= 1);
  const exp = spawnSync(process.execPath, [launcher, "export", "keepme"], { env: { PATH: process.env.PATH, WASL_HOME: home }, maxBuffer: 1 << 30 });
  assert.is(exp.status, 0, exp.stderr?.toString());
  const tarFile = join(work, "exp.tar");
  fs.writeFileSync(tarFile, exp.stdout);
  const list = execFileSync("tar", ["-tf", tarFile], { encoding: "utf8" });
  assert.match(list, /^tmp\/k$/m);
  assert.not.match(list, /^etc\/os-release$/m);
  const c = wasl(["commit", "keepme", "kept:1"]);
  assert.is(c.status, 0, c.stderr);
  assert.is(wasl(["run", "--rm", "kept:1", "cat", "/tmp/k"]).stdout, "kept\n");
  assert.is(wasl(["run", "--rm", "kept:1", "cat", "/etc/os-release"]).status, 1);
});

run.run();
limits.run();
det.run();
threat.run();
cli.run();
