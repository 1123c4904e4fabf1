// The benchmark suite. Every workload runs natively, under qemu-x86_64 (qemu-user) and under wasl,
// alternating, several runs each; the table gives the median (min–max) and the ratios to native
// and to qemu-user. Writes bench/results/latest.json (+ a dated copy) and latest.svg.
//   node bench/run.mjs [--quick] [--runs N] [GROUP|WORKLOAD ...]     (npm run bench -- …)
// Groups: syscall, cpu, procs, startup, vm. See bench/README.md for how to read the results.
import { spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { vmBench } from "./vm.mjs";
import { imagesBench } from "./images.mjs";
import { chartSvg } from "./chart.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "bench/.cache");
const resultsDir = join(root, "bench/results");
mkdirSync(cache, { recursive: true });

// ---- command line --------------------------------------------------------------------------
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const runsOpt = argv.indexOf("--runs") >= 0 ? Number(argv[argv.indexOf("--runs") + 1]) : null;
const selectors = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--runs");
const GROUPS = ["syscall", "cpu", "procs", "startup", "images", "vm"];
for (const s of selectors)
  if (!GROUPS.includes(s.split(".")[0])) {
    console.error(`bench: unknown group ${s} (groups: ${GROUPS.join(", ")}; options: --quick, --runs N)`);
    process.exit(2);
  }
// --quick without a selection leaves the VM out: one TCG boot alone takes longer than the budget.
const selected = (name) => selectors.length ? selectors.some((s) => name === s || name.startsWith(s + ".")) : !(quick && name.startsWith("vm."));

const tty = process.stderr.isTTY;
const progress = (s) => { if (tty) process.stderr.write(`\r${s}\x1b[K`); };

// ---- guests ----------------------------------------------------------------------------------
/** gcc -O2 -static, cached by the source's hash: every system runs the very same binary. */
function guest(name) {
  const src = join(root, "bench/guest", name + ".c");
  const hash = createHash("sha256").update(readFileSync(src)).digest("hex").slice(0, 16);
  const out = join(cache, `${name}-${hash}`);
  if (!existsSync(out)) execFileSync("gcc", ["-O2", "-static", "-o", out, src]);
  return out;
}


const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p));

// ---- workloads -------------------------------------------------------------------------------
// Arguments are the same for every system; `quick` shrinks them for --quick. `calls` turns the
// loop time the guest reports ("loop_ns=…" on stderr) into ns per call; `runs` is lowered where
// a wasl run takes seconds. `mips`: report guest instructions per second (wasl counts them).
const W = [];
const sys = (name, mode, calls, quickCalls, extra = {}) => W.push({
  name: `syscall.${name}`, guest: "sys", args: (n) => [mode, String(n)], n: [calls, quickCalls], perCall: true, runs: 3,
  what: (n) => `${n.toLocaleString("en")} calls`, ...extra });
sys("getpid", "getpid", 1_000_000, 100_000);
sys("write-devnull", "devnull", 1_000_000, 100_000);
sys("read-file", "read", 1_000_000, 100_000);
sys("clock_gettime", "clock", 1_000_000, 100_000);
sys("gettimeofday", "gettimeofday", 1_000_000, 100_000);
sys("getrandom", "random", 1_000_000, 100_000);
sys("futex-wake", "futexwake", 1_000_000, 100_000);
sys("ebadf", "ebadf", 1_000_000, 100_000);
// a round is 1 write + 1 read of one byte through a pipe, in one process
sys("pipe-self", "pipeself", 1_000_000, 100_000, { per: "write+read", what: (n) => `${n.toLocaleString("en")} rounds` });
// a round trip is 2 writes + 2 reads + 2 context switches
sys("pipe-pingpong", "pipe", 100_000, 10_000, { per: "round trip", what: (n) => `${n.toLocaleString("en")} round trips` });

const cpu = (name, g, arg, quickArg, what, extra = {}) => W.push({
  name: `cpu.${name}`, guest: g, args: (a) => [String(a)], n: [arg, quickArg], mips: true, what, ...extra });
const count = (unit) => (n) => `${n.toLocaleString("en")} ${unit}`;
cpu("intloop", "intloop", 50_000_000, 10_000_000, count("iterations"));
cpu("strmix", "strmix", 500_000, 100_000, count("rounds"));
// 64 MB takes ~35 s a run under wasl today: 16 MB keeps the suite inside its time budget
cpu("sha256", "sha", 64, 2, (n) => `${n} MiB`, { runs: 3 });
cpu("qsort", "qsort", 1_000_000, 200_000, count("ints"), { runs: 3 });
cpu("interp", "interp", 50_000, 20_000, (n) => `primes < ${n.toLocaleString("en")}`, { runs: 3 });

