// The MMU: 4 KiB frames in the one Wasm memory, 4-level page tables, a software TLB,
// lazy zero pages and copy-on-write. Guest memory accesses from instruction handlers go
// through rd*/wr*; on a fault they record EXIT_PAGE_FAULT and return 0 / drop the write.
import {
  S_CR3, S_EXIT_REASON, S_FAULT_ADDR, S_FAULT_ACCESS, TLB_READ, TLB_WRITE, TLB_EXEC, TLB_ENTRIES,
  FRAME_META, FRAMES_START, TLB_LOG, TLB_LOG_SIZE, PTE_PRESENT, PTE_WRITE, PTE_EXEC, PTE_COW, PTE_LAZY, PTE_READ, PTE_SHARED,
  PTE_FRAME_MASK, EXIT_PAGE_FAULT, EXIT_OOM, EXIT_GP,
} from "./gen/layout";
import { onCodeFrameWritten, isCodeFrame, flushCodeCache } from "./codecache";

export const ACCESS_READ: u32 = 1;
export const ACCESS_WRITE: u32 = 2;
export const ACCESS_EXEC: u32 = 4;

// ---- frames ---------------------------------------------------------------------------------

let frameBump: u32 = FRAMES_START;
let freeList: u32 = 0;
let framesInUse: u32 = 0;
let frameLimit: u32 = 0xFFFFFFFF; // frames; set by the kernel to enforce a memory limit

@inline function meta(frame: u32): usize { return FRAME_META + ((frame >> 12) << 2); }
@inline export function frameRefs(frame: u32): u32 { return load<u16>(meta(frame)); }

/** Allocates a zeroed frame with refcount 1; returns 0 when memory is exhausted or over the limit. */
export function allocFrame(): u32 {
  if (framesInUse >= frameLimit) return 0;
  let f = freeList;
  if (f != 0) {
    freeList = load<u32>(f);
  } else {
    f = frameBump;
    if (<u64>f + 4096 > 0xFFFF0000) return 0;
    const needPages = ((f + 4096 + 0xFFFF) >> 16);
    const have = <u32>memory.size();
    if (needPages > have) {
      const grow = max<u32>(needPages - have, max<u32>(have >> 3, 64));
      if (memory.grow(<i32>grow) < 0 && memory.grow(<i32>(needPages - have)) < 0) return 0;
    }
    frameBump = f + 4096;
  }
  memory.fill(f, 0, 4096);
  store<u16>(meta(f), 1);
  store<u16>(meta(f), 0, 2);
  framesInUse++;
  return f;
}

export function frameRef(frame: u32): void { store<u16>(meta(frame), load<u16>(meta(frame)) + 1); }

/** Drops one reference; the frame returns to the free list when none remain. */
export function frameUnref(frame: u32): void {
  const n = load<u16>(meta(frame));
  if (n > 1) { store<u16>(meta(frame), n - 1); return; }
  store<u16>(meta(frame), 0);
  // A frame that still holds decoded code must not be reused under stale decoded blocks.
  if (isCodeFrame(frame)) flushCodeCache();
  store<u32>(frame, freeList);
  freeList = frame;
  framesInUse--;
}

export function setFrameLimit(n: u32): void { frameLimit = n; }

/**
 * Forgets every frame (the allocator's power-on state): only for an instance whose kernel has
 * freed everything. Refcounts and code marks are cleared; frame contents need not be, since
 * allocFrame zeroes each frame it hands out.
 */
export function resetFrames(): void {
  memory.fill(meta(FRAMES_START), 0, meta(frameBump) - meta(FRAMES_START));
  frameBump = FRAMES_START;
  freeList = 0;
  framesInUse = 0;
  frameLimit = 0xFFFFFFFF;
}
export function getFramesInUse(): u32 { return framesInUse; }

// ---- page tables ----------------------------------------------------------------------------

/** Address of the leaf PTE for va in the tree at root, or 0. With alloc, missing tables are made. */
export function ptSlot(root: u32, va: u64, alloc: bool): usize {
  let table = root;
  for (let shift: u64 = 39; shift > 12; shift -= 9) {
    const slot = <usize>table + ((<u32>(va >> shift) & 511) << 3);
    let e = load<u64>(slot);
    if ((e & PTE_PRESENT) == 0) {
      if (!alloc) return 0;
      const t = allocFrame();
      if (t == 0) return 0;
      e = <u64>t | PTE_PRESENT;
      store<u64>(slot, e);
    }
    table = <u32>e & PTE_FRAME_MASK;
  }
  return <usize>table + ((<u32>(va >> 12) & 511) << 3);
}

