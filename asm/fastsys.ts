// The syscall fast path: the few hot system calls that need nothing the kernel decides at the
// moment of the call are answered inside the core, without the exit to TypeScript (~1–2 µs).
// The kernel still owns the policy: it enables each family per slice (FAST_* bits in
// fast_enable; none when tracing), publishes the data they read (ids, the random pool, the futex
// waiter count) and supplies the clock. Anything unusual — a bad pointer, an unknown clock or
// flag, a short pool, a waiter — is not answered here: SYSCALL then exits to the kernel, whose
// handler gives the same result it always would (EFAULT, EINVAL, …), so the two paths never differ.
import { getReg, setReg, getRip, RAX, RCX, RDX, RSI, RDI } from "./cpu";
import { readFlags } from "./flags";
import { translate, tlbHost, allocFrame, frameUnref, ACCESS_READ, ACCESS_WRITE } from "./mmu";
import {
  TLB_READ, TLB_WRITE, S_FAST_ENABLE, S_FAST_PID, S_FAST_TID, S_FAST_COUNT, FAST_IDS, FAST_CLOCK, FAST_RANDOM, FAST_FUTEX_WAKE,
  FAST_FD, FAST_FUTEX_WAITERS, FAST_RANDOM_LEFT, RANDOM_POOL, RANDOM_POOL_SIZE, FAST_FD_MAP, FAST_FD_COUNT,
  FD_READ, FD_WRITE, FD_NULL, FD_ZERO, FD_PIPE, PIPE_LEN, PIPE_COUNT, PIPE_HEAD, PIPE_SLOTS, PIPE_OPEN, PIPE_SPARE,
  PIPE_RING, PIPE_RING_SIZE, FD_FILE, FILE_POS, FILE_SIZE, FILE_PAGES, FILE_PAGE_COUNT,
} from "./gen/layout";

/**
 * The host's clock in ns (the kernel's Host.realtimeNs / monotonicNs), so both paths read one
 * clock: a guest mixing them never sees MONOTONIC go backwards.
 */
@external("env", "hostClock")
declare function hostClock(realtime: bool): i64;

const R9: u32 = 9;
const NS: i64 = 1_000_000_000;
/** The end of the user address space (runtime/mm.ts TASK_SIZE): Linux's access_ok limit. */
const TASK_SIZE: u64 = 0x7FFFFFFFF000;
/** Staging for the structures written to the guest (timespec, timeval, time_t). */
const OUT: usize = memory.data(16, 16);

/**
 * Whether every byte of [va, va+len) may be written (write) or read by the guest; lazy and COW
 * pages are resolved, as a store or the kernel's copyIn would.
 */
function accessible(va: u64, len: u64, write: bool): bool {
  if (len == 0) return true;
  const end = va + len;
  if (end < va) return false;
  const tlb = write ? TLB_WRITE : TLB_READ, access = write ? ACCESS_WRITE : ACCESS_READ;
  let a = va;
  while (a < end) {
    if (tlbHost(tlb, a, 1) == 0 && translate(a, access, true) < 0) return false;
    a = (a & ~<u64>0xFFF) + 4096;
  }
  return true;
}
function writable(va: u64, len: u64): bool { return accessible(va, len, true); }
function readable(va: u64, len: u64): bool { return accessible(va, len, false); }

/**
 * Copies len bytes between guest va, which accessible() accepted, and host memory at h: into the
 * guest when out, else out of it. Frames holding decoded code stay out of the write TLB:
 * translate drops their blocks.
 */
function copyGuest(va: u64, host: usize, len: u64, out: bool): void {
  const tlb = out ? TLB_WRITE : TLB_READ, access = out ? ACCESS_WRITE : ACCESS_READ;
  let done: u64 = 0;
  while (done < len) {
    const a = va + done;
    const room = 4096 - (a & 0xFFF);
    const n = room < len - done ? room : len - done;
    let g = tlbHost(tlb, a, <u32>n);
    if (g == 0) g = <usize>translate(a, access, true);
    if (out) memory.copy(g, host + <usize>done, <usize>n);
    else memory.copy(host + <usize>done, g, <usize>n);
    done += n;
  }
}
/** Copies len bytes from guest va, which readable() accepted, to dst. */
function copyIn(dst: usize, va: u64, len: u64): void { copyGuest(va, dst, len, false); }
/** Copies len bytes from src to guest va, which writable() accepted. */
function copyOut(va: u64, src: usize, len: u64): void { copyGuest(va, src, len, true); }

