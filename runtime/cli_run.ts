// `wasl run`: docker run over the Sandbox API. The image's Entrypoint, Cmd, Env, WorkingDir and
// User apply and flags override them; the exit status is the guest's, 125 for wasl's own errors,
// 126/127 for a command that cannot be executed / is not found, 128+n when signal n killed it.
// Without --rm the container is kept under $WASL_HOME/containers for `wasl commit` / `wasl export`.
// stdout carries the guest's output only.
import * as path from "node:path";
import { Sandbox, SandboxError, parseSize, type MountSpec } from "./sandbox.js";
import { ImageStore } from "../images/store.js";
import { nodeImageHost } from "../images/host-node.js";
import { keepContainer } from "./containers.js";
import { ensureDefaultImage, DEFAULT_IMAGE } from "./image-builder.js";
import "./index.js"; // registers the Node platform

export const RUN_USAGE = `       wasl run [--rm] [-i] [-t] [-v HOST:GUEST[:ro]] [-e K=V] [-w DIR] [-u UID[:GID]] [--hostname H]
                [--add-host NAME:IP] [--dns IP] [--dns-search DOMAIN] [--dns-option OPT]
                [--entrypoint CMD] [--memory 256m] [--timeout S] [--pids-limit N] [--name NAME]
                [--deterministic] IMAGE [CMD...]`;

const EXIT_WASL = 125;

class UsageError extends Error {}

interface RunFlags {
  rm: boolean; interactive: boolean; tty: boolean; verbose: boolean; trace: boolean; deterministic: boolean;
  mounts: MountSpec[]; env: string[]; workdir?: string; user?: string; hostname?: string; entrypoint?: string;
  memory?: string; timeout?: number; pids?: number; files?: number; name?: string; instructions?: bigint;
  extraHosts: string[]; dns: string[]; dnsSearch: string[]; dnsOptions: string[];
}

const VALUE_FLAGS = new Set(["-v", "--volume", "-e", "--env", "-w", "--workdir", "-u", "--user", "--hostname", "-h",
  "--entrypoint", "-m", "--memory", "--timeout", "--pids-limit", "--name", "--network", "--ulimit", "--instructions",
  "--add-host", "--dns", "--dns-search", "--dns-option", "--dns-opt"]);