export function ptNew(): u32 { return allocFrame(); }

/** Releases a whole tree: every mapped frame loses a reference, every table frame is freed. */
export function ptFree(root: u32): void { freeLevel(root, 3); }

function freeLevel(table: u32, level: i32): void {
  for (let i: u32 = 0; i < 512; i++) {
    const e = load<u64>(table + (i << 3));
    if (level == 0) {
      if ((e & PTE_PRESENT) != 0 && (e & PTE_LAZY) == 0) frameUnref(<u32>e & PTE_FRAME_MASK);
    } else if ((e & PTE_PRESENT) != 0) freeLevel(<u32>e & PTE_FRAME_MASK, level - 1);
  }
  frameUnref(table);
}

/** Copies a tree for fork: private writable pages become copy-on-write in both trees. */
export function ptCloneCow(root: u32): u32 {
  const copy = allocFrame();
  if (copy == 0) return 0;
  if (!cloneLevel(root, copy, 3)) { ptFree(copy); return 0; }
  // Only write permissions changed (writable private pages became copy-on-write).
  if (root == load<u32>(S_CR3)) tlbFlushWrite();
  return copy;
}

function cloneLevel(src: u32, dst: u32, level: i32): bool {
  for (let i: u32 = 0; i < 512; i++) {
    const slot = src + (i << 3);
    let e = load<u64>(slot);
    if ((e & PTE_PRESENT) == 0) continue;
    if (level == 0) {
      if ((e & PTE_LAZY) == 0) {
        if ((e & PTE_WRITE) != 0 && (e & PTE_SHARED) == 0) {
          e = (e & ~(<u64>PTE_WRITE)) | PTE_COW;
          store<u64>(slot, e);
        }
        frameRef(<u32>e & PTE_FRAME_MASK);
      }
      store<u64>(dst + (i << 3), e);
    } else {
      const t = allocFrame();
      if (t == 0) return false;
      store<u64>(dst + (i << 3), <u64>t | PTE_PRESENT);
      if (!cloneLevel(<u32>e & PTE_FRAME_MASK, t, level - 1)) return false;
    }
  }
  return true;
}

/**
 * Sets the PTEs of [va, va + pages*4096). frame 0 with PTE_LAZY maps zero-on-touch pages;
 * a nonzero frame maps consecutive frames (each gains a reference). Old mappings are dropped.
 * Returns 0, or -1 when a table could not be allocated.
 */
// Ranges walk the tables once per leaf table (512 pages): the next page's entry is the next slot.
@inline function tableStart(va: u64): bool { return (<u32>(va >> 12) & 511) == 0; }
/** Pages from va to the end of its leaf table. */
@inline function restOfTable(va: u64): u32 { return 512 - (<u32>(va >> 12) & 511); }

export function ptMap(root: u32, va: u64, pages: u32, frame: u32, flags: u32): i32 {
  let slot: usize = 0;
  for (let i: u32 = 0; i < pages; i++) {
    const a = va + (<u64>i << 12);
    if (slot == 0 || tableStart(a)) {
      slot = ptSlot(root, a, true);
      if (slot == 0) return -1;
    } else slot += 8;
    dropEntry(load<u64>(slot));
    if (frame != 0) {
      const f = frame + (i << 12);
      frameRef(f);
      store<u64>(slot, <u64>f | flags | PTE_PRESENT);
    } else store<u64>(slot, <u64>(flags | PTE_PRESENT | PTE_LAZY));
  }
  if (root == load<u32>(S_CR3)) tlbInvalidate(va, pages);
  return 0;
}

function dropEntry(e: u64): void {
  if ((e & PTE_PRESENT) != 0 && (e & PTE_LAZY) == 0) frameUnref(<u32>e & PTE_FRAME_MASK);
}

export function ptUnmap(root: u32, va: u64, pages: u32): void {
  let slot: usize = 0;
  for (let i: u32 = 0; i < pages; i++) {
    const a = va + (<u64>i << 12);
    if (slot == 0 || tableStart(a)) {
      slot = ptSlot(root, a, false);
      if (slot == 0) { i += restOfTable(a) - 1; continue; } // no leaf table: nothing mapped in it
    } else slot += 8;
    dropEntry(load<u64>(slot));
    store<u64>(slot, 0);
  }
  if (root == load<u32>(S_CR3)) tlbInvalidate(va, pages);
}

