// A minimal WebAssembly binary writer for the JIT: function bodies as bytes, and the module
// around them (types, imports of the core's memory, a table and functions, one exported function).

/** The opcodes the JIT emits (WebAssembly core spec, binary format). */
export const enum Op {
  unreachable = 0x00, block = 0x02, loop = 0x03, if_ = 0x04, else_ = 0x05, end = 0x0b, br = 0x0c, br_if = 0x0d, br_table = 0x0e, return_ = 0x0f, call = 0x10, call_indirect = 0x11,
  drop = 0x1a, select = 0x1b,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22,
  i32_load = 0x28, i64_load = 0x29, i64_load8_s = 0x30, i64_load8_u = 0x31, i64_load16_s = 0x32, i64_load16_u = 0x33, i64_load32_s = 0x34, i64_load32_u = 0x35,
  i32_store = 0x36, i64_store = 0x37, i64_store8 = 0x3c, i64_store16 = 0x3d, i64_store32 = 0x3e,
  i32_const = 0x41, i64_const = 0x42,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_gt_u = 0x4b, i32_ge_u = 0x4f,
  i64_eqz = 0x50, i64_eq = 0x51, i64_ne = 0x52, i64_lt_s = 0x53, i64_lt_u = 0x54, i64_le_s = 0x57, i64_le_u = 0x58,
  i32_popcnt = 0x69, i64_clz = 0x79, i64_ctz = 0x7a, i32_add = 0x6a, i32_sub = 0x6b, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73, i32_shl = 0x74, i32_shr_u = 0x76,
  i64_add = 0x7c, i64_sub = 0x7d, i64_mul = 0x7e, i64_and = 0x83, i64_or = 0x84, i64_xor = 0x85,
  i64_shl = 0x86, i64_shr_s = 0x87, i64_shr_u = 0x88, i64_rotl = 0x89, i64_rotr = 0x8a, i32_rotl = 0x77, i32_rotr = 0x78,
  i32_wrap_i64 = 0xa7, i64_extend_i32_s = 0xac, i64_extend_i32_u = 0xad,
}

/** SIMD opcodes (after the 0xFD prefix). */
export const enum Simd {
  v128_load = 0x00, v128_store = 0x0b, v128_const = 0x0c, i8x16_shuffle = 0x0d, i8x16_min_u = 0x77, i8x16_eq = 0x23, i32x4_eq = 0x37,
  v128_and = 0x4e, v128_andnot = 0x4f, v128_or = 0x50, v128_xor = 0x51, v128_load64_zero = 0x5d, i8x16_bitmask = 0x64,
  i16x8_shl = 0x8b, i16x8_shr_s = 0x8c, i16x8_shr_u = 0x8d, i32x4_shl = 0xab, i32x4_shr_s = 0xac, i32x4_shr_u = 0xad,
  i32x4_add = 0xae, i32x4_sub = 0xb1, i64x2_shl = 0xcb, i64x2_shr_u = 0xcd, i64x2_add = 0xce,
}

export const I32 = 0x7f, I64 = 0x7e;
const SAFE = 1n << 52n;
const VOID_BLOCK = 0x40;

let utf8: TextEncoder | null = null;

