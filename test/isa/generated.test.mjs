// Every instantiable row of the opcode table, run on the host CPU and in wasl with generated
// operands; one test per table file (family). Flags the row leaves undefined are masked; all
// others, including flags the row does not mention, must match.
//   node test/isa/generated.test.mjs            all families
//   ISA_FAMILY=alu ISA_CASES=4 node test/isa/generated.test.mjs
import { test } from "uvu";
import { loadTables, casesForRow } from "./cases.mjs";
import { runMany, diffStates, describeInput, hex } from "./harness.mjs";

const PER_ROW = Number(process.env.ISA_CASES || 12);
const only = process.env.ISA_FAMILY ? new Set(process.env.ISA_FAMILY.split(",")) : null;
const DETAIL = 20;

// RCP and RSQRT are approximations whose exact bits differ between CPU models (Intel only bounds
// the relative error by 1.5 * 2^-12), so their lanes are compared with that tolerance on each side.
const APPROX = new Set(["rcpps", "rcpss", "rsqrtps", "rsqrtss"]);
function approxXmmOk(a, b) {
  const fa = new Float32Array(a.buffer.slice(a.byteOffset, a.byteOffset + 16));
  const fb = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + 16));
  for (let i = 0; i < 4; i++) {
    if (Object.is(fa[i], fb[i]) || (Number.isNaN(fa[i]) && Number.isNaN(fb[i]))) continue;
    if (!Number.isFinite(fa[i]) || !Number.isFinite(fb[i]) || Math.sign(fa[i]) !== Math.sign(fb[i])) return false;
    if (Math.abs(fa[i] - fb[i]) > 3 * 2 ** -12 * Math.abs(fa[i])) return false;
  }
  return true;
}

/** Groups a case's differences into a short cause for the summary. */
function causeOf(diffs) {
  const keys = new Set();
  for (const d of diffs) {
    if (d.startsWith("exit:")) keys.add(d.replace(/ at rip 0x[0-9a-f]+/g, "").replace(/ addr 0x[0-9a-f]+/g, ""));
    else if (d.startsWith("rflags")) keys.add("rflags " + d.match(/differ: (\w+)/)[1]);
    else if (/^xmm\d/.test(d)) keys.add("xmm");
    else if (/^(r\w+|e\w+):/.test(d)) keys.add("gpr");
    else keys.add(d.split(/[:[]/)[0]);
  }
  return [...keys].sort().join(" + ");
}

export async function runFamily(family, rows, perRow = PER_ROW) {
  const skipped = new Map();
  const cases = [];
  for (const row of rows) {
    const { cases: cs, skip } = casesForRow(row, perRow);
    if (skip) skipped.set(skip, [...(skipped.get(skip) || []), row.text]);
    cases.push(...cs);
  }
  const results = await runMany(cases);
  const mismatches = [];
  const causes = new Map(), perRowFail = new Map(), exits = new Map();
  results.forEach((res, i) => {
    const c = cases[i];
    const ex = res.native?.exit ?? "assembler error";
    exits.set(ex, (exits.get(ex) || 0) + 1);
    let diffs;
    if (res.error) diffs = [`generator: ${res.error}`];
    else {
      const approx = APPROX.has(c.row.mnemonic) && res.native.exit === "ok" && res.wasl.exit === "ok";
      const ignoreRegs = approx ? res.native.xmm.map((x, k) => `xmm${k}`).filter((_, k) => approxXmmOk(res.native.xmm[k], res.wasl.xmm[k])) : [];
      diffs = diffStates(res.native, res.wasl, { flagsMask: c.flagsMask, ignoreRegs });
    }
    if (!diffs.length) return;
    const key = `${c.row.text} [${c.row.enc}]: ${causeOf(diffs)}`;
    causes.set(key, (causes.get(key) || 0) + 1);
    perRowFail.set(c.row.text, (perRowFail.get(c.row.text) || 0) + 1);
    mismatches.push({ c, diffs, res });
  });
  return { family, cases: cases.length, rows: rows.length, skipped, mismatches, causes, perRowFail, exits };
}

export function formatReport(rep) {
  const lines = [];
  const skippedRows = [...rep.skipped.values()].reduce((n, a) => n + a.length, 0);
  lines.push(`${rep.family}: ${rep.rows} rows, ${skippedRows} skipped, ${rep.cases} cases, ${rep.mismatches.length} mismatches`);
  lines.push(`  host outcomes: ${[...rep.exits].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  for (const [why, rows] of rep.skipped) lines.push(`  skipped (${why}): ${rows.join("; ")}`);
  if (rep.mismatches.length) {
    lines.push(`  causes (row: what differs → cases):`);
    for (const [k, n] of [...rep.causes].sort((a, b) => b[1] - a[1]).slice(0, 40)) lines.push(`    ${n.toString().padStart(4)}  ${k}`);
    lines.push(`  first ${Math.min(DETAIL, rep.mismatches.length)} in detail:`);
    for (const { c, diffs, res } of rep.mismatches.slice(0, DETAIL)) {
      lines.push(`  - ${c.text}    ; bytes ${c.bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}, row ${c.row.file}:${c.row.line}`);
      lines.push(`      in: ${describeInput(c)}${c.mxcsr !== 0x1f80 ? " mxcsr=" + hex(c.mxcsr, 4) : ""}`);
      if (res.native?.exit === "ok" && c.row.operands) {
        const outRegs = Object.keys(c.regs).filter((r) => res.native.regs[r] !== res.wasl.regs?.[r]);
        if (outRegs.length) lines.push(`      native out: ${outRegs.map((r) => `${r}=${hex(res.native.regs[r], 0)}`).join(" ")}`);
      }
      for (const d of diffs) lines.push(`      ${d}`);
    }
  }
  return lines.join("\n");
}

const tables = loadTables();
for (const [family, rows] of tables) {
  if (only && !only.has(family)) continue;
  test(`isa/${family}: generated cases match the host CPU`, async () => {
    const rep = await runFamily(family, rows);
    const text = formatReport(rep);
    console.log(text);
    if (rep.mismatches.length) throw new Error(`${rep.family}: ${rep.mismatches.length} of ${rep.cases} cases differ from the host CPU (report above)`);
  });
}

test.run();
