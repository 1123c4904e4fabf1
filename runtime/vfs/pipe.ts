// Pipes and the readiness interface poll/epoll are built on. Nothing here blocks: an operation
// that would have to wait returns WOULD_BLOCK (-EAGAIN); the kernel returns that to the guest for
// O_NONBLOCK descriptors and otherwise parks the thread on the wait queue and retries.
import { EAGAIN, EPIPE } from "../errno.js";
import { POLLIN, POLLOUT, POLLHUP, POLLERR, POLLRDNORM, POLLWRNORM } from "./abi.js";

/** "Would block": the call must be retried when the object's wait queue fires. */
export const WOULD_BLOCK = -EAGAIN;
export const PIPE_BUF = 4096;
export const PIPE_SIZE = 65536;

/** Callbacks run on every state change that may make a waiter's operation succeed. */
export class WaitQueue {
  private waiters = new Set<() => void>();
  /** Registers fn; returns the function that unregisters it. */
  add(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => { this.waiters.delete(fn); };
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

/** A pipe buffer: a 64 KiB ring shared by the read and write ends. */
export class Pipe implements Pollable {
  readonly id = ++pipeCounter;
  readonly waitQueue = new WaitQueue();
  readers = 0;
  writers = 0;
  /** Set once any writer has existed: FIFO readers opened before any writer see no EOF in poll. */
  hadWriter = false;
  private buf = new Uint8Array(PIPE_SIZE);
  private head = 0;
  private len = 0;
  capacity = PIPE_SIZE;

  get available(): number { return this.len; }
  get space(): number { return this.capacity - this.len; }

  addReader(): void { this.readers++; this.waitQueue.notify(); }
  addWriter(): void { this.writers++; this.hadWriter = true; this.waitQueue.notify(); }
  dropReader(): void { this.readers--; this.waitQueue.notify(); }
  dropWriter(): void { this.writers--; this.waitQueue.notify(); }

  /** Bytes read; 0 at EOF (empty, no writers); WOULD_BLOCK when empty with writers. */
  read(out: Uint8Array): number {
    if (out.length === 0) return 0;
    if (this.len === 0) return this.writers > 0 ? WOULD_BLOCK : 0;
    const n = Math.min(out.length, this.len);
    const first = Math.min(n, PIPE_SIZE - this.head);
    out.set(this.buf.subarray(this.head, this.head + first), 0);
    if (n > first) out.set(this.buf.subarray(0, n - first), first);
    this.head = (this.head + n) % PIPE_SIZE;
    this.len -= n;
    this.waitQueue.notify();
    return n;
  }

  /**
   * Bytes written; -EPIPE without readers (the kernel sends SIGPIPE); WOULD_BLOCK when nothing can
   * be written now. Up to PIPE_BUF bytes go in whole or not at all; larger writes may be partial,
   * and a blocking writer calls again with the rest.
   */
  write(data: Uint8Array): number {
    if (this.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    const space = this.space;
    if (space === 0 || (data.length <= PIPE_BUF && space < data.length)) return WOULD_BLOCK;
    const n = Math.min(space, data.length);
    let tail = (this.head + this.len) % PIPE_SIZE;
    const first = Math.min(n, PIPE_SIZE - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (n > first) this.buf.set(data.subarray(first, n), 0);
    this.len += n;
    this.waitQueue.notify();
    return n;
  }

  /** poll mask as seen from both ends; PipeEnd narrows it to its own direction. */
  poll(): number { return this.pollRead() | this.pollWrite(); }
  pollRead(): number {
    let m = 0;
    if (this.len > 0) m |= POLLIN | POLLRDNORM;
    if (this.writers === 0 && this.hadWriter) m |= POLLHUP;
    return m;
  }
  pollWrite(): number {
    if (this.readers === 0) return POLLOUT | POLLWRNORM | POLLERR;
    return this.space >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0;
  }
}
