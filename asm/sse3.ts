// SSE3: alternating add/subtract and horizontal add/subtract of packed floats (under MXCSR, through
// sse_fp's exact element routine), and the duplicating moves. LDDQU is MOVDQU (sse_move.ts).
import { xmmAddr } from "./cpu";
import { dReg } from "./operand";
import { faulted } from "./mmu";
import { xmmGet, xmmSet, xmmSrcAligned, xmmSrc64 } from "./sse_move";
import { arithElem, begin as fpBegin, commit as fpCommit, FP_ADD, FP_SUB } from "./sse_fp";

// The source vector and the destination's old value, as lanes in memory.
const SRC: usize = memory.data(16, 16);
const DST: usize = memory.data(16, 16);

/** ADDSUBPS: even lanes dst - src, odd lanes dst + src. */
export function addsubps(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const r = dReg(d), dst = xmmAddr(r);
  v128.store(SRC, s);
  fpBegin();
  for (let i: usize = 0; i < 16; i += 4)
    store<u32>(dst + i, <u32>arithElem((i & 4) != 0 ? FP_ADD : FP_SUB, <u64>load<u32>(dst + i), <u64>load<u32>(SRC + i), true));
  fpCommit();
}

/** ADDSUBPD: lane 0 dst - src, lane 1 dst + src. */
export function addsubpd(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  v128.store(SRC, s);
  fpBegin();
  store<u64>(dst, arithElem(FP_SUB, load<u64>(dst), load<u64>(SRC), false));
  store<u64>(dst + 8, arithElem(FP_ADD, load<u64>(dst + 8), load<u64>(SRC + 8), false));
  fpCommit();
}

/** HADDPS/HSUBPS: [d0∘d1, d2∘d3, s0∘s1, s2∘s3] with ∘ = op. */
export function hps(d: usize, op: u32): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const r = dReg(d);
  v128.store(SRC, s);
  v128.store(DST, xmmGet(r));
  const dst = xmmAddr(r);
  fpBegin();
  for (let i: usize = 0; i < 2; i++) {
    store<u32>(dst + i * 4, <u32>arithElem(op, <u64>load<u32>(DST + i * 8), <u64>load<u32>(DST + i * 8 + 4), true));
    store<u32>(dst + 8 + i * 4, <u32>arithElem(op, <u64>load<u32>(SRC + i * 8), <u64>load<u32>(SRC + i * 8 + 4), true));
  }
  fpCommit();
}

/** HADDPD/HSUBPD: [d0∘d1, s0∘s1]. */
export function hpd(d: usize, op: u32): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  const dst = xmmAddr(dReg(d));
  v128.store(SRC, s);
  fpBegin();
  const lo = arithElem(op, load<u64>(dst), load<u64>(dst + 8), false);
  const hi = arithElem(op, load<u64>(SRC), load<u64>(SRC + 8), false);
  store<u64>(dst, lo); store<u64>(dst + 8, hi);
  fpCommit();
}

/** MOVDDUP: the low qword (xmm, or m64 with no alignment rule) into both halves. */
export function movddup(d: usize): void {
  const v = xmmSrc64(d); if (faulted()) return;
  xmmSet(dReg(d), i64x2.splat(<i64>v));
}

export function movsldup(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  xmmSet(dReg(d), i32x4.shuffle(s, s, 0, 0, 2, 2));
}

export function movshdup(d: usize): void {
  const s = xmmSrcAligned(d); if (faulted()) return;
  xmmSet(dReg(d), i32x4.shuffle(s, s, 1, 1, 3, 3));
}
