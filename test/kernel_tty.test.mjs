// Terminals: an interactive `wasl exec /bin/busybox sh` on a real pseudo-terminal (util-linux's
// `script` gives wasl one and relays the keystrokes written to its stdin). wasl bridges that host
// terminal to a pty of its own, so line editing, the signal keys and job control are the guest's.
// Every step waits for the text it expects (never a fixed sleep); a step whose keystrokes could be
// typed ahead of the shell waits for output that only the command itself can produce.
// The pty guests under test/guest/tty_*.c are compared with native runs by differential.test.mjs.
// Runs against the built runtime: WASL_DIST (default dist/).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { writeWaslLauncher } from "./lib/run.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const haveScript = spawnSync("script", ["--version"]).status === 0;
const busybox = "/bin/busybox";
const STEP_MS = 20000;

const dir = mkdtempSync(join(tmpdir(), "wasl-tty-"));
const launcher = join(dir, "wasl.mjs");
writeWaslLauncher(launcher);

/** `wasl exec ARGS` on a pseudo-terminal; type() sends keys, expect() waits for output after the last match. */
function session(args) {
  const cmd = [process.execPath, launcher, "exec", ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const p = spawn("script", ["-qfec", cmd, "/dev/null"], {
    cwd: dir, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "dumb", ENV: "", HISTFILE: "/dev/null" },
  });
  let out = "", pos = 0;
  const listeners = new Set();
  p.stdout.on("data", (d) => { out += d.toString("latin1"); for (const l of [...listeners]) l(); });
  p.stderr.on("data", (d) => { out += d.toString("latin1"); for (const l of [...listeners]) l(); });
  const exited = new Promise((r) => p.on("exit", (code, sig) => r({ code, sig })));
  return {
    get output() { return out; },
    type(keys) { p.stdin.write(keys); },
    expect(text) {
      return new Promise((res, rej) => {
        const check = () => {
          const i = out.indexOf(text, pos);
          if (i < 0) return;
          listeners.delete(check); clearTimeout(timer);
          pos = i + text.length;
          res();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          rej(new Error(`no ${JSON.stringify(text)} within ${STEP_MS} ms; output after the last match: ${JSON.stringify(out.slice(pos))}`));
        }, STEP_MS);
        listeners.add(check);
        check();
      });
    },
    exited,
    kill() { p.kill("SIGKILL"); },
  };
}

const PROMPT = "# ";

test("interactive busybox sh: line editing, ^C, job control, exit", async () => {
  if (!haveScript || !existsSync(busybox)) { console.log("  (skipped: needs util-linux script and /bin/busybox)"); return; }
  const s = session([busybox, "sh"]);
  try {
    await s.expect(PROMPT);
    // Line editing: a typo, backspace (DEL), the right letter.
    s.type("echo hellp\x7fo\r");
    await s.expect("\nhello\r");
    await s.expect(PROMPT);
    // ^C interrupts a foreground sleep: the subshell prints a marker once it is in the foreground.
    const t0 = Date.now();
    s.type("(echo ST''ART; exec sleep 100)\r");
    await s.expect("START");
    s.type("\x03");
    await s.expect("^C");
    await s.expect(PROMPT);
    assert.ok(Date.now() - t0 < 15000, "^C ended sleep 100 early");
    // ^Z stops a foreground job, `jobs` lists it, `fg` resumes it, ^C ends it.
    s.type("tr a-z A-Z\r");
    s.type("ping\r");
    await s.expect("PING");
    s.type("\x1a");
    await s.expect("Stopped");
    await s.expect(PROMPT);
    s.type("jobs\r");
    await s.expect("tr a-z A-Z");
    await s.expect(PROMPT);
    s.type("fg\r");
    s.type("pong\r");
    await s.expect("PONG");
    s.type("\x03");
    await s.expect(PROMPT);
    // A background job, `bg` after a stop, and kill %1.
    s.type("sleep 100 &\r");
    await s.expect(PROMPT);
    s.type("jobs\r");
    await s.expect("Running");
    await s.expect(PROMPT);
    s.type("kill %1\r");
    await s.expect(PROMPT);
    s.type("(echo SL''EEPING; exec sleep 100)\r");
    await s.expect("SLEEPING");
    s.type("\x1a");
    await s.expect("Stopped");
    await s.expect(PROMPT);
    s.type("bg\r");
    await s.expect(PROMPT);
    s.type("jobs\r");
    await s.expect("Running");
    await s.expect(PROMPT);
    s.type("kill %1; echo KI''LLED\r");
    await s.expect("KILLED");
    await s.expect(PROMPT);
    // The terminal the shell sees: its stdio is a pty slave, the size is the host's.
    s.type("tty; stty -g >/dev/null && echo ST''TY-OK\r");
    await s.expect("/dev/pts/");
    await s.expect("STTY-OK");
    await s.expect(PROMPT);
    s.type("exit\r");
    const r = await s.exited;
    assert.is(r.code, 0, `exit status (output: ${JSON.stringify(s.output.slice(-400))})`);
  } finally { s.kill(); }
});

test("the host terminal's mode comes back after the guest exits", async () => {
  if (!haveScript || !existsSync(busybox)) return;
  // stty reads the host terminal (script's pty) after wasl has exited: it is in cooked mode again.
  const s = session([busybox, "sh", "-c", "echo guest-done"]);
  await s.expect("guest-done");
  const r = await s.exited;
  assert.is(r.code, 0);
  const cmd = `'${process.execPath}' '${launcher}' exec ${busybox} true; stty -a`;
  const p = spawnSync("script", ["-qfec", cmd, "/dev/null"], { cwd: dir, encoding: "latin1", input: "" });
  assert.match(p.stdout, / icanon /);
  assert.match(p.stdout, / echo /);
});

test("stdin not a terminal: host pipes stay as they are", () => {
  const p = spawnSync(process.execPath, [launcher, "exec", busybox, "sh", "-c", "tty; read x; echo got $x"], { input: "line\n", encoding: "utf8" });
  assert.is(p.stdout, "not a tty\ngot line\n");
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
