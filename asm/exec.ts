// The run loop: find (or decode) the block at rip, execute its records, stop with an exit reason.
import {
  S_EXIT_REASON, S_ICOUNT, EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_GP, EXIT_BUDGET, EXIT_OOM, EXIT_HLT,
  TLB_EXEC, TLB_ENTRIES,
} from "./gen/layout";
import { getRip, setRip } from "./cpu";
import { translate, ACCESS_EXEC } from "./mmu";
import { decodeOne, endsBlock, fetchTooLong } from "./decode";
import { dispatch } from "./gen/dispatch";
import { F_LAST, RECORD_SIZE } from "./operand";
import {
  lookupBlock, insertBlock, reserveRecords, commitRecords, markCodeFrame, cacheFlushed, clearFlushedMark,
} from "./codecache";

const MAX_BLOCK: u32 = 64;

/** Decodes the block starting at va (physical phys); returns its first record or 0 on a fetch fault. */
function decodeBlock(va: u64, phys: u32): u32 {
  const first = reserveRecords(MAX_BLOCK);
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
    if (endsBlock(load<u16>(rec)) || (a & 0xFFF) == 0 || ((a >> 12) != (va >> 12)) || i == MAX_BLOCK - 1) break;
    rec += RECORD_SIZE;
  }
  store<u16>(rec, load<u16>(rec, 4) | F_LAST, 4);
  commitRecords(rec + RECORD_SIZE);
  insertBlock(phys, first);
  return first;
}

/**
 * Runs the current context until an exit reason; budget counts instructions. Faulting
 * instructions (PAGE_FAULT, UD, DE, GP, OOM, and HLT, privileged in user mode) leave rip at their first byte; SYSCALL and INT3
 * leave it after the instruction, as the hardware does.
 */
export function run(budget: u64): u32 {
  store<u32>(S_EXIT_REASON, 0);
  let count: u64 = 0;
  while (true) {
    const rip = getRip();
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
    while (true) {
      const start = getRip();
      setRip(start + load<u8>(rec, 2));
      dispatch(rec, load<u16>(rec));
      count++;
      const reason = load<u32>(S_EXIT_REASON);
      if (reason != 0) {
        if (reason == EXIT_PAGE_FAULT || reason == EXIT_UD || reason == EXIT_DE || reason == EXIT_GP || reason == EXIT_OOM || reason == EXIT_HLT) {
          setRip(start);
          count--;
        }
        store<u64>(S_ICOUNT, load<u64>(S_ICOUNT) + count);
        return reason;
      }
      if ((load<u16>(rec, 4) & F_LAST) != 0 || cacheFlushed) break;
      rec += RECORD_SIZE;
    }
    if (count >= budget) { store<u32>(S_EXIT_REASON, EXIT_BUDGET); break; }
  }
  store<u64>(S_ICOUNT, load<u64>(S_ICOUNT) + count);
  return load<u32>(S_EXIT_REASON);
}
