// The decoded-block cache: blocks of decoded instruction records keyed by the physical address
// of their first byte. A frame that holds decoded code is kept off the write TLB, so the first
// guest or kernel write to it flushes the cache (self-modifying code, loaders writing code).
import { BLOCK_HASH, BLOCK_HASH_SIZE, DECODED, DECODED_END, FRAME_META } from "./gen/layout";
import { tlbFlushWrite } from "./mmu";

let codeEpoch: u32 = 1;
let flushes: u32 = 0;
let decodedTop: u32 = DECODED;
/** Set when the cache was flushed; the run loop leaves the current block when it sees it. */
export let cacheFlushed: bool = false;

@inline function flagsOf(frame: u32): usize { return FRAME_META + ((frame >> 12) << 2) + 2; }

@inline export function isCodeFrame(frame: u32): bool { return load<u16>(flagsOf(frame)) == codeEpoch; }

export function markCodeFrame(frame: u32): void {
  if (isCodeFrame(frame)) return;
  store<u16>(flagsOf(frame), <u16>codeEpoch);
  tlbFlushWrite();
}

/** How many times the cache was flushed: the JIT's compiled blocks belong to one such epoch. */
export function cacheEpoch(): u32 { return flushes; }

export function flushCodeCache(): void {
  flushes++;
  codeEpoch++;
  if (codeEpoch == 0x10000) {
    for (let p: u32 = FRAME_META + 2; p < FRAME_META + 0x400000; p += 4) store<u16>(p, 0);
    codeEpoch = 1;
  }
  memory.fill(BLOCK_HASH, 0, BLOCK_HASH_SIZE * 8);
  decodedTop = DECODED;
  cacheFlushed = true;
}

export function clearFlushedMark(): void { cacheFlushed = false; }

export function onCodeFrameWritten(frame: u32): void { flushCodeCache(); }

// Two ways per set: with one, two hot blocks whose addresses hash alike (a parent's loop and the
// program it runs again and again) evict each other and are decoded anew on every visit.
@inline function hashSlot(phys: u32): usize {
  return BLOCK_HASH + ((((phys >> 2) ^ (phys >> 14)) & (BLOCK_HASH_SIZE / 2 - 1)) << 4);
}

export function lookupBlock(phys: u32): u32 {
  const s = hashSlot(phys);
  if (load<u32>(s) == phys) return load<u32>(s + 4);
  return load<u32>(s + 8) == phys ? load<u32>(s + 12) : 0;
}

/** The newest block takes the first way; the one there moves to the second (the older one goes). */
export function insertBlock(phys: u32, rec: u32): void {
  const s = hashSlot(phys);
  if (load<u32>(s) != phys) store<u64>(s + 8, load<u64>(s));
  store<u32>(s, phys);
  store<u32>(s + 4, rec);
}

/** Room for n more records, flushing the cache when the record area is full. */
export function reserveRecords(n: u32): u32 {
  if (decodedTop + n * 32 > DECODED_END) flushCodeCache();
  return decodedTop;
}

export function commitRecords(end: u32): void { decodedTop = end; }
