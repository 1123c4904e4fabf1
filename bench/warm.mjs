// A warm library call: one host process creates a Sandbox from the default busybox image, runs
// `echo hi` once to warm up, then times `runs` more calls. Prints one JSON line of seconds.
// Usage: node bench/warm.mjs RUNS   (WASL_DIST selects a private build; WASL_HOME the store)
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(process.cwd(), process.env.WASL_DIST || join(root, "dist"));
const { Sandbox } = await import(pathToFileURL(join(dist, "runtime/index.js")).href);
const runs = Number(process.argv[2] || 20);
const box = await Sandbox.create({ image: "busybox" });
const check = async () => {
  const r = await box.run(["echo", "hi"]);
  if (r.exitCode !== 0 || Buffer.from(r.stdout).toString() !== "hi\n") throw new Error(`echo hi failed: ${r.exitCode}`);
};
await check();
const samples = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  await check();
  samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
await box.close();
console.log(JSON.stringify(samples));
