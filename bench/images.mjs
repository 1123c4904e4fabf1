// The images group: `wasl load` of a Debian minbase rootfs packed as a `docker save` tarball (a
// fresh store each run), the first `wasl run IMAGE true` from it, and `wasl run busybox echo hi`
// cold — each next to the closest native equivalent (unpacking the same tar; chroot + true; the
// host's busybox echo). The rootfs is the debootstrap tree the image tests cache in test/.cache
// (made here with debootstrap when missing and the tool is installed).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MINBASE = "debootstrap-minbase-bookworm-amd64";

function sh(cmd) {
  const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

function timeIt(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, maxBuffer: 1 << 26, timeout: 600_000 });
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, ok: r.status === 0, why: `exit ${r.status}: ${String(r.stderr).trim().split("\n").pop()}` };
}

/** Peak RSS in MiB of one run, from GNU time; null when /usr/bin/time is missing or the run fails. */
function peakRss(cmd, args, env) {
  if (!existsSync("/usr/bin/time")) return null;
  const r = spawnSync("/usr/bin/time", ["-f", "rss_kb=%M", cmd, ...args], { env, maxBuffer: 1 << 26, timeout: 600_000 });
  const m = String(r.stderr).match(/rss_kb=(\d+)/);
  return r.status === 0 && m ? Number(m[1]) / 1024 : null;
}

/** The minbase tree, or a reason it is unavailable. */
function rootfs(root) {
  const tree = join(root, "test", ".cache", MINBASE);
  if (existsSync(join(tree, "usr", "bin", "dpkg"))) return { tree };
  if (spawnSync("sh", ["-c", "command -v debootstrap"]).status !== 0) return { why: "debootstrap not installed (apt-get install debootstrap)" };
  const partial = tree + ".partial";
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(root, "test", ".cache"), { recursive: true });
  const r = spawnSync("debootstrap", ["--variant=minbase", "bookworm", partial, "http://deb.debian.org/debian"], { stdio: "ignore", timeout: 600_000 });
  if (r.status !== 0) return { why: `debootstrap failed (status ${r.status})` };
  sh(`mv '${partial}' '${tree}'`);
  return { tree };
}

/** A new-style `docker save` tarball of the tree (one layer); returns its path and sizes. */
function packDockerSave(tree, dir) {
  const layer = join(dir, "layer.tar");
  sh(`tar --format=pax --numeric-owner --sort=name -C '${tree}' --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf '${layer}' .`);
  const bytes = readFileSync(layer);
  const diffID = "sha256:" + createHash("sha256").update(bytes).digest("hex");
  const config = JSON.stringify({ architecture: "amd64", os: "linux", config: { Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: [diffID] } });
  const configName = createHash("sha256").update(config).digest("hex") + ".json";
  writeFileSync(join(dir, configName), config);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: configName, RepoTags: ["bench/minbase:latest"], Layers: ["layer.tar"] }]));
  const archive = join(dir, "minbase.tar");
  sh(`tar -C '${dir}' -cf '${archive}' manifest.json '${configName}' layer.tar`);
  return { archive, layer, layerBytes: bytes.length };
}

/**
 * Rows for run.mjs's table: { workload, system, samples (seconds) } plus unavailable reasons.
 * wasl is the CLI launcher run.mjs uses.
 */
