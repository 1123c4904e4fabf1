// The Wasm module's exports: the machine the TypeScript kernel drives. Nothing here knows Linux.
export { run, setJitThreshold, jitPendingBlock, jitFopBase, jitGeneric, jitCond, jitCarryOverflow } from "./exec";
export {
  allocFrame, frameRef, frameUnref, frameRefs, setFrameLimit, getFramesInUse,
  ptNew, ptFree, ptCloneCow, ptMap, ptUnmap, ptProtect, ptLookup, setAddressSpace, tlbFlush, translate,
} from "./mmu";
export { flushCodeCache, cacheEpoch } from "./codecache";
export { readFlags, writeFlags } from "./flags";
// The 512-byte FXSAVE image of the x87/SSE state, for signal frames.
export { fxsaveImage, fxrstorImage } from "./x87";
import { tlbFlush } from "./mmu";

/** Called once after instantiation: empties the TLB (its tags start invalid). */
export function init(): void { tlbFlush(); }
