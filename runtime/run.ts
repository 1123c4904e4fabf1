// One program, start to finish, on a new kernel: what `wasl exec` runs. Kept apart from the library
// entry so the command line loads only the kernel, not the sandbox and image code.
import { Kernel, type ExitStatus, type KernelOptions } from "./kernel.js";
import { coreModule } from "./host/wasm.js";
import { nodeHost } from "./host/node.js";
import { isExecError } from "./elf.js";
import { ENOENT } from "./errno.js";
import type { Host } from "./host/types.js";
import type { Jit, JitOptions } from "./jit/index.js";
import { OP_TEXT } from "./gen/ops.js";
import { profileKeyText } from "./jit/compile.js";

/** WASL_JIT_PROFILE (a development aid): the instructions compiled blocks left to the generic handler, most run first. */
function reportJitProfile(profile: Map<number, number>): void {
  const rows = [...profile].sort((a, b) => b[1] - a[1]).slice(0, 40);
  for (const [key, n] of rows) process.stderr.write(`jit-generic ${String(n).padStart(12)}  ${profileKeyText(key, (op) => OP_TEXT[op] || String(op))}\n`);
}

export interface RunOptions {
  host?: Host;
  cwd?: string;
  trace?: boolean;
  verbose?: boolean;
  memoryLimit?: number;
  /** The block JIT: options, or false for the interpreter alone (default: on). */
  jit?: JitOptions | false;
}

export interface RunResult extends ExitStatus {
  /** Set when the program could not be started: the errno and a message (exit code 126/127). */
  error?: { errno: number; message: string };
  /** What the run cost: guest instructions retired and wall time from start to exit. */
  usage?: { instructions: number; wallMs: number; jit?: Jit["stats"] };
}

/** Runs a host program to completion; exitCode is what a shell would report (128+n for signal n). */
export async function runProgram(path: string, argv: string[], env: string[], opts: RunOptions = {}): Promise<RunResult> {
  const host = opts.host ?? nodeHost;
  const t0 = host.monotonicNs();
  const kernel = await Kernel.create(await coreModule(), {
    host, trace: opts.trace, verbose: opts.verbose, memoryLimit: opts.memoryLimit, jit: opts.jit,
  } satisfies KernelOptions);
  const proc = kernel.spawn(path, argv, env, opts.cwd ?? host.cwd());
  if (isExecError(proc)) return { exitCode: proc.errno === ENOENT ? 127 : 126, signal: null, error: proc };
  const status = await kernel.run(proc);
  const jit = kernel.machine.jit;
  const usage = { instructions: Number(kernel.machine.icount), wallMs: Number(host.monotonicNs() - t0) / 1e6, ...(jit ? { jit: jit.stats } : {}) };
  if (jit?.profile) reportJitProfile(jit.profile);
  return { ...status, usage };
}
