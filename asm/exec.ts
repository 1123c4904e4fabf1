// The run loop: find (or decode) the block at rip, execute its records, stop with an exit reason.
// The hot encodings carry fast op ids (fast.ts) and run inline in the loop below, with rip in a
// local and no exit check (they cannot fault, or they leave to their generic handler on a TLB
// miss); every other record goes through the generated dispatcher. Each block ends with a
// sentinel record, so the loop needs no per-instruction "last record" test.
import {
  S_EXIT_REASON, S_ICOUNT, S_RIP, S_REGS, S_XMM, S_LAZY_OP, S_LAZY_SIZE, S_LAZY_RES, S_LAZY_SRC1, S_LAZY_SRC2, S_LAZY_MASK,
  EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_GP, EXIT_BUDGET, EXIT_OOM, EXIT_HLT, EXIT_JIT,
  TLB_READ, TLB_WRITE, TLB_EXEC, TLB_ENTRIES, FLAG_CF,
} from "./gen/layout";
import { translate, tlbHost, ACCESS_EXEC } from "./mmu";
import { decodeOne, endsBlock, fetchTooLong, decodedMap } from "./decode";
import { dispatch } from "./gen/dispatch";
import { F_LAST, F_RIPREL, RECORD_SIZE } from "./operand";
import {
  lookupBlock, insertBlock, reserveRecords, commitRecords, markCodeFrame, cacheFlushed, clearFlushedMark,
} from "./codecache";
import {
  condFast, setLazy, setCarryOverflow, LAZY_ADD, LAZY_SUB, LAZY_LOGIC, LAZY_IMUL, LAZY_SHIFT, ARITH_FLAGS,
} from "./flags";
import {
  specialise, FOP_BASE, FOP_END, FOP_ALU_RR, FOP_ALU_RI, FOP_ALU_RM, FOP_TEST_RR, FOP_MOV_RR, FOP_MOV_RI,
  FOP_MOV_RM, FOP_MOV_MR, FOP_MOV_MI, FOP_LEA, FOP_SHIFT_RI, FOP_UNARY_R, FOP_IMUL_RR, FOP_JCC, FOP_JMP,
  FOP_CALL, FOP_RET, FOP_PUSH, FOP_POP, FOP_MOVZX8_RM, FOP_MOVSXD_RR, FOP_MOVSXD_RM,
  FOP_XMOV_RR, FOP_XLOAD_A, FOP_XSTORE_A, FOP_XOP_RR, FOP_XOP_RM, FOP_PSHIFT_I, FOP_PMOVMSKB, FOP_MOVQ_LOAD, FOP_MOVQ_STORE,
} from "./fast";

const MAX_BLOCK: u32 = 64;
const RSP: u32 = 4;

// Each decoded block is preceded by a header record (BLOCK_HEADER bytes before its first record):
//   +0 u32 entries counted towards the JIT threshold   +4 u32 JIT state: 0 = interpreted,
//   JIT_NEVER = not compiled (pending or nothing to gain), else the function's table index
//   +8 u32 number of instruction records   +12 u32 H_RESUME: where the block's JIT function,
//   leaving an instruction to the interpreter, stores that instruction's record (which may be in
//   another block of its region)   +16 8 x i32 H_TARGETS: where the block's return or indirect
//   branch went, in bytes from its first instruction (0: none), in slot (t ^ t >> 5) & 7: the JIT
//   takes these blocks into a region and goes on there when the target is one of them
// A JIT function lives exactly as long as its header: a flush of the cache drops both.
const BLOCK_HEADER: u32 = 64;
const JIT_NEVER: u32 = 1;
const H_RESUME: u32 = 12;
const H_TARGETS: u32 = 16;
const H_TARGET_SLOTS: u32 = 8;
const TARGET_HASH_SHIFT: u32 = 5;
let jitThreshold: u32 = 0;
let jitPending: u32 = 0;
let jitPendingRip: u64 = 0;
let jitPendingPhys: u32 = 0;

/** Block entries before a block is compiled; 0 turns the JIT off. */
export function setJitThreshold(n: u32): void { jitThreshold = n; }
/** The header of the block that caused EXIT_JIT. */
export function jitPendingBlock(): u32 { return jitPending; }
/** The address and physical address of the block that caused EXIT_JIT. */
export function jitPendingAddress(): u64 { return jitPendingRip; }
export function jitPendingPhysical(): u32 { return jitPendingPhys; }

