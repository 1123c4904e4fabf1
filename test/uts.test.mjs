// sethostname/setdomainname change only the sandbox's UTS names (never the host's): uname,
// hostname and /proc/sys/kernel/hostname agree, and a non-root caller gets EPERM.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(repo, process.env.WASL_DIST || "dist");
const w = await import(pathToFileURL(join(dist, "runtime/index.js")).href);
const { nodeImageHost } = await import(pathToFileURL(join(dist, "images/host-node.js")).href);
const hasBusybox = w.BUSYBOX_PATHS.some((p) => fs.existsSync(p));

test("sethostname inside a sandbox changes the sandbox's names only", async () => {
  if (!hasBusybox) { console.log("  skipped: busybox-static is not installed"); return; }
  const home = fs.mkdtempSync(join(os.tmpdir(), "wasl-uts-"));
  try {
    const store = new w.ImageStore(nodeImageHost(), home);
    await w.ensureDefaultImage(store);
    const box = await w.Sandbox.create({ image: w.DEFAULT_IMAGE, store, hostname: "before" });
    const r = await box.run(["sh", "-c", "hostname; hostname renamed; hostname; uname -n; cat /proc/sys/kernel/hostname"]);
    assert.is(Buffer.from(r.stdout).toString(), "before\nrenamed\nrenamed\nrenamed\n");
    assert.is(r.exitCode, 0);
    const denied = await box.run(["sh", "-c", "hostname other"], { user: "1000" });
    assert.ok(/not permitted/i.test(Buffer.from(denied.stderr).toString()), Buffer.from(denied.stderr).toString());
    assert.is.not(denied.exitCode, 0);
    await box.close();
    assert.is.not(os.hostname(), "renamed");
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test.run();