/** The clock a clock id reads without the kernel: 1 realtime, 2 monotonic, 0 ask the kernel (CPU clocks, unknown ids). */
function clockKind(id: i32): i32 {
  switch (id) {
    case 0: case 5: case 8: return 1;                // REALTIME, REALTIME_COARSE, REALTIME_ALARM
    case 1: case 4: case 6: case 7: case 9: return 2; // MONOTONIC, _RAW, _COARSE, BOOTTIME, BOOTTIME_ALARM
    default: return 0;
  }
}

/** clock_gettime: 0, or -1 to leave the call to the kernel. */
function clockGettime(): i64 {
  const kind = clockKind(<i32>getReg(RDI));
  const tp = getReg(RSI);
  if (kind == 0 || !writable(tp, 16)) return -1;
  const ns = hostClock(kind == 1);
  store<i64>(OUT, ns / NS);
  store<i64>(OUT + 8, ns % NS);
  copyOut(tp, OUT, 16);
  return 0;
}

/** gettimeofday: both pointers are checked before anything is written (the kernel path writes tv first). */
function gettimeofday(): i64 {
  const tv = getReg(RDI), tz = getReg(RSI);
  if ((tv != 0 && !writable(tv, 16)) || (tz != 0 && !writable(tz, 8))) return -1;
  if (tv != 0) {
    const ns = hostClock(true);
    store<i64>(OUT, ns / NS);
    store<i64>(OUT + 8, (ns % NS) / 1000);
    copyOut(tv, OUT, 16);
  }
  if (tz != 0) { store<i64>(OUT, 0); copyOut(tz, OUT, 8); }
  return 0;
}

/** time: the seconds, also stored at tloc when it is not null. */
function time(): i64 {
  const tloc = getReg(RDI);
  if (tloc != 0 && !writable(tloc, 8)) return -1;
  const s = hostClock(true) / NS;
  if (tloc != 0) { store<i64>(OUT, s); copyOut(tloc, OUT, 8); }
  return s;
}

/**
 * getrandom with flags 0 or GRND_NONBLOCK, from the pool: the next len unread bytes, exactly the
 * ones the kernel's handler would hand out, so a seeded (deterministic) stream is the same on both paths.
 */
function getrandom(): i64 {
  const buf = getReg(RDI), len = getReg(RSI), flags = getReg(RDX) & 0xFFFFFFFF;
  const left = <u64>load<u32>(FAST_RANDOM_LEFT);
  if ((flags & ~<u64>1) != 0 || len > left) return -1;
  if (buf > TASK_SIZE || len > TASK_SIZE - buf || !writable(buf, len)) return -1; // access_ok even for 0 bytes; a fault
  copyOut(buf, <usize>(RANDOM_POOL + RANDOM_POOL_SIZE - <u32>left), len);
  store<u32>(FAST_RANDOM_LEFT, <u32>(left - len));
  return <i64>len;
}

/**
 * futex WAKE / WAKE_BITSET while nobody waits: nobody to wake, so 0 — once the word passes the
 * checks Linux's get_futex_key makes (syscalls/futex.ts keyError); a failing one is the kernel's.
 */
function futexWake(): i64 {
  if (load<u32>(FAST_FUTEX_WAITERS) != 0) return -1;
  const uaddr = getReg(RDI), op = <u32>getReg(RSI);
  const cmd = op & ~<u32>128;                                     // FUTEX_PRIVATE_FLAG
  if (cmd != 1 && !(cmd == 10 && <u32>getReg(R9) != 0)) return -1; // WAKE, WAKE_BITSET with a bitset
  if ((uaddr & 3) != 0 || uaddr > TASK_SIZE - 4) return -1;       // EINVAL, EFAULT
  // A shared futex needs its page: one the guest is writing is fine; anything else, ask the kernel.
  if ((op & 128) == 0 && tlbHost(TLB_WRITE, uaddr, 4) == 0) return -1;
  return 0;
}

// ---- read and write on the descriptors of FAST_FD_MAP ----------------------------------------
// Each answer is the one the kernel's read(2)/write(2) (syscalls/fs_io.ts) gives for the same
// arguments; what that handler would not finish at once, or would signal, wake or fail, is left
// to it: a bad pointer, an empty or full pipe, a pipe without readers or with waiters.

/** The kernel's largest transfer in one call (fs_io.ts MAX_IO). */
const MAX_IO: u64 = 1 << 20;
const PIPE_BUF: u64 = 4096;