/**
 * The header of the block at va (physical phys, which the caller knows va maps to), decoding it
 * if the cache does not hold it and decode is set; 0 when it is not there or its first
 * instruction cannot be fetched. The JIT asks for the blocks a region's branches reach;
 * decoding may flush the cache (cacheEpoch tells).
 */
export function jitBlockAt(va: u64, phys: u32, decode: bool): u32 {
  let rec = lookupBlock(phys);
  if (rec == 0 && decode) rec = decodeBlock(va, phys);
  return rec == 0 ? 0 : rec - BLOCK_HEADER;
}

/** Fast op ids start here (the JIT reads records). */
export function jitFopBase(): u32 { return FOP_BASE; }

/**
 * Runs the generic handler of record rec for the JIT, as the run loop does. Returns 0 to go on,
 * 1 when it stopped with an exit reason after the instruction (it counts), 2 when it stopped at
 * the instruction (rip rewound to rip, it does not count), 3 when the code cache was flushed.
 */
export function jitGeneric(rec: u32, rip: u64, next: u64): u32 {
  const op = <u32>load<u16>(rec);
  store<u64>(S_RIP, next);
  dispatch(rec, op >= FOP_BASE ? <u32>load<u16>(rec, 20) : op);
  const reason = load<u32>(S_EXIT_REASON);
  if (reason != 0) {
    if (faultLeavesRipAtInstruction(reason)) { store<u64>(S_RIP, rip); return 2; }
    return 1;
  }
  return cacheFlushed ? 3 : 0;
}

/** CF and OF of a rotate over the flags in the state block (flags.ts setCarryOverflow), for the JIT. */
export function jitCarryOverflow(cf: u32, ovf: u32): void { setCarryOverflow(cf != 0, ovf != 0); }

/** Condition code cc from the flags in the state block, for the JIT. */
export function jitCond(cc: u32): u32 { return condFast(cc) ? 1 : 0; }

/** Decodes the block starting at va (physical phys); returns its first record or 0 on a fetch fault. */
function decodeBlock(va: u64, phys: u32): u32 {
  const header = reserveRecords(MAX_BLOCK + 1 + BLOCK_HEADER / RECORD_SIZE);
  memory.fill(header, 0, BLOCK_HEADER);
  const first = header + BLOCK_HEADER;
  markCodeFrame(phys & ~0xFFF);
  let rec = first;
  let a = va;
  for (let i: u32 = 0; i < MAX_BLOCK; i++) {
    const len = decodeOne(a, rec);
    if (len == 0) {
      if (i == 0) return 0;
      // The next instruction cannot be fetched: end the block before it; if execution gets
      // there, the fetch is retried and faults then.
      rec -= RECORD_SIZE;
      break;
    }
    // An instruction that crosses into the next page also makes that frame code.
    if (((a + len - 1) >> 12) != (a >> 12)) {
      const t = translate(a + len - 1, ACCESS_EXEC, true);
      if (t >= 0) markCodeFrame(<u32>t & ~0xFFF);
    }
    a += len;
    const last = endsBlock(load<u16>(rec)) || (a & 0xFFF) == 0 || ((a >> 12) != (va >> 12)) || i == MAX_BLOCK - 1;
    specialise(rec, decodedMap);
    if (last) break;
    rec += RECORD_SIZE;
  }
  store<u16>(rec, load<u16>(rec, 4) | F_LAST, 4);
  store<u32>(header, (rec - first) / RECORD_SIZE + 1, 8);
  const end = rec + RECORD_SIZE;
  memory.fill(end, 0, RECORD_SIZE);
  store<u16>(end, <u16>(FOP_BASE + FOP_END));
  commitRecords(end + RECORD_SIZE);
  insertBlock(phys, first);
  return first;
}

// ---- inline pieces of the fast forms ------------------------------------------------------------

@inline function gr(r: u32): u64 { return load<u64>(S_REGS + (r << 3)); }
@inline function sr(r: u32, v: u64): void { store<u64>(S_REGS + (r << 3), v); }

/** All six arithmetic flags lazily, from operands already truncated to the operand size. */
@inline function lazyAll(kind: u32, size: u32, res: u64, a: u64, b: u64): void {
  store<u32>(S_LAZY_OP, kind);
  store<u32>(S_LAZY_SIZE, size);
  store<u64>(S_LAZY_RES, res);
  store<u64>(S_LAZY_SRC1, a);
  store<u64>(S_LAZY_SRC2, b);
  store<u64>(S_LAZY_MASK, ARITH_FLAGS);
}

