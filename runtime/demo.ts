// `wasl demo` (what `npm start` runs): the embedded default image — the host's busybox-static
// packed as a one-layer OCI image the first time — run through the Sandbox API: a pipeline, a
// file write that stays in its container, and limits being enforced.
import { Sandbox, type RunResult } from "./sandbox.js";
import { ImageStore } from "../images/store.js";
import { nodeImageHost } from "../images/host-node.js";
import { ensureDefaultImage, DEFAULT_IMAGE } from "./image-builder.js";
import "./index.js"; // registers the Node platform

const show = (s: string) => process.stdout.write(s);

function summary(r: RunResult): string {
  const parts = [`exit ${r.exitCode}`];
  if (r.timedOut) parts.push("timed out");
  if (r.oomKilled) parts.push("OOM-killed");
  parts.push(`${Math.round(r.usage.instructions / 1000).toLocaleString("en")} K instructions`, `${r.usage.syscalls} syscalls`,
    `${(r.usage.maxMemory / 1048576).toFixed(1)} MiB peak`, `${r.usage.wallMs.toFixed(0)} ms`);
  return `  [${parts.join("; ")}]\n`;
}

async function step(box: Sandbox, title: string, argv: string[]): Promise<RunResult> {
  show(`\n# ${title}\n$ ${argv.map((a) => (!/[ '"|$;>&*\\]/.test(a) ? a : a.includes("'") ? JSON.stringify(a) : `'${a}'`)).join(" ")}\n`);
  const r = await box.run(argv);
  show(Buffer.from(r.stdout).toString());
  const err = Buffer.from(r.stderr).toString();
  if (err) show(err.replace(/\n$/, "").replace(/^/gm, "  stderr: ") + "\n");
  show(summary(r));
  return r;
}

export async function demo(): Promise<number> {
  const store = ImageStore.open(nodeImageHost());
  try {
    if (!store.find(DEFAULT_IMAGE)) show(`building ${DEFAULT_IMAGE} from the host's busybox-static into ${store.root}\n`);
    await ensureDefaultImage(store);
  } catch (e) {
    process.stderr.write(`wasl demo: ${(e as Error).message}\n`);
    return 1;
  }
  let failures = 0;
  const check = (ok: boolean, what: string) => { if (!ok) { failures++; show(`  !! expected ${what}\n`); } };

  const a = await Sandbox.create({ image: DEFAULT_IMAGE, hostname: "demo", memory: "256m", timeoutMs: 10_000 });
  let r = await step(a, "an x86-64 Linux binary on WebAssembly", ["sh", "-c", "uname -sm; hostname; cat /etc/os-release | head -1"]);
  check(r.exitCode === 0, "exit 0");
  r = await step(a, "a pipeline", ["sh", "-c", "for w in wasm linux x86 sandbox; do echo $w; done | sort | tr '\\n' ' ' | wc -c"]);
  check(r.exitCode === 0, "exit 0");
  r = await step(a, "a write inside the container", ["sh", "-c", "echo hello > /tmp/note; ls -l /tmp/note; cat /tmp/note"]);
  check(r.exitCode === 0, "exit 0");

  const b = await Sandbox.create({ image: DEFAULT_IMAGE, hostname: "demo2" });
  r = await step(b, "a second sandbox from the same image does not see it", ["sh", "-c", "cat /tmp/note || echo 'no /tmp/note here'"]);
  check(Buffer.from(r.stdout).toString().includes("no /tmp/note here"), "the file to be absent");

  const c = await Sandbox.create({ image: DEFAULT_IMAGE, memory: "8m" });
  r = await step(c, "an 8 MiB memory limit", ["sh", "-c", "x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo ${#x}"]);
  check(r.exitCode !== 0, "the allocation to fail");

  const d = await Sandbox.create({ image: DEFAULT_IMAGE, timeoutMs: 500 });
  r = await step(d, "a 500 ms timeout", ["sh", "-c", "while :; do :; done"]);
  check(r.timedOut, "a timeout");

  for (const box of [a, b, c, d]) await box.close();
  show(failures ? `\n${failures} step(s) did not do what they should\n` : "\nall steps behaved as expected\n");
  return failures ? 1 : 0;
}
