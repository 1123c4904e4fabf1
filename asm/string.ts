// String instructions: MOVS, CMPS, STOS, LODS, SCAS in all sizes, with REP / REPE / REPNE.
//
// The source is [seg:rSI] (an FS/GS override applies), the destination [rDI] (never
// overridden). rSI/rDI step by the element size, down when DF is set; 67 makes them and the
// count ESI/EDI/ECX. A repeated instruction runs to completion inside one handler call; when an
// access faults, rCX/rSI/rDI are left at the faulting element so a restart finishes the work.
// REP MOVS and REP STOS with DF=0 move whole page-sized chunks with memory.copy/memory.fill.
import { getReg, setReg, readGpr, writeGpr, RAX, RCX, RSI, RDI } from "./cpu";
import { dSize, dSeg, dFlags, F_ASIZE32, F_REP, F_REPNE } from "./operand";
import { rdN, wrN, faulted, translate, ACCESS_READ, ACCESS_WRITE } from "./mmu";
import { setLazy, LAZY_SUB, ARITH_FLAGS } from "./flags";
import { S_FLAGS, S_FS_BASE, S_GS_BASE, FLAG_DF } from "./gen/layout";

@inline function addr32(d: usize): bool { return (dFlags(d) & F_ASIZE32) != 0; }
@inline function repeated(d: usize): bool { return (dFlags(d) & (F_REP | F_REPNE)) != 0; }
// DF is never lazy (only the arithmetic flags are), so the materialised word holds it.
@inline function backward(): bool { return (load<u64>(S_FLAGS) & FLAG_DF) != 0; }

/** Base added to the source address: FS or GS with an override, otherwise 0. */
function srcBase(d: usize): u64 {
  const seg = dSeg(d);
  if (seg == 1) return load<u64>(S_FS_BASE);
  if (seg == 2) return load<u64>(S_GS_BASE);
  return 0;
}

/** An index or count register at the address size (writes of 32-bit ones zero-extend). */
@inline function getIdx(r: u32, a32: bool): u64 { return a32 ? readGpr(r, 4) : getReg(r); }
@inline function setIdx(r: u32, a32: bool, v: u64): void { if (a32) writeGpr(r, 4, v); else setReg(r, v); }
@inline function at(base: u64, idx: u64, a32: bool): u64 { return base + (a32 ? idx & 0xFFFFFFFF : idx); }

@inline function minU(a: u64, b: u64): u64 { return a < b ? a : b; }

// ---- MOVS -----------------------------------------------------------------------------------

/**
 * Copies up to n whole elements (DF=0) that lie within the current page of both source and
 * destination. Returns the elements copied; 0 when the element path must take the next one
 * (it straddles a page, or the areas overlap closer than one element); -1 on a fault.
 */
function movsChunk(src: u64, dst: u64, s: u32, n: u64): i64 {
  const roomS = 4096 - (src & 0xFFF), roomD = 4096 - (dst & 0xFFF);
  const k = minU(minU(roomS, roomD) / s, n);
  if (k == 0) return 0;
  if (translate(src, ACCESS_READ, false) < 0) return -1;
  const hd = translate(dst, ACCESS_WRITE, false);
  if (hd < 0) return -1;
  // Translated again after the write side: a copy-on-write break may have moved the page.
  const hs = translate(src, ACCESS_READ, true);
  const bytes = <i64>(k * s);
  const dist = hd - hs;
  if (dist > 0 && dist < bytes) {
    // The destination starts inside the source: an element-by-element forward copy reads bytes
    // it has already written, which repeats the first dist bytes. Build that pattern by doubling.
    if (dist < <i64>s) return 0;
    memory.copy(<usize>hd, <usize>hs, <usize>dist);
    let done = dist;
    while (done < bytes) {
      const m = done < bytes - done ? done : bytes - done;
      memory.copy(<usize>(hd + done), <usize>hd, <usize>m);
      done += m;
    }
  } else memory.copy(<usize>hd, <usize>hs, <usize>bytes);
  return <i64>k;
}

