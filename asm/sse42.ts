// SSE4.2: PCMPGTQ, CRC32 (the Castagnoli polynomial, on general registers) and the string and
// text compares PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM, which glibc's strstr, strspn, strcspn
// and friends are built on.
import { xmmAddr, getReg, writeGpr, RAX, RCX, RDX } from "./cpu";
import { dReg, dRm, dImm, dSize, dFlags, isReg, ea, readE, F_REXW } from "./operand";
import { rd128, faulted } from "./mmu";
import { setFlagsEager, ARITH_FLAGS } from "./flags";
import { xmmGet, xmmSet, xmmSrcAligned } from "./sse_move";
import { FLAG_CF, FLAG_ZF, FLAG_SF, FLAG_OF } from "./gen/layout";

export function pcmpgtq(d: usize): void { const b = xmmSrcAligned(d); if (faulted()) return; const r = dReg(d); xmmSet(r, i64x2.gt_s(xmmGet(r), b)); }

// ---- CRC32 ------------------------------------------------------------------------------------

// The reflected CRC-32C polynomial (0x1EDC6F41 bit-reversed); CRC32 uses no pre- or post-inversion.
const CRC32C_REFLECTED: u32 = 0x82F63B78;
const CRC_TABLE: usize = memory.data(256 * 4, 4);
let crcTableReady = false;

function crcTable(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ CRC32C_REFLECTED : c >> 1;
    store<u32>(CRC_TABLE + (i << 2), c);
  }
  crcTableReady = true;
}

/**
 * CRC32 r32/r64, r/m8|16|32|64: folds the source's bytes, lowest first, into the low 32 bits of
 * the destination; the result is zero-extended (REX.W only widens the register, not the CRC).
 */
export function crc32_(d: usize): void {
  const size = dSize(d);
  const v = readE(d, size);
  if (faulted()) return;
  if (!crcTableReady) crcTable();
  let c = <u32>getReg(dReg(d));
  for (let i: u32 = 0; i < size; i++) c = (c >> 8) ^ load<u32>(CRC_TABLE + (((c ^ <u32>(v >> (i << 3))) & 0xFF) << 2));
  writeGpr(dReg(d), 4, <u64>c);
}

// ---- PCMPxSTRx --------------------------------------------------------------------------------
// Operand 1 (xmm, ModRM.reg) and operand 2 (xmm/m128) hold n = 16 bytes or 8 words. imm8:
// [1:0] element type (unsigned/signed bytes/words), [3:2] aggregation (equal any, ranges, equal
// each, equal ordered), [5:4] polarity, [6] index: most significant / mask: expanded.
// Bit masks below have bit j for element j; "valid" elements are those before the length.

export const STR_EXPLICIT_MASK: u32 = 0;
export const STR_EXPLICIT_INDEX: u32 = 1;
export const STR_IMPLICIT_MASK: u32 = 2;
export const STR_IMPLICIT_INDEX: u32 = 3;

const OP1: usize = memory.data(16, 16);

/** An explicit length: |EAX| or |RAX| (REX.W), saturated to n. */
function explicitLen(r: u32, wide: bool, n: u32): u32 {
  const v: i64 = wide ? <i64>getReg(r) : <i64><i32>getReg(r);
  const mag: u64 = v < 0 ? <u64>(0 - v) : <u64>v;
  return mag > <u64>n ? n : <u32>mag;
}

/** An implicit length: the index of the first zero element, or n. */
@inline function implicitLen(v: v128, words: bool, n: u32): u32 {
  const z = words ? i16x8.bitmask(i16x8.eq(v, i16x8.splat(0))) : i8x16.bitmask(i8x16.eq(v, i8x16.splat(0)));
  return z == 0 ? n : ctz<u32>(z);
}

/** Elements of b equal to element i of operand 1 (held at OP1), as a bit mask. */
@inline function eqMask(b: v128, i: u32, words: bool): u32 {
  return words ? i16x8.bitmask(i16x8.eq(b, i16x8.splat(load<i16>(OP1 + (i << 1)))))
    : i8x16.bitmask(i8x16.eq(b, i8x16.splat(load<i8>(OP1 + i))));
}