const note = "qemu-user: the exec'd child runs natively (the host kernel execs it), only the parent is emulated";
const times = (n) => `${n.toLocaleString("en")}×`;
W.push({ name: "procs.fork-exec-wait", what: times, guest: "procs", args: (n) => ["fork", String(n), guest("hello")], n: [1000, 50], perCall: true, runs: 3, note });
W.push({ name: "procs.posix_spawn", what: times, guest: "procs", args: (n) => ["spawn", String(n), guest("hello")], n: [1000, 50], perCall: true, runs: 3, note });
if (busybox)
  W.push({ name: "procs.shell", what: (n) => `busybox sh, ${n} commands`, bin: busybox, runs: 3, note,
    args: (n) => ["sh", "-c", `i=0; while [ $i -lt ${n} ]; do ${busybox} true; i=$((i+1)); done; echo $i`], n: [500, 50] });

W.push({ name: "startup.hello", guest: "hello", args: () => [], n: [0, 0], rss: true, runs: 7 });
if (busybox) W.push({ name: "startup.busybox-echo", bin: busybox, args: () => ["echo", "hi"], n: [0, 0], rss: true, runs: 7 });

/** Rows that wait for other work; listed in the table and the JSON, never with numbers. */
const TODO = [];

// ---- systems ---------------------------------------------------------------------------------
const which = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
/** bin/wasl.js runs dist/; with WASL_DIST set (a private build) a launcher for that dist is used. */
function waslLauncher() {
  if (!process.env.WASL_DIST) return join(root, "bin/wasl.js");
  const cli = resolve(process.cwd(), process.env.WASL_DIST, "runtime/cli.js");
  const p = join(cache, `wasl-${createHash("sha256").update(cli).digest("hex").slice(0, 8)}.mjs`);
  writeFileSync(p, `import { main } from ${JSON.stringify("file://" + cli)};\nprocess.exit(await main(process.argv.slice(2)));\n`);
  return p;
}
const wasl = waslLauncher();
const SYSTEMS = [
  { name: "native", cmd: (bin, args) => [bin, args] },
  { name: "qemu-user", cmd: (bin, args) => ["qemu-x86_64", [bin, ...args]], missing: which("qemu-x86_64") ? null : "qemu-x86_64 not installed (apt-get install qemu-user)" },
  { name: "wasl", cmd: (bin, args) => [process.execPath, [wasl, "exec", bin, ...args]], env: { ...process.env, WASL_STATS: "1" } },
];
const systems = SYSTEMS.filter((s) => !s.missing);

/** The line of a failed run's stderr that says most: an error message if there is one. */
function reason(stderr) {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("wasl-stats:"));
  return (lines.find((l) => /error|not implemented|unsupported|ENOSYS/i.test(l)) ?? lines.slice(-1)[0] ?? "").slice(0, 200);
}