/** A4/A5: MOVS Yb/Yv, Xb/Xv. */
export function str_movs(d: usize): void {
  const s = dSize(d), a32 = addr32(d), base = srcBase(d);
  const back = backward();
  const step: u64 = back ? <u64>(-<i64>s) : <u64>s;
  let si = getIdx(RSI, a32), di = getIdx(RDI, a32);
  if (!repeated(d)) {
    const v = rdN(at(base, si, a32), s);
    if (faulted()) return;
    wrN(at(0, di, a32), s, v);
    if (faulted()) return;
    setIdx(RSI, a32, si + step);
    setIdx(RDI, a32, di + step);
    return;
  }
  let n = getIdx(RCX, a32);
  while (n != 0) {
    if (!back && !a32) {
      const k = movsChunk(base + si, di, s, n);
      if (k < 0) break;
      if (k > 0) { n -= <u64>k; si += <u64>k * s; di += <u64>k * s; continue; }
    }
    const v = rdN(at(base, si, a32), s);
    if (faulted()) break;
    wrN(at(0, di, a32), s, v);
    if (faulted()) break;
    si += step; di += step; n--;
  }
  setIdx(RCX, a32, n);
  setIdx(RSI, a32, si);
  setIdx(RDI, a32, di);
}

// ---- STOS -----------------------------------------------------------------------------------

/** Fills up to n elements (DF=0) within the destination's current page; as movsChunk. */
function stosChunk(dst: u64, s: u32, n: u64, v: u64): i64 {
  const k = minU((4096 - (dst & 0xFFF)) / s, n);
  if (k == 0) return 0;
  const h = translate(dst, ACCESS_WRITE, false);
  if (h < 0) return -1;
  const p = <usize>h, end = p + <usize>(k * s);
  if (s == 1) memory.fill(p, <u8>v, <usize>k);
  else if (s == 2) for (let q = p; q < end; q += 2) store<u16>(q, <u16>v);
  else if (s == 4) for (let q = p; q < end; q += 4) store<u32>(q, <u32>v);
  else for (let q = p; q < end; q += 8) store<u64>(q, v);
  return <i64>k;
}

/** AA/AB: STOS Yb/Yv, AL/rAX. */
export function str_stos(d: usize): void {
  const s = dSize(d), a32 = addr32(d);
  const back = backward();
  const step: u64 = back ? <u64>(-<i64>s) : <u64>s;
  const v = readGpr(RAX, s);
  let di = getIdx(RDI, a32);
  if (!repeated(d)) {
    wrN(at(0, di, a32), s, v);
    if (faulted()) return;
    setIdx(RDI, a32, di + step);
    return;
  }
  let n = getIdx(RCX, a32);
  while (n != 0) {
    if (!back && !a32) {
      const k = stosChunk(di, s, n, v);
      if (k < 0) break;
      if (k > 0) { n -= <u64>k; di += <u64>k * s; continue; }
    }
    wrN(at(0, di, a32), s, v);
    if (faulted()) break;
    di += step; n--;
  }
  setIdx(RCX, a32, n);
  setIdx(RDI, a32, di);
}

// ---- LODS -----------------------------------------------------------------------------------

/** AC/AD: LODS AL/rAX, Xb/Xv. With REP only the last element stays in rAX. */
export function str_lods(d: usize): void {
  const s = dSize(d), a32 = addr32(d), base = srcBase(d);
  const step: u64 = backward() ? <u64>(-<i64>s) : <u64>s;
  let si = getIdx(RSI, a32);
  if (!repeated(d)) {
    const v = rdN(at(base, si, a32), s);
    if (faulted()) return;
    writeGpr(RAX, s, v);
    setIdx(RSI, a32, si + step);
    return;
  }
  let n = getIdx(RCX, a32);
  while (n != 0) {
    const v = rdN(at(base, si, a32), s);
    if (faulted()) break;
    writeGpr(RAX, s, v);
    si += step; n--;
  }
  setIdx(RCX, a32, n);
  setIdx(RSI, a32, si);
}

// ---- CMPS / SCAS ----------------------------------------------------------------------------

