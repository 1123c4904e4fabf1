// The kernel's first stage: ELF loading (static, static-pie, bad inputs), the initial stack and
// registers, fault → signal mapping in the CLI, the syscall table, and the basic system calls,
// each checked against the host kernel where one can be asked.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, chmodSync, renameSync, openSync, readSync, closeSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waslNodeArgs } from "./lib/run.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = process.env.WASL_DIST ? join(root, process.env.WASL_DIST) : join(root, "dist");
const srcDir = join(root, "test", "kernel");
const cacheDir = join(root, "test", ".cache", "kernel");
const STACK_TOP = 0x7ffffffff000n;
const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/nonexistent", LANG: "C" };

/** Builds a guest from test/kernel (assembly or C) into the content-addressed cache. */
function build(source, how) {
  const text = readFileSync(join(srcDir, source));
  const hash = createHash("sha256").update(how.join(" ")).update(text).digest("hex").slice(0, 16);
  const out = join(cacheDir, hash, source.replace(/\.\w+$/, ""));
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp${process.pid}`;
  if (source.endsWith(".s")) {
    run("as", [join(srcDir, source), "-o", `${tmp}.o`]);
    run("ld", [...how, `${tmp}.o`, "-o", tmp]);
  } else run(how[0], [...how.slice(1), "-o", tmp, join(srcDir, source)]);
  renameSync(tmp, out);
  return out;
}
function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.error}`);
}
const STATIC = ["-static"], PIE = ["-static", "-pie", "--no-dynamic-linker"];
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Runs the CLI (dist/runtime/cli.js, or WASL_DIST's) as a child process. */
function wasl(args, opts = {}) {
  const r = spawnSync(process.execPath, waslNodeArgs(...args), { env, timeout: 60000, ...opts });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString() };
}
function native(path, args = []) {
  const r = spawnSync(path, args, { env });
  return { status: r.status ?? 128 + (r.signal ? { SIGSEGV: 11, SIGILL: 4, SIGTRAP: 5, SIGFPE: 8 }[r.signal] : 0), stdout: r.stdout };
}

// ---- loader ---------------------------------------------------------------------------------
const loader = suite("loader");

loader("static ET_EXEC: output and exit status", () => {
  const r = wasl(["exec", build("hello.s", STATIC)]);
  assert.is(r.stdout.toString(), "hi\n");
  assert.is(r.status, 3);
  assert.is(r.stderr, "");
});

loader("static-pie ET_DYN: output and exit status", () => {
  const p = build("hello.s", PIE);
  assert.is(readFileSync(p)[16], 3, "ld made an ET_DYN");
  const r = wasl(["exec", p]);
  assert.is(r.stdout.toString(), "hi\n");
  assert.is(r.status, 3);
});

loader("a bare name is looked up in PATH", () => {
  const p = build("hello.s", STATIC);
  const r = wasl(["exec", "hello"], { env: { ...env, PATH: `/nonexistent:${dirname(p)}` } });
  assert.is(r.stdout.toString(), "hi\n");
  assert.is(r.status, 3);
});

loader.run();

// ---- bad inputs -----------------------------------------------------------------------------
const bad = suite("bad ELF inputs");
const badDir = join(cacheDir, "bad");