/** The map entry of the descriptor in rdi (the low 32 bits, as Linux's unsigned int fd), or 0. */
function fdEntry(): u32 {
  const fd = <u32>getReg(RDI);
  return fd < FAST_FD_COUNT ? load<u32>(FAST_FD_MAP + (fd << 2)) : 0;
}

/** The checks both calls start with: a count ≥ 0 and access_ok(buf, count); the count to transfer, or -1. */
function ioCount(): i64 {
  const buf = getReg(RSI), count = getReg(RDX);
  if (<i64>count < 0 || buf > TASK_SIZE || count > TASK_SIZE - buf) return -1;
  return <i64>(count < MAX_IO ? count : MAX_IO);
}

@inline function ringEntry(p: usize, i: u32): usize { return p + PIPE_RING + (((load<u32>(p + PIPE_HEAD) + i) % PIPE_RING_SIZE) << 3); }

/**
 * Reads up to n bytes of the file at pos into guest buf when every page they lie in has its copy;
 * the count (0 at or past the end), or -1 to leave the call to the kernel.
 */
function fileRead(f: usize, buf: u64, n: i64, pos: u64): i64 {
  const size = load<u64>(f + FILE_SIZE);
  if (pos >= size || n == 0) return 0;
  const m = <u64>n < size - pos ? <u64>n : size - pos;
  const last = (pos + m - 1) >> 12;
  if (last >= <u64>FILE_PAGE_COUNT) return -1;
  for (let i = pos >> 12; i <= last; i++) if (load<u32>(f + FILE_PAGES + (<usize>i << 2)) == 0) return -1;
  if (!writable(buf, m)) return -1;
  let done: u64 = 0;
  while (done < m) {
    const at = pos + done;
    const room = 4096 - (at & 0xFFF);
    const k = room < m - done ? room : m - done;
    copyOut(buf + done, <usize>(load<u32>(f + FILE_PAGES + (<usize>(at >> 12) << 2)) + <u32>(at & 0xFFF)), k);
    done += k;
  }
  return <i64>m;
}

/** pread64(2) on a regular file in memory; the offset is the call's, the description's stays. */
function fdPread(e: u32): i64 {
  const n = ioCount();
  const pos = getReg(10);                                      // r10
  if (n < 0 || <i64>pos < 0 || (e & (FD_FILE | FD_READ)) != (FD_FILE | FD_READ)) return -1;
  return fileRead(<usize>(e & ~<u32>0xFFF), getReg(RSI), n, pos);
}

/** read(2) */
function fdRead(e: u32): i64 {
  const n = ioCount();
  if (n < 0 || (e & FD_READ) == 0) return -1;
  const buf = getReg(RSI);
  if ((e & FD_FILE) != 0) {
    const f = <usize>(e & ~<u32>0xFFF);
    const r = fileRead(f, buf, n, load<u64>(f + FILE_POS));
    if (r > 0) store<u64>(f + FILE_POS, load<u64>(f + FILE_POS) + <u64>r);
    return r;
  }
  if ((e & FD_NULL) != 0 || n == 0) return 0;
  if ((e & FD_ZERO) != 0) {
    if (!writable(buf, n)) return -1;
    let done: u64 = 0;
    while (done < <u64>n) {
      const a = buf + done;
      const room = 4096 - (a & 0xFFF);
      const m = room < <u64>n - done ? room : <u64>n - done;
      let h = tlbHost(TLB_WRITE, a, <u32>m);
      if (h == 0) h = <usize>translate(a, ACCESS_WRITE, true);
      memory.fill(h, 0, <usize>m);
      done += m;
    }
    return n;
  }
  const p = <usize>(e & ~<u32>0xFFF);
  const have = <i64>load<u32>(p + PIPE_LEN);
  if (load<u32>(p + PIPE_OPEN) == 0 || have == 0) return -1;   // EOF or a wait: the kernel's
  const want = n < have ? n : have;
  if (!writable(buf, want)) return -1;
  let done: i64 = 0;
  while (done < want) {
    const r = ringEntry(p, 0);
    const frame = load<u32>(r), off = <u32>load<u16>(r + 4), len = <u32>load<u16>(r + 6);
    const m = <u32>(want - done < <i64>len ? want - done : <i64>len);
    copyOut(buf + <u64>done, <usize>(frame + off), m);
    done += m;
    if (m < len) { store<u16>(r + 4, <u16>(off + m)); store<u16>(r + 6, <u16>(len - m)); break; }
    if (load<u32>(p + PIPE_SPARE) == 0) store<u32>(p + PIPE_SPARE, frame);
    else frameUnref(frame);
    store<u32>(p + PIPE_HEAD, (load<u32>(p + PIPE_HEAD) + 1) % PIPE_RING_SIZE);
    store<u32>(p + PIPE_COUNT, load<u32>(p + PIPE_COUNT) - 1);
  }
  store<u32>(p + PIPE_LEN, <u32>(have - want));
  return want;
}

