// Timers shared by the host implementations.
/** setTimeout as a promise that an AbortSignal cancels (so a killed sleeper leaves no timer behind). */
export function cancellableSleep(ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (abort?.aborted) { resolve(); return; }
    const timer = setTimeout(() => { abort?.removeEventListener("abort", onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); resolve(); };
    abort?.addEventListener("abort", onAbort, { once: true });
  });
}
