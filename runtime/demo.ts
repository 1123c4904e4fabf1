// `wasl demo` (what `npm start` runs): a few real programs from the host's busybox-static,
// each executed by the wasl CPU core and kernel, with the time each took.
import * as fs from "node:fs";
import { runProgram } from "./index.js";

const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"];

const STEPS: string[][] = [
  ["uname", "-sm"],
  ["echo", "hello from an x86-64 Linux binary running on WebAssembly"],
  ["sh", "-c", "for i in 3 1 2; do echo $i; done | sort | tr '\\n' ' '; echo"],
  ["sha256sum", "/etc/hostname"],
  ["ls", "-l", "/proc/self/exe"],
];

export async function demo(): Promise<number> {
  const busybox = BUSYBOX.find((p) => { try { return fs.statSync(p).isFile(); } catch { return false; } });
  if (!busybox) {
    process.stderr.write("wasl demo: busybox-static is not installed (Debian/Ubuntu: apt-get install busybox-static)\n");
    return 1;
  }
  const env = ["PATH=/usr/bin:/bin", "HOME=/", "LANG=C"];
  let failures = 0;
  for (const step of STEPS) {
    process.stdout.write(`\n$ busybox ${step.map((a) => (/[ '|$;]/.test(a) ? JSON.stringify(a) : a)).join(" ")}\n`);
    const r = await runProgram(busybox, [busybox.split("/").pop()!, ...step], env);
    const ms = r.usage ? r.usage.wallMs.toFixed(0) : "?";
    const kinstr = r.usage ? Math.round(r.usage.instructions / 1000).toLocaleString("en") : "?";
    process.stdout.write(`  [exit ${r.exitCode}${r.error ? ": " + r.error.message : ""}; ${kinstr} K guest instructions in ${ms} ms]\n`);
    if (r.exitCode !== 0) failures++;
  }
  return failures ? 1 : 0;
}
