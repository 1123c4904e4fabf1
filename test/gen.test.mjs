// The generated files match their specs, and the specs themselves are consistent: the CPU state
// fields do not overlap, the memory map's regions are disjoint, no two opcode-table rows claim
// the same encoding.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseLayout, parseIsa, buildDecodeTables } from "../scripts/spec.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (rel) => readFileSync(join(root, rel), "utf8");
const layout = parseLayout(read("asm/spec/layout.txt"));
const C = Object.fromEntries(layout.consts.map((c) => [c.name, c.value]));
const isaFiles = readdirSync(join(root, "asm/isa")).filter((f) => f.endsWith(".tbl")).sort();
const rows = isaFiles.flatMap((f) => parseIsa(read(join("asm/isa", f)), f));

test("generated files match their specs (scripts/gen.mjs --check)", () => {
  const r = spawnSync(process.execPath, [join(root, "scripts/gen.mjs"), "--check"], { encoding: "utf8" });
  assert.is(r.status, 0, `gen.mjs --check failed:\n${r.stderr}${r.stdout}`);
});

test("state fields are aligned, do not overlap and fit in the state block", () => {
  const sizes = { u8: 1, u16: 2, u32: 4, u64: 8, f64: 8, v128: 16 };
  const fields = [...layout.fields].sort((a, b) => a.abs - b.abs);
  let end = C.STATE_BASE;
  for (const f of fields) {
    const size = sizes[f.type] * f.count;
    assert.ok(f.abs % sizes[f.type] === 0, `${f.name} at 0x${f.abs.toString(16)} is not aligned to ${sizes[f.type]}`);
    assert.ok(f.abs >= end, `${f.name} at 0x${f.abs.toString(16)} overlaps the field before it (which ends at 0x${end.toString(16)})`);
    end = f.abs + size;
  }
  assert.ok(end <= C.STATE_BASE + C.STATE_SIZE, `state fields end at 0x${end.toString(16)}, past the state block`);
  assert.is(new Set(layout.fields.map((f) => f.name)).size, layout.fields.length, "duplicate state field names");
});

test("runtime/gen/layout.ts carries exactly the spec's offsets and constants", () => {
  const ts = read("runtime/gen/layout.ts");
  assert.ok(ts.startsWith("// GENERATED"), "runtime/gen/layout.ts must say it is generated in its first line");
  const consts = Object.fromEntries([...ts.matchAll(/^export const (\w+) = (0x[0-9a-fA-F]+|\d+);/gm)].map((m) => [m[1], Number(m[2])]));
  for (const c of layout.consts) assert.is(consts[c.name], c.value, `constant ${c.name}`);
  for (const f of layout.fields) assert.is(consts[`S_${f.name.toUpperCase()}`], f.abs, `offset of ${f.name}`);
  const json = ts.match(/^export const STATE_FIELDS = (.*) as const;$/m);
  assert.ok(json, "STATE_FIELDS is missing");
  assert.equal(JSON.parse(json[1]), layout.fields.map(({ name, type, count, abs }) => ({ name, type, count, offset: abs })));
});

