// The kernel's file layer as a whole: the mount layout of `wasl exec` (host root, devfs, procfs,
// tmpfs), stdio over the host (asynchronous stdin that parks the reader, poll with a timeout on
// it, terminals through a pseudo-terminal), SIGPIPE on a broken pipeline, and the syscall table
// covering every file call. Each behaviour is compared with the same busybox command run natively.
// Runs against the built runtime: WASL_DIST (default dist/).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { existsSync, mkdtempSync, writeFileSync, appendFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { waslNodeArgs, writeWaslLauncher } from "./lib/run.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(root, process.env.WASL_DIST || "dist");
const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/nonexistent", LANG: "C", TZ: "UTC" };
const BB = "/bin/busybox";
const waslArgs = (args) => waslNodeArgs("exec", ...args);

/** Runs a command natively and under wasl with the same stdin; both results. */
function both(args, input = "") {
  const native = spawnSync(args[0], args.slice(1), { env, input, timeout: 30000 });
  const wasl = spawnSync(process.execPath, waslArgs(args), { env, input, timeout: 60000 });
  return { native: { out: native.stdout.toString(), status: native.status }, wasl: { out: wasl.stdout.toString(), status: wasl.status, err: wasl.stderr.toString() } };
}
function same(args, input = "") {
  const r = both(args, input);
  assert.is(r.wasl.out, r.native.out, `stdout of ${args.join(" ")}\nwasl stderr: ${r.wasl.err}`);
  assert.is(r.wasl.status, r.native.status, "exit status");
  return r.native.out;
}

/** Runs a command under wasl feeding stdin in timed pieces (stdin stays open until the end). */
function waslFed(args, pieces) {
  return new Promise((done) => {
    const child = spawn(process.execPath, waslArgs(args), { env, stdio: ["pipe", "pipe", "pipe"] });
    const out = [], err = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
    child.on("close", (status) => { clearTimeout(timer); done({ out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString(), status }); });
    // A piece goes after a delay (ms, after the previous piece) or once stdout matches a pattern:
    // what must arrive after something happened in the guest waits for its output, not for a time
    // a loaded machine may not keep.
    const feed = (i) => {
      if (i >= pieces.length) return;
      const [when, text] = pieces[i];
      const send = () => { text === null ? child.stdin.end() : child.stdin.write(text); feed(i + 1); };
      if (typeof when === "number") { setTimeout(send, when); return; }
      const check = () => { if (when.test(Buffer.concat(out).toString())) { child.stdout.off("data", check); send(); } };
      child.stdout.on("data", check);
    };
    feed(0);
  });
}

const layout = suite("mount layout");

layout("the host's root is the guest's root; /dev and /proc are wasl's", () => {
  same([BB, "sh", "-c", "cat /etc/hostname; ls /usr/bin/env; echo x > /dev/null; head -c 4 /dev/zero | od -An -tx1"]);
  const mounts = spawnSync(process.execPath, waslArgs([BB, "cat", "/proc/mounts"]), { env }).stdout.toString();
  assert.match(mounts, /^\/ \/ hostfs rw /m);
  assert.match(mounts, /^udev \/dev devtmpfs /m);
  assert.match(mounts, /^devpts \/dev\/pts devpts /m);
  assert.match(mounts, /^tmpfs \/dev\/shm tmpfs /m);
  assert.match(mounts, /^proc \/proc proc /m);
});

layout("/dev/shm is a writable tmpfs and /proc/self follows the process", () => {
  same([BB, "sh", "-c", "echo data > /dev/shm/wasl-kfs.$$ && cat /dev/shm/wasl-kfs.$$ && rm /dev/shm/wasl-kfs.$$; stat -f -c %T /dev/shm"]);
  same([BB, "sh", "-c", "test \"$(readlink /proc/self)\" != \"$$\" && echo child-has-own-pid; readlink /proc/$$/exe"]);
});

layout.run();

const stdio = suite("stdio");

stdio("stdin arriving late parks the reader without blocking the host", async () => {
  const r = await waslFed([BB, "sh", "-c", "read a; echo got $a; read b; echo then $b"], [[300, "first\n"], [300, "second\n"], [50, null]]);
  assert.is(r.out, "got first\nthen second\n", r.err);
  assert.is(r.status, 0);
});

