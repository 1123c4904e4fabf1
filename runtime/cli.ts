// The `wasl` command. `wasl exec [--trace] [--verbose] PROGRAM [ARGS…]` runs a host program the
// way a shell would: PATH lookup for bare names, the caller's environment and cwd, and the
// program's exit status (128+n when signal n killed it).
import type { JitOptions } from "./jit/index.js";
import * as fs from "node:fs";
// Only `exec` is loaded up front: the image, sandbox and demo code is imported when its command
// runs, so starting a program does not pay for parsing them.
import { runProgram } from "./run.js";
import { SYSCALLS } from "../syscalls/table.js";
import { ENOENT, ENOEXEC } from "./errno.js";
import { preferShortRuns } from "./host/wasm.js";

/** The commands runImageCommand (cli_images.ts) answers. */
const IMAGE_COMMANDS = ["load", "images", "rmi", "pull", "inspect", "commit", "export"];

async function usage(): Promise<string> {
  const [{ RUN_USAGE }, { IMAGE_USAGE }] = await Promise.all([import("./cli_run.js"), import("./cli_images.js")]);
  return `usage: wasl exec [--trace] [--verbose] PROGRAM [ARGS...]
       wasl syscalls            list system call coverage
       wasl demo                run a few busybox commands under wasl
       wasl bench [--quick] [GROUP...]   the benchmark suite (bench/run.mjs) against native and qemu-user
${RUN_USAGE}
${IMAGE_USAGE}`;
}

/** execvp's search: a name without a slash is looked up in $PATH. */
function findProgram(name: string): string | null {
  if (name.includes("/")) return name;
  for (const dir of (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
    const p = `${dir || "."}/${name}`;
    try {
      const st = fs.statSync(p);
      if (st.isFile() && (st.mode & 0o111)) return p;
    } catch { /* not here */ }
  }
  return null;
}

async function exec(args: string[]): Promise<number> {
  let trace = false, verbose = false;
  while (args.length && args[0].startsWith("-")) {
    const opt = args.shift()!;
    if (opt === "--trace") trace = true;
    else if (opt === "--verbose" || opt === "-v") verbose = true;
    else if (opt === "--") break;
    else { process.stderr.write(`wasl: unknown option ${opt}\n${await usage()}\n`); return 2; }
  }
  if (args.length === 0) { process.stderr.write(`${await usage()}\n`); return 2; }
  const name = args[0];
  const path = findProgram(name);
  if (!path) { process.stderr.write(`wasl: ${name}: command not found\n`); return 127; }
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  const r = await runProgram(path, args, env, { trace, verbose, jit: jitOption(process.env.WASL_JIT, !!process.env.WASL_JIT_PROFILE) });
  if (r.error) {
    const e = r.error;
    const what = e.errno === ENOEXEC ? `cannot execute binary file: Exec format error (${e.message})` : e.message;
    process.stderr.write(`wasl: ${name}: ${what}\n`);
    return e.errno === ENOENT ? 127 : 126;
  }
  // WASL_STATS=1: one machine-readable line for benchmarks (bench/run.mjs reads it).
  if (process.env.WASL_STATS && r.usage) process.stderr.write(`wasl-stats: ${JSON.stringify(r.usage)}\n`);
  return r.exitCode;
}

/** WASL_JIT: 0 = interpreter only, N = compile a block on its Nth entry; unset = the default. */
function jitOption(v: string | undefined, profile: boolean): JitOptions | false | undefined {
  if (v === "0") return false;
  const threshold = v ? Number(v) : undefined;
  if (threshold === undefined && !profile) return undefined;
  return { ...(threshold && threshold > 0 ? { threshold } : {}), profile };
}

function listSyscalls(): number {
  const lines: string[] = [];
  const count = { full: 0, partial: 0, enosys: 0 };
  for (const e of SYSCALLS) {
    if (!e) continue;
    count[e.status]++;
    lines.push(`${String(e.nr).padStart(3)}  ${e.name.padEnd(24)} ${e.status.padEnd(8)} ${e.note ?? ""}`.trimEnd());
  }
  process.stdout.write(lines.join("\n") + `\n${count.full} full, ${count.partial} partial, ${count.enosys} ENOSYS\n`);
  return 0;
}

/** `wasl bench`: the suite lives in bench/run.mjs (a checkout's file, not part of the library). */
async function bench(args: string[]): Promise<number> {
  const { spawn } = await import("node:child_process");
  const script = new URL("../../bench/run.mjs", import.meta.url);
  if (!fs.existsSync(script)) { process.stderr.write("wasl bench: bench/run.mjs is not in this installation\n"); return 125; }
  return new Promise((resolve) => {
    spawn(process.execPath, [script.pathname, ...args], { stdio: "inherit" }).on("exit", (code) => resolve(code ?? 1));
  });
}

/** Runs the command line; resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  preferShortRuns();
  try {
    if (cmd === "exec") return await exec(rest);
    if (cmd === "syscalls") return listSyscalls();
    if (cmd === "demo") return await (await import("./demo.js")).demo();
    if (cmd === "run") return await (await import("./cli_run.js")).runCommand(rest);
    if (cmd === "bench") return await bench(rest);
    if (IMAGE_COMMANDS.includes(cmd)) {
      const [{ runImageCommand }, { openContainer, imagesInUse }] = await Promise.all([import("./cli_images.js"), import("./containers.js")]);
      return await runImageCommand(cmd, rest, { stdout: process.stdout, stderr: process.stderr, openContainer, imagesInUse });
    }
    process.stderr.write(`${await usage()}\n`);
    return 2;
  } catch (e) {
    // A bug in wasl itself, not the guest: one line, and the stack only when asked for.
    process.stderr.write(`wasl: internal error: ${(e as Error)?.message ?? e}\n`);
    if (process.env.WASL_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return 70;
  }
}
