// What dist/runtime/cli.js is: the command line (runtime/cli.ts and everything it uses, built into
// the one file cli.bundle.cjs beside this one) loaded through V8's code cache, per command, in the
// user's cache directory (WASL_CODE_CACHE=0: none). bin/wasl.js, the tests and the benchmarks
// import main from here.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCachedBundle, type CachedBundle } from "./host/codecache.js";
import { userCacheDir } from "./host/cachedir.js";

type Cli = typeof import("./cli.js");

let cli: CachedBundle<Cli> | null = null;

/** Runs the command line; resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  if (!cli) {
    const file = fileURLToPath(new URL("./cli.bundle.cjs", import.meta.url));
    // Each command uses different code: `exec`'s cache would miss most of what `run` compiles.
    const key = ["exec", "run", "demo"].includes(argv[0]) ? argv[0] : "cli";
    const dir = process.env.WASL_CODE_CACHE === "0" ? null : path.join(userCacheDir(), "code");
    cli = loadCachedBundle<Cli>(file, dir, key);
  }
  const status = await cli.exports.main(argv);
  cli.save();
  return status;
}