/** Elements of b that are >= (ge) or <= element i of operand 1, by the element type. */
function cmpMask(b: v128, i: u32, type: u32, ge: bool): u32 {
  if (type == 0) { const s = i8x16.splat(load<i8>(OP1 + i)); return i8x16.bitmask(ge ? i8x16.ge_u(b, s) : i8x16.le_u(b, s)); }
  if (type == 1) { const s = i16x8.splat(load<i16>(OP1 + (i << 1))); return i16x8.bitmask(ge ? i16x8.ge_u(b, s) : i16x8.le_u(b, s)); }
  if (type == 2) { const s = i8x16.splat(load<i8>(OP1 + i)); return i8x16.bitmask(ge ? i8x16.ge_s(b, s) : i8x16.le_s(b, s)); }
  const s = i16x8.splat(load<i16>(OP1 + (i << 1))); return i16x8.bitmask(ge ? i16x8.ge_s(b, s) : i16x8.le_s(b, s));
}

export function pcmpstr(d: usize, form: u32): void {
  let b: v128;
  if (isReg(d)) b = xmmGet(dRm(d));
  else { b = rd128(ea(d)); if (faulted()) return; }
  const a = xmmGet(dReg(d));
  const imm = <u32>dImm(d) & 0xFF;
  const type = imm & 3, words = (imm & 1) != 0;
  const n: u32 = words ? 8 : 16;
  const full: u32 = (1 << n) - 1;
  let la: u32, lb: u32;
  if (form <= STR_EXPLICIT_INDEX) {
    const wide = (dFlags(d) & F_REXW) != 0;
    la = explicitLen(RAX, wide, n); lb = explicitLen(RDX, wide, n);
  } else {
    la = implicitLen(a, words, n); lb = implicitLen(b, words, n);
  }
  const validA: u32 = (1 << la) - 1, validB: u32 = (1 << lb) - 1;
  v128.store(OP1, a);
  let res1: u32 = 0;
  switch ((imm >> 2) & 3) {
    case 0: // equal any: element j of operand 2 is one of operand 1's valid elements
      for (let i: u32 = 0; i < la; i++) res1 |= eqMask(b, i, words);
      res1 &= validB;
      break;
    case 1: // ranges: operand 1 holds pairs [lo, hi]; an incomplete last pair matches nothing
      for (let i: u32 = 0; i + 1 < la; i += 2) res1 |= cmpMask(b, i, type, true) & cmpMask(b, i + 1, type, false);
      res1 &= validB;
      break;
    case 2: { // equal each: element-wise; past both ends counts as equal, past one end as not
      const eq = words ? i16x8.bitmask(i16x8.eq(a, b)) : i8x16.bitmask(i8x16.eq(a, b));
      res1 = (eq & validA & validB) | (~validA & ~validB & full);
      break;
    }
    default: // equal ordered: operand 1 (the needle) occurs in operand 2 starting at j; a needle
      // running past operand 2's vector matches so far, past operand 2's length it does not
      res1 = full;
      for (let i: u32 = 0; i < la; i++) res1 &= ((eqMask(b, i, words) & validB) >> i) | ((full << (n - i)) & full);
      break;
  }
  let res2: u32;
  switch ((imm >> 4) & 3) {
    case 1: res2 = ~res1 & full; break;
    case 3: res2 = res1 ^ validB; break;
    default: res2 = res1;
  }
  if ((form & 1) != 0) {
    const idx: u32 = res2 == 0 ? n : (imm & 0x40) != 0 ? 31 - clz<u32>(res2) : ctz<u32>(res2);
    writeGpr(RCX, 4, <u64>idx);
  } else if ((imm & 0x40) == 0) xmmSet(0, i32x4(<i32>res2, 0, 0, 0));
  else {
    const x = xmmAddr(0);
    for (let j: u32 = 0; j < n; j++) {
      const on = ((res2 >> j) & 1) != 0;
      if (words) store<u16>(x + (j << 1), on ? 0xFFFF : 0); else store<u8>(x + j, on ? 0xFF : 0);
    }
  }
  let f: u32 = 0;
  if (res2 != 0) f |= FLAG_CF;
  if (lb < n) f |= FLAG_ZF;
  if (la < n) f |= FLAG_SF;
  if ((res2 & 1) != 0) f |= FLAG_OF;
  setFlagsEager(ARITH_FLAGS, f);
}