/** A copy of the hello guest with patch(bytes) applied, made executable. */
function variant(name, patch) {
  mkdirSync(badDir, { recursive: true });
  const bytes = Buffer.from(readFileSync(build("hello.s", STATIC)));
  const out = join(badDir, name);
  writeFileSync(out, patch(bytes));
  chmodSync(out, 0o755);
  return out;
}
function expectError(path, status, pattern) {
  const r = wasl(["exec", path]);
  assert.is(r.status, status, r.stderr);
  assert.is(r.stdout.length, 0);
  assert.match(r.stderr, pattern);
  assert.is(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
}

bad("missing file → 127", () => expectError("/nonexistent/prog", 127, /No such file or directory/));
bad("command not in PATH → 127", () => expectError("no-such-command-wasl", 127, /command not found/));
bad("a directory → 126", () => expectError(srcDir, 126, /Is a directory/));
bad("not executable → 126", () => {
  const p = variant("noexec", (b) => b);
  chmodSync(p, 0o644);
  expectError(p, 126, /Permission denied/);
});
bad("truncated header", () => expectError(variant("trunc", (b) => b.subarray(0, 40)), 126, /Exec format error.*truncated/));
bad("truncated program headers", () => expectError(variant("trunc-ph", (b) => b.subarray(0, 80)), 126, /Exec format error.*program headers/));
bad("garbage", () => expectError(variant("garbage", () => Buffer.from("this is not a program\n".repeat(10))), 126, /Exec format error.*magic/));
bad("32-bit class", () => expectError(variant("class32", (b) => { b[4] = 1; return b; }), 126, /32-bit/));
bad("wrong machine", () => expectError(variant("aarch64", (b) => { b.writeUInt16LE(183, 18); return b; }), 126, /wrong machine: AArch64/));
bad("relocatable object", () => expectError(variant("rel", (b) => { b.writeUInt16LE(1, 16); return b; }), 126, /relocatable/));
bad("segment outside the file", () => expectError(variant("outside", (b) => {
  const phoff = Number(b.readBigUInt64LE(32));
  b.writeBigUInt64LE(0x100000n, phoff + 32); // p_filesz of the first PT_LOAD
  b.writeBigUInt64LE(0x100000n, phoff + 40);
  return b;
}), 126, /outside the file/));
bad("absurd memory size", () => expectError(variant("huge", (b) => {
  const phoff = Number(b.readBigUInt64LE(32));
  b.writeBigUInt64LE(0x7fff00000000n, phoff + 40);
  return b;
}), 126, /Exec format error/));

bad.run();

// ---- initial stack and registers ------------------------------------------------------------
const stack = suite("initial stack");

const AT = { PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13, EGID: 14,
  PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, EXECFN: 31, SYSINFO_EHDR: 33, MINSIGSTKSZ: 51 };

/** Decodes what test/kernel/entry.s writes: registers, flags, and the stack from rsp to its top page. */
function parseEntry(out) {
  const regs = [];
  for (let i = 0; i < 16; i++) regs.push(out.readBigUInt64LE(i * 8));
  const flags = out.readBigUInt64LE(128);
  const block = out.subarray(136);
  const rsp = regs[4];
  const top = rsp + BigInt(block.length);
  const at = (addr) => Number(addr - rsp);
  const str = (addr) => { const o = at(addr); return block.subarray(o, block.indexOf(0, o)).toString(); };
  let o = 0;
  const word = () => { const v = block.readBigUInt64LE(o); o += 8; return v; };
  const argc = Number(word());
  const argv = [];
  for (let i = 0; i < argc; i++) argv.push(str(word()));
  assert.is(word(), 0n, "argv NULL");
  const envp = [];
  for (let p = word(); p !== 0n; p = word()) envp.push(str(p));
  const auxv = [];
  for (;;) { const k = Number(word()), v = word(); if (k === 0) break; auxv.push([k, v]); }
  return { regs, flags, rsp, top, argc, argv, envp, auxv, block, at, str };
}

stack("registers at entry: all zero but rsp; RFLAGS 0x202 (same as the host kernel)", () => {
  const p = build("entry.s", STATIC);
  for (const [who, out] of [["wasl", wasl(["exec", p, "x"]).stdout], ["native", native(p, ["x"]).stdout]]) {
    const e = parseEntry(out);
    e.regs.forEach((v, i) => { if (i !== 4) assert.is(v, 0n, `${who}: register ${i} is zero`); });
    assert.is(e.flags, 0x202n, `${who}: rflags`);
    assert.is(e.rsp % 16n, 0n, `${who}: rsp 16-byte aligned at argc`);
  }
});

stack("argc, argv, envp, auxv as Linux lays them out", () => {
  const p = build("entry.s", STATIC);
  const args = ["one", "two words", ""];
  const r = wasl(["exec", p, ...args]);
  assert.is(r.status, 0, r.stderr);
  const e = parseEntry(r.stdout);
  assert.is(e.top, STACK_TOP);
  assert.is(e.argc, 4);
  assert.equal(e.argv, [p, ...args]);
  assert.equal(e.envp.sort(), Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
  const keys = e.auxv.map(([k]) => k);
  assert.equal(keys, [AT.MINSIGSTKSZ, AT.HWCAP, AT.PAGESZ, AT.CLKTCK, AT.PHDR, AT.PHENT, AT.PHNUM, AT.BASE, AT.FLAGS,
    AT.ENTRY, AT.UID, AT.EUID, AT.GID, AT.EGID, AT.SECURE, AT.RANDOM, AT.HWCAP2, AT.EXECFN, AT.PLATFORM]);
  const aux = Object.fromEntries(e.auxv.map(([k, v]) => [k, v]));
  const elf = readFileSync(p);
  assert.is(aux[AT.PAGESZ], 4096n);
  assert.is(aux[AT.PHENT], 56n);
  assert.is(aux[AT.PHNUM], BigInt(elf.readUInt16LE(56)));
  assert.is(aux[AT.ENTRY], elf.readBigUInt64LE(24));
  assert.is(aux[AT.PHDR], 0x400000n + elf.readBigUInt64LE(32), "phdrs inside the first segment");
  assert.is(aux[AT.BASE], 0n);
  assert.is(aux[AT.CLKTCK], 100n);
  assert.is(aux[AT.SECURE], 0n);
  assert.ok(aux[AT.HWCAP] & (1n << 26n), "HWCAP has SSE2");
  assert.is(e.str(aux[AT.PLATFORM]), "x86_64");
  assert.is(e.str(aux[AT.EXECFN]), p);
  const rnd = e.at(aux[AT.RANDOM]);
  assert.ok(rnd > 0 && rnd + 16 <= e.block.length, "AT_RANDOM inside the stack");
  // Linux's order from the top: a NULL word, execfn, env strings, argv strings.
  assert.is(e.block.readBigUInt64LE(e.block.length - 8), 0n);
  assert.is(aux[AT.EXECFN] + BigInt(p.length) + 1n, STACK_TOP - 8n);
  const argv0 = e.block.readBigUInt64LE(8);
  assert.ok(argv0 < aux[AT.EXECFN] && argv0 > aux[AT.RANDOM], "strings above AT_RANDOM, argv below execfn");
});

stack("the host kernel's auxv has the same entries (plus vDSO and rseq ones wasl does not provide)", () => {
  const p = build("entry.s", STATIC);
  const ours = parseEntry(wasl(["exec", p]).stdout).auxv.map(([k]) => k);
  const theirs = parseEntry(native(p).stdout).auxv.map(([k]) => k).filter((k) => k !== AT.SYSINFO_EHDR && k !== 27 && k !== 28);
  assert.equal(ours, theirs);
});

stack("static-pie: AT_PHDR and AT_ENTRY carry the load bias", () => {
  const p = build("entry.s", PIE);
  const e = parseEntry(wasl(["exec", p]).stdout);
  const aux = Object.fromEntries(e.auxv.map(([k, v]) => [k, v]));
  const elf = readFileSync(p);
  const bias = aux[AT.ENTRY] - elf.readBigUInt64LE(24);
  assert.ok(bias > 0n && bias % 4096n === 0n);
  assert.is(aux[AT.PHDR], bias + elf.readBigUInt64LE(32));
});

stack.run();

// ---- faults --------------------------------------------------------------------------------
const faults = suite("faults end the guest with Linux's signal");

for (const [src, status, text] of [["segv.s", 139, /Segmentation fault \(page fault: write at 0x0/], ["ud.s", 132, /Illegal instruction \(#UD.*0f 0b/], ["trap.s", 133, /Trace\/breakpoint trap/]]) {
  faults(`${src}: status ${status} like the host, quiet without --verbose`, () => {
    const p = build(src, STATIC);
    assert.is(native(p).status, status, "native");
    const r = wasl(["exec", p]);
    assert.is(r.status, status);
    assert.is(r.stderr, "");
    const v = wasl(["exec", "--verbose", p]);
    assert.is(v.status, status);
    assert.match(v.stderr, text);
  });
}

faults.run();

// ---- the syscall table ----------------------------------------------------------------------
const table = suite("syscall table");
const { SYSCALLS } = await import(pathToFileURL(join(dist, "syscalls", "table.js")).href);

table("every number 0–336 and 424–461 is listed once, at its own index", () => {
  const names = new Set();
  for (let nr = 0; nr <= 461; nr++) {
    const e = SYSCALLS[nr];
    if (nr > 336 && nr < 424) { assert.is(e, undefined, `${nr} is unassigned`); continue; }
    assert.ok(e, `${nr} listed`);
    assert.is(e.nr, nr);
    assert.not.ok(names.has(e.name), `${e.name} listed once`);
    names.add(e.name);
    assert.ok(["full", "partial", "enosys"].includes(e.status));
    if (e.status !== "full") assert.ok(e.note, `${e.name} has a note`);
    if (e.handler === null) assert.is(e.status, "enosys");
  }
});

table("well-known numbers", () => {
  const want = { 0: "read", 1: "write", 9: "mmap", 12: "brk", 39: "getpid", 57: "fork", 59: "execve", 60: "exit",
    158: "arch_prctl", 202: "futex", 218: "set_tid_address", 231: "exit_group", 257: "openat", 262: "newfstatat",
    302: "prlimit64", 318: "getrandom", 334: "rseq", 435: "clone3", 439: "faccessat2", 461: "lsm_list_modules" };
  for (const [nr, name] of Object.entries(want)) assert.is(SYSCALLS[nr].name, name);
});

table("names match the host's <asm/unistd_64.h>", () => {
  const h = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
  if (!existsSync(h)) return;
  let n = 0;
  for (const [, name, nr] of readFileSync(h, "utf8").matchAll(/#define __NR_(\w+) (\d+)/g)) {
    if (Number(nr) > 461) continue;
    assert.is(SYSCALLS[Number(nr)]?.name, name, `number ${nr}`);
    n++;
  }
  assert.ok(n > 300);
});

table("an unimplemented call is ENOSYS, reported once by name", () => {
  const p = build("enosys.s", STATIC);
  assert.is(native(p).status, 38);
  const r = wasl(["exec", p]);
  assert.is(r.status, 38);
  assert.is(r.stderr, "wasl: unimplemented syscall uselib (134)\nwasl: unimplemented syscall unknown (999)\n");
});

table("a call Linux may be configured without is ENOSYS without the unimplemented line", () => {
  const r = wasl(["exec", build("enosys_optional.s", STATIC)]);
  assert.is(r.status, 38);
  assert.is(r.stderr, "");
});

table("--trace prints each call with decoded arguments and its result", () => {
  const r = wasl(["exec", "--trace", build("hello.s", STATIC)]);
  assert.is(r.stdout.toString(), "hi\n");
  assert.is(r.stderr, 'write(1, "hi\\n", 3) = 3\nexit_group(3) = ?\n');
  const e = wasl(["exec", "--trace", build("enosys.s", STATIC)]);
  assert.match(e.stderr, /uselib\("[^"]*"|uselib\(NULL\) = -1 ENOSYS \(Function not implemented\)/);
});

table.run();

// ---- system calls against the host kernel ---------------------------------------------------
const sys = suite("system calls (native vs wasl)");

for (const [label, how] of [["gcc -static", ["gcc", "-O2", "-static"]], ["gcc -static-pie", ["gcc", "-O2", "-static-pie"]], ["musl-gcc -static", ["musl-gcc", "-O2", "-static"]]]) {
  sys(`test/kernel/sys.c built with ${label}`, () => {
    if (!has(how[0])) { console.error(`skipping: ${how[0]} not installed`); return; }
    const p = build("sys.c", how);
    const n = native(p, [p]);
    const w = wasl(["exec", p, p]);
    assert.is(w.stderr, "");
    assert.fixture(w.stdout.toString(), n.stdout.toString());
    assert.is(w.status, n.status);
    assert.is(w.status, 5);
  });
}

sys.run();

// ---- pipes ----------------------------------------------------------------------------------
const pipes = suite("pipes");

pipes("writing to a closed pipe kills with SIGPIPE (141), as natively", () => {
  if (!has("gcc") || !has("bash")) return;
  const p = build("yes.c", ["gcc", "-O2", "-static"]);
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = (cmd) => `${cmd} | head -1 >/dev/null; echo \${PIPESTATUS[0]}`;
  const nat = spawnSync("bash", ["-c", script(q(p))], { encoding: "utf8" }).stdout.trim();
  const ours = spawnSync("bash", ["-c", script([process.execPath, ...waslNodeArgs("exec", p)].map(q).join(" "))], { encoding: "utf8", timeout: 60000 }).stdout.trim();
  assert.is(nat, "141");
  assert.is(ours, "141");
});

pipes("a read no one will ever satisfy waits, as natively (the host process does not run dry)", () => {
  const p = build("block_pipe.s", STATIC);
  for (const r of [spawnSync(p, [], { timeout: 1500 }), wasl(["exec", p], { timeout: 3000 })]) {
    assert.is(r.status, null, `exited with ${r.status} instead of waiting`);
    assert.is(r.signal, "SIGTERM");
  }
});

pipes.run();

// ---- stdio on host files ----------------------------------------------------------------------
const stdioFiles = suite("stdio redirected to host files");

/**
 * Runs cmd with stdin on a host file whose shared description is already 3 bytes in (as a
 * shell's would be) and stdout on a new host file: its status, stderr, the output file's text and
 * what a read of stdin's description finds after it (where the program left the offset).
 */
function onHostFiles(input, cmd, args, out) {
  const dir = dirname(input);
  const inFd = openSync(input, "r"), outFd = openSync(join(dir, out), "w");
  readSync(inFd, Buffer.alloc(3), 0, 3, null);
  const r = spawnSync(cmd, args, { env, stdio: [inFd, outFd, "pipe"], timeout: 60000 });
  const rest = Buffer.alloc(64);
  const after = rest.subarray(0, readSync(inFd, rest, 0, 64, null)).toString();
  closeSync(inFd); closeSync(outFd);
  return { status: r.status, stderr: r.stderr.toString(), out: readFileSync(join(dir, out), "latin1"), after };
}
function stdioInput(name, text) {
  const dir = join(cacheDir, `stdio-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

stdioFiles("stdin and stdout on regular files seek, pread and pwrite as natively", () => {
  if (!has("gcc")) return;
  const p = build("stdio_file.c", ["gcc", "-O2", "-static"]);
  const input = stdioInput("in.txt", "0123456789abcdefghijklmnopqrstuvwxyz\n");
  // The offset the guest left on the shared description counts too (it read ahead, then sought back).
  const runWith = (cmd, args, out) => { const r = onHostFiles(input, cmd, args, out); return { ...r, out: `${r.out}after: ${r.after}` }; };
  const n = runWith(p, [], "native.txt");
  const w = runWith(process.execPath, waslNodeArgs("exec", p), "wasl.txt");
  assert.is(n.status, 0);
  assert.ok(n.out.includes("start=3\n") && n.out.endsWith("after: 789abcdefghijklmnopqrstuvwxyz\n"), n.out);
  assert.is(w.stderr, "");
  assert.fixture(w.out, n.out);
  assert.is(w.status, n.status);
});

stdioFiles("opening /dev/stdout, /dev/stdin and /proc/self/fd/N reopens the host's file or pipe, as natively", () => {
  if (!has("gcc")) return;
  const p = build("stdio_reopen.c", ["gcc", "-O2", "-static"]);
  const input = stdioInput("reopen-in.txt", "0123456789\n");
  const n = onHostFiles(input, p, [], "reopen-native.txt");
  const w = onHostFiles(input, process.execPath, waslNodeArgs("exec", p), "reopen-wasl.txt");
  assert.is(n.status, 0);
  assert.ok(n.out.startsWith("b\napp\n"), JSON.stringify(n.out));
  assert.is(w.stderr, "");
  assert.fixture(w.out, n.out);
  // On pipes: the same pipes. On sockets (Node's stdio pipes are socket pairs): ENXIO.
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const piped = (cmd) => spawnSync("sh", ["-c", `printf 'piped input\\n' | ${cmd} | cat`], { env, timeout: 60000 });
  const onSockets = (cmd, args) => spawnSync(cmd, args, { env, input: "socket input\n", timeout: 60000 });
  for (const [np, wp] of [[piped(q(p)), piped([process.execPath, ...waslNodeArgs("exec", p)].map(q).join(" "))],
    [onSockets(p, []), onSockets(process.execPath, waslNodeArgs("exec", p))]]) {
    assert.is(np.status, 0);
    assert.is(wp.stderr.toString(), "");
    assert.fixture(wp.stdout.toString(), np.stdout.toString());
  }
});

stdioFiles.run();

// ---- a real static program ------------------------------------------------------------------
const bb = suite("busybox-static applets (native vs wasl)");
const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p));

for (const args of [["ls", "-1a", "/usr/include"], ["ls", "-la", "/etc/passwd"], ["cat", "/etc/passwd"], ["sha256sum", "/etc/passwd"],
  ["id"], ["find", "/usr/include", "-maxdepth", "1", "-name", "s*"], ["xxd", "/etc/passwd"], ["seq", "3"]]) {
  bb(args.join(" "), () => {
    if (!busybox) { console.error("skipping: busybox-static is not installed"); return; }
    const n = native(busybox, args);
    const w = wasl(["exec", busybox, ...args]);
    assert.is(w.stderr, "");
    assert.fixture(w.stdout.toString(), n.stdout.toString());
    assert.is(w.status, n.status);
  });
}

bb("paths, cwd, arguments and environment beyond ASCII reach the guest as their bytes (UTF-8 from the host, any bytes through execve)", () => {
  if (!busybox) return;
  const dir = join(cacheDir, "nonascii-\u00fc dir");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const prog = join(dir, "busybox");
  copyFileSync(busybox, prog);
  chmodSync(prog, 0o755);
  // A file name that is not UTF-8: a shell's glob passes its bytes to cat through execve.
  writeFileSync(Buffer.concat([Buffer.from(dir + "/"), Buffer.from([0xff, 0xfe]), Buffer.from(".bin")]), "latin bytes\n");
  const script = 'pwd; cat ./*.bin; for f in ./*.bin; do printf "%s" "$f" | od -An -tx1; done; "$BB" echo "\u00e4rg \u2713" "$VAL"; tr "\\0" " " < /proc/self/cmdline; echo';
  const opts = { cwd: dir, env: { ...env, BB: prog, VAL: "\u00e9t\u00e9" } };
  const n = spawnSync(prog, ["sh", "-c", script], opts);
  const w = spawnSync(process.execPath, waslNodeArgs("exec", prog, "sh", "-c", script), { ...opts, timeout: 60000 });
  assert.is(n.status, 0, String(n.stderr));
  assert.ok(n.stdout.includes(Buffer.from("latin bytes")), String(n.stdout));
  assert.is(String(w.stderr), "");
  assert.equal(w.stdout, n.stdout);
  assert.is(w.status, n.status);
});

bb.run();
