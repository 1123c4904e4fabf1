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
import { tlbReset, resetFrames, setFrameLimit } from "./mmu";
import { flushCodeCache } from "./codecache";
import { resetTsc } from "./system";

/**
 * The power-on state: called after instantiation, and again to recycle an instance whose kernel
 * has freed all its frames. Every module-level variable a guest can influence is reset here;
 * the others are scratch written before each read.
 */
/**
 * The power-on state for an instance whose only frames in use are the ones its kernel kept on
 * purpose for the next run (cached program pages, runtime/progcache.ts): the frame allocator,
 * the frames' refcounts and code marks, and the decoded-block cache (keyed by those frames, whose
 * bytes do not change) stay; the TSC, the TLBs and the frame limit start afresh.
 */
export function initKeepingFrames(): void {
  setFrameLimit(0xFFFFFFFF);
  resetTsc();
  tlbReset();
}

export function init(): void {
  resetFrames();
  flushCodeCache();
  resetTsc();
  // Machine.recycle zeroes the TLBs, and zero entries would match page 0: a full clear, not just the logged entries.
  tlbReset();
}
