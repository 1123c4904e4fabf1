// Parsers for the two specs: the memory/state layout and the opcode table (asm/isa/*.tbl).
// Shared by the generator (scripts/gen.mjs) and the tests.

/** Parses asm/spec/layout.txt into constants and state fields with absolute offsets. */
export function parseLayout(text) {
  const consts = [], fields = [];
  let section = null, off = 0, base = null;
  const sizes = { u8: 1, u16: 2, u32: 4, u64: 8, f64: 8, v128: 16 };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const sec = line.match(/^\[(\w+)\]$/);
    if (sec) { section = sec[1]; continue; }
    const parts = line.split(/\s+/);
    if (section === "const") {
      consts.push({ name: parts[0], text: parts[1], value: Number(parts[1]) });
      if (parts[0] === "STATE_BASE") base = Number(parts[1]);
    } else if (section === "state") {
      const [name, type, count = "1"] = parts;
      const size = sizes[type];
      if (!size) throw new Error(`layout: unknown type ${type}`);
      off = Math.ceil(off / size) * size;
      fields.push({ name, type, count: Number(count), offset: off, abs: base + off });
      off += size * Number(count);
    } else throw new Error(`layout: line outside a section: ${raw}`);
  }
  const limit = consts.find((c) => c.name === "STATE_SIZE").value;
  if (off > limit) throw new Error(`layout: state block is ${off} bytes, over STATE_SIZE ${limit}`);
  return { consts, fields, size: off };
}

export const SIZE_KINDS = { v: 0, b: 1, d64: 2, f64: 3, w: 4, d: 5, q: 6 };
export const IMM_KINDS = { ib: 1, cb: 1, iw: 2, iz: 3, cz: 3, iv: 4, io: 5, iwib: 6 };
const PREFIX_CLASS = { NP: 0, "66": 1, F3: 2, F2: 3 };
const ENDS_BLOCK = new Set(["jmp", "call", "ret", "jrcxz", "jecxz", "syscall", "int3", "int", "ud2", "hlt", "iretq", "loop", "loope", "loopne"]);

/**
 * Parses one opcode-table file. A row is
 *   ENCODING | MNEMONIC OPERANDS | SIZE | HANDLER[(ARG, …)] | FLAGS
 * ENCODING: [NP|66|F3|F2] [0F [38|3A]] OPCODE[+r] [/r|/0../7[:reg|:mem]] [ib|iw|iz|iv|io|cb|cz|iw ib]
 * SIZE: b, v, d64 (64 by default, 16 with 66), f64 (always 64), w, d, q.
 * FLAGS: the RFLAGS bits the instruction defines (O S Z A P C D), then ~X for undefined ones, or -.
 */
export function parseIsa(text, file = "?") {
  const rows = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    const where = `${file}:${i + 1}`;
    const cols = line.split("|").map((s) => s.trim());
    if (cols.length !== 5) throw new Error(`${where}: expected 5 columns`);
    const [enc, mn, size, handlerText, flagsText] = cols;
    const toks = enc.split(/\s+/);
    let pfx = null, map = 0, k = 0;
    if (toks.length > 1 && toks[0] in PREFIX_CLASS) pfx = toks[k++];
    if (toks[k] === "0F") {
      map = 1; k++;
      if ((toks[k] === "38" || toks[k] === "3A") && toks.length > k + 1 && /^[0-9A-F]{2}(\+r)?$/.test(toks[k + 1])) { map = toks[k] === "38" ? 2 : 3; k++; }
    }
    const opm = (toks[k++] || "").match(/^([0-9A-F]{2})(\+r)?$/);
    if (!opm) throw new Error(`${where}: bad opcode in '${enc}'`);
    const opcode = parseInt(opm[1], 16), plusr = !!opm[2];
    let modrm = false, reg = null, mod = null;
    if (toks[k] && toks[k].startsWith("/")) {
      const m = toks[k++].match(/^\/([r0-7])(?::(reg|mem))?$/);
      if (!m) throw new Error(`${where}: bad ModRM spec`);
      modrm = true; reg = m[1] === "r" ? null : Number(m[1]); mod = m[2] || null;
    }
    let imm = 0;
    const rest = toks.slice(k).join(" ");
    if (rest) {
      const key = rest.replace(/\s+/g, "");
      if (!(key in IMM_KINDS)) throw new Error(`${where}: bad immediate '${rest}'`);
      imm = IMM_KINDS[key];
    }
    if (!(size in SIZE_KINDS)) throw new Error(`${where}: bad size '${size}'`);
    const hm = handlerText.match(/^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/);
    if (!hm) throw new Error(`${where}: bad handler '${handlerText}'`);
    const args = hm[2] ? hm[2].split(",").map((s) => s.trim()) : [];
    const defined = [], undef = [];
    if (flagsText !== "-")
      for (const t of flagsText.split(/\s+/)) {
        if (t.startsWith("~")) undef.push(...t.slice(1)); else defined.push(...t);
      }
    const mnemonic = mn.split(/\s+/)[0].toLowerCase();
    rows.push({ file, line: i + 1, enc, pfx, map, opcode, plusr, modrm, reg, mod, imm, size, sizeKind: SIZE_KINDS[size],
      mnemonic, operands: mn.split(/\s+/).slice(1).join(" "), text: mn, handler: hm[1], args,
      flags: defined.join(""), undefinedFlags: undef.join(""),
      endsBlock: ENDS_BLOCK.has(mnemonic) || /^j/.test(mnemonic) });
  });
  return rows;
}