/** The memory operand of a fast form: no segment base, 64-bit address (fast.ts checks both). */
@inline function fastEA(rec: usize, next: u64): u64 {
  let a = <u64><i64>load<i32>(rec, 16);
  if ((load<u16>(rec, 4) & F_RIPREL) != 0) return a + next;
  const base = <u32>load<u8>(rec, 11), index = <u32>load<u8>(rec, 12);
  if (base != 0xFF) a += gr(base);
  if (index != 0xFF) a += gr(index) << <u64>load<u8>(rec, 13);
  return a;
}

/** ADD OR AND SUB XOR CMP (alu as in the opcode) of a and b into register dst. */
@inline function aluApply(alu: u32, w: bool, dst: u32, a: u64, b: u64): void {
  if (!w) { a &= 0xFFFFFFFF; b &= 0xFFFFFFFF; }
  let r: u64, kind: u32;
  if (alu == 0) { r = a + b; kind = LAZY_ADD; }
  else if (alu == 1) { r = a | b; kind = LAZY_LOGIC; }
  else if (alu == 4) { r = a & b; kind = LAZY_LOGIC; }
  else if (alu == 6) { r = a ^ b; kind = LAZY_LOGIC; }
  else { r = a - b; kind = LAZY_SUB; }
  if (!w) r &= 0xFFFFFFFF;
  if (alu != 7) sr(dst, r);
  lazyAll(kind, w ? 8 : 4, r, a, b);
}

/** ROL ROR SHL SHR SAR (k: SK_*) of register dst by an immediate, as shift.ts does it. */
@inline function shiftApply(k: u32, w: bool, dst: u32, raw: u32): void {
  const count = raw & (w ? 63 : 31);
  let a = gr(dst);
  if (!w) a &= 0xFFFFFFFF;
  if (count == 0) { sr(dst, a); return; } // flags unchanged; a 32-bit destination is still zero-extended
  const c = <u64>count;
  const bits: u64 = w ? 64 : 32;
  const top: u64 = w ? 0x8000000000000000 : 0x80000000;
  let res: u64;
  if (k == 0) {
    res = w ? rotl<u64>(a, c) : <u64>rotl<u32>(<u32>a, <u32>c);
    const cf = res & 1;
    const ovf = ((res & top) != 0 ? <u64>1 : 0) ^ cf;
    sr(dst, res);
    setCarryOverflow(cf != 0, ovf != 0);
    return;
  }
  if (k == 1) {
    res = w ? rotr<u64>(a, c) : <u64>rotr<u32>(<u32>a, <u32>c);
    const cf: u64 = (res & top) != 0 ? 1 : 0;
    const ovf = cf ^ ((res & (top >> 1)) != 0 ? <u64>1 : 0);
    sr(dst, res);
    setCarryOverflow(cf != 0, ovf != 0);
    return;
  }
  let cf: u64, ovf: u64;
  if (k == 2) {
    res = a << c;
    if (!w) res &= 0xFFFFFFFF;
    cf = (a >> (bits - c)) & 1;
    ovf = ((res & top) != 0 ? <u64>1 : 0) ^ cf;
  } else if (k == 3) {
    res = a >> c;
    cf = (a >> (c - 1)) & 1;
    ovf = count == 1 && (a & top) != 0 ? 1 : 0;
  } else {
    const s: i64 = w ? <i64>a : <i64><i32>a;
    res = <u64>(s >> <i64>c);
    if (!w) res &= 0xFFFFFFFF;
    cf = <u64>(s >> <i64>(c - 1)) & 1;
    ovf = 0;
  }
  sr(dst, res);
  lazyAll(LAZY_SHIFT, w ? 8 : 4, res, cf, ovf);
}

/** INC DEC NOT NEG (k: UK_*) of register dst. */
@inline function unaryApply(k: u32, w: bool, dst: u32): void {
  let a = gr(dst);
  if (!w) a &= 0xFFFFFFFF;
  let res: u64;
  if (k == 0) res = a + 1;
  else if (k == 1) res = a - 1;
  else if (k == 2) res = ~a;
  else res = 0 - a;
  if (!w) res &= 0xFFFFFFFF;
  sr(dst, res);
  const size: u32 = w ? 8 : 4;
  // INC and DEC keep CF: setLazy materialises it first.
  if (k == 0) setLazy(LAZY_ADD, size, res, a, 1, ARITH_FLAGS & ~FLAG_CF);
  else if (k == 1) setLazy(LAZY_SUB, size, res, a, 1, ARITH_FLAGS & ~FLAG_CF);
  else if (k == 3) lazyAll(LAZY_SUB, size, res, 0, a);
}