/** Changes the permission bits (PTE_READ/WRITE/EXEC) of mapped pages, keeping COW/LAZY state. */
export function ptProtect(root: u32, va: u64, pages: u32, prot: u32): void {
  const permMask: u64 = PTE_READ | PTE_WRITE | PTE_EXEC;
  let slot: usize = 0;
  for (let i: u32 = 0; i < pages; i++) {
    const a = va + (<u64>i << 12);
    if (slot == 0 || tableStart(a)) {
      slot = ptSlot(root, a, false);
      if (slot == 0) { i += restOfTable(a) - 1; continue; }
    } else slot += 8;
    let e = load<u64>(slot);
    if ((e & PTE_PRESENT) == 0) continue;
    e &= ~(permMask | PTE_COW);
    let p = <u64>prot & permMask;
    // A writable private page whose frame is shared stays read-only until a write copies it.
    if ((p & PTE_WRITE) != 0 && (e & (PTE_LAZY | PTE_SHARED)) == 0 && frameRefs(<u32>e & PTE_FRAME_MASK) > 1)
      p = (p & ~(<u64>PTE_WRITE)) | PTE_COW;
    store<u64>(slot, e | p);
  }
  if (root == load<u32>(S_CR3)) tlbInvalidate(va, pages);
}

/** The PTE for va (0 when unmapped); for the kernel's bookkeeping and /proc. */
export function ptLookup(root: u32, va: u64): u64 {
  const slot = ptSlot(root, va, false);
  return slot == 0 ? 0 : load<u64>(slot);
}

// ---- translation ----------------------------------------------------------------------------

// Every entry translate() fills is logged, so a flush (each address-space switch) clears just
// those instead of all 3 × 64 KiB; when the log overflows, the flush clears everything. Until the
// first flush the TLBs hold zeros, which would match page 0: that first flush clears everything.
let tlbLogged: u32 = 0;
let tlbLogFull: bool = true;

@inline function tlbFill(t: usize, vpn: u64, frame: u32): void {
  store<u64>(t, vpn);
  store<u32>(t + 8, frame);
  if (tlbLogged < TLB_LOG_SIZE) { store<u32>(TLB_LOG + (tlbLogged << 2), <u32>t); tlbLogged++; }
  else tlbLogFull = true;
}

export function tlbFlush(): void {
  if (tlbLogFull) {
    memory.fill(TLB_READ, 0xFF, TLB_ENTRIES * 16);
    memory.fill(TLB_WRITE, 0xFF, TLB_ENTRIES * 16);
    memory.fill(TLB_EXEC, 0xFF, TLB_ENTRIES * 16);
  } else {
    for (let i: u32 = 0; i < tlbLogged; i++) store<u64>(<usize>load<u32>(TLB_LOG + (i << 2)), 0xFFFFFFFFFFFFFFFF);
  }
  tlbLogged = 0;
  tlbLogFull = false;
}

/** Clears every TLB entry, logged or not (power-on: the entries may hold anything, zeros match page 0). */
export function tlbReset(): void {
  tlbLogFull = true;
  tlbFlush();
}

/** Clears the write TLB only (its logged entries stay in the log, harmlessly). */
export function tlbFlushWrite(): void {
  // A long log costs more to walk than clearing the write TLB's 64 KiB.
  if (tlbLogFull || tlbLogged > TLB_ENTRIES) { memory.fill(TLB_WRITE, 0xFF, TLB_ENTRIES * 16); return; }
  for (let i: u32 = 0; i < tlbLogged; i++) {
    const t = load<u32>(TLB_LOG + (i << 2));
    if (t >= TLB_WRITE && t < TLB_WRITE + TLB_ENTRIES * 16) store<u64>(<usize>t, 0xFFFFFFFFFFFFFFFF);
  }
}

/**
 * Drops the pages [va, va + pages*4096) from the TLBs after their PTEs changed. A flush clears
 * 3 × 64 KiB: for a few pages, clearing just their entries is far cheaper (each page has one
 * possible slot per TLB).
 */
function tlbInvalidate(va: u64, pages: u32): void {
  if (pages > 64) { tlbFlush(); return; }
  const vpn0 = va >> 12;
  for (let i: u32 = 0; i < pages; i++) {
    const vpn = vpn0 + <u64>i;
    let t = tlbEntry(TLB_READ, vpn);
    if (load<u64>(t) == vpn) store<u64>(t, 0xFFFFFFFFFFFFFFFF);
    t = tlbEntry(TLB_WRITE, vpn);
    if (load<u64>(t) == vpn) store<u64>(t, 0xFFFFFFFFFFFFFFFF);
    t = tlbEntry(TLB_EXEC, vpn);
    if (load<u64>(t) == vpn) store<u64>(t, 0xFFFFFFFFFFFFFFFF);
  }
}