/** A growable byte buffer with the LEB128 encodings of the binary format. */
export class Bytes {
  buf: Uint8Array;
  len = 0;
  /** buf: where to start writing (a scratch buffer reused from an earlier body saves growing it again). */
  constructor(buf?: Uint8Array) { this.buf = buf ?? new Uint8Array(256); }
  /** Makes room for n more bytes (the common short encodings below then write without a check per byte). */
  room(n: number): void { if (this.len + n > this.buf.length) this.grow(n); }
  private grow(need: number): void {
    const n = new Uint8Array(Math.max(this.buf.length * 2, this.len + need));
    n.set(this.buf.subarray(0, this.len));
    this.buf = n;
  }
  byte(b: number): this {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
    return this;
  }
  u32(v: number): this {
    v >>>= 0;
    if (v < 0x80) return this.byte(v);
    do { let b = v & 0x7f; v >>>= 7; if (v !== 0) b |= 0x80; this.byte(b); } while (v !== 0);
    return this;
  }
  s32(v: number): this {
    v |= 0;
    if (v >= -64 && v < 64) return this.byte(v & 0x7f);
    for (;;) {
      const b = v & 0x7f; v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { this.byte(b); return this; }
      this.byte(b | 0x80);
    }
  }
  /** A signed LEB128 of an integral Number (exact up to 2^53). */
  sNum(n: number): this {
    if (n >= -64 && n < 64) return this.byte(n & 0x7f);
    for (;;) {
      const b = ((n % 128) + 128) % 128;
      n = Math.floor(n / 128);
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { this.byte(b); return this; }
      this.byte(b | 0x80);
    }
  }
  s64(v: bigint): this {
    // Most constants are small: their bytes come from a Number without BigInt arithmetic.
    if (v >= -SAFE && v < SAFE) return this.sNum(Number(v));
    v = BigInt.asIntN(64, v);
    for (;;) {
      const b = Number(v & 0x7fn); v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { this.byte(b); return this; }
      this.byte(b | 0x80);
    }
  }
  bytes(b: Uint8Array | number[]): this {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  str(s: string): this { const b = (utf8 ??= new TextEncoder()).encode(s); this.u32(b.length); return this.bytes(b); }
  view(): Uint8Array { return this.buf.subarray(0, this.len); }
}

/** Instructions of one function body. */
export class Code extends Bytes {
  /** Structured blocks open at this point of the body (block, loop, if): branch depths count from here. */
  depth = 0;
  // The compiler emits a few instructions most of the time, with operands of one byte: those are
  // written directly (one call per instruction; it matters while the compiler itself runs cold).
  op(o: Op): this {
    if (o === undefined) throw new Error("no such opcode"); // a table lookup that missed would emit 0: unreachable
    return this.byte(o);
  }
  i32(v: number): this {
    if (v >= -64 && v < 64) { this.room(2); this.buf[this.len++] = Op.i32_const; this.buf[this.len++] = v & 0x7f; return this; }
    return this.byte(Op.i32_const).s32(v);
  }
  /** i64.const: a Number must be an integer below 2^53 in magnitude (most constants: no BigInt to allocate). */
  i64(v: bigint | number): this { this.byte(Op.i64_const); return typeof v === "number" ? this.sNum(v) : this.s64(v); }
  get(l: number): this { return this.local(Op.local_get, l); }
  set(l: number): this { return this.local(Op.local_set, l); }
  tee(l: number): this { return this.local(Op.local_tee, l); }
  private local(o: Op, l: number): this {
    if (l < 0x80) { this.room(2); this.buf[this.len++] = o; this.buf[this.len++] = l; return this; }
    return this.byte(o).u32(l);
  }
  /** A load or store with a constant offset (alignment hint 0: always valid). */
  mem(o: Op, offset: number): this {
    if (offset >= 0 && offset < 0x80) { this.room(3); this.buf[this.len++] = o; this.buf[this.len++] = 0; this.buf[this.len++] = offset; return this; }
    return this.byte(o).u32(0).u32(offset);
  }
  if_(): this { this.depth++; return this.byte(Op.if_).byte(VOID_BLOCK); }
  else_(): this { return this.byte(Op.else_); }
  block(): this { this.depth++; return this.byte(Op.block).byte(VOID_BLOCK); }
  loop(): this { this.depth++; return this.byte(Op.loop).byte(VOID_BLOCK); }
  br(depth: number): this { return this.byte(Op.br).u32(depth); }
  /** br_table over targets (label depths) with the last one as the default. */
  brTable(targets: number[]): this { this.byte(Op.br_table).u32(targets.length - 1); for (const t of targets) this.u32(t); return this; }
  end(): this { this.depth--; return this.byte(Op.end); }
  call(f: number): this { return this.byte(Op.call).u32(f); }
  /** call_indirect through table 0 with the function's index there on the stack. */
  callIndirect(type: number): this { return this.byte(Op.call_indirect).u32(type).u32(0); }
  v(o: Simd): this { return this.byte(0xfd).u32(o); }
  vmem(o: Simd, offset: number): this { return this.byte(0xfd).u32(o).u32(0).u32(offset); }
  /** i8x16.shuffle of the two vectors on the stack: lane i of the result is byte lanes[i] of a ++ b. */
  shuffle(lanes: number[]): this { this.v(Simd.i8x16_shuffle); for (const l of lanes) this.byte(l); return this; }
  vzero(): this { this.byte(0xfd).u32(Simd.v128_const); for (let i = 0; i < 16; i++) this.byte(0); return this; }
}

export interface FuncType { params: number[]; results: number[] }
export interface ImportFunc { module: string; name: string; type: number }
/** A function table (funcref) the module imports with at least size elements. */
export interface ImportTable { module: string; name: string; size: number }

/**
 * The bytes of a module that imports env.mem, the table (if any) and the given functions and
 * defines functions of the types funcs, the first exported as "f", up to its code section: the
 * same for every function the JIT compiles, so made once.
 */
export function modulePrefix(types: FuncType[], imports: ImportFunc[], funcs: number[], table?: ImportTable): Uint8Array {
  const m = new Bytes();
  m.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, fill: (s: Bytes) => void) => {
    const s = new Bytes();
    fill(s);
    m.byte(id).u32(s.len).bytes(s.view());
  };
  section(1, (s) => {
    s.u32(types.length);
    for (const t of types) { s.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results); }
  });
  section(2, (s) => {
    s.u32(imports.length + 1 + (table ? 1 : 0));
    s.str("env").str("mem").byte(0x02).byte(0x00).u32(0); // memory, no maximum, at least 0 pages
    if (table) s.str(table.module).str(table.name).byte(0x01).byte(0x70).byte(0x00).u32(table.size); // funcref table, no maximum
    for (const i of imports) s.str(i.module).str(i.name).byte(0x00).u32(i.type);
  });
  section(3, (s) => { s.u32(funcs.length); for (const t of funcs) s.u32(t); });
  section(7, (s) => { s.u32(1).str("f").byte(0x00).u32(imports.length); });
  return m.view().slice();
}

/**
 * The module of modulePrefix with these functions (each its encoded locals and its body without
 * the final end), written once into a buffer of its exact size.
 */
export function moduleWith(prefix: Uint8Array, ...funcs: [locals: Uint8Array, body: Uint8Array][]): Uint8Array {
  let content = lebLength(funcs.length);
  for (const [l, b] of funcs) { const len = l.length + b.length + 1; content += lebLength(len) + len; }
  const out = new Uint8Array(prefix.length + 1 + lebLength(content) + content);
  out.set(prefix, 0);
  let at = prefix.length;
  const leb = (v: number) => { for (;;) { const b = v & 0x7f; v >>>= 7; out[at++] = v ? b | 0x80 : b; if (!v) return; } };
  out[at++] = 10; // the code section
  leb(content);
  leb(funcs.length);
  for (const [l, b] of funcs) {
    leb(l.length + b.length + 1);
    out.set(l, at); at += l.length;
    out.set(b, at); at += b.length;
    out[at++] = Op.end;
  }
  return out;
}

function lebLength(v: number): number { let n = 1; while (v >= 0x80) { v >>>= 7; n++; } return n; }