export function imagesBench({ root, wasl, busybox, runs = 3, progress = () => {} }) {
  const rows = [], unavailable = [], params = {};
  const node = process.execPath;
  const push = (workload, system, samples, unit = "s") => { if (samples.length) rows.push({ workload, system, samples, unit }); };
  const pushRss = (workload, system, mib) => { if (mib !== null) push(workload, system, [mib], "MiB"); };

  // Cold `wasl run busybox echo hi` (the embedded default image, already in the store after one run).
  if (busybox) {
    const home = mkdtempSync(join(tmpdir(), "wasl-bench-home-"));
    const env = { ...process.env, WASL_HOME: home };
    timeIt(node, [wasl, "run", "--rm", "busybox", "true"], env); // builds the default image once
    const w = [], n = [];
    // A run takes ~0.1 s: more of them make the median worth quoting on a noisy machine.
    const coldRuns = Math.max(runs * 3, 9);
    for (let i = 0; i < coldRuns; i++) {
      progress(`startup.wasl-run-busybox run ${i + 1}/${coldRuns}`);
      const a = timeIt(busybox, ["echo", "hi"]); if (a.ok) n.push(a.s);
      const b = timeIt(node, [wasl, "run", "--rm", "busybox", "echo", "hi"], env);
      if (b.ok) w.push(b.s); else unavailable.push({ workload: "startup.wasl-run-busybox-cold", system: "wasl", why: b.why });
    }
    push("startup.wasl-run-busybox-cold", "native", n);
    push("startup.wasl-run-busybox-cold", "wasl", w);
    progress("startup.wasl-run-busybox peak RSS");
    pushRss("startup.wasl-run-busybox-cold", "native", peakRss(busybox, ["echo", "hi"]));
    pushRss("startup.wasl-run-busybox-cold", "wasl", peakRss(node, [wasl, "run", "--rm", "busybox", "echo", "hi"], env));
    params["startup.wasl-run-busybox-cold"] = "native: busybox echo hi; wasl: wasl run --rm busybox echo hi, a new process";
    // The same call warm, through the library in one host process (bench/warm.mjs).
    progress("startup.warm-library-call");
    const warm = spawnSync(node, [join(root, "bench/warm.mjs"), String(Math.max(5, runs * 5))], { env, encoding: "utf8", timeout: 600_000 });
    if (warm.status === 0) push("startup.warm-library-call", "wasl", JSON.parse(warm.stdout.trim().split("\n").pop()));
    else unavailable.push({ workload: "startup.warm-library-call", system: "wasl", why: `exit ${warm.status}: ${String(warm.stderr).trim().split("\n").pop()}` });
    params["startup.warm-library-call"] = "wasl: Sandbox.run([\"echo\", \"hi\"]) again in the same host process (a new kernel per run on the sandbox's recycled machine; module and image cached)";
    rmSync(home, { recursive: true, force: true });
  }

  const fs = rootfs(root);
  if (!fs.tree) { unavailable.push({ workload: "images.rootfs-load", system: "wasl", why: fs.why }); return { rows, unavailable, params }; }
  const work = mkdtempSync(join(tmpdir(), "wasl-bench-img-"));
  try {
    const { archive, layer, layerBytes } = packDockerSave(fs.tree, work);
    params["images.rootfs-load"] = `Debian bookworm minbase, ${(layerBytes / 1e6).toFixed(0)} MB layer; native: tar -x of the layer; wasl: wasl load into an empty store`;
    params["images.rootfs-first-run"] = "native: chroot DIR /bin/true; wasl: first wasl run --rm IMAGE /bin/true after the load";
    const load = [], untar = [], first = [], chroot = [];
    let loadRss = null, untarRss = null;
    const canChroot = process.getuid?.() === 0;
    for (let i = 0; i < runs; i++) {
      progress(`images.rootfs run ${i + 1}/${runs}`);
      const dest = join(work, `x${i}`);
      mkdirSync(dest);
      const u = timeIt("tar", ["-C", dest, "-xf", layer]); if (u.ok) untar.push(u.s);
      if (canChroot) { const c = timeIt("chroot", [dest, "/bin/true"]); if (c.ok) chroot.push(c.s); }
      rmSync(dest, { recursive: true, force: true });
      const home = mkdtempSync(join(tmpdir(), "wasl-bench-home-"));
      const env = { ...process.env, WASL_HOME: home };
      const l = timeIt(node, [wasl, "load", archive], env);
      if (l.ok) load.push(l.s); else unavailable.push({ workload: "images.rootfs-load", system: "wasl", why: l.why });
      // Memory of a load: one more, into a fresh store, under GNU time (first round only).
      if (i === 0) {
        const home2 = mkdtempSync(join(tmpdir(), "wasl-bench-home-"));
        loadRss = peakRss(node, [wasl, "load", archive], { ...process.env, WASL_HOME: home2 });
        rmSync(home2, { recursive: true, force: true });
        const dest2 = join(work, "rss");
        mkdirSync(dest2);
        untarRss = peakRss("tar", ["-C", dest2, "-xf", layer]);
        rmSync(dest2, { recursive: true, force: true });
      }
      const r = timeIt(node, [wasl, "run", "--rm", "bench/minbase:latest", "/bin/true"], env);
      if (r.ok) first.push(r.s); else unavailable.push({ workload: "images.rootfs-first-run", system: "wasl", why: r.why });
      rmSync(home, { recursive: true, force: true });
    }
    push("images.rootfs-load", "native", untar);
    push("images.rootfs-load", "wasl", load);
    pushRss("images.rootfs-load", "native", untarRss);
    pushRss("images.rootfs-load", "wasl", loadRss);
    push("images.rootfs-first-run", "native", chroot);
    push("images.rootfs-first-run", "wasl", first);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { rows, unavailable, params };
}