@inline function tlbEntry(tlb: u32, vpn: u64): usize { return <usize>tlb + ((<u32>vpn & (TLB_ENTRIES - 1)) << 4); }

export function setAddressSpace(root: u32): void {
  store<u32>(S_CR3, root);
  tlbFlush();
}

function fault(va: u64, access: u32): void {
  store<u32>(S_EXIT_REASON, EXIT_PAGE_FAULT);
  store<u64>(S_FAULT_ADDR, va);
  store<u32>(S_FAULT_ACCESS, access);
}

/**
 * Translates va for an access to a host offset in memory, resolving lazy and COW pages and
 * filling the TLB. Returns -1 (and records the fault in the state unless quiet) when the access
 * is not allowed.
 */
export function translate(va: u64, access: u32, quiet: bool): i64 {
  if (va >= 0x800000000000) {
    if (!quiet) {
      // A non-canonical address raises #GP (no address is reported); the kernel half is a page fault.
      if (va < 0xFFFF800000000000) { store<u32>(S_EXIT_REASON, EXIT_GP); store<u64>(S_FAULT_ADDR, 0); }
      else fault(va, access);
    }
    return -1;
  }
  const slot = ptSlot(load<u32>(S_CR3), va, false);
  if (slot == 0) { if (!quiet) fault(va, access); return -1; }
  let e = load<u64>(slot);
  const need: u64 = access == ACCESS_WRITE ? PTE_WRITE : access == ACCESS_EXEC ? PTE_EXEC : PTE_READ;
  const writeAllowedByCow = access == ACCESS_WRITE && (e & PTE_COW) != 0;
  if ((e & PTE_PRESENT) == 0 || ((e & need) == 0 && !writeAllowedByCow)) { if (!quiet) fault(va, access); return -1; }
  if ((e & PTE_LAZY) != 0) {
    const f = allocFrame();
    if (f == 0) { store<u32>(S_EXIT_REASON, EXIT_OOM); store<u64>(S_FAULT_ADDR, va); return -1; }
    e = (e & ~(<u64>(PTE_LAZY | PTE_FRAME_MASK))) | f;
    store<u64>(slot, e);
  }
  if (writeAllowedByCow) {
    const old = <u32>e & PTE_FRAME_MASK;
    if (frameRefs(old) == 1) {
      e = (e & ~(<u64>PTE_COW)) | PTE_WRITE;
    } else {
      const f = allocFrame();
      if (f == 0) { store<u32>(S_EXIT_REASON, EXIT_OOM); store<u64>(S_FAULT_ADDR, va); return -1; }
      memory.copy(f, old, 4096);
      frameUnref(old);
      e = (e & ~(<u64>(PTE_COW | PTE_FRAME_MASK))) | f | PTE_WRITE;
    }
    store<u64>(slot, e);
    const vpn = va >> 12;
    store<u64>(tlbEntry(TLB_READ, vpn), 0xFFFFFFFFFFFFFFFF);
    store<u64>(tlbEntry(TLB_EXEC, vpn), 0xFFFFFFFFFFFFFFFF);
  }
  const frame = <u32>e & PTE_FRAME_MASK;
  const vpn = va >> 12;
  if (access == ACCESS_WRITE) {
    if (isCodeFrame(frame)) onCodeFrameWritten(frame); // keeps writes off the TLB fast path
    else tlbFill(tlbEntry(TLB_WRITE, vpn), vpn, frame);
    if ((e & PTE_READ) != 0) tlbFill(tlbEntry(TLB_READ, vpn), vpn, frame);
  } else tlbFill(tlbEntry(access == ACCESS_EXEC ? TLB_EXEC : TLB_READ, vpn), vpn, frame);
  return <i64>(frame | (<u32>va & 0xFFF));
}

// ---- guest memory access from handlers ------------------------------------------------------

/** The host address of [va, va+size) when the TLB holds its page for this access (and it does not cross into the next page), else 0. */
@inline export function tlbHost(tlb: u32, va: u64, size: u32): usize { return fast(tlb, va, size); }

