// The kernel side of the core's read/write fast path (asm/fastsys.ts, FAST_FD): the running
// thread's descriptor table as the core sees it (FAST_FD_MAP), and anonymous pipes whose buffer
// lives in machine memory, so that the kernel's Pipe methods and the core work on the same bytes.
// All guest threads run on one JS thread: while the core runs, nothing else touches a pipe.
import * as L from "./gen/layout.js";
import type { Machine } from "./machine.js";
import { EPIPE, ENOMEM } from "./errno.js";
import {
  Pipe, PipeEnd, DeviceFile, RegularFile, WOULD_BLOCK, type FdTable, type OpenFile, type CharDevice, type PageStore,
  type FastFileState, type FileIO,
} from "./vfs/index.js";

const PAGE_SIZE = 4096;
/** Frames a machine spends on copies of file pages (FileCache): 16 MiB. */
const MAX_FILE_FRAMES = 4096;

/** Publishes descriptor tables into FAST_FD_MAP for the core. */
export class FastFds {
  private table: FdTable | null = null;
  private version = -1;
  /** Entries below this may be non-zero. */
  private top = 0;
  /** The descriptions the core may read, and the frames their page copies take. */
  private readonly files = new Set<FileCache>();
  fileFrames = 0;

  constructor(readonly machine: Machine, private readonly devNull?: CharDevice, private readonly devZero?: CharDevice) {}

  /**
   * Makes the map describe fds, unless it already does. Called before every run of the core (a
   * descriptor changes only in a system call, which the kernel answers between runs).
   */
  publish(fds: FdTable): void {
    if (fds === this.table && fds.version === this.version) return;
    this.table = fds;
    this.version = fds.version;
    new Uint32Array(this.machine.u8.buffer, L.FAST_FD_MAP, this.top).fill(0);
    let top = 0;
    for (const fd of fds.fds()) {
      if (fd >= L.FAST_FD_COUNT) break;
      // entry() may allocate a frame, and so grow the memory: the view is taken after it.
      const e = this.entry(fds.get(fd)!);
      if (e !== 0) { this.machine.view.setUint32(L.FAST_FD_MAP + fd * 4, e, true); top = fd + 1; }
    }
    this.top = top;
  }

  /** The core's view of a description: what it is and how it may be used, or 0 (ask the kernel). */
  private entry(f: OpenFile): number {
    const access = (f.readable ? L.FD_READ : 0) | (f.writable ? L.FD_WRITE : 0);
    if (access === 0) return 0;
    if (f instanceof PipeEnd) {
      const p = f.pipe;
      return p instanceof MachinePipe && p.machine === this.machine && p.addr !== 0 ? (p.addr | L.FD_PIPE | access) >>> 0 : 0;
    }
    if (f instanceof DeviceFile) {
      if (f.device === this.devNull) return L.FD_NULL | access;
      if (f.device === this.devZero) return L.FD_ZERO | access;
    }
    if (f instanceof RegularFile && f.readable && f.io.memoryPages) {
      if (!f.fast) {
        const addr = this.machine.core.allocFrame();
        if (!addr) return 0;
        const c = new FileCache(this, addr, f.io, f.pos);
        this.files.add(c);
        f.fast = c;
      }
      return f.fast instanceof FileCache && f.fast.owner === this ? (f.fast.addr | L.FD_FILE | access) >>> 0 : 0;
    }
    return 0;
  }

  forget(c: FileCache): void { this.files.delete(c); }

  /** Drops the page copies of every description reading io (a file, for memory files). */
  dropCopiesOf(io: object): void { for (const c of this.files) if (c.reads(io)) c.drop(0, Infinity); }

  /** Gives back every frame that holds a copy of a file page (the machine is short of memory); true if any. */
  dropFileFrames(): boolean {
    if (this.fileFrames === 0) return false;
    for (const c of this.files) c.drop(0, Infinity);
    return true;
  }
}

/**
 * A regular file's description while the core may read it: FILE_* in a frame of machine memory.
 * The offset lives there; the size and the page copies follow every change of the file's bytes
 * (PageStore.watchers, and MemoryPages.replaced when the bytes move to another store), whoever
 * makes it. Pages are copied when a kernel read smaller than a page touches them: the reads whose
 * cost is the exit to the kernel, not the copy.
 */
export class FileCache implements FastFileState {
  /** The store whose changes this follows (null: bytes that never change). */
  private store: PageStore | null = null;
  private readonly replaced: Set<() => void> | null;
  private readonly watcher = (start: number, end: number) => this.drop(start, end);
  private readonly onReplaced = () => { if (this.follow()) this.drop(0, Infinity); };

  constructor(readonly owner: FastFds, readonly addr: number, private readonly io: FileIO, pos: number) {
    this.pos = pos;
    this.replaced = io.memoryPages!().replaced;
    this.replaced?.add(this.onReplaced);
    this.follow();
    this.setSize();
  }

