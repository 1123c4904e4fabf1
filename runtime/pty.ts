// The line discipline of a sandbox's terminal (spawn with tty: true). A host terminal does this
// work in the host's kernel; a sandbox's terminal has no host terminal behind it, so the bytes the
// embedder writes pass through here first, under the termios the guest set (TCSETS): signal keys
// (ISIG), \r → \n (ICRNL), line editing with erase, kill and end-of-file (ICANON), echo (ECHO);
// and guest output gets \n → \r\n (OPOST|ONLCR).
import type { HostTerminal } from "./tty.js";
import type { ByteQueue } from "./host/sandbox.js";

const ICRNL = 0x100, INLCR = 0x40, IGNCR = 0x80;
const OPOST = 0x1, ONLCR = 0x4;
const ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40, ECHOCTL = 0x200;
const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VSUSP = 10, VWERASE = 14;
export const SIGINT = 2, SIGQUIT = 3, SIGTSTP = 20;

export class LineDiscipline {
  private line: number[] = [];

  /**
   * term: the guest-visible terminal state (null until the first process exists: defaults apply);
   * echo: bytes to show on the terminal; signal: a signal for the foreground process group.
   */
  constructor(private input: ByteQueue, private echo: (data: Uint8Array) => void, private signal: (sig: number) => void,
              public term: HostTerminal | null = null) {}

  private get flags(): { i: number; o: number; l: number; cc: Uint8Array } {
    const t = this.term?.termios;
    if (!t) return { i: ICRNL, o: OPOST | ONLCR, l: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL, cc: Uint8Array.from([3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0]) };
    const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
    return { i: dv.getUint32(0, true), o: dv.getUint32(4, true), l: dv.getUint32(12, true), cc: t.subarray(17, 36) };
  }

  /** Bytes typed by the embedder. */
  write(data: Uint8Array): void {
    const { i, l, cc } = this.flags;
    const out: number[] = [];
    const raw: number[] = [];
    const enabled = (v: number) => v !== 0; // _POSIX_VDISABLE
    for (let c of data) {
      if (c === 0x0d) { if (i & IGNCR) continue; if (i & ICRNL) c = 0x0a; }
      else if (c === 0x0a && (i & INLCR)) c = 0x0d;
      if (l & ISIG) {
        const sig = enabled(cc[VINTR]) && c === cc[VINTR] ? SIGINT : enabled(cc[VQUIT]) && c === cc[VQUIT] ? SIGQUIT
          : enabled(cc[VSUSP]) && c === cc[VSUSP] ? SIGTSTP : 0;
        if (sig) {
          if (l & ECHO && l & ECHOCTL) out.push(0x5e, c + 0x40);
          this.line = [];
          this.flushEcho(out);
          this.signal(sig);
          continue;
        }
      }
      if (!(l & ICANON)) {
        raw.push(c);
        if (l & ECHO) out.push(c);
        continue;
      }
      if (enabled(cc[VERASE]) && c === cc[VERASE]) {
        if (this.line.length) { this.line.pop(); if (l & ECHO && l & ECHOE) out.push(8, 0x20, 8); }
        continue;
      }
      if (enabled(cc[VWERASE]) && c === cc[VWERASE]) {
        while (this.line.length && this.line[this.line.length - 1] === 0x20) { this.line.pop(); if (l & ECHO) out.push(8, 0x20, 8); }
        while (this.line.length && this.line[this.line.length - 1] !== 0x20) { this.line.pop(); if (l & ECHO) out.push(8, 0x20, 8); }
        continue;
      }
      if (enabled(cc[VKILL]) && c === cc[VKILL]) {
        if (l & ECHO && l & ECHOK) for (let k = 0; k < this.line.length; k++) out.push(8, 0x20, 8);
        this.line = [];
        continue;
      }
      if (enabled(cc[VEOF]) && c === cc[VEOF]) {
        if (this.line.length) this.input.push(Uint8Array.from(this.line));
        else this.input.pushEof();
        this.line = [];
        continue;
      }
      this.line.push(c);
      if (l & ECHO || (c === 0x0a && l & ECHONL)) out.push(c);
      if (c === 0x0a) { this.input.push(Uint8Array.from(this.line)); this.line = []; }
    }
    if (raw.length) this.input.push(Uint8Array.from(raw));
    this.flushEcho(out);
  }

  private flushEcho(out: number[]): void {
    if (!out.length) return;
    this.echo(this.output(Uint8Array.from(out)));
    out.length = 0;
  }

  /** Guest output as the terminal shows it (ONLCR). */
  output(data: Uint8Array): Uint8Array {
    const { o } = this.flags;
    if (!(o & OPOST) || !(o & ONLCR) || !data.includes(0x0a)) return data;
    const out: number[] = [];
    for (const c of data) { if (c === 0x0a) out.push(0x0d); out.push(c); }
    return Uint8Array.from(out);
  }
}
