// Emulation versus a VM: boot Debian's kernel with a tiny busybox initramfs in qemu-system-x86_64
// (KVM when /dev/kvm works, and TCG) and time how long until the guest's `echo hi` prints and until
// the VM has powered off. The same `busybox echo hi` is timed natively, under qemu-user and under
// wasl, so the table shows what starting one program costs on each.
//   node bench/vm.mjs [--quick] [--runs N]      (run.mjs calls vmBench() for the `vm` group)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "bench/.cache");

const which = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).stdout.trim() || null;

/** The newest Debian kernel image in /boot, or null. */
function findKernel() {
  if (!existsSync("/boot")) return null;
  const images = readdirSync("/boot").filter((f) => /^vmlinuz-/.test(f)).sort();
  return images.length ? join("/boot", images[images.length - 1]) : null;
}

/** A static busybox: Debian's busybox-static puts one at /bin/busybox. */
function findBusybox() {
  for (const p of ["/bin/busybox", "/usr/bin/busybox"]) {
    if (!existsSync(p)) continue;
    const r = spawnSync("file", ["-L", p], { encoding: "utf8" });
    // without `file`, trust it: the VM row then fails loudly if it is dynamic
    if (r.status !== 0 || /statically linked|static-pie/.test(r.stdout)) return p;
  }
  return null;
}

/** One newc ("070701") cpio entry; the kernel's initramfs unpacker reads this format. */
function cpioEntry(ino, name, mode, data = Buffer.alloc(0), rdev = [0, 0]) {
  const hex = (n) => n.toString(16).padStart(8, "0");
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length + 1, 0];
  const head = Buffer.from("070701" + fields.map(hex).join("") + name + "\0", "latin1");
  const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  return Buffer.concat([head, pad(head.length), data, pad(data.length)]);
}

/** Writes the initramfs (cached by the busybox it contains) and returns its path. */
export function buildInitramfs(busybox) {
  const bb = readFileSync(busybox);
  const out = join(cache, `initramfs-${bb.length}-${Math.floor(statSync(busybox).mtimeMs)}.cpio`);
  if (existsSync(out)) return out;
  // /dev/console is made here rather than with mknod, so no privileges are needed: without it the
  // kernel has no console to give init, and "hi" would go nowhere.
  const init = "#!/bin/busybox sh\n/bin/busybox echo hi\n/bin/busybox poweroff -f\n";
  const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFCHR = 0o020000;
  const parts = [
    cpioEntry(1, "bin", S_IFDIR | 0o755),
    cpioEntry(2, "dev", S_IFDIR | 0o755),
    cpioEntry(3, "dev/console", S_IFCHR | 0o600, undefined, [5, 1]),
    cpioEntry(4, "proc", S_IFDIR | 0o755),
    cpioEntry(5, "bin/busybox", S_IFREG | 0o755, bb),
    cpioEntry(6, "init", S_IFREG | 0o755, Buffer.from(init)),
    cpioEntry(7, "TRAILER!!!", 0),
  ];
  mkdirSync(cache, { recursive: true });
  writeFileSync(out, Buffer.concat(parts));
  return out;
}

/** Is KVM usable here (not just present)? A VM that boots nothing answers that quickly. */
function kvmWorks(qemu) {
  if (!existsSync("/dev/kvm")) return { ok: false, why: "/dev/kvm absent" };
  const r = spawnSync(qemu, ["-accel", "kvm", "-machine", "none", "-nodefaults", "-display", "none", "-S", "-qmp", "stdio"],
    { input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n', encoding: "utf8", timeout: 10000 });
  if (r.status === 0) return { ok: true };
  const msg = (r.stderr || "").trim().split("\n")[0] || `exit ${r.status}`;
  return { ok: false, why: `/dev/kvm present but unusable: ${msg}` };
}

const lastLine = (text) => text.trim().split("\n").slice(-1)[0]?.trim() ?? "";

/** Boots once; resolves to seconds until "hi" is on the serial console and until qemu exited. */
function bootOnce(qemu, kernel, initrd, accel, timeoutMs) {
  const args = [
    "-accel", accel, ...(accel === "kvm" ? ["-cpu", "host"] : []),
    "-m", "256", "-smp", "1", "-nodefaults", "-no-user-config", "-no-reboot",
    "-display", "none", "-serial", "stdio", "-monitor", "none",
    "-kernel", kernel, "-initrd", initrd,
    "-append", "console=ttyS0 quiet loglevel=0 panic=-1",
  ];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "", hi = null;
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      if (hi === null && /(^|\n)hi\r?\n/.test(out)) hi = Number(process.hrtime.bigint() - t0) / 1e9;
    });
    child.stderr.on("data", (d) => { err += d; });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const exit = Number(process.hrtime.bigint() - t0) / 1e9;
      const ok = hi !== null && code === 0;
      resolve({ ok, hi, exit, why: ok ? null : timedOut ? `no "hi" within ${timeoutMs / 1000} s (last console line: ${lastLine(out) || "none"})`
        : `qemu ${signal ?? "exit " + code}${hi === null ? ', no "hi"' : ""}: ${lastLine(err || out)}` });
    });
  });
}

