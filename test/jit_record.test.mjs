// runtime/jit/record.ts mirrors numbers the core defines in AssemblyScript (fast op ids, record
// flags, lazy-flag kinds, shift and unary kinds, the block header): each must equal its source.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distDir } from "./isa/lib/wasl.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const R = await import(pathToFileURL(join(distDir(), "runtime/jit/record.js")).href);

/** `export const NAME: u32 = N` (several per line allowed) in an asm/ source file. */
function consts(file) {
  const out = {};
  for (const m of readFileSync(join(root, "asm", file), "utf8").matchAll(/\b([A-Z][A-Z0-9_]*): u32 = (\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

test("fast op ids match asm/fast.ts", () => {
  const fast = consts("fast.ts");
  for (const [name, v] of Object.entries(R.FOP)) assert.is(v, fast[`FOP_${name}`], `FOP_${name}`);
  for (const name of ["SK_ROL", "SK_ROR", "SK_SHL", "SK_SHR", "SK_SAR", "UK_INC", "UK_DEC", "UK_NOT", "UK_NEG"]) assert.is(R[name], fast[name], name);
});

test("record flags match asm/operand.ts, lazy kinds asm/flags.ts, the block header asm/exec.ts", () => {
  const operand = consts("operand.ts"), flags = consts("flags.ts"), exec = consts("exec.ts");
  for (const name of ["F_MOD3", "F_RIPREL", "F_ASIZE32", "F_REP", "F_REPNE", "F_LOCK", "F_OPSIZE", "F_REXW", "RECORD_SIZE"]) assert.is(R[name], operand[name], name);
  for (const name of ["LAZY_ADD", "LAZY_ADC", "LAZY_SUB", "LAZY_SBB", "LAZY_LOGIC", "LAZY_SHIFT", "LAZY_IMUL"]) assert.is(R[name], flags[name], name);
  for (const name of ["BLOCK_HEADER", "JIT_NEVER", "H_RESUME", "H_TARGETS", "H_TARGET_SLOTS", "TARGET_HASH_SHIFT"]) assert.is(R[name], exec[name], name);
});

test.run();
