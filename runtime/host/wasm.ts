// Loads and compiles the Wasm core once per host process; every machine instantiates it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Where dist/wasl.wasm is from this module's own URL: ../../ from dist/runtime/host/, and whatever the
// build defines for a bundle that puts this code elsewhere (the command line's dist/runtime/cli.js).
declare const __WASL_CORE_RELATIVE__: string | undefined;
const CORE_RELATIVE = typeof __WASL_CORE_RELATIVE__ === "string" ? __WASL_CORE_RELATIVE__ : "../../wasl.wasm";

let compiled: Promise<WebAssembly.Module> | null = null;

/** The compiled core from dist/wasl.wasm (next to the built runtime). */
export function coreModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const path = fileURLToPath(new URL(CORE_RELATIVE, import.meta.url));
    // Read synchronously: 135 KB take a fraction of a millisecond, and node:fs/promises alone costs
    // more than that to load on a short run's start.
    try { compiled = WebAssembly.compile(readFileSync(path)); } catch (e) { compiled = Promise.reject(e); }
  }
  return compiled;
}
