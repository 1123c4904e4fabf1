// Loads and compiles the Wasm core once per host process; every machine instantiates it.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

let compiled: Promise<WebAssembly.Module> | null = null;

/** The compiled core from dist/wasl.wasm (next to the built runtime). */
export function coreModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const path = fileURLToPath(new URL("../../wasl.wasm", import.meta.url));
    compiled = readFile(path).then((bytes) => WebAssembly.compile(bytes));
  }
  return compiled;
}