/** Flags up to the image name; the rest is the command. */
function parseRunArgs(args: string[]): { flags: RunFlags; image: string; cmd: string[] } {
  const f: RunFlags = { rm: false, interactive: false, tty: false, verbose: false, trace: false, deterministic: false, mounts: [], env: [],
    extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [] };
  let i = 0;
  for (; i < args.length; i++) {
    let a = args[i];
    if (a === "--") { i++; break; }
    if (!a.startsWith("-") || a === "-") break;
    let value: string | undefined;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    if (eq > 0) { value = a.slice(eq + 1); a = a.slice(0, eq); }
    if (VALUE_FLAGS.has(a)) {
      if (value === undefined) {
        if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: ${a}`);
        value = args[++i];
      }
      switch (a) {
        case "-v": case "--volume": f.mounts.push(parseVolume(value)); break;
        case "-e": case "--env": f.env.push(value.includes("=") ? value : `${value}=${process.env[value] ?? ""}`); break;
        case "-w": case "--workdir": f.workdir = value; break;
        case "-u": case "--user": f.user = value; break;
        case "-h": case "--hostname": f.hostname = value; break;
        case "--entrypoint": f.entrypoint = value; break;
        case "-m": case "--memory": parseSize(value); f.memory = value; break;
        case "--timeout": {
          const s = Number(value);
          if (!(s > 0)) throw new UsageError(`invalid --timeout ${value} (seconds)`);
          f.timeout = s; break;
        }
        case "--pids-limit": f.pids = positive(value, a); break;
        case "--instructions": f.instructions = BigInt(positive(value, a)); break;
        case "--name": f.name = value; break;
        case "--add-host": f.extraHosts.push(value); break;
        case "--dns": f.dns.push(value); break;
        case "--dns-search": f.dnsSearch.push(value); break;
        case "--dns-option": case "--dns-opt": f.dnsOptions.push(value); break;
        case "--network": if (value !== "none") throw new UsageError(`--network ${value}: only "none" is supported`); break;
        case "--ulimit": {
          const m = /^nofile=(\d+)(?::(\d+))?$/.exec(value);
          if (!m) throw new UsageError(`--ulimit ${value}: only nofile=N is supported`);
          f.files = Number(m[1]); break;
        }
      }
      continue;
    }
    if (value !== undefined) throw new UsageError(`flag ${a} takes no value`);
    if (a === "--rm") f.rm = true;
    else if (a === "--verbose") f.verbose = true;
    else if (a === "--trace") f.trace = true;
    else if (a === "--deterministic") f.deterministic = true;
    else if (a === "--interactive") f.interactive = true;
    else if (a === "--tty") f.tty = true;
    else if (/^-[it]+$/.test(a)) { if (a.includes("i")) f.interactive = true; if (a.includes("t")) f.tty = true; }
    else throw new UsageError(`unknown flag: ${a}`);
  }
  if (i >= args.length) throw new UsageError(`"wasl run" requires at least 1 argument (IMAGE)`);
  return { flags: f, image: args[i], cmd: args.slice(i + 1) };
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid ${flag} ${v}`);
  return n;
}

/** HOST:GUEST[:ro|rw]; a relative host path is relative to the current directory. */
function parseVolume(v: string): MountSpec {
  const parts = v.split(":");
  let readOnly = false;
  if (parts.length === 3) {
    if (parts[2] === "ro") readOnly = true;
    else if (parts[2] !== "rw") throw new UsageError(`invalid volume mode ${parts[2]} in ${v} (ro or rw)`);
    parts.pop();
  }
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`invalid volume ${v} (HOST:GUEST[:ro])`);
  if (!parts[1].startsWith("/")) throw new UsageError(`invalid volume ${v}: the guest path must be absolute`);
  return { host: path.resolve(parts[0]), guest: parts[1], readOnly };
}

/** Docker's rule: Entrypoint (or --entrypoint) followed by the command given, else the image's Cmd. */
export function commandLine(entrypoint: string[] | null, cmd: string[] | null, override: string[], epFlag?: string): string[] {
  const ep = epFlag !== undefined ? (epFlag === "" ? [] : [epFlag]) : entrypoint ?? [];
  // A new entrypoint drops the image's Cmd, as docker does.
  const args = override.length ? override : epFlag !== undefined ? [] : cmd ?? [];
  return [...ep, ...args];
}

/** Resolves once everything written to the stream so far has left the process. */
function flushed(out: NodeJS.WriteStream): Promise<void> {
  return out.writableLength > 0 ? new Promise((r) => out.write("", () => r())) : Promise.resolve();
}

export async function runCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseRunArgs>;
  try { parsed = parseRunArgs(args); } catch (e) {
    if (e instanceof UsageError || e instanceof SandboxError) {
      process.stderr.write(`wasl run: ${e.message}\nusage:\n${RUN_USAGE}\n`);
      return EXIT_WASL;
    }
    throw e;
  }
  const { flags: f, image, cmd } = parsed;
  const store = ImageStore.open(nodeImageHost());
  let box: Sandbox;
  try {
    // The default image is made from the host's busybox-static the first time it is asked for.
    if (image === DEFAULT_IMAGE || image === "busybox") { if (!store.find(image)) await ensureDefaultImage(store, DEFAULT_IMAGE); }
    box = await Sandbox.create({
      image, store, mounts: f.mounts, env: f.env, hostname: f.hostname, user: f.user, cwd: f.workdir,
      memory: f.memory, timeoutMs: f.timeout !== undefined ? f.timeout * 1000 : undefined, pids: f.pids, files: f.files,
      instructions: f.instructions, deterministic: f.deterministic, trace: f.trace,
      extraHosts: f.extraHosts, dns: f.dns, dnsSearch: f.dnsSearch, dnsOptions: f.dnsOptions,
    });
  } catch (e) {
    process.stderr.write(`wasl run: ${(e as Error).message}\n`);
    return EXIT_WASL;
  }
  const argv = commandLine(box.image.config.entrypoint, box.image.config.cmd, cmd, f.entrypoint);
  if (argv.length === 0) {
    process.stderr.write(`wasl run: no command specified (the image has no Entrypoint or Cmd)\n`);
    return EXIT_WASL;
  }
  const tty = f.tty && !!process.stdout.isTTY;
  let p;
  try {
    // The guest's output goes to ours as it is written (no web streams: see Sandbox.spawnTo).
    p = box.spawnTo(argv, { tty, cols: process.stdout.columns, rows: process.stdout.rows },
      (fd, d) => { (fd === 1 ? process.stdout : process.stderr).write(d); });
  } catch (e) {
    process.stderr.write(`wasl run: ${(e as Error).message}\n`);
    return EXIT_WASL;
  }
  const proc = p;
  const onData = (d: Buffer) => proc.write(new Uint8Array(d));
  const onEnd = () => proc.end();
  // process.stdin is made only when used: creating the stream costs a run that never reads it.
  const rawWas = f.interactive && tty && process.stdin.isTTY ? process.stdin.isRaw : false;
  if (f.interactive) {
    if (tty && process.stdin.isTTY) process.stdin.setRawMode(true);
    process.stdin.on("data", onData);
    process.stdin.on("end", onEnd);
  } else onEnd();
  const onResize = () => proc.resize(process.stdout.columns, process.stdout.rows);
  if (tty) process.stdout.on("resize", onResize);
  // docker run --sig-proxy: the signals wasl gets go to the guest's pid 1.
  const forward = (sig: NodeJS.Signals) => () => proc.kill(sig);
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as NodeJS.Signals[]).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  let r;
  try {
    r = await proc.exit;
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  } catch (e) {
    process.stderr.write(`wasl run: ${(e as Error).message}\n`);
    return EXIT_WASL;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    if (f.interactive) {
      process.stdin.off("data", onData);
      process.stdin.off("end", onEnd);
      if (tty && process.stdin.isTTY) process.stdin.setRawMode(rawWas);
      process.stdin.pause();
    }
    if (tty) process.stdout.off("resize", onResize);
  }
  if (r.error) process.stderr.write(`wasl run: exec: ${r.error.message}\n`);
  if (r.timedOut) process.stderr.write(`wasl run: the container exceeded its time limit and was killed\n`);
  else if (r.oomKilled) process.stderr.write(`wasl run: a process was killed: out of memory\n`);
  if (!f.rm) {
    try {
      await keepContainer(store, box.container, {
        id: box.id, name: f.name ?? "", image: box.image.id, imageRef: image, command: argv,
        created: new Date(Number(box.container.created / 1_000_000n)).toISOString(), exitCode: r.exitCode,
      });
      if (f.verbose) process.stderr.write(`${box.id}\n`);
    } catch (e) {
      process.stderr.write(`wasl run: could not keep the container: ${(e as Error).message}\n`);
    }
  }
  await box.close();
  return r.exitCode;
}
