// The files every container gets and its image did not bring: /etc/hostname, /etc/hosts and
// /etc/resolv.conf (runtime/netfiles.ts). Their contents (as Docker writes them, with wasl's
// loopback address for the container's name), through the Sandbox API and `wasl run`; that they
// are each container's own, bind-mounted (rm and mv onto them: EBUSY, writes in place stay in the
// container's file, never in its upper layer); and a C program resolving names through them —
// glibc's nsswitch "files" backend and musl — printing what it prints natively in a chroot given
// the very same files.
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
const nf = await import(pathToFileURL(join(dist, "runtime/netfiles.js")).href);
const { nodeImageHost } = await import(pathToFileURL(join(dist, "images/host-node.js")).href);

const work = fs.mkdtempSync(join(os.tmpdir(), "wasl-netfiles-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
const home = join(work, "home");
const store = new w.ImageStore(nodeImageHost(), home);
await w.ensureDefaultImage(store);
const text = (b) => Buffer.from(b).toString();
const box = (opts = {}) => w.Sandbox.create({ image: "busybox", store, ...opts });
async function rejects(f, re) {
  try { await f(); } catch (e) { assert.match(e.message, re); return; }
  assert.unreachable("expected a rejection");
}

/** Docker's /etc/hosts lines before the --add-host ones. */
const DEFAULT_HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n" +
  "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
const GOOGLE = "nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n";

// ---- contents ----

const contents = suite("network files: contents");

contents("/etc/hosts: the defaults, --add-host entries in order, the container's name (FQDN and short) last", () => {
  assert.is(nf.hostsFile("abc"), DEFAULT_HOSTS + "127.0.1.1\tabc\n");
  assert.is(nf.hostsFile("web.example.com", [["db", "10.0.0.5"], ["v6", "fe80::1"]]),
    DEFAULT_HOSTS + "10.0.0.5\tdb\nfe80::1\tv6\n127.0.1.1\tweb.example.com web\n");
  assert.is(nf.hostnameFile("web.example.com"), "web.example.com\n");
});

contents("/etc/resolv.conf: the host's without loopback nameservers; Google's when none is left; --dns and friends", () => {
  const host = "# from DHCP\nsearch corp.example lab.example\nnameserver 127.0.0.53\nnameserver 10.1.2.3\nnameserver ::1\noptions edns0\n";
  assert.is(nf.resolvConfFile({ hostResolvConf: host }), "# from DHCP\nsearch corp.example lab.example\nnameserver 10.1.2.3\noptions edns0\n");
  assert.is(nf.resolvConfFile({ hostResolvConf: "nameserver 127.0.0.1\nsearch x.example\n" }), "search x.example\n" + GOOGLE);
  assert.is(nf.resolvConfFile({ hostResolvConf: null }), GOOGLE);
  // Any of the three makes a new file; the parts not given come from the host's.
  assert.is(nf.resolvConfFile({ hostResolvConf: host, dns: ["192.0.2.53"] }), "search corp.example lab.example\nnameserver 192.0.2.53\noptions edns0\n");
  assert.is(nf.resolvConfFile({ hostResolvConf: host, dnsSearch: ["a.example"], dnsOptions: ["ndots:2", "timeout:1"] }),
    "search a.example\nnameserver 10.1.2.3\noptions ndots:2 timeout:1\n");
  assert.is(nf.resolvConfFile({ hostResolvConf: host, dns: ["9.9.9.9"], dnsSearch: ["."] }), "nameserver 9.9.9.9\noptions edns0\n");
});

contents("addresses and --add-host specs", () => {
  for (const ok of ["1.2.3.4", "::1", "::", "fe80::1%eth0", "2001:db8::8:800:200c:417a", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8"]) assert.ok(nf.isIP(ok), ok);
  for (const bad of ["1.2.3", "256.1.1.1", "1.2.3.4.5", "::1::", "1:2:3:4:5:6:7:8:9", "12345::1", "g::1", "host", ""]) assert.not.ok(nf.isIP(bad), bad);
  assert.equal(nf.parseExtraHost("db:10.0.0.5"), ["db", "10.0.0.5"]);
  assert.equal(nf.parseExtraHost("db=10.0.0.5"), ["db", "10.0.0.5"]);
  assert.equal(nf.parseExtraHost("v6:fe80::1"), ["v6", "fe80::1"]);
  assert.equal(nf.parseExtraHost("v6=[::1]"), ["v6", "::1"]);
  assert.throws(() => nf.parseExtraHost("db"), /name:address/);
  assert.throws(() => nf.parseExtraHost("db:1.2.3"), /invalid IP/);
  assert.throws(() => nf.parseExtraHost("gw:host-gateway"), /no host gateway/);
});

contents.run();

// ---- through the Sandbox API and wasl run ----

const sb = suite("network files in a sandbox");

sb("the knobs: hostname, extraHosts, dns, dnsSearch, dnsOptions; readFile and the guest see the same", async () => {
  const b = await box({ hostname: "box1.example.com", extraHosts: { db: "10.0.0.5" }, dns: ["192.0.2.53"], dnsSearch: ["corp.example"], dnsOptions: ["ndots:2"] });
  const hosts = DEFAULT_HOSTS + "10.0.0.5\tdb\n127.0.1.1\tbox1.example.com box1\n";
  const resolv = "search corp.example\nnameserver 192.0.2.53\noptions ndots:2\n";
  assert.is(text(await b.readFile("/etc/hostname")), "box1.example.com\n");
  assert.is(text(await b.readFile("/etc/hosts")), hosts);
  assert.is(text(await b.readFile("/etc/resolv.conf")), resolv);
  const r = await b.run(["sh", "-c", "cat /etc/hostname /etc/hosts /etc/resolv.conf; hostname; hostname -i"]);
  assert.is(text(r.stderr), "");
  assert.is(text(r.stdout), "box1.example.com\n" + hosts + resolv + "box1.example.com\n127.0.1.1\n");
  await b.close();
});

sb("defaults: the container id's name; resolv.conf from the host's; deterministic: fixed", async () => {
  const b = await box();
  assert.match(b.hostname, /^[0-9a-f]{12}$/);
  assert.is(text(await b.readFile("/etc/hostname")), b.hostname + "\n");
  assert.is(text(await b.readFile("/etc/hosts")), DEFAULT_HOSTS + `127.0.1.1\t${b.hostname}\n`);
  let host = null;
  try { host = fs.readFileSync("/etc/resolv.conf", "latin1"); } catch { /* none: derived from nothing */ }
  if (host && /^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(host) && host.match(/^\s*nameserver/gm).length === 1) {
    try { host = fs.readFileSync("/run/systemd/resolve/resolv.conf", "latin1"); } catch { /* keep /etc's */ }
  }
  const got = text(await b.readFile("/etc/resolv.conf"));
  assert.is(got, nf.resolvConfFile({ hostResolvConf: host }));
  assert.not.match(got, /^\s*nameserver\s+(127\.|::1\s*$)/m, "no loopback nameserver");
  await b.close();
  const d = await box({ deterministic: true });
  const r = await d.run(["sh", "-c", "cat /etc/hostname /etc/hosts /etc/resolv.conf; stat -c '%y %n' /etc/hosts /etc"]);
  assert.is(text(r.stdout), "wasl\n" + DEFAULT_HOSTS + "127.0.1.1\twasl\n" + GOOGLE +
    "2000-01-01 00:00:00.000000000 +0000 /etc/hosts\n2000-01-01 00:00:00.000000000 +0000 /etc\n");
  await d.close();
});

sb("mounted files: 0644 root, in /proc/mounts, rm and mv onto them EBUSY, writable in place", async () => {
  const b = await box({ hostname: "m" });
  const resolvSize = (await b.readFile("/etc/resolv.conf")).length;
  const r = await b.run(["sh", "-c", [
    "stat -c '%a %u %g %s %n' /etc/resolv.conf /etc/hostname /etc/hosts",
    "grep ' /etc/' /proc/mounts | cut -d' ' -f2",
    "rm /etc/hosts", "rm -f /etc/resolv.conf", "echo x > /tmp/h; mv /tmp/h /etc/hostname", "sed -i s/m/n/ /etc/hostname",
    "echo '10.1.1.1 added' >> /etc/hosts; tail -1 /etc/hosts; echo other > /etc/hostname; cat /etc/hostname",
  ].join("; ")]);
  assert.is(text(r.stdout), `644 0 0 ${resolvSize} /etc/resolv.conf\n` +
    `644 0 0 2 /etc/hostname\n644 0 0 ${(DEFAULT_HOSTS + "127.0.1.1\tm\n").length} /etc/hosts\n` +
    "/etc/resolv.conf\n/etc/hostname\n/etc/hosts\n10.1.1.1 added\nother\n");
  const err = text(r.stderr).split("\n").filter(Boolean);
  assert.is(err.length, 4, text(r.stderr));
  for (const l of err) assert.match(l, /Device or resource busy/);
  // The next run of the same container sees the changes (they are its files), the upper layer holds none of it.
  const again = await b.run(["sh", "-c", "tail -1 /etc/hosts; cat /etc/hostname"]);
  assert.is(text(again.stdout), "10.1.1.1 added\nother\n");
  // (sed -i made and removed its temporary file in /etc, so /etc itself was copied up.)
  const upperEtc = b.container.diffTree().children.get("etc");
  for (const f of ["hosts", "hostname", "resolv.conf"]) assert.is(upperEtc?.children.get(f), undefined, `${f} in the upper layer`);
  // The merged tree (`docker export`) has the init layer's empty 0755 files under them.
  const etc = b.container.mergedTree().children.get("etc");
  for (const f of ["hosts", "hostname", "resolv.conf"]) {
    const n = etc.children.get(f);
    assert.is(n.kind, "file", f);
    assert.is(n.mode, 0o755, f);
    assert.is(n.size, 0, f);
  }
  await b.close();
});

sb("each container has its own files; the image's /etc/hosts is covered, not changed", async () => {
  const a = await box({ hostname: "a" }), c = await box({ hostname: "c" });
  await a.run(["sh", "-c", "echo '10.2.2.2 only-a' >> /etc/hosts"]);
  const rc = await c.run(["sh", "-c", "cat /etc/hosts; cat /etc/hostname"]);
  assert.is(text(rc.stdout), DEFAULT_HOSTS + "127.0.1.1\tc\nc\n");
  const ra = await a.run(["grep", "-c", "only-a", "/etc/hosts"]);
  assert.is(text(ra.stdout), "1\n");
  // The image's own file (busyboxEntries writes two localhost lines) is still what a container without the init layer has.
  const bare = w.Container.create(store, a.image);
  assert.is(bare.mergedTree().children.get("etc").children.get("hosts").size, "127.0.0.1\tlocalhost\n::1\tlocalhost\n".length);
  await a.close(); await c.close();
});

sb("invalid knobs are SandboxErrors", async () => {
  await rejects(() => box({ extraHosts: ["nocolon"] }), /name:address/);
  await rejects(() => box({ extraHosts: { x: "1.2.3" } }), /invalid IP/);
  await rejects(() => box({ extraHosts: ["gw:host-gateway"] }), /no host gateway/);
  await rejects(() => box({ dns: ["dns.example"] }), /invalid nameserver/);
  await rejects(() => box({ hostname: "two words" }), /invalid hostname/);
});

const launcher = writeWaslLauncher(join(work, "wasl.mjs"));
const cli = (args) => spawnSync(process.execPath, [launcher, ...args], { env: { PATH: process.env.PATH, WASL_HOME: home }, encoding: "utf8", cwd: work });

sb("wasl run --hostname --add-host --dns --dns-search --dns-option", () => {
  const r = cli(["run", "--rm", "--hostname", "cli.example", "--add-host", "db:10.0.0.5", "--add-host=v6=[fe80::2]", "--dns", "192.0.2.1",
    "--dns", "192.0.2.2", "--dns-search", "a.example", "--dns-option", "ndots:3", "busybox", "sh", "-c", "cat /etc/hostname /etc/hosts /etc/resolv.conf"]);
  assert.is(r.stderr, "");
  assert.is(r.status, 0);
  assert.is(r.stdout, "cli.example\n" + DEFAULT_HOSTS + "10.0.0.5\tdb\nfe80::2\tv6\n127.0.1.1\tcli.example cli\n" +
    "search a.example\nnameserver 192.0.2.1\nnameserver 192.0.2.2\noptions ndots:3\n");
  for (const bad of [["--add-host", "db"], ["--dns", "nope"]]) {
    const e = cli(["run", "--rm", ...bad, "busybox", "true"]);
    assert.is(e.status, 125, e.stderr);
    assert.match(e.stderr, /^wasl run: invalid/);
  }
});

sb.run();

// ---- resolving names: a C program natively in a chroot and under wasl, given the same files ----

const res = suite("name resolution through the network files: wasl vs native");
const haveMusl = spawnSync("bash", ["-c", "command -v musl-gcc"]).status === 0;
// The native side runs in a network namespace of its own with only the loopback device up, which
// is the network a sandbox has (and `docker run --network none`'s): no nameserver is reachable.
const NATIVE_NET = 'ip link set lo up || exit 99; exec chroot "$@"';
const canNative = process.getuid?.() === 0 && spawnSync("unshare", ["-n", "sh", "-c", "ip link set lo up"]).status === 0;
if (!canNative) {
  console.error("netfiles: no root, unshare -n or ip here, so no native chroot to compare with: the resolution tests are skipped");
  res.skip("resolution");
} else {
  const src = join(repo, "test/netfiles/resolve.c");
  const glibcBin = join(work, "resolve-glibc");
  execFileSync("gcc", ["-O2", "-o", glibcBin, src]);
  const muslBin = haveMusl ? join(work, "resolve-musl") : null;
  if (muslBin) execFileSync("musl-gcc", ["-O2", "-static", "-o", muslBin, src]);
  else console.error("netfiles: musl-gcc is not installed (apt-get install musl-tools): the musl resolver is not compared");
  // The dynamic program's libraries, at the paths its loader asks for.
  const libs = execFileSync("ldd", [glibcBin], { encoding: "utf8" }).split("\n")
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1]).filter(Boolean);
  const files = [
    ...libs.map((p) => ({ path: p.slice(1), data: fs.readFileSync(fs.realpathSync(p)), mode: 0o755 })),
    { path: "usr/local/bin/resolve", data: fs.readFileSync(glibcBin), mode: 0o755 },
    ...(muslBin ? [{ path: "usr/local/bin/resolve-musl", data: fs.readFileSync(muslBin), mode: 0o755 }] : []),
    { path: "etc/nsswitch.conf", data: "hosts: files dns\n", mode: 0o644 },
  ];
  const dirsOf = (p) => p.split("/").slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join("/"));
  const dirs = [...new Set(files.flatMap((f) => dirsOf(f.path)))].sort();
  const busybox = w.busyboxEntries(w.BUSYBOX_PATHS?.find?.((p) => fs.existsSync(p)) ?? "/bin/busybox");
  const have = new Set(busybox.map((e) => e.path));
  const imageDir = join(work, "resolve-image");
  w.writeOciLayout(imageDir, [
    ...busybox.filter((e) => !files.some((f) => f.path === e.path)),
    ...dirs.filter((d) => !have.has(d)).map((d) => ({ path: d, type: "dir", mode: 0o755 })),
    ...files.map((f) => ({ ...f, type: "file" })),
  ], { Env: ["PATH=/usr/local/bin:/usr/bin:/bin"] }, { refName: "latest" });
  const image = await w.openImage(store, `oci:${imageDir}`);

  /** The native side: the same files in a directory, the container's network files copied in. */
  async function nativeTree(b, name) {
    const dir = join(work, `native-${name}`);
    for (const d of ["bin", ...dirs, "etc"]) fs.mkdirSync(join(dir, d), { recursive: true });
    for (const f of files) fs.writeFileSync(join(dir, f.path), f.data, { mode: f.mode });
    fs.copyFileSync("/bin/busybox", join(dir, "bin/busybox"));
    for (const f of ["hosts", "hostname", "resolv.conf"]) fs.writeFileSync(join(dir, "etc", f), await b.readFile(`/etc/${f}`));
    return dir;
  }

  // A name the files lack (or lack for the family asked) goes on to DNS, which fails on both sides alike.
  const NAMES = ["localhost", "ip6-localhost", "ip6-allnodes", "db", "v6only", "srv.example.org", "srv", "nosuch.example"];
  const ADDRS = ["-r", "127.0.0.1", "::1", "127.0.1.1", "10.0.0.5", "ff02::2"];

  for (const [label, prog] of [["glibc (nsswitch files)", "/usr/local/bin/resolve"], ...(muslBin ? [["musl", "/usr/local/bin/resolve-musl"]] : [])]) {
    res(`${label}: getaddrinfo and getnameinfo print what they print natively`, async () => {
      const b = await w.Sandbox.create({ image, store, hostname: "srv.example.org", extraHosts: ["db:10.0.0.5", "v6only:fd00::7"] });
      const argv = [prog, ...NAMES, ...ADDRS];
      const r = await b.run(argv);
      const dir = await nativeTree(b, label.split(" ")[0]);
      const n = spawnSync("unshare", ["-n", "sh", "-c", NATIVE_NET, "sh", dir, ...argv],
        { env: { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" }, encoding: "utf8", timeout: 60000 });
      assert.is(n.status, 0, `${n.stderr} ${n.error ?? ""} ${n.signal ?? ""}`);
      assert.is(text(r.stderr), n.stderr);
      assert.is(text(r.stdout), n.stdout);
      // What that output says, so that a resolver that fails the same way on both sides fails here.
      assert.match(n.stdout, /^getaddrinfo localhost inet: canon=localhost 127\.0\.0\.1$/m);
      assert.match(n.stdout, /^getaddrinfo srv\.example\.org inet: canon=srv\.example\.org 127\.0\.1\.1$/m);
      assert.match(n.stdout, /^getaddrinfo db inet: canon=db 10\.0\.0\.5$/m);
      assert.match(n.stdout, /^getnameinfo 127\.0\.1\.1: srv\.example\.org$/m);
      assert.match(n.stdout, /^getnameinfo 127\.0\.0\.1: localhost$/m);
      assert.match(n.stdout, /^getaddrinfo nosuch\.example unspec: error EAI_(AGAIN|NONAME)$/m);
      // Its own name through gethostname(), which only the container has (natively it is the host's).
      const own = await b.run([prog, "-n"]);
      assert.is(text(own.stdout), "gethostname: srv.example.org\n" +
        "getaddrinfo srv.example.org inet: canon=srv.example.org 127.0.1.1\n" +
        "getaddrinfo srv.example.org unspec: canon=srv.example.org 127.0.1.1\n");
      await b.close();
    });
  }

  res("glibc: a name the files lack fails at once (no nameserver is reachable from the loopback-only network)", async () => {
    const b = await w.Sandbox.create({ image, store, dns: ["192.0.2.53"], dnsOptions: ["timeout:30", "attempts:5"] });
    const r = await b.run(["/usr/local/bin/resolve", "nosuch.example"], { timeoutMs: 20000 });
    assert.is(r.timedOut, false);
    assert.is(text(r.stdout).split("\n").filter(Boolean).map((l) => l.replace(/:.*error /, ": ")).join("\n"),
      "getaddrinfo nosuch.example inet: EAI_AGAIN\ngetaddrinfo nosuch.example inet6: EAI_AGAIN\ngetaddrinfo nosuch.example unspec: EAI_AGAIN");
    await b.close();
  });
}

res.run();
