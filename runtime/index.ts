// The library entry: the kernel, and a one-call way to run a program.
import { coreModule } from "./host/wasm.js";
import { nodeHost } from "./host/node.js";
import { setDefaultPlatform } from "./sandbox.js";
import { ensureDefaultImage, DEFAULT_IMAGE } from "./image-builder.js";
import { nodeImageHost } from "../images/host-node.js";
import { readFileSync } from "node:fs";

export { Kernel } from "./kernel.js";
export type { ExitStatus, KernelOptions } from "./kernel.js";
export { runProgram, type RunOptions, type RunResult } from "./run.js";
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
  hostResolvConf,
});

/**
 * The host's resolv.conf as Docker picks it: /etc/resolv.conf, unless its only nameserver is
 * systemd-resolved's stub (127.0.0.53), then the upstream list systemd-resolved keeps.
 */
function hostResolvConf(): string | null {
  const read = (p: string) => { try { return readFileSync(p, "latin1"); } catch { return null; } };
  const etc = read("/etc/resolv.conf");
  if (etc === null) return null;
  const ns = etc.split("\n").map((l) => /^\s*nameserver\s+(\S+)\s*$/.exec(l)?.[1]).filter((x) => x);
  if (ns.length === 1 && ns[0] === "127.0.0.53") return read("/run/systemd/resolve/resolv.conf") ?? etc;
  return etc;
}