/**
 * write(2) of up to PIPE_BUF bytes that fit whole, placed as the kernel's Pipe.write places them
 * (Linux's pipe_write): the partial last page merges into the last buffer, a whole page takes a slot.
 */
function fdWrite(e: u32): i64 {
  const n = ioCount();
  if (n < 0 || (e & FD_WRITE) == 0) return -1;
  const buf = getReg(RSI);
  if ((e & (FD_NULL | FD_ZERO)) != 0) return n;                 // the buffer is never read (write_null)
  if ((e & FD_PIPE) == 0) return -1;
  const p = <usize>(e & ~<u32>0xFFF);
  if (load<u32>(p + PIPE_OPEN) == 0 || n == 0 || <u64>n > PIPE_BUF || !readable(buf, n)) return -1;
  const count = load<u32>(p + PIPE_COUNT);
  const tail = <u32>n & 0xFFF;
  if (tail != 0 && count > 0) {
    const last = ringEntry(p, count - 1);
    const end = <u32>load<u16>(last + 4) + <u32>load<u16>(last + 6);
    if (end + tail <= 4096) {
      copyIn(<usize>(load<u32>(last) + end), buf, n);
      store<u16>(last + 6, <u16>(load<u16>(last + 6) + tail));
      store<u32>(p + PIPE_LEN, load<u32>(p + PIPE_LEN) + <u32>n);
      return n;
    }
  }
  if (count >= load<u32>(p + PIPE_SLOTS)) return -1;             // full: the kernel blocks or fails
  let frame = load<u32>(p + PIPE_SPARE);
  if (frame != 0) store<u32>(p + PIPE_SPARE, 0);
  else frame = allocFrame();
  if (frame == 0) return -1;
  copyIn(<usize>frame, buf, n);
  const r = ringEntry(p, count);
  store<u32>(r, frame);
  store<u16>(r + 4, 0);
  store<u16>(r + 6, <u16>n);
  store<u32>(p + PIPE_COUNT, count + 1);
  store<u32>(p + PIPE_LEN, load<u32>(p + PIPE_LEN) + <u32>n);
  return n;
}

/**
 * Answers the system call in rax when its family is enabled and nothing about it needs the
 * kernel (rcx/r11 as SYSCALL defines them, the result in rax); false leaves it to the kernel.
 */
export function fastSyscall(): bool {
  const on = load<u32>(S_FAST_ENABLE);
  if (on == 0) return false;
  const nr = getReg(RAX);
  let r: i64 = -1;
  if (nr == 39 || nr == 186) {                       // getpid, gettid
    if ((on & FAST_IDS) == 0) return false;
    r = <i64>load<u32>(nr == 39 ? S_FAST_PID : S_FAST_TID);
  } else if (nr == 228 || nr == 96 || nr == 201) {   // clock_gettime, gettimeofday, time
    if ((on & FAST_CLOCK) == 0) return false;
    r = nr == 228 ? clockGettime() : nr == 96 ? gettimeofday() : time();
  } else if (nr == 318) {                            // getrandom
    if ((on & FAST_RANDOM) == 0) return false;
    r = getrandom();
  } else if (nr == 0 || nr == 1 || nr == 17) {       // read, write, pread64
    if ((on & FAST_FD) == 0) return false;
    const e = fdEntry();
    if (e == 0) return false;
    r = nr == 0 ? fdRead(e) : nr == 1 ? fdWrite(e) : fdPread(e);
  } else if (nr == 202) {                            // futex
    if ((on & FAST_FUTEX_WAKE) == 0) return false;
    r = futexWake();
  } else {
    return false;
  }
  if (r < 0) return false;
  setReg(RCX, getRip());
  setReg(11, readFlags());
  setReg(RAX, <u64>r);
  store<u64>(S_FAST_COUNT, load<u64>(S_FAST_COUNT) + 1);
  return true;
}