  /** Watches the store holding the file's bytes now; true if that is another one than before. */
  private follow(): boolean {
    const store = this.io.memoryPages!().store;
    if (store === this.store) return false;
    this.store?.watchers?.delete(this.watcher);
    if (store) (store.watchers ??= new Set()).add(this.watcher);
    this.store = store;
    return true;
  }

  reads(io: object): boolean { return this.io === io; }
  private get machine(): Machine { return this.owner.machine; }
  get pos(): number { return Number(this.machine.view.getBigUint64(this.addr + L.FILE_POS, true)); }
  set pos(v: number) { this.machine.view.setBigUint64(this.addr + L.FILE_POS, BigInt(v), true); }
  private setSize(): void { this.machine.view.setBigUint64(this.addr + L.FILE_SIZE, BigInt(this.io.size()), true); }

  didRead(pos: number, size: number, n: number): void {
    if (size >= PAGE_SIZE) return;
    const last = Math.floor((pos + n - 1) / PAGE_SIZE);
    for (let i = Math.floor(pos / PAGE_SIZE); i <= last && i < L.FILE_PAGE_COUNT; i++) {
      const at = this.addr + L.FILE_PAGES + i * 4;
      if (this.machine.view.getUint32(at, true) || this.owner.fileFrames >= MAX_FILE_FRAMES) continue;
      const frame = this.machine.core.allocFrame(); // may grow the memory: views are taken after it
      if (!frame) return;
      if (this.io.read(this.machine.u8.subarray(frame, frame + PAGE_SIZE), i * PAGE_SIZE) < 0) { this.machine.core.frameUnref(frame); return; }
      this.machine.view.setUint32(at, frame, true);
      this.owner.fileFrames++;
    }
  }

  /** Bytes [start, end) changed, and perhaps the size: their page copies are gone. */
  drop(start: number, end: number): void {
    const v = this.machine.view, core = this.machine.core;
    const last = Math.min(Math.ceil(end / PAGE_SIZE), L.FILE_PAGE_COUNT);
    for (let i = Math.floor(start / PAGE_SIZE); i < last; i++) {
      const at = this.addr + L.FILE_PAGES + i * 4, frame = v.getUint32(at, true);
      if (frame) { core.frameUnref(frame); v.setUint32(at, 0, true); this.owner.fileFrames--; }
    }
    this.setSize();
  }

  release(): void {
    this.store?.watchers?.delete(this.watcher);
    this.replaced?.delete(this.onReplaced);
    this.drop(0, Infinity);
    this.machine.core.frameUnref(this.addr);
    this.owner.forget(this);
  }
}

/** A pipe for pipe(2) on this machine: in machine memory when a frame is to be had. */
export function newPipe(machine: Machine): Pipe {
  const addr = machine.core.allocFrame();
  return addr ? new MachinePipe(machine, addr) : new Pipe();
}

/**
 * A pipe whose page ring is the PIPE_* structure in a frame of machine memory; the pages are frames
 * too. Same algorithm as Pipe (Linux's pipe_read/pipe_write), on that representation. A resize past
 * what the ring holds (root only: above 2 MiB) moves the buffer back into JS (Pipe's own pages).
 */
export class MachinePipe extends Pipe {
  /** The frame of the PIPE_* fields; 0 once freed (no reader and no writer is left). */
  addr: number;
  /** The buffer has moved into Pipe's pages: the core leaves the pipe alone (PIPE_OPEN stays 0). */
  private inJs = false;

  constructor(readonly machine: Machine, addr: number) {
    super();
    this.addr = addr;
    this.set(L.PIPE_SLOTS, this.slots);
    this.waitQueue.onChange = () => this.publishOpen();
  }

  private get(field: number): number { return this.machine.view.getUint32(this.addr + field, true); }
  private set(field: number, v: number): void { this.machine.view.setUint32(this.addr + field, v, true); }
  /** Ring entry i (from the head) as a byte offset. */
  private slot(i: number): number { return this.addr + L.PIPE_RING + ((this.get(L.PIPE_HEAD) + i) % L.PIPE_RING_SIZE) * 8; }

  /** The core may work on the pipe while a reader exists and nobody waits for it to change. */
  private publishOpen(): void {
    if (this.addr && !this.inJs) this.set(L.PIPE_OPEN, this.readers > 0 && this.waitQueue.size === 0 ? 1 : 0);
  }

  get available(): number { return this.inJs ? super.available : this.get(L.PIPE_LEN); }
  protected get full(): boolean { return this.inJs ? super.full : this.get(L.PIPE_COUNT) >= this.slots; }

  addReader(): void { super.addReader(); this.publishOpen(); }
  dropReader(): void { super.dropReader(); this.publishOpen(); this.freeIfClosed(); }
  dropWriter(): void { super.dropWriter(); this.freeIfClosed(); }

