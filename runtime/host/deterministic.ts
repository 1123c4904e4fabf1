// Deterministic mode: the same program with the same input gives byte-identical output. Time is
// virtual — it advances with the instructions the machine retires (plus the time guests sleep) —
// and every random byte (getrandom, AT_RANDOM, /dev/urandom) comes from a seeded generator. Timers
// fire when virtual time reaches them, checked at every time-slice boundary; when every guest
// thread is waiting, virtual time jumps to the next timer, as a discrete-event simulation does.
import type { Host } from "./types.js";

export interface DeterministicOptions {
  /** Seeds the random bytes; the same seed gives the same stream. */
  seed?: number | string;
  /** CLOCK_REALTIME at boot, in ns since the epoch (default 2000-01-01T00:00:00Z). */
  startNs?: bigint;
  /** Virtual nanoseconds per guest instruction (default 1: a 1 GHz machine running one per cycle). */
  nsPerInstruction?: number;
  /** Instructions retired so far by the machine (read on every clock query). */
  instructions(): bigint;
}

/** Hashes a seed into four 32-bit words (FNV-1a over its text, then mixed). */
function seedWords(seed: number | string): number[] {
  const s = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    h = (h + 0x9e3779b9) >>> 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out.push((z ^ (z >>> 16)) >>> 0);
  }
  return out;
}

/**
 * A reproducible byte stream (sfc32). Not cryptographic: deterministic mode is for tests and
 * caching, where guessable "randomness" is the point.
 */
export class SeededRandom {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number | string) {
    [this.a, this.b, this.c, this.d] = seedWords(seed);
    for (let i = 0; i < 12; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  fill(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i += 4) {
      const w = this.next();
      for (let j = 0; j < 4 && i + j < buf.length; j++) buf[i + j] = (w >>> (8 * j)) & 0xff;
    }
  }
}

const BOOT_MONOTONIC = 1_000_000_000n;
/** CLOCK_REALTIME at boot unless startNs says otherwise: 2000-01-01T00:00:00Z. */
export const DETERMINISTIC_START_NS = 946_684_800n * 1_000_000_000n;

/** base with virtual clocks, seeded randomness and a fixed machine (1 CPU). */
export function deterministicHost(base: Host, o: DeterministicOptions): Host {
  const rate = BigInt(Math.max(1, Math.round(o.nsPerInstruction ?? 1)));
  const start = o.startNs ?? DETERMINISTIC_START_NS;
  const random = new SeededRandom(o.seed ?? 0);
  let slept = 0n;
  const timers: Array<{ deadline: bigint; seq: number; fire: () => void }> = [];
  let seq = 0;
  /** Clock queries since the idle check was armed: the scheduler asks at every slice end. */
  let queries = 0;
  let idleCheck = false;

  const mono = () => BOOT_MONOTONIC + o.instructions() * rate + slept;
  const fireDue = () => {
    if (timers.length === 0) return;
    const now = mono();
    timers.sort((x, y) => (x.deadline < y.deadline ? -1 : x.deadline > y.deadline ? 1 : x.seq - y.seq));
    while (timers.length && timers[0].deadline <= now) timers.shift()!.fire();
  };
  // A wait that nothing else can end: when a whole event-loop turn passes without a slice (no
  // clock query), every thread is parked, so the clock moves to the earliest timer.
  const armIdleCheck = () => {
    if (idleCheck || timers.length === 0) return;
    idleCheck = true;
    const before = queries;
    void base.sleep(0).then(() => {
      idleCheck = false;
      if (timers.length === 0) return;
      if (queries === before) {
        timers.sort((x, y) => (x.deadline < y.deadline ? -1 : x.deadline > y.deadline ? 1 : x.seq - y.seq));
        const gap = timers[0].deadline - mono();
        if (gap > 0n) slept += gap;
        fireDue();
      }
      armIdleCheck();
    });
  };

  return {
    ...base,
    virtualClock: true,
    realtimeNs: () => start + (mono() - BOOT_MONOTONIC),
    monotonicNs: () => { queries++; fireDue(); return mono(); },
    randomBytes: (buf) => random.fill(buf),
    sleep: (ms, abort) => new Promise<void>((resolve) => {
      if (abort?.aborted) { resolve(); return; }
      const ns = BigInt(Math.max(0, Math.ceil(ms))) * 1_000_000n;
      const timer = { deadline: mono() + ns, seq: seq++, fire: resolve };
      timers.push(timer);
      // A cancelled sleep leaves the queue, so the idle check does not keep the host alive for it.
      abort?.addEventListener("abort", () => {
        const i = timers.indexOf(timer);
        if (i >= 0) timers.splice(i, 1);
        resolve();
      }, { once: true });
      armIdleCheck();
    }),
    cpuCount: () => 1,
    totalMemory: () => 1n << 30n,
    freeMemory: () => 1n << 29n,
    uptimeSeconds: () => Number((mono() - BOOT_MONOTONIC) / 1_000_000_000n),
    hostname: () => "wasl",
  };
}
