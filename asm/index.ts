// The Wasm module's exports: the machine the TypeScript kernel drives. Nothing here knows Linux.
export { run, setJitThreshold, jitPendingBlock, jitPendingAddress, jitPendingPhysical, jitBlockAt, jitFopBase, jitGeneric, jitCond, jitCarryOverflow } from "./exec";
export {
  allocFrame, frameRef, frameUnref, frameRefs, setFrameLimit, getFramesInUse,
  ptNew, ptFree, ptCloneCow, ptMap, ptUnmap, ptProtect, ptLookup, setAddressSpace, tlbFlush, translate,
} from "./mmu";
export { flushCodeCache, cacheEpoch } from "./codecache";
export { readFlags, writeFlags } from "./flags";
// The 512-byte FXSAVE image of the x87/SSE state, for signal frames.
export { fxsaveImage, fxrstorImage } from "./x87";
import { tlbReset, resetFrames } from "./mmu";
import { flushCodeCache } from "./codecache";
import { resetTsc } from "./system";

/**
 * The power-on state: called after instantiation, and again to recycle an instance whose kernel
 * has freed all its frames. Every module-level variable a guest can influence is reset here;
 * the others are scratch written before each read.
 */
export function init(): void {
  resetFrames();
  flushCodeCache();
  resetTsc();
  // Machine.recycle zeroes the TLBs, and zero entries would match page 0: a full clear, not just the logged entries.
  tlbReset();
}