@inline function xg(r: u32): v128 { return v128.load(S_XMM + (r << 4)); }
@inline function xs(r: u32, v: v128): void { v128.store(S_XMM + (r << 4), v); }

/** PXOR POR PAND PANDN PADDD PADDQ PSUBD PCMPEQB PCMPEQD (k: XK_*) of xmm dst with b. */
@inline function xopApply(k: u32, dst: u32, b: v128): void {
  const a = xg(dst);
  let r: v128;
  if (k == 0) r = v128.xor(a, b);
  else if (k == 1) r = v128.or(a, b);
  else if (k == 2) r = v128.and(a, b);
  else if (k == 3) r = v128.andnot(b, a);
  else if (k == 4) r = i32x4.add(a, b);
  else if (k == 5) r = i64x2.add(a, b);
  else if (k == 6) r = i32x4.sub(a, b);
  else if (k == 7) r = i8x16.eq(a, b);
  else r = i32x4.eq(a, b);
  xs(dst, r);
}

function xopAny(k: u32, dst: u32, b: v128): void {
  switch (k) {
    case 0: xopApply(0, dst, b); break;
    case 1: xopApply(1, dst, b); break;
    case 2: xopApply(2, dst, b); break;
    case 3: xopApply(3, dst, b); break;
    case 4: xopApply(4, dst, b); break;
    case 5: xopApply(5, dst, b); break;
    case 6: xopApply(6, dst, b); break;
    case 7: xopApply(7, dst, b); break;
    default: xopApply(8, dst, b); break;
  }
}

/** PSRLW PSRAW PSLLW PSRLD PSRAD PSLLD PSRLQ PSLLQ by an immediate (k: PK_*); wide counts clear or fill. */
function pshiftImm(k: u32, v: v128, c: u32): v128 {
  const z = i64x2(0, 0);
  switch (k) {
    case 0: return c > 15 ? z : i16x8.shr_u(v, c);
    case 1: return i16x8.shr_s(v, min<u32>(c, 15));
    case 2: return c > 15 ? z : i16x8.shl(v, c);
    case 3: return c > 31 ? z : i32x4.shr_u(v, c);
    case 4: return i32x4.shr_s(v, min<u32>(c, 31));
    case 5: return c > 31 ? z : i32x4.shl(v, c);
    case 6: return c > 63 ? z : i64x2.shr_u(v, c);
    default: return c > 63 ? z : i64x2.shl(v, c);
  }
}

// ---- the loop -----------------------------------------------------------------------------------

@inline function faultLeavesRipAtInstruction(reason: u32): bool {
  return reason == EXIT_PAGE_FAULT || reason == EXIT_UD || reason == EXIT_DE || reason == EXIT_GP ||
    reason == EXIT_OOM || reason == EXIT_HLT;
}

/**
 * Runs the current context until an exit reason; budget counts instructions. Faulting
 * instructions (PAGE_FAULT, UD, DE, GP, OOM, and HLT, privileged in user mode) leave rip at their first byte; SYSCALL and INT3
 * leave it after the instruction, as the hardware does.
 */
