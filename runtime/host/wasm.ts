// Loads and compiles the Wasm core once per host process; every machine instantiates it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

// Where dist/wasl.wasm is from this module's own URL: ../../ from dist/runtime/host/, and whatever the
// build defines for a bundle that puts this code elsewhere (the command line's dist/runtime/cli.js).
declare const __WASL_CORE_RELATIVE__: string | undefined;
const CORE_RELATIVE = typeof __WASL_CORE_RELATIVE__ === "string" ? __WASL_CORE_RELATIVE__ : "../../wasl.wasm";

let compiled: Promise<WebAssembly.Module> | null = null;

// V8 compiles Wasm with Liftoff and recompiles a function with TurboFan once it has spent a
// "tiering budget". Liftoff charges a function's budget by the size of the code it spans, so the
// core's 35 KB interpreter function spends the default budget (1.8 M) within a few hundred guest
// instructions, and TurboFan then takes 50–150 ms of CPU on it and the 16 KB run loop — more than
// all the rest of a short run, and process exit waits for a compile in flight. With 2 G they stay
// on Liftoff for the first ~100 k guest instructions (`echo hi` runs 31 k, a dynamically linked
// /bin/true 107 k) and a long run tiers them up a moment later: the cpu benchmarks (qsort,
// strmix, interp, sha256) showed no difference beyond this machine's noise (±5 %). V8 11 (Node 20)
// keeps the budget per compiled module and reads the flag when compiling it, so the flag is raised
// for the core's compile only: compiled blocks (runtime/jit) keep the default.
const TIERING_BUDGET_FLAG = "--wasm-tiering-budget";
const V8_DEFAULT_TIERING_BUDGET = 1_800_000;
const SHORT_RUN_TIERING_BUDGET = 2_000_000_000;
let shortRuns = false;

/**
 * The command line's choice (a process of its own, mostly short runs): the core is compiled with
 * tier-up delayed as above. Call before the first coreModule(). Only where it was measured (V8 11)
 * and when the user has not set the budget for Node themselves.
 */
export function preferShortRuns(): void {
  const userSet = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((a) => a.includes("tiering-budget"));
  shortRuns = !userSet && process.versions.v8.startsWith("11.");
}

/** The compiled core from dist/wasl.wasm (next to the built runtime). */
export function coreModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const path = fileURLToPath(new URL(CORE_RELATIVE, import.meta.url));
    // Read synchronously: 135 KB take a fraction of a millisecond, and node:fs/promises alone costs
    // more than that to load on a short run's start.
    try {
      const bytes = readFileSync(path);
      if (shortRuns) setFlagsFromString(`${TIERING_BUDGET_FLAG}=${SHORT_RUN_TIERING_BUDGET}`);
      compiled = WebAssembly.compile(bytes);
      if (shortRuns) compiled.finally(() => setFlagsFromString(`${TIERING_BUDGET_FLAG}=${V8_DEFAULT_TIERING_BUDGET}`)).catch(() => {});
    } catch (e) { compiled = Promise.reject(e); }
  }
  return compiled;
}