test("memory map regions are disjoint and in order", () => {
  const regions = [
    ["state", C.STATE_BASE, C.STATE_BASE + C.STATE_SIZE],
    ["tlb read", C.TLB_READ, C.TLB_READ + C.TLB_ENTRIES * 16],
    ["tlb write", C.TLB_WRITE, C.TLB_WRITE + C.TLB_ENTRIES * 16],
    ["tlb exec", C.TLB_EXEC, C.TLB_EXEC + C.TLB_ENTRIES * 16],
    ["block hash", C.BLOCK_HASH, C.BLOCK_HASH + C.BLOCK_HASH_SIZE * 8],
    ["scratch", C.SCRATCH, C.SCRATCH + 0x10000],
    ["decoded", C.DECODED, C.DECODED_END],
    ["frame meta", C.FRAME_META, C.FRAME_META_END],
    ["as data", C.AS_DATA, C.FRAMES_START],
  ];
  for (let i = 1; i < regions.length; i++) {
    const [pn, , pend] = regions[i - 1], [n, start, end] = regions[i];
    assert.ok(start < end, `${n} is empty`);
    assert.ok(pend <= start, `${pn} (ends 0x${pend.toString(16)}) overlaps ${n} (starts 0x${start.toString(16)})`);
  }
  assert.is(C.FRAMES_START % C.PAGE_SIZE, 0, "frames must start on a page boundary");
  const exits = layout.consts.filter((c) => c.name.startsWith("EXIT_"));
  assert.is(new Set(exits.map((c) => c.value)).size, exits.length, "exit reasons must have distinct values");
  const ptes = layout.consts.filter((c) => c.name.startsWith("PTE_") && c.name !== "PTE_FRAME_MASK");
  for (const p of ptes) {
    assert.ok((p.value & (p.value - 1)) === 0, `${p.name} must be a single bit`);
    assert.is(p.value & C.PTE_FRAME_MASK, 0, `${p.name} overlaps the frame address bits`);
  }
  assert.is(new Set(ptes.map((p) => p.value)).size, ptes.length, "PTE bits must be distinct");
});

test("runtime/gen/isa.json is the parsed opcode table, with op ids 1..n", () => {
  const json = read("runtime/gen/isa.json");
  const ops = JSON.parse(json);
  buildDecodeTables(rows);  // assigns op ids, as the generator does
  assert.is(ops.length, rows.length);
  ops.forEach((o, i) => {
    assert.is(o.op, i + 1, `row ${i} has op id ${o.op}`);
    assert.is(o.enc, rows[i].enc);
    assert.is(o.handler, rows[i].handler);
  });
});

test("no two opcode-table rows claim the same encoding", () => {
  // A row with a mandatory prefix overrides prefix-less rows of the same opcode; within each
  // kind, every (map, opcode, prefix, mod, reg) cell must belong to one row at most.
  const owner = new Map();
  const classes = { NP: [0], "66": [1], F3: [2], F2: [3] };
  for (const r of rows) {
    const opcodes = r.plusr ? [0, 1, 2, 3, 4, 5, 6, 7].map((k) => r.opcode + k) : [r.opcode];
    for (const oc of opcodes) for (const pc of r.pfx ? classes[r.pfx] : [0, 1, 2, 3]) for (const mod of [0, 1]) for (let reg = 0; reg < 8; reg++) {
      if (r.modrm && r.reg !== null && r.reg !== reg) continue;
      if (r.mod === "reg" && mod === 0) continue;
      if (r.mod === "mem" && mod === 1) continue;
      const cell = `${r.pfx ? "specific" : "generic"} map${r.map} ${oc.toString(16)} class${pc} mod${mod} reg${reg}`;
      const prev = owner.get(cell);
      assert.ok(!prev || prev === r, `${r.file}:${r.line} (${r.text}) and ${prev?.file}:${prev?.line} (${prev?.text}) share ${cell}`);
      owner.set(cell, r);
    }
  }
  assert.not.throws(() => buildDecodeTables(rows));
});

test("flag columns name only RFLAGS bits, each once", () => {
  for (const r of rows) {
    const all = r.flags + r.undefinedFlags;
    assert.ok(/^[OSZAPCD]*$/.test(all), `${r.file}:${r.line}: flags '${all}'`);
    assert.is(new Set(all).size, all.length, `${r.file}:${r.line}: a flag is both defined and undefined, or listed twice`);
  }
});

test("every handler the table names is exported from asm/", () => {
  const exported = new Set();
  for (const f of readdirSync(join(root, "asm")).filter((f) => f.endsWith(".ts")))
    for (const m of read(join("asm", f)).matchAll(/^export (?:function|const) ([A-Za-z0-9_]+)/gm)) exported.add(m[1]);
  for (const r of rows) {
    assert.ok(exported.has(r.handler), `${r.file}:${r.line}: handler ${r.handler} is not exported by any asm/*.ts`);
    for (const a of r.args) if (!/^-?\d+$/.test(a)) assert.ok(exported.has(a), `${r.file}:${r.line}: argument ${a} is not exported`);
  }
});

test.run();