/** Builds the decoder's lookup tables and the op list from parsed rows. */
export function buildDecodeTables(rows) {
  const ops = [];
  const slots = new Map(); // key (map,opcode,class) -> { modrm, generic: [], specific: [] }
  for (const r of rows) {
    const id = ops.length + 1;
    ops.push({ id, handler: r.handler, args: r.args, mnemonic: r.text,
      info: r.sizeKind | (r.imm << 4) | (r.endsBlock ? 0x100 : 0) });
    r.op = id;
    const opcodes = r.plusr ? [0, 1, 2, 3, 4, 5, 6, 7].map((i) => r.opcode + i) : [r.opcode];
    const classes = r.pfx ? [PREFIX_CLASS[r.pfx]] : [0, 1, 2, 3];
    for (const oc of opcodes) for (const c of classes) {
      const key = (r.map * 256 + oc) * 4 + c;
      if (!slots.has(key)) slots.set(key, { generic: [], specific: [] });
      slots.get(key)[r.pfx ? "specific" : "generic"].push(r);
    }
  }
  const primary = new Array(4 * 256 * 4).fill(0);
  const groups = [];
  for (const [key, s] of slots) {
    // Rows with a mandatory prefix take precedence; prefix-less rows of the same opcode fill the
    // ModRM slots they leave free (e.g. 0F AE: F3-only rows next to prefix-less fences).
    let list = s.specific.length ? s.specific : s.generic;
    if (s.specific.length && s.generic.length && s.specific.every((r) => r.modrm) && s.generic.every((r) => r.modrm)) list = [...s.specific, ...s.generic];
    const modrm = list[0].modrm;
    for (const r of list) if (r.modrm !== modrm) throw new Error(`${r.file}:${r.line}: ModRM use differs from other rows of this opcode`);
    if (list.length === 1 && list[0].reg === null && list[0].mod === null) { primary[key] = (modrm ? 0x8000 : 0) | list[0].op; continue; }
    if (!modrm) throw new Error(`${list[0].file}:${list[0].line}: two rows for one opcode without ModRM`);
    const g = new Array(16).fill(0);
    const specificOps = new Set(s.specific.map((r) => r.op));
    for (const r of list)
      for (let m = 0; m < 2; m++) for (let reg = 0; reg < 8; reg++) {
        if (r.reg !== null && r.reg !== reg) continue;
        if (r.mod === "reg" && m === 0) continue;
        if (r.mod === "mem" && m === 1) continue;
        if (g[m * 8 + reg]) {
          if (!r.pfx && specificOps.has(g[m * 8 + reg])) continue; // the prefixed row wins
          throw new Error(`${r.file}:${r.line}: encoding overlaps another row`);
        }
        g[m * 8 + reg] = r.op;
      }
    const gi = groups.length / 16;
    groups.push(...g);
    primary[key] = 0x8000 | 0x4000 | gi;
  }
  const opinfo = [0, ...ops.map((o) => o.info)];
  return { ops, primary, groups, opinfo };
}
