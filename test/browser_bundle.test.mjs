// The kernel, the syscalls, the VFS, the image code and the sandbox must run in a browser: this
// bundles the browser entry (runtime/browser.ts) with esbuild for the browser platform and fails
// if anything in the bundle imports a node: module (or a Node builtin by its bare name).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinModules } from "node:module";
import { build } from "esbuild";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(entry) {
  const imported = new Map();
  const r = await build({
    entryPoints: [join(repo, entry)], bundle: true, write: false, platform: "browser", format: "esm", metafile: true,
    logLevel: "silent",
    plugins: [{
      name: "record-node-imports",
      setup(b) {
        // Keep going past a Node import so the report names every one and who imports it.
        b.onResolve({ filter: /.*/ }, (a) => {
          if (!NODE.has(a.path)) return undefined;
          imported.set(`${a.path} (from ${a.importer.slice(repo.length + 1)})`, true);
          return { path: a.path, external: true };
        });
      },
    }],
  });
  return { imported: [...imported.keys()], inputs: Object.keys(r.metafile.inputs), size: r.outputFiles[0].contents.length };
}

test("the browser entry (sandbox, kernel, syscalls, vfs, images, browser host) pulls in no node: module", async () => {
  const r = await bundle("runtime/browser.ts");
  assert.equal(r.imported, []);
  for (const must of ["runtime/kernel.ts", "runtime/sandbox.ts", "syscalls/table.ts", "runtime/vfs/vfs.ts", "images/overlay.ts", "runtime/host/browser.ts"])
    assert.ok(r.inputs.includes(must), `${must} is in the bundle`);
  assert.not.ok(r.inputs.some((f) => /host\/node|host-node|nodefs/.test(f)), "no Node host file is bundled");
});

test("the Node entry does pull in Node (the check can fail)", async () => {
  assert.ok((await bundle("runtime/index.ts")).imported.length > 0);
});

test.run();