/** A6/A7: CMPS Xb/Xv, Yb/Yv — compares [rSI] with [rDI] like CMP; F3 = REPE, F2 = REPNE. */
export function str_cmps(d: usize): void {
  const s = dSize(d), a32 = addr32(d), base = srcBase(d), f = dFlags(d);
  const step: u64 = backward() ? <u64>(-<i64>s) : <u64>s;
  let si = getIdx(RSI, a32), di = getIdx(RDI, a32);
  if ((f & (F_REP | F_REPNE)) == 0) {
    const a = rdN(at(base, si, a32), s);
    const b = rdN(at(0, di, a32), s);
    if (faulted()) return;
    setLazy(LAZY_SUB, s, a - b, a, b, ARITH_FLAGS);
    setIdx(RSI, a32, si + step);
    setIdx(RDI, a32, di + step);
    return;
  }
  const stopOnEqual = (f & F_REPNE) != 0;
  let n = getIdx(RCX, a32);
  let a: u64 = 0, b: u64 = 0, any = false;
  while (n != 0) {
    const x = rdN(at(base, si, a32), s);
    const y = rdN(at(0, di, a32), s);
    if (faulted()) break;
    a = x; b = y; any = true;
    si += step; di += step; n--;
    if ((x == y) == stopOnEqual) break;
  }
  if (any) setLazy(LAZY_SUB, s, a - b, a, b, ARITH_FLAGS);
  setIdx(RCX, a32, n);
  setIdx(RSI, a32, si);
  setIdx(RDI, a32, di);
}

/**
 * Scans up to n bytes (DF=0) of the destination's current page for the first byte that ends a
 * REPE/REPNE SCASB. Returns the bytes consumed including that one, 0 to take the element path,
 * -1 on a fault; lastByte receives the last byte compared.
 */
let lastByte: u64 = 0;
function scasbChunk(dst: u64, n: u64, al: u32, stopOnEqual: bool): i64 {
  const k = minU(4096 - (dst & 0xFFF), n);
  const h = translate(dst, ACCESS_READ, false);
  if (h < 0) return -1;
  const p = <usize>h;
  for (let i: usize = 0; i < <usize>k; i++) {
    const x = <u32>load<u8>(p + i);
    if ((x == al) == stopOnEqual) { lastByte = x; return <i64>(i + 1); }
  }
  lastByte = load<u8>(p + <usize>k - 1);
  return <i64>k;
}

/** AE/AF: SCAS AL/rAX, Yb/Yv — compares rAX with [rDI] like CMP; F3 = REPE, F2 = REPNE. */
export function str_scas(d: usize): void {
  const s = dSize(d), a32 = addr32(d), f = dFlags(d);
  const back = backward();
  const step: u64 = back ? <u64>(-<i64>s) : <u64>s;
  const a = readGpr(RAX, s);
  let di = getIdx(RDI, a32);
  if ((f & (F_REP | F_REPNE)) == 0) {
    const b = rdN(at(0, di, a32), s);
    if (faulted()) return;
    setLazy(LAZY_SUB, s, a - b, a, b, ARITH_FLAGS);
    setIdx(RDI, a32, di + step);
    return;
  }
  const stopOnEqual = (f & F_REPNE) != 0;
  let n = getIdx(RCX, a32);
  let b: u64 = 0, any = false;
  while (n != 0) {
    if (s == 1 && !back && !a32) {
      const k = scasbChunk(di, n, <u32>a, stopOnEqual);
      if (k < 0) break;
      b = lastByte; any = true;
      n -= <u64>k; di += <u64>k;
      if ((b == a) == stopOnEqual) break;
      continue;
    }
    const y = rdN(at(0, di, a32), s);
    if (faulted()) break;
    b = y; any = true;
    di += step; n--;
    if ((a == y) == stopOnEqual) break;
  }
  if (any) setLazy(LAZY_SUB, s, a - b, a, b, ARITH_FLAGS);
  setIdx(RCX, a32, n);
  setIdx(RDI, a32, di);
}