function once(sys, bin, args) {
  const [cmd, av] = sys.cmd(bin, args);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, av, { env: sys.env ?? process.env, maxBuffer: 1 << 26, timeout: 600_000 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const stderr = String(r.stderr);
  const stats = stderr.match(/wasl-stats: (\{.*\})/);
  const loop = stderr.match(/loop_ns=(\d+)/);
  const why = r.error ? r.error.message
    : r.signal ? `killed by ${r.signal}`
    : `exit ${r.status}: ${reason(stderr)}`;
  return { s, ok: r.status === 0, why, stdout: String(r.stdout), stats: stats ? JSON.parse(stats[1]) : null, loopNs: loop ? Number(loop[1]) : null };
}

/** Peak RSS of one run, from GNU time; null when /usr/bin/time is not installed. */
function peakRss(sys, bin, args) {
  if (!existsSync("/usr/bin/time")) return null;
  const [cmd, av] = sys.cmd(bin, args);
  const r = spawnSync("/usr/bin/time", ["-f", "rss_kb=%M", cmd, ...av], { env: sys.env ?? process.env });
  const m = String(r.stderr).match(/rss_kb=(\d+)/);
  return r.status === 0 && m ? Number(m[1]) / 1024 : null;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const stat = (workload, system, unit, xs, extra = {}) =>
  ({ workload, system, unit, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length, ...extra });

// ---- run ---------------------------------------------------------------------------------------
const started = Date.now();
const loadBefore = loadavg()[0];
const rows = [], failures = [], notes = {}, params = {};
for (const w of W) {
  if (!selected(w.name)) continue;
  const bin = w.bin ?? guest(w.guest);
  const n = w.n[quick ? 1 : 0];
  const args = w.args(n);
  const runs = runsOpt ?? (quick ? 2 : w.runs ?? 5);
  if (w.note) notes[w.name] = w.note;
  if (w.what) params[w.name] = w.what(n) + (w.perCall ? `, per ${w.per ?? "call"}` : "");
  const t = Object.fromEntries(systems.map((s) => [s.name, { wall: [], perCall: [], mips: [], failed: null }]));
  let reference = null;
  for (let i = 0; i < runs; i++)
    for (const sys of systems) {
      const m = t[sys.name];
      if (m.failed) continue;
      progress(`${w.name} ${sys.name} run ${i + 1}/${runs}`);
      const r = once(sys, bin, args);
      if (r.ok && reference !== null && r.stdout !== reference) { r.ok = false; r.why = `wrong output: ${JSON.stringify(r.stdout.slice(0, 60))}, expected ${JSON.stringify(reference.slice(0, 60))}`; }
      if (!r.ok) { m.failed = r.why; continue; }
      if (reference === null) reference = r.stdout;
      m.wall.push(r.s);
      // the loop time a guest measures itself cannot exceed the process's wall time
      if (w.perCall && n && r.loopNs !== null && r.loopNs <= r.s * 1e9) m.perCall.push(r.loopNs / n);
      if (w.mips && r.stats?.instructions) m.mips.push(r.stats.instructions / (r.stats.wallMs / 1000) / 1e6);
    }
  for (const sys of systems) {
    const m = t[sys.name];
    if (m.failed) { failures.push({ workload: w.name, system: sys.name, why: m.failed }); continue; }
    if (w.perCall && m.perCall.length) rows.push(stat(w.name, sys.name, "ns/call", m.perCall, { calls: n }));
    rows.push(stat(w.name, sys.name, "s", m.wall));
    if (m.mips.length) rows.push(stat(w.name, sys.name, "MIPS", m.mips));
    if (w.rss) {
      progress(`${w.name} ${sys.name} peak RSS`);
      const kb = peakRss(sys, bin, args);
      if (kb !== null) rows.push(stat(w.name, sys.name, "MiB", [kb], { what: "peak RSS" }));
    }
  }
}

if (!quick && (selected("images.rootfs-load") || selected("startup.wasl-run-busybox-cold"))) {
  const r = imagesBench({ root, wasl, busybox, runs: runsOpt ?? 3, progress });
  for (const x of r.rows) rows.push(stat(x.workload, x.system, x.unit, x.samples, x.unit === "MiB" ? { what: "peak RSS" } : {}));
  for (const u of r.unavailable) failures.push(u);
  Object.assign(params, r.params);
}

let vmInfo = null;
if (selected("vm.echo-hi")) {
  const r = await vmBench({ runs: runsOpt ?? (quick ? 1 : 3), systems, progress });
  rows.push(...r.rows);
  for (const u of r.unavailable) failures.push({ workload: "vm.echo-hi", system: u.system, why: u.why });
  vmInfo = r.info;
  notes["vm.echo-hi.printed"] = "native/qemu-user/wasl: `busybox echo hi` as a new process; vm-*: kernel boot + initramfs /init running the same busybox";
}
progress("");

// ---- machine -----------------------------------------------------------------------------------
const sh = (cmd) => { const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" }); return r.status === 0 ? r.stdout.trim() : null; };
const machine = {
  cpu: cpus()[0]?.model ?? null,
  cores: cpus().length,
  node: process.version,
  kernel: release(),
  qemu: sh("qemu-x86_64 --version | head -1"),
  kvm: existsSync("/dev/kvm") ? (vmInfo?.kvm ?? "present (not tried: vm group not run)") : "absent",
  wasl: sh(`git -C ${JSON.stringify(root)} rev-parse --short HEAD`) + (sh(`git -C ${JSON.stringify(root)} status --porcelain -- asm runtime syscalls`) ? "+dirty" : ""),
  date: new Date().toISOString(),
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  // other work on the machine skews everything; the 1-minute load average before and after says how much
  load: [loadBefore, loadavg()[0]].map((l) => Math.round(l * 100) / 100),
};

// ---- table -------------------------------------------------------------------------------------
const get = (w, s, u) => rows.find((r) => r.workload === w && r.system === s && r.unit === u);
/** The unit a workload is compared in: per call where the guest timed its loop, else wall time. */
const primary = (w) => (rows.some((r) => r.workload === w && r.unit === "ns/call") ? "ns/call" : "s");
function fmtTime(v, unit) {
  const ns = unit === "s" ? v * 1e9 : v;
  if (ns < 1e3) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}
const cell = (r) => (r ? `${fmtTime(r.median, r.unit)} (${fmtTime(r.min, r.unit)}–${fmtTime(r.max, r.unit)})` : null);
const ratio = (a, b) => (a && b ? `${(a.median / b.median).toPrecision(3)}×` : "–");
const failed = (w, s) => failures.find((f) => f.workload.startsWith(w.replace(/\.(printed|exited)$/, "")) && f.system === s);
const shown = (w, s, u) => cell(get(w, s, u)) ?? (failed(w, s) ? `fails under ${s}` : "–");

const out = [];
out.push(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Linux ${machine.kernel}, KVM: ${machine.kvm}`);
out.push(`${machine.qemu ?? "qemu-user: not installed"}; wasl ${machine.wasl}; ${machine.date}${quick ? " (--quick)" : ""}; ${machine.seconds} s; load ${machine.load.join(" → ")}`);
if (Math.max(...machine.load) > machine.cores)
  out.push(`warning: the load average exceeded the ${machine.cores} cores: other work ran alongside, figures are noisy`);
out.push("");
const workloads = [...new Set(rows.map((r) => r.workload).concat(failures.map((f) => f.workload)))].filter((w) => !w.startsWith("vm."));
if (workloads.length || TODO.length) {
  out.push("| workload | native | qemu-user | wasl | wasl/native | wasl/qemu | qemu/native | wasl MIPS |");
  out.push("|---|---|---|---|---|---|---|---|");
}
for (const w of workloads) {
  const u = primary(w);
  const [n, q, x] = ["native", "qemu-user", "wasl"].map((s) => get(w, s, u));
  const mips = get(w, "wasl", "MIPS");
  const label = `${w}${params[w] ? ` (${params[w]})` : ""}`;
  out.push(`| ${label} | ${shown(w, "native", u)} | ${shown(w, "qemu-user", u)} | ${shown(w, "wasl", u)} | ${ratio(x, n)} | ${ratio(x, q)} | ${ratio(q, n)} | ${mips ? mips.median.toFixed(0) : "–"} |`);
}
for (const t of TODO) out.push(`| ${t.workload} | – | – | ${t.why} | | | | |`);

const vmRows = rows.filter((r) => r.workload.startsWith("vm.") && r.unit === "s");
if (vmRows.length || failures.some((f) => f.workload === "vm.echo-hi")) {
  out.push("");
  out.push(`Emulation versus VM — \`echo hi\` (busybox) from nothing to printed / exited${vmInfo?.kernel ? `; VM: ${vmInfo.kernel}, 1 vCPU, 256 MiB` : ""}:`);
  out.push("");
  out.push("| system | until \"hi\" | until exit | ratio to wasl (exit) |");
  out.push("|---|---|---|---|");
  const wx = get("vm.echo-hi.exited", "wasl", "s");
  for (const s of ["native", "qemu-user", "wasl", "vm-kvm", "vm-tcg"]) {
    const p = get("vm.echo-hi.printed", s, "s"), e = get("vm.echo-hi.exited", s, "s");
    const f = failures.find((f) => f.workload === "vm.echo-hi" && f.system === s);
    if (!p && !f) continue;
    const label = s === "vm-kvm" ? "VM, KVM" : s === "vm-tcg" ? "VM, TCG" : s;
    out.push(f ? `| ${label} | unavailable: ${f.why} | | |` : `| ${label} | ${cell(p)} | ${cell(e)} | ${ratio(e, wx)} |`);
  }
}
const rss = rows.filter((r) => r.unit === "MiB");
if (rss.length) {
  out.push("");
  out.push("Peak RSS (one run, GNU time; wasl's includes Node): " +
    [...new Set(rss.map((r) => r.workload))].map((w) => `${w}: ` + rss.filter((r) => r.workload === w).map((r) => `${r.system} ${r.median.toFixed(1)} MiB`).join(", ")).join("; "));
}
if (Object.keys(notes).length) {
  out.push("");
  for (const [w, t] of Object.entries(notes)) if (workloads.includes(w)) out.push(`- ${w}: ${t}`);
}
const listed = failures.filter((f) => f.workload !== "vm.echo-hi"); // those are in the VM table
if (listed.length) {
  out.push("");
  out.push("Failures:");
  for (const f of listed) out.push(`- ${f.workload} under ${f.system}: ${f.why}`);
}
console.log(out.join("\n"));

// ---- files -------------------------------------------------------------------------------------
mkdirSync(resultsDir, { recursive: true });
const json = JSON.stringify({ machine, rows, failures, todo: TODO, params, notes }, null, 1) + "\n";
writeFileSync(join(resultsDir, "latest.json"), json);
writeFileSync(join(resultsDir, `${machine.date.slice(0, 10)}${quick ? "-quick" : ""}.json`), json);
writeFileSync(join(resultsDir, "latest.svg"), chartSvg({ machine, rows, primary }));
console.log(`\nwrote bench/results/latest.json, ${machine.date.slice(0, 10)}${quick ? "-quick" : ""}.json and latest.svg`);
