// Builds everything a run needs: generated sources, the Wasm core (asm/ → dist/wasl.wasm)
// and the TypeScript runtime (runtime/, syscalls/, images/ → dist/ as ESM).
// Each step is skipped when its inputs are unchanged (content hash in dist/.build-stamp.json).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, readdirSync, statSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// WASL_DIST puts the build elsewhere (parallel work on one tree); the default is dist/.
const dist = process.env.WASL_DIST ? resolve(process.cwd(), process.env.WASL_DIST) : join(root, "dist");
mkdirSync(dist, { recursive: true });
const stampFile = join(dist, ".build-stamp.json");
const stamps = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, "utf8")) : {};

function walk(dir, exts, out = []) {
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, exts, out);
    else if (exts.some((e) => f.endsWith(e))) out.push(p);
  }
  return out;
}
function hashOf(files) {
  const h = createHash("sha256");
  for (const f of files) { h.update(f); h.update(readFileSync(f)); }
  return h.digest("hex");
}
const node = process.execPath;
const bin = (name) => join(root, "node_modules", name);

execFileSync(node, [join(root, "scripts/gen.mjs")], { stdio: "inherit" });

const asmInputs = [...walk(join(root, "asm"), [".ts", ".tbl", ".txt"]), join(root, "scripts/build.mjs")];
const asmHash = hashOf(asmInputs);
if (stamps.asm !== asmHash || !existsSync(join(dist, "wasl.wasm"))) {
  execFileSync(node, [bin("assemblyscript/bin/asc.js"), "asm/index.ts", "-o", join(dist, "wasl.wasm"),
    "--runtime", "stub", "-O3", "--noAssert", "--memoryBase", String(0xE00000), "--initialMemory", "512",
    "--enable", "simd", "--uncheckedBehavior", "always", "--exportTable"], { cwd: root, stdio: "inherit" });
  stamps.asm = asmHash;
}

const tsDirs = ["runtime", "syscalls", "images"].map((d) => join(root, d));
const tsInputs = [...tsDirs.flatMap((d) => walk(d, [".ts", ".json"])), join(root, "scripts/build.mjs"), join(root, "tsconfig.json")];
const tsHash = hashOf(tsInputs);
if (stamps.ts !== tsHash) {
  const entries = tsDirs.flatMap((d) => walk(d, [".ts"])).filter((f) => !f.endsWith(".d.ts"));
  const { buildSync } = await import("esbuild");
  buildSync({ entryPoints: entries, outdir: dist, outbase: root, format: "esm", platform: "node",
    target: "node20", sourcemap: true, logLevel: "warning" });
  // The command line as one file (over the module-per-file cli.js): Node then reads one file instead
  // of resolving and compiling ~50 modules. It is CommonJS so that dist/runtime/cli.js (cli_entry.ts)
  // can compile it with vm.Script and V8's code cache, which Node 20 offers for no ES module;
  // import.meta.url becomes the loader's __bundle_url, import() of a builtin a require.
  for (const f of readdirSync(join(dist, "runtime"))) if (f.startsWith("cli-") || f.startsWith("cli.bundle.")) rmSync(join(dist, "runtime", f));
  buildSync({ entryPoints: [join(root, "runtime/cli.ts")], outfile: join(dist, "runtime/cli.bundle.cjs"), bundle: true,
    format: "cjs", platform: "node", packages: "external", target: "node20", minify: true, sourcemap: true, logLevel: "warning",
    supported: { "dynamic-import": false },
    define: { __WASL_CORE_RELATIVE__: JSON.stringify("../wasl.wasm"), "import.meta.url": "__bundle_url" } });
  buildSync({ entryPoints: [join(root, "runtime/cli_entry.ts")], outfile: join(dist, "runtime/cli.js"), bundle: true,
    format: "esm", platform: "node", packages: "external", target: "node20", minify: true, sourcemap: true, logLevel: "warning" });
  stamps.ts = tsHash;
}
// Type declarations for the library entry (package.json "types"): checked and emitted by tsc.
if (stamps.dts !== tsHash || !existsSync(join(dist, "runtime/index.d.ts"))) {
  execFileSync(node, [bin("typescript/bin/tsc"), "-p", join(root, "tsconfig.json"), "--noEmit", "false", "--declaration",
    "--emitDeclarationOnly", "--stripInternal", "--rootDir", root, "--outDir", dist], { cwd: root, stdio: "inherit" });
  stamps.dts = tsHash;
}
writeFileSync(stampFile, JSON.stringify(stamps));