@inline function fast(tlb: u32, va: u64, size: u32): usize {
  const vpn = va >> 12;
  const t = tlbEntry(tlb, vpn);
  if (load<u64>(t) == vpn && (<u32>va & 0xFFF) <= 4096 - size) return <usize>load<u32>(t + 8) + (<u32>va & 0xFFF);
  return 0;
}

function slowRead(va: u64, size: u32): u64 {
  let v: u64 = 0;
  for (let i: u32 = 0; i < size; i++) {
    const h = translate(va + i, ACCESS_READ, false);
    if (h < 0) return 0;
    v |= <u64>load<u8>(<usize>h) << (i * 8);
  }
  return v;
}

function slowWrite(va: u64, size: u32, v: u64): void {
  // Check every byte first so a faulting write changes nothing.
  for (let i: u32 = 0; i < size; i++) if (translate(va + i, ACCESS_WRITE, false) < 0) return;
  for (let i: u32 = 0; i < size; i++) store<u8>(<usize>translate(va + i, ACCESS_WRITE, true), <u8>(v >> (i * 8)));
}

@inline export function faulted(): bool { return load<u32>(S_EXIT_REASON) != 0; }

export function rd8(va: u64): u32 { const h = fast(TLB_READ, va, 1); return h ? load<u8>(h) : <u32>slowRead(va, 1); }
export function rd16(va: u64): u32 { const h = fast(TLB_READ, va, 2); return h ? load<u16>(h) : <u32>slowRead(va, 2); }
export function rd32(va: u64): u32 { const h = fast(TLB_READ, va, 4); return h ? load<u32>(h) : <u32>slowRead(va, 4); }
export function rd64(va: u64): u64 { const h = fast(TLB_READ, va, 8); return h ? load<u64>(h) : slowRead(va, 8); }
export function wr8(va: u64, v: u32): void { if (faulted()) return; const h = fast(TLB_WRITE, va, 1); if (h) store<u8>(h, <u8>v); else slowWrite(va, 1, v); }
export function wr16(va: u64, v: u32): void { if (faulted()) return; const h = fast(TLB_WRITE, va, 2); if (h) store<u16>(h, <u16>v); else slowWrite(va, 2, v); }
export function wr32(va: u64, v: u32): void { if (faulted()) return; const h = fast(TLB_WRITE, va, 4); if (h) store<u32>(h, v); else slowWrite(va, 4, v); }
export function wr64(va: u64, v: u64): void { if (faulted()) return; const h = fast(TLB_WRITE, va, 8); if (h) store<u64>(h, v); else slowWrite(va, 8, v); }

/** Reads size (1, 2, 4, 8) bytes, zero-extended. */
export function rdN(va: u64, size: u32): u64 {
  if (size == 8) return rd64(va);
  if (size == 4) return <u64>rd32(va);
  if (size == 2) return <u64>rd16(va);
  return <u64>rd8(va);
}

export function wrN(va: u64, size: u32, v: u64): void {
  if (size == 8) wr64(va, v);
  else if (size == 4) wr32(va, <u32>v);
  else if (size == 2) wr16(va, <u32>v);
  else wr8(va, <u32>v);
}

export function rd128(va: u64): v128 {
  const h = fast(TLB_READ, va, 16);
  if (h) return v128.load(h);
  // The second half is read only if the first did not fault, so the fault address stays the first one.
  const lo = rd64(va);
  if (faulted()) return i64x2(0, 0);
  const hi = rd64(va + 8);
  return i64x2(<i64>lo, <i64>hi);
}

export function wr128(va: u64, v: v128): void {
  if (faulted()) return;
  const h = fast(TLB_WRITE, va, 16);
  if (h) { v128.store(h, v); return; }
  // Probe both halves before writing either.
  // The second probe is at the start of the next page, the address the CPU reports when it faults.
  if (translate(va, ACCESS_WRITE, false) < 0 || translate((va + 15) & ~(<u64>0xFFF), ACCESS_WRITE, false) < 0) return;
  wr64(va, <u64>i64x2.extract_lane(v, 0));
  wr64(va + 8, <u64>i64x2.extract_lane(v, 1));
}

/** Host offset of an instruction byte, or -1 after recording an exec fault. */
export function fetchByte(va: u64): i32 {
  const h = fast(TLB_EXEC, va, 1);
  if (h) return load<u8>(h);
  const t = translate(va, ACCESS_EXEC, false);
  return t < 0 ? -1 : <i32>load<u8>(<usize>t);
}
