// Pipes and the readiness interface poll/epoll are built on. Nothing here blocks: an operation
// that would have to wait returns WOULD_BLOCK (-EAGAIN); the kernel returns that to the guest for
// O_NONBLOCK descriptors and otherwise parks the thread on the wait queue and retries.
import { EAGAIN, EPIPE } from "../errno.js";
import { POLLIN, POLLOUT, POLLHUP, POLLERR, POLLRDNORM, POLLWRNORM } from "./abi.js";

/** "Would block": the call must be retried when the object's wait queue fires. */
export const WOULD_BLOCK = -EAGAIN;
export const PIPE_BUF = 4096;
export const PIPE_SIZE = 65536;
const PAGE_SIZE = 4096;

/** Callbacks run on every state change that may make a waiter's operation succeed. */
export class WaitQueue {
  private waiters = new Set<() => void>();
  /** Called after each add and removal (a pipe in machine memory tells the core whether anyone waits). */
  onChange: (() => void) | null = null;
  /** Registers fn; returns the function that unregisters it. */
  add(fn: () => void): () => void {
    this.waiters.add(fn);
    this.onChange?.();
    return () => { if (this.waiters.delete(fn)) this.onChange?.(); };
  }
  notify(): void { for (const fn of [...this.waiters]) fn(); }
  get size(): number { return this.waiters.size; }
}

/** Something poll can watch: a readiness mask now, and a queue that fires when it may change. */
export interface Pollable {
  poll(): number;
  readonly waitQueue: WaitQueue;
}

let pipeCounter = 0;

/** One page of a pipe: bytes [off, off+len) of data are unread. */
export interface PipePage { data: Uint8Array; off: number; len: number }

/**
 * A pipe buffer as Linux keeps it: a ring of page-sized buffers (16 by default). A write first
 * merges what it can into the last page, then takes whole new pages; the pipe is full when every
 * slot holds a page, however empty. So capacity, EAGAIN points and poll's POLLOUT match Linux.
 */
export class Pipe implements Pollable {
  readonly id = ++pipeCounter;
  readonly waitQueue = new WaitQueue();
  readers = 0;
  writers = 0;
  /** Set once any writer has existed: FIFO readers opened before any writer see no EOF in poll. */
  hadWriter = false;
  protected pages: PipePage[] = [];
  protected len = 0;
  capacity = PIPE_SIZE;

  get available(): number { return this.len; }
  protected get slots(): number { return Math.max(1, Math.floor(this.capacity / PAGE_SIZE)); }
  protected get full(): boolean { return this.pages.length >= this.slots; }

  /** F_SETPIPE_SZ: false (EBUSY) when more pages are in use than the new size has slots. */
  resize(capacity: number): boolean {
    if (this.pages.length > Math.max(1, Math.floor(capacity / PAGE_SIZE))) return false;
    this.capacity = capacity;
    this.waitQueue.notify();
    return true;
  }

  addReader(): void { this.readers++; this.waitQueue.notify(); }
  addWriter(): void { this.writers++; this.hadWriter = true; this.waitQueue.notify(); }
  dropReader(): void { this.readers--; this.waitQueue.notify(); }
  dropWriter(): void { this.writers--; this.waitQueue.notify(); }

  /** Bytes read; 0 at EOF (empty, no writers); WOULD_BLOCK when empty with writers. */
  read(out: Uint8Array): number {
    if (out.length === 0) return 0;
    if (this.len === 0) return this.writers > 0 ? WOULD_BLOCK : 0;
    let n = 0;
    while (n < out.length && this.pages.length) {
      const p = this.pages[0];
      const m = Math.min(p.len, out.length - n);
      out.set(p.data.subarray(p.off, p.off + m), n);
      p.off += m; p.len -= m; n += m;
      if (p.len === 0) this.pages.shift();
    }
    this.len -= n;
    this.waitQueue.notify();
    return n;
  }

  /**
   * Bytes written; -EPIPE without readers (the kernel sends SIGPIPE); WOULD_BLOCK when nothing can
   * be written now. Up to PIPE_BUF bytes go in whole or not at all (they fit one page); larger
   * writes may be partial, and a blocking writer calls again with the rest.
   */
  write(data: Uint8Array): number {
    if (this.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    let done = 0;
    // Linux's pipe_write merges the write's last partial page into the last buffer if it fits.
    const tail = data.length & (PAGE_SIZE - 1);
    const last = this.pages[this.pages.length - 1];
    if (tail && last && last.off + last.len + tail <= PAGE_SIZE) {
      last.data.set(data.subarray(0, tail), last.off + last.len);
      last.len += tail;
      done = tail;
    }
    while (done < data.length && !this.full) {
      const n = Math.min(PAGE_SIZE, data.length - done);
      const page = new Uint8Array(PAGE_SIZE);
      page.set(data.subarray(done, done + n));
      this.pages.push({ data: page, off: 0, len: n });
      done += n;
    }
    if (done === 0) return WOULD_BLOCK;
    this.len += done;
    this.waitQueue.notify();
    return done;
  }

  /** poll mask as seen from both ends; PipeEnd narrows it to its own direction. */
  poll(): number { return this.pollRead() | this.pollWrite(); }
  pollRead(): number {
    let m = 0;
    if (this.available > 0) m |= POLLIN | POLLRDNORM;
    if (this.writers === 0 && this.hadWriter) m |= POLLHUP;
    return m;
  }
  pollWrite(): number {
    if (this.readers === 0) return POLLOUT | POLLWRNORM | POLLERR;
    return this.full ? 0 : POLLOUT | POLLWRNORM;
  }
}
