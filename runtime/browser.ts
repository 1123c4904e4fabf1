// The library entry for browsers: the sandbox over the browser host. The embedder supplies the
// compiled core (fetch dist/wasl.wasm and WebAssembly.compileStreaming it) and an image store, or
// an Image already opened; nothing reachable from here imports a node: module (the bundle test
// test/browser_bundle.test.mjs proves it).
import { Sandbox, setDefaultPlatform, type Platform } from "./sandbox.js";
import { browserHost, type BrowserHostOptions } from "./host/browser.js";
import type { ImageHost } from "../images/host.js";

export { Sandbox, SandboxError, parseSize, signalNumber } from "./sandbox.js";
export type { Platform, SandboxOptions, RunOptions, SpawnOptions, RunResult, SandboxProcess, MountSpec, Usage } from "./sandbox.js";
export { browserHost, type BrowserHost, type BrowserHostOptions } from "./host/browser.js";
export { deterministicHost } from "./host/deterministic.js";
export { ImageStore } from "../images/store.js";
export { Container } from "../images/container.js";

/** A platform for browsers; the core is compiled once and shared by every sandbox. */
export function browserPlatform(core: WebAssembly.Module | Promise<WebAssembly.Module>, opts: BrowserHostOptions & { images?: ImageHost } = {}): Platform {
  const module = Promise.resolve(core);
  return { host: browserHost(opts), images: opts.images, coreModule: () => module };
}

/** Makes browserPlatform(core) the default of Sandbox.create. */
export function useBrowserPlatform(core: WebAssembly.Module | Promise<WebAssembly.Module>, opts: BrowserHostOptions & { images?: ImageHost } = {}): void {
  setDefaultPlatform(browserPlatform(core, opts));
}
void Sandbox;