stdio("poll on stdin with a timeout (read -t) ends by the timer, then sees data", async () => {
  const r = await waslFed([BB, "sh", "-c", "read -t 0.2 x; echo timeout $?; read y; echo got $y"], [[/timeout/, "late\n"], [50, null]]);
  assert.is(r.out, "timeout 1\ngot late\n", r.err);
});

stdio("stdio descriptors report what the host's are (pipes here), not terminals", () => {
  same([BB, "sh", "-c", "tty; echo $?; test -p /dev/stdin && echo stdin-is-pipe; readlink /proc/self/fd/1 | cut -c1-6"], "");
  same([BB, "stat", "-L", "-c", "%F", "/dev/stdin"], "x");
});

stdio("a terminal on stdio answers isatty and TIOCGWINSZ", () => {
  if (!existsSync("/usr/bin/script")) { console.error("script(1) is missing: the terminal test checks nothing"); return; }
  const dir = mkdtempSync(join(tmpdir(), "wasl-kfs-"));
  try {
    const sh = join(dir, "t.sh"), js = join(dir, "wasl.mjs");
    writeFileSync(sh, "test -t 0 && echo tty0; test -t 1 && echo tty1; stty size; stty -a | grep -c icanon\n");
    writeWaslLauncher(js);
    // wasl keeps script's terminal raw while it runs (its pty does the line discipline), so the
    // end-of-input byte script types when its stdin ends is echoed by the guest's pty as ^@.
    const run = (cmd) => spawnSync("script", ["-qec", cmd, "/dev/null"], { env: { ...env, TERM: "dumb" }, timeout: 60000 }).stdout.toString().replace(/\r/g, "").replace(/\^@/g, "");
    const native = run(`${BB} sh ${sh}`);
    const w = run(`${process.execPath} ${js} exec ${BB} sh ${sh}`);
    assert.match(native, /^tty0\ntty1\n/);
    assert.is(w, native);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

stdio.run();

const pipes = suite("pipes between processes");

pipes("SIGPIPE ends a writer whose reader left", () => {
  assert.is(same([BB, "sh", "-c", "yes | head -n 3; echo ${PIPESTATUS:-done}"]), "y\ny\ny\ndone\n");
  same([BB, "sh", "-c", "(yes; echo unreachable >&2) | head -c 10 | wc -c"]);
});

pipes("a long pipeline moves more than a pipe's capacity", () => {
  same([BB, "sh", "-c", "seq 1 40000 | sed 's/$/ line/' | sort -r | md5sum"]);
});

pipes.run();

const watch = suite("inotify");

watch("tail -f sees lines a host process appends to a host file (inotify over hostfs)", async () => {
  if (!existsSync("/usr/bin/tail")) return;
  const dir = mkdtempSync(join(tmpdir(), "wasl-tailf-"));
  const file = join(dir, "log");
  writeFileSync(file, "first\n");
  try {
    const child = spawn(process.execPath, waslArgs(["/usr/bin/tail", "-f", file]), { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (b) => { out += b; });
    child.stderr.on("data", (b) => { err += b; });
    const until = async (re, ms) => { for (let t = 0; t < ms && !re.test(out); t += 50) await new Promise((r) => setTimeout(r, 50)); };
    await until(/first\n/, 20000);
    appendFileSync(file, "second\n");
    await until(/second\n/, 20000);
    child.kill();
    assert.is(out, "first\nsecond\n");
    assert.not.match(err, /unimplemented/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

watch.run();

const table = suite("syscall table");

table("every file system call of the issue has a handler", async () => {
  const { syscallByName } = await import(pathToFileURL(join(dist, "syscalls", "table.js")).href);
  const names = `open openat openat2 creat close close_range read write pread64 pwrite64 readv writev preadv pwritev
    preadv2 pwritev2 lseek dup dup2 dup3 fcntl stat fstat lstat newfstatat statx getdents64 getdents mkdir mkdirat rmdir
    unlink unlinkat rename renameat renameat2 link linkat symlink symlinkat readlink readlinkat chmod fchmod fchmodat
    chown fchown lchown fchownat utimensat utimes futimesat truncate ftruncate fallocate access faccessat faccessat2
    chdir fchdir getcwd chroot umask statfs fstatfs sync syncfs fsync fdatasync mknod mknodat pipe pipe2 memfd_create
    sendfile copy_file_range splice poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait
    epoll_pwait eventfd eventfd2 ioctl`.split(/\s+/);
  for (const n of names) {
    const e = syscallByName(n);
    assert.ok(e && e.handler && e.status !== "enosys", `${n} has a handler`);
  }
});

table.run();