  resize(capacity: number): boolean {
    if (this.inJs) return super.resize(capacity);
    const slots = Math.max(1, Math.floor(capacity / PAGE_SIZE));
    if (this.get(L.PIPE_COUNT) > slots) return false;
    if (slots > L.PIPE_RING_SIZE) { this.moveToJs(); return super.resize(capacity); }
    this.capacity = capacity;
    this.set(L.PIPE_SLOTS, slots);
    this.waitQueue.notify();
    return true;
  }

  read(out: Uint8Array): number {
    if (this.inJs) return super.read(out);
    if (out.length === 0) return 0;
    const len = this.get(L.PIPE_LEN);
    if (len === 0) return this.writers > 0 ? WOULD_BLOCK : 0;
    const v = this.machine.view, u8 = this.machine.u8;
    let n = 0;
    while (n < out.length && this.get(L.PIPE_COUNT) > 0) {
      const r = this.slot(0);
      const frame = v.getUint32(r, true), off = v.getUint16(r + 4, true), plen = v.getUint16(r + 6, true);
      const m = Math.min(plen, out.length - n);
      out.set(u8.subarray(frame + off, frame + off + m), n);
      n += m;
      if (m < plen) { v.setUint16(r + 4, off + m, true); v.setUint16(r + 6, plen - m, true); break; }
      this.dropPage(frame);
      this.set(L.PIPE_HEAD, (this.get(L.PIPE_HEAD) + 1) % L.PIPE_RING_SIZE);
      this.set(L.PIPE_COUNT, this.get(L.PIPE_COUNT) - 1);
    }
    this.set(L.PIPE_LEN, len - n);
    this.waitQueue.notify();
    return n;
  }

  write(data: Uint8Array): number {
    if (this.inJs) return super.write(data);
    if (this.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    let done = 0, noFrame = false;
    const tail = data.length & (PAGE_SIZE - 1), count = this.get(L.PIPE_COUNT);
    if (tail && count > 0) {
      const r = this.slot(count - 1), v = this.machine.view;
      const frame = v.getUint32(r, true), end = v.getUint16(r + 4, true) + v.getUint16(r + 6, true);
      if (end + tail <= PAGE_SIZE) {
        this.machine.u8.set(data.subarray(0, tail), frame + end);
        v.setUint16(r + 6, v.getUint16(r + 6, true) + tail, true);
        done = tail;
      }
    }
    while (done < data.length && !this.full) {
      const n = Math.min(PAGE_SIZE, data.length - done);
      let frame = this.get(L.PIPE_SPARE);
      if (frame) this.set(L.PIPE_SPARE, 0);
      else frame = this.machine.core.allocFrame(); // may grow the memory: views are taken after it
      if (!frame) { noFrame = true; break; }
      this.machine.u8.set(data.subarray(done, done + n), frame);
      const c = this.get(L.PIPE_COUNT), r = this.slot(c), v = this.machine.view;
      v.setUint32(r, frame, true);
      v.setUint16(r + 4, 0, true);
      v.setUint16(r + 6, n, true);
      this.set(L.PIPE_COUNT, c + 1);
      done += n;
    }
    if (done === 0) return noFrame ? -ENOMEM : WOULD_BLOCK;
    this.set(L.PIPE_LEN, this.get(L.PIPE_LEN) + done);
    this.waitQueue.notify();
    return done;
  }

  /** An emptied page is kept for the next write (as Linux keeps tmp_page), or given back. */
  private dropPage(frame: number): void {
    if (this.get(L.PIPE_SPARE) === 0) this.set(L.PIPE_SPARE, frame);
    else this.machine.core.frameUnref(frame);
  }

  /** Moves the unread pages into Pipe's own, keeping their layout (capacity is counted in pages). */
  private moveToJs(): void {
    const u8 = this.machine.u8, v = this.machine.view;
    for (let i = 0, c = this.get(L.PIPE_COUNT); i < c; i++) {
      const r = this.slot(i), frame = v.getUint32(r, true);
      this.pages.push({ data: u8.slice(frame, frame + PAGE_SIZE), off: v.getUint16(r + 4, true), len: v.getUint16(r + 6, true) });
    }
    this.len = this.get(L.PIPE_LEN);
    this.freePages();
    this.set(L.PIPE_OPEN, 0);
    this.inJs = true;
  }

  private freePages(): void {
    const core = this.machine.core, v = this.machine.view;
    for (let i = 0, c = this.get(L.PIPE_COUNT); i < c; i++) core.frameUnref(v.getUint32(this.slot(i), true));
    const spare = this.get(L.PIPE_SPARE);
    if (spare) core.frameUnref(spare);
    this.set(L.PIPE_SPARE, 0);
    this.set(L.PIPE_COUNT, 0);
    this.set(L.PIPE_LEN, 0);
  }

  /** With no end left open, nothing can reach the pipe again: its frames go back to the machine. */
  private freeIfClosed(): void {
    if (this.readers > 0 || this.writers > 0 || !this.addr) return;
    if (!this.inJs) this.freePages();
    this.set(L.PIPE_OPEN, 0);
    this.machine.core.frameUnref(this.addr);
    this.addr = 0;
    this.inJs = true;
  }
}