export function run(budget32: u32): u32 {
  // A 32-bit budget keeps the JS side free of BigInt conversions on every syscall round trip.
  const budget: u64 = <u64>budget32;
  store<u32>(S_EXIT_REASON, 0);
  let count: u64 = 0;
  let rip = load<u64>(S_RIP);
  while (true) {
    const vpn = rip >> 12;
    const t = TLB_EXEC + ((<u32>vpn & (TLB_ENTRIES - 1)) << 4);
    let phys: u32;
    if (load<u64>(t) == vpn) phys = load<u32>(t + 8) | (<u32>rip & 0xFFF);
    else {
      const h = translate(rip, ACCESS_EXEC, false);
      if (h < 0) break;
      phys = <u32>h;
    }
    let rec = lookupBlock(phys);
    if (rec == 0) {
      rec = decodeBlock(rip, phys);
      if (rec == 0) {
        // The first instruction could not be fetched: a fault at the first missing byte.
        if (fetchTooLong) { store<u32>(S_EXIT_REASON, EXIT_GP); break; }
        translate(rip, ACCESS_EXEC, false);
        if (load<u32>(S_EXIT_REASON) == 0) {
          for (let i: u64 = 1; i < 15; i++) if (translate(rip + i, ACCESS_EXEC, false) < 0) break;
        }
        if (load<u32>(S_EXIT_REASON) == 0) store<u32>(S_EXIT_REASON, EXIT_UD);
        break;
      }
    }
    clearFlushedMark();
    let first = rec;
    /** The header and address of the block the interpreter runs from its start (0: from a resumed record). */
    let header = rec - BLOCK_HEADER;
    const blockRip = rip;
    if (jitThreshold != 0) {
      const fn = load<u32>(header, 4);
      if (fn > JIT_NEVER) {
        // A compiled block gets the budget left and returns (k << 2) | code: 0 done after k
        // instructions (rip stored), 1 left for the interpreter after k instructions at the
        // record stored at H_RESUME, with the state committed before it and rip at it, 2 stopped
        // with an exit reason after k counted instructions.
        const r = call_indirect<u32>(fn, rip, <u32>(budget - count));
        let k = r >> 2;
        const code = r & 3;
        rip = load<u64>(S_RIP);
        if (code == 0) {
          count += <u64>k;
          if (count >= budget) { store<u32>(S_EXIT_REASON, EXIT_BUDGET); break; }
          continue;
        }
        if (code == 2) {
          store<u64>(S_ICOUNT, load<u64>(S_ICOUNT) + count + <u64>k);
          return load<u32>(S_EXIT_REASON);
        }
        count += <u64>k;
        rec = load<u32>(header, H_RESUME);
        first = rec;
        header = 0;
      } else if (fn == 0) {
        const n = load<u32>(header) + 1;
        store<u32>(header, n);
        if (n >= jitThreshold) {
          store<u32>(header, JIT_NEVER, 4); // the runtime installs the function, or leaves it so
          jitPending = header;
          jitPendingRip = rip;
          jitPendingPhys = phys;
          store<u32>(S_EXIT_REASON, EXIT_JIT);
          break;
        }
      }
    }
    while (true) {
      const op = <u32>load<u16>(rec);
      const next = rip + <u64>load<u8>(rec, 2);
      // act: 0 = run the generic handler (break), 1 = the block ends here (its sentinel, or a fast branch).
      let act: u32 = 0;
      switch (op - FOP_BASE) {
        case FOP_END: act = 1; break;
        case FOP_ALU_RR + 0: { const r = load<u8>(rec, 22); aluApply(0, false, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // add r32, r
        case FOP_ALU_RI + 0: { const r = load<u8>(rec, 22); aluApply(0, false, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // add r32, imm
        case FOP_ALU_RM + 0: { // add r32, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(0, false, r, gr(r), <u64>load<u32>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 2: { const r = load<u8>(rec, 22); aluApply(1, false, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // or r32, r
        case FOP_ALU_RI + 2: { const r = load<u8>(rec, 22); aluApply(1, false, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // or r32, imm
        case FOP_ALU_RM + 2: { // or r32, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(1, false, r, gr(r), <u64>load<u32>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 8: { const r = load<u8>(rec, 22); aluApply(4, false, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // and r32, r
        case FOP_ALU_RI + 8: { const r = load<u8>(rec, 22); aluApply(4, false, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // and r32, imm
        case FOP_ALU_RM + 8: { // and r32, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(4, false, r, gr(r), <u64>load<u32>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 10: { const r = load<u8>(rec, 22); aluApply(5, false, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // sub r32, r
        case FOP_ALU_RI + 10: { const r = load<u8>(rec, 22); aluApply(5, false, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // sub r32, imm
        case FOP_ALU_RM + 10: { // sub r32, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(5, false, r, gr(r), <u64>load<u32>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 12: { const r = load<u8>(rec, 22); aluApply(6, false, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // xor r32, r
        case FOP_ALU_RI + 12: { const r = load<u8>(rec, 22); aluApply(6, false, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // xor r32, imm
        case FOP_ALU_RM + 12: { // xor r32, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(6, false, r, gr(r), <u64>load<u32>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 14: { const r = load<u8>(rec, 22); aluApply(7, false, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // cmp r32, r
        case FOP_ALU_RI + 14: { const r = load<u8>(rec, 22); aluApply(7, false, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // cmp r32, imm
        case FOP_ALU_RM + 14: { // cmp r32, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(7, false, r, gr(r), <u64>load<u32>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 1: { const r = load<u8>(rec, 22); aluApply(0, true, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // add r64, r
        case FOP_ALU_RI + 1: { const r = load<u8>(rec, 22); aluApply(0, true, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // add r64, imm
        case FOP_ALU_RM + 1: { // add r64, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(0, true, r, gr(r), load<u64>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 3: { const r = load<u8>(rec, 22); aluApply(1, true, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // or r64, r
        case FOP_ALU_RI + 3: { const r = load<u8>(rec, 22); aluApply(1, true, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // or r64, imm
        case FOP_ALU_RM + 3: { // or r64, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(1, true, r, gr(r), load<u64>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 9: { const r = load<u8>(rec, 22); aluApply(4, true, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // and r64, r
        case FOP_ALU_RI + 9: { const r = load<u8>(rec, 22); aluApply(4, true, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // and r64, imm
        case FOP_ALU_RM + 9: { // and r64, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(4, true, r, gr(r), load<u64>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 11: { const r = load<u8>(rec, 22); aluApply(5, true, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // sub r64, r
        case FOP_ALU_RI + 11: { const r = load<u8>(rec, 22); aluApply(5, true, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // sub r64, imm
        case FOP_ALU_RM + 11: { // sub r64, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(5, true, r, gr(r), load<u64>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 13: { const r = load<u8>(rec, 22); aluApply(6, true, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // xor r64, r
        case FOP_ALU_RI + 13: { const r = load<u8>(rec, 22); aluApply(6, true, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // xor r64, imm
        case FOP_ALU_RM + 13: { // xor r64, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(6, true, r, gr(r), load<u64>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_ALU_RR + 15: { const r = load<u8>(rec, 22); aluApply(7, true, r, gr(r), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue; } // cmp r64, r
        case FOP_ALU_RI + 15: { const r = load<u8>(rec, 22); aluApply(7, true, r, gr(r), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; } // cmp r64, imm
        case FOP_ALU_RM + 15: { // cmp r64, [m]
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          const r = load<u8>(rec, 22);
          aluApply(7, true, r, gr(r), load<u64>(h));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_SHIFT_RI + 0: shiftApply(0, false, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // rol r32, imm
        case FOP_SHIFT_RI + 2: shiftApply(1, false, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // ror r32, imm
        case FOP_SHIFT_RI + 4: shiftApply(2, false, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // shl r32, imm
        case FOP_SHIFT_RI + 6: shiftApply(3, false, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // shr r32, imm
        case FOP_SHIFT_RI + 8: shiftApply(4, false, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // sar r32, imm
        case FOP_SHIFT_RI + 1: shiftApply(0, true, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // rol r64, imm
        case FOP_SHIFT_RI + 3: shiftApply(1, true, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // ror r64, imm
        case FOP_SHIFT_RI + 5: shiftApply(2, true, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // shl r64, imm
        case FOP_SHIFT_RI + 7: shiftApply(3, true, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // shr r64, imm
        case FOP_SHIFT_RI + 9: shiftApply(4, true, load<u8>(rec, 22), <u32>load<u8>(rec, 24)); rip = next; rec += RECORD_SIZE; continue; // sar r64, imm
        case FOP_UNARY_R + 0: unaryApply(0, false, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // inc r32
        case FOP_UNARY_R + 2: unaryApply(1, false, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // dec r32
        case FOP_UNARY_R + 4: unaryApply(2, false, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // not r32
        case FOP_UNARY_R + 6: unaryApply(3, false, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // neg r32
        case FOP_UNARY_R + 1: unaryApply(0, true, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // inc r64
        case FOP_UNARY_R + 3: unaryApply(1, true, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // dec r64
        case FOP_UNARY_R + 5: unaryApply(2, true, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // not r64
        case FOP_UNARY_R + 7: unaryApply(3, true, load<u8>(rec, 22)); rip = next; rec += RECORD_SIZE; continue; // neg r64
        case FOP_TEST_RR + 0: lazyAll(LAZY_LOGIC, 4, (gr(load<u8>(rec, 22)) & gr(load<u8>(rec, 23))) & 0xFFFFFFFF, 0, 0); rip = next; rec += RECORD_SIZE; continue;
        case FOP_TEST_RR + 1: lazyAll(LAZY_LOGIC, 8, gr(load<u8>(rec, 22)) & gr(load<u8>(rec, 23)), 0, 0); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOV_RR + 0: sr(load<u8>(rec, 22), gr(load<u8>(rec, 23)) & 0xFFFFFFFF); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOV_RR + 1: sr(load<u8>(rec, 22), gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOV_RI + 0: sr(load<u8>(rec, 22), load<u64>(rec, 24) & 0xFFFFFFFF); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOV_RI + 1: sr(load<u8>(rec, 22), load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOV_RM + 0: {
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          sr(load<u8>(rec, 22), <u64>load<u32>(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOV_RM + 1: {
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          sr(load<u8>(rec, 22), load<u64>(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOV_MR + 0: {
          const h = tlbHost(TLB_WRITE, fastEA(rec, next), 4);
          if (h == 0) break;
          store<u32>(h, <u32>gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOV_MR + 1: {
          const h = tlbHost(TLB_WRITE, fastEA(rec, next), 8);
          if (h == 0) break;
          store<u64>(h, gr(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOV_MI + 0: {
          const h = tlbHost(TLB_WRITE, fastEA(rec, next), 4);
          if (h == 0) break;
          store<u32>(h, <u32>load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOV_MI + 1: {
          const h = tlbHost(TLB_WRITE, fastEA(rec, next), 8);
          if (h == 0) break;
          store<u64>(h, load<u64>(rec, 24)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_LEA + 0: sr(load<u8>(rec, 22), fastEA(rec, next) & 0xFFFFFFFF); rip = next; rec += RECORD_SIZE; continue;
        case FOP_LEA + 1: sr(load<u8>(rec, 22), fastEA(rec, next)); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOVZX8_RM + 0:
        case FOP_MOVZX8_RM + 1: {
          const h = tlbHost(TLB_READ, fastEA(rec, next), 1);
          if (h == 0) break;
          sr(load<u8>(rec, 22), <u64>load<u8>(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOVSXD_RR: sr(load<u8>(rec, 22), <u64><i64>load<i32>(S_REGS + (<u32>load<u8>(rec, 23) << 3))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOVSXD_RM: {
          const h = tlbHost(TLB_READ, fastEA(rec, next), 4);
          if (h == 0) break;
          sr(load<u8>(rec, 22), <u64><i64>load<i32>(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_IMUL_RR + 0: {
          const a = gr(load<u8>(rec, 22)) & 0xFFFFFFFF, b = gr(load<u8>(rec, 23)) & 0xFFFFFFFF;
          const res = (a * b) & 0xFFFFFFFF;
          sr(load<u8>(rec, 22), res);
          lazyAll(LAZY_IMUL, 4, res, a, b);
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_IMUL_RR + 1: {
          const a = gr(load<u8>(rec, 22)), b = gr(load<u8>(rec, 23));
          const res = a * b;
          sr(load<u8>(rec, 22), res);
          lazyAll(LAZY_IMUL, 8, res, a, b);
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_JCC: {
          rip = condFast(<u32>load<u8>(rec, 14) & 15) ? next + load<u64>(rec, 24) : next;
          rec += RECORD_SIZE;
          act = 1;
          break;
        }
        case FOP_JMP: rip = next + load<u64>(rec, 24); rec += RECORD_SIZE; act = 1; break;
        case FOP_CALL: {
          const sp = gr(RSP) - 8;
          const h = tlbHost(TLB_WRITE, sp, 8);
          if (h == 0) break;
          store<u64>(h, next);
          sr(RSP, sp);
          rip = next + load<u64>(rec, 24); rec += RECORD_SIZE; act = 1; break;
        }
        case FOP_RET: {
          const sp = gr(RSP);
          const h = tlbHost(TLB_READ, sp, 8);
          if (h == 0) break;
          rip = load<u64>(h);
          sr(RSP, sp + 8);
          rec += RECORD_SIZE; act = 1; break;
        }
        case FOP_PUSH: {
          const sp = gr(RSP) - 8;
          const h = tlbHost(TLB_WRITE, sp, 8);
          if (h == 0) break;
          store<u64>(h, gr(load<u8>(rec, 23)));
          sr(RSP, sp); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_POP: {
          const sp = gr(RSP);
          const h = tlbHost(TLB_READ, sp, 8);
          if (h == 0) break;
          const v = load<u64>(h);
          sr(RSP, sp + 8);
          sr(load<u8>(rec, 22), v); rip = next; rec += RECORD_SIZE; continue;
        }
        // ---- SSE2 ----
        case FOP_XMOV_RR: xs(load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XLOAD_A: {
          const a = fastEA(rec, next);
          const h = tlbHost(TLB_READ, a, 16);
          if (h == 0 || (a & 15) != 0) break;
          xs(load<u8>(rec, 22), v128.load(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_XLOAD_A + 1: {
          const h = tlbHost(TLB_READ, fastEA(rec, next), 16);
          if (h == 0) break;
          xs(load<u8>(rec, 22), v128.load(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_XSTORE_A: {
          const a = fastEA(rec, next);
          const h = tlbHost(TLB_WRITE, a, 16);
          if (h == 0 || (a & 15) != 0) break;
          v128.store(h, xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_XSTORE_A + 1: {
          const h = tlbHost(TLB_WRITE, fastEA(rec, next), 16);
          if (h == 0) break;
          v128.store(h, xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_XOP_RR + 0: xopApply(0, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 1: xopApply(1, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 2: xopApply(2, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 3: xopApply(3, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 4: xopApply(4, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 5: xopApply(5, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 6: xopApply(6, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 7: xopApply(7, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RR + 8: xopApply(8, load<u8>(rec, 22), xg(load<u8>(rec, 23))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_XOP_RM + 0: case FOP_XOP_RM + 1: case FOP_XOP_RM + 2: case FOP_XOP_RM + 3: case FOP_XOP_RM + 4:
        case FOP_XOP_RM + 5: case FOP_XOP_RM + 6: case FOP_XOP_RM + 7: case FOP_XOP_RM + 8: {
          const a = fastEA(rec, next);
          const h = tlbHost(TLB_READ, a, 16);
          if (h == 0 || (a & 15) != 0) break;
          xopAny(op - FOP_BASE - FOP_XOP_RM, load<u8>(rec, 22), v128.load(h)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_PSHIFT_I + 0: case FOP_PSHIFT_I + 1: case FOP_PSHIFT_I + 2: case FOP_PSHIFT_I + 3:
        case FOP_PSHIFT_I + 4: case FOP_PSHIFT_I + 5: case FOP_PSHIFT_I + 6: case FOP_PSHIFT_I + 7: {
          const r = <u32>load<u8>(rec, 22);
          xs(r, pshiftImm(op - FOP_BASE - FOP_PSHIFT_I, xg(r), <u32>load<u8>(rec, 24)));
          rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_PMOVMSKB: sr(load<u8>(rec, 22), <u64>i8x16.bitmask(xg(load<u8>(rec, 23)))); rip = next; rec += RECORD_SIZE; continue;
        case FOP_MOVQ_LOAD: {
          const h = tlbHost(TLB_READ, fastEA(rec, next), 8);
          if (h == 0) break;
          xs(load<u8>(rec, 22), i64x2(load<i64>(h), 0)); rip = next; rec += RECORD_SIZE; continue;
        }
        case FOP_MOVQ_STORE: {
          const h = tlbHost(TLB_WRITE, fastEA(rec, next), 8);
          if (h == 0) break;
          store<u64>(h, load<u64>(S_XMM + (<u32>load<u8>(rec, 23) << 4))); rip = next; rec += RECORD_SIZE; continue;
        }
        default: break;
      }
      if (act != 0) break;
      // A generic record, or a fast one whose memory operand missed the TLB.
      const gop = op >= FOP_BASE ? <u32>load<u16>(rec, 20) : op;
      store<u64>(S_RIP, next);
      dispatch(rec, gop);
      const reason = load<u32>(S_EXIT_REASON);
      if (reason != 0) {
        let n = <u64>((rec - first) >> 5);
        if (faultLeavesRipAtInstruction(reason)) store<u64>(S_RIP, rip);
        else n++;
        store<u64>(S_ICOUNT, load<u64>(S_ICOUNT) + count + n);
        return reason;
      }
      rip = load<u64>(S_RIP);
      rec += RECORD_SIZE;
      if (cacheFlushed) break;
    }
    count += <u64>((rec - first) >> 5);
    if (header != 0 && !cacheFlushed) {
      // Where a block that ends in anything but a direct branch went (a return, an indirect jump).
      const last = <u32>load<u16>(rec - RECORD_SIZE) - FOP_BASE;
      const d = <i64>(rip - blockRip);
      if (last != FOP_JCC && last != FOP_JMP && last != FOP_CALL && d != 0 && d == <i64><i32>d) {
        const t = <u32>d;
        store<i32>(header + H_TARGETS + (((t ^ (t >> TARGET_HASH_SHIFT)) & (H_TARGET_SLOTS - 1)) << 2), <i32>t);
      }
    }
    if (count >= budget) { store<u32>(S_EXIT_REASON, EXIT_BUDGET); break; }
  }
  store<u64>(S_RIP, rip);
  store<u64>(S_ICOUNT, load<u64>(S_ICOUNT) + count);
  return load<u32>(S_EXIT_REASON);
}
