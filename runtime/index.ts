// The library entry: the kernel, and a one-call way to run a program.
import { Kernel, type ExitStatus, type KernelOptions } from "./kernel.js";
import { coreModule } from "./host/wasm.js";
import { nodeHost } from "./host/node.js";
import { isExecError } from "./elf.js";
import { ENOENT } from "./errno.js";
import type { Host } from "./host/types.js";
import { setDefaultPlatform } from "./sandbox.js";
import { ensureDefaultImage, DEFAULT_IMAGE } from "./image-builder.js";
import { nodeImageHost } from "../images/host-node.js";

export { Kernel } from "./kernel.js";
export type { ExitStatus, KernelOptions } from "./kernel.js";
export type { Host, HostStat } from "./host/types.js";
export { SYSCALLS } from "../syscalls/table.js";
export { Sandbox, SandboxError, setDefaultPlatform, parseSize, signalNumber } from "./sandbox.js";
export type {
  Platform, SandboxOptions, RunOptions as SandboxRunOptions, SpawnOptions, RunResult as SandboxRunResult, SandboxProcess,
  MountSpec, Usage, Env,
} from "./sandbox.js";
export { deterministicHost, SeededRandom } from "./host/deterministic.js";
export { ensureDefaultImage, writeOciLayout, busyboxEntries, DEFAULT_IMAGE, BUSYBOX_PATHS, type ImageEntry, type ImageConfigFields } from "./image-builder.js";
export { ImageStore, openImage, Container } from "../images/index.js";
export type { Image } from "../images/index.js";

// The Node platform is the default for sandboxes made through this entry.
// "busybox" names the embedded default image, built from the host's busybox-static on first use.
setDefaultPlatform({
  host: nodeHost, images: nodeImageHost(), coreModule,
  provideImage: (store, name) => (name === "busybox" || name === DEFAULT_IMAGE ? ensureDefaultImage(store, DEFAULT_IMAGE) : Promise.resolve(null)),
});

export interface RunOptions {
  host?: Host;
  cwd?: string;
  trace?: boolean;
  verbose?: boolean;
  memoryLimit?: number;
}

export interface RunResult extends ExitStatus {
  /** Set when the program could not be started: the errno and a message (exit code 126/127). */
  error?: { errno: number; message: string };
  /** What the run cost: guest instructions retired and wall time from start to exit. */
  usage?: { instructions: number; wallMs: number };
}

/** Runs a host program to completion; exitCode is what a shell would report (128+n for signal n). */
export async function runProgram(path: string, argv: string[], env: string[], opts: RunOptions = {}): Promise<RunResult> {
  const host = opts.host ?? nodeHost;
  const t0 = host.monotonicNs();
  const kernel = await Kernel.create(await coreModule(), {
    host, trace: opts.trace, verbose: opts.verbose, memoryLimit: opts.memoryLimit,
  } satisfies KernelOptions);
  const proc = kernel.spawn(path, argv, env, opts.cwd ?? host.cwd());
  if (isExecError(proc)) return { exitCode: proc.errno === ENOENT ? 127 : 126, signal: null, error: proc };
  const status = await kernel.run(proc);
  const usage = { instructions: Number(kernel.machine.icount), wallMs: Number(host.monotonicNs() - t0) / 1e6 };
  return { ...status, usage };
}