/** Times a host command until "hi" is on its stdout and until it exited (same shape as bootOnce). */
function processOnce(cmd, argv, env) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "", hi = null;
    child.stdout.on("data", (d) => {
      out += d;
      if (hi === null && /(^|\n)hi\n/.test(out)) hi = Number(process.hrtime.bigint() - t0) / 1e9;
    });
    child.stderr.resume();
    child.on("close", (code) => {
      const exit = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ ok: code === 0 && hi !== null, hi, exit, why: code === 0 ? "no \"hi\"" : `exit ${code}` });
    });
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/**
 * Runs the group. `systems` are run.mjs's process systems (native, qemu-user, wasl): each has
 * name and cmd(bin, args) → [cmd, argv]. Returns { rows, unavailable, info }.
 */
export async function vmBench({ runs = 3, systems = [], progress = () => {} } = {}) {
  const rows = [], unavailable = [], info = {};
  const busybox = findBusybox();
  const qemu = which("qemu-system-x86_64");
  const kernel = findKernel();
  const vms = [];
  if (!busybox) unavailable.push({ system: "vm", why: "no static busybox (apt-get install busybox-static)" });
  else if (!qemu) unavailable.push({ system: "vm", why: "qemu-system-x86_64 missing (apt-get install qemu-system-x86)" });
  else if (!kernel) unavailable.push({ system: "vm", why: "no /boot/vmlinuz-* (apt-get install linux-image-amd64)" });
  else {
    const initrd = buildInitramfs(busybox);
    const kvm = kvmWorks(qemu);
    info.kernel = kernel;
    info.kvm = kvm.ok ? "used" : kvm.why;
    info.vm = "1 vCPU, 256 MiB, console on ttyS0, kernel cmdline quiet";
    if (kvm.ok) vms.push({ name: "vm-kvm", accel: "kvm" });
    else unavailable.push({ system: "vm-kvm", why: kvm.why });
    vms.push({ name: "vm-tcg", accel: "tcg" });
    for (const v of vms) v.once = () => bootOnce(qemu, kernel, initrd, v.accel, v.accel === "kvm" ? 30000 : 120000);
  }
  const procs = busybox ? systems.map((s) => ({
    name: s.name,
    once: () => { const [cmd, argv] = s.cmd(busybox, ["echo", "hi"]); return processOnce(cmd, argv, s.env); },
  })) : [];
  const all = [...procs, ...vms];
  const times = Object.fromEntries(all.map((s) => [s.name, { hi: [], exit: [], fail: null }]));
  for (let i = 0; i < runs; i++)
    for (const s of all) {
      if (times[s.name].fail) continue;
      progress(`vm.echo-hi ${s.name} run ${i + 1}/${runs}`);
      const r = await s.once();
      if (!r.ok) { times[s.name].fail = r.why; continue; }
      times[s.name].hi.push(r.hi);
      times[s.name].exit.push(r.exit);
    }
  for (const s of all) {
    const t = times[s.name];
    if (s.name === "vm-kvm") info.kvm = t.fail ? `present but unusable here (${t.fail.split(":")[0]})` : "used";
    if (t.fail) { unavailable.push({ system: s.name, why: `failed: ${t.fail}` }); continue; }
    for (const [w, xs] of [["vm.echo-hi.printed", t.hi], ["vm.echo-hi.exited", t.exit]])
      rows.push({ workload: w, system: s.name, unit: "s", median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length });
  }
  return { rows, unavailable, info };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || (process.argv.includes("--quick") ? 1 : 3);
  const r = await vmBench({ runs, progress: (s) => process.stderr.isTTY && process.stderr.write(`\r${s}\x1b[K`) });
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  console.log(JSON.stringify(r, null, 1));
}
