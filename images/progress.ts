// Pull progress on a terminal: one line per layer, redrawn in place (cursor up, clear line), at
// most every `intervalMs` while bytes arrive so a fast download does not flood the terminal. The
// caller decides whether its output is a TTY; this only formats and writes.
import { describePullProgress, type PullProgress } from "./registry.js";

export class PullProgressDisplay {
  private lines = new Map<number, string>();
  private drawn = 0;
  private lastDraw = -Infinity;

  constructor(private write: (s: string) => void, private now: () => number = () => Date.now(), private intervalMs = 100) {}

  update(p: PullProgress): void {
    this.lines.set(p.layer, describePullProgress(p));
    // Byte counts may wait for the next frame; a change of state (started, cached, unpacked) shows at once.
    if (p.state === "downloading" && p.done > 0 && p.done < p.total && this.now() - this.lastDraw < this.intervalMs) return;
    this.redraw();
  }

  /** Draws the final state (call once the pull has ended, successfully or not). */
  finish(): void { if (this.lines.size) this.redraw(); }

  private redraw(): void {
    let s = this.drawn ? `\x1b[${this.drawn}A` : "";
    const layers = [...this.lines.keys()].sort((a, b) => a - b);
    for (const k of layers) s += `\r\x1b[2K${this.lines.get(k)}\n`;
    this.drawn = layers.length;
    this.lastDraw = this.now();
    this.write(s);
  }
}
