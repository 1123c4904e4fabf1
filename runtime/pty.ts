// Pseudo-terminals in the Linux model (drivers/tty/pty.c, n_tty.c, tty_jobctrl.c). A pty is a
// pair: the master (/dev/ptmx, or the host's terminal for `wasl exec` on a TTY) and the slave
// (/dev/pts/N) that programs use as their terminal. Bytes written to the master pass through the
// line discipline under the slave's termios (input mapping, signal keys, canonical line editing,
// echo) into the slave's read queue; bytes written to the slave pass through output processing
// (OPOST) into the master's read queue. The slave can be a session's controlling terminal: its
// foreground process group gets the keyboard signals and SIGWINCH, background groups get SIGTTIN /
// SIGTTOU, and when the master goes away the session leader gets SIGHUP.
import type { Kernel } from "./kernel.js";
import type { Process, Thread } from "./process.js";
import type { HostTerminal } from "./tty.js";
import type { ByteQueue } from "./host/sandbox.js";
import type { HostTerminalIO } from "./host/types.js";
import { HostStdio } from "./tty.js";
import { sendSignal, exitHooks, continueHooks, ERESTARTSYS, SIGHUP, SIGCONT, SIGTTIN, SIGTTOU, SIGWINCH, SIG_IGN, bit } from "./signals.js";
import { EIO, ENXIO, ESPIPE } from "./errno.js";
import {
  DeviceFile, WaitQueue, WOULD_BLOCK, Dentry, Mount, makedev, DevptsSuperblock, DEV_PTMX, DEV_TTY, PTS_MAJOR,
  O_RDWR, O_NOCTTY, O_NONBLOCK, POLLIN, POLLPRI, POLLRDNORM, POLLOUT, POLLWRNORM, POLLERR, POLLHUP,
  type CharDevice, type Inode, type OpenFile, type Path, type Vfs,
} from "./vfs/index.js";

// ---- termios ------------------------------------------------------------------------------------

/** struct termios as TCGETS copies it (c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[19]). */
export const TERMIOS_BYTES = 36;
export const IGNBRK = 0x1, ISTRIP = 0x20, INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400,
  IXANY = 0x800, IUTF8 = 0x4000;
export const OPOST = 0x1, OLCUC = 0x2, ONLCR = 0x4, OCRNL = 0x8, ONOCR = 0x10, ONLRET = 0x20, TABDLY = 0x1800, XTABS = 0x1800;
export const ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40, NOFLSH = 0x80,
  TOSTOP = 0x100, ECHOCTL = 0x200, ECHOKE = 0x800, IEXTEN = 0x8000, EXTPROC = 0x10000;
/** The control byte a packet-mode master reads (ioctl_tty(2), TIOCPKT); TIOCPKT_DATA leads data. */
export const TIOCPKT_DATA = 0, TIOCPKT_FLUSHREAD = 0x1, TIOCPKT_FLUSHWRITE = 0x2, TIOCPKT_STOP = 0x4,
  TIOCPKT_START = 0x8, TIOCPKT_NOSTOP = 0x10, TIOCPKT_DOSTOP = 0x20, TIOCPKT_IOCTL = 0x40;
export const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSTART = 8, VSTOP = 9,
  VSUSP = 10, VEOL = 11, VREPRINT = 12, VWERASE = 14, VLNEXT = 15, VEOL2 = 16;
const SIGINT = 2, SIGQUIT = 3, SIGTSTP = 20;

/** The termios of a new pty slave (tty_std_termios with the pts driver's c_cflag). */
export function ptyTermios(): Uint8Array {
  const b = new Uint8Array(TERMIOS_BYTES);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, ICRNL | IXON, true);
  dv.setUint32(4, OPOST | ONLCR, true);
  dv.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
  dv.setUint32(12, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, true);
  b.set([3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0], 17);
  return b;
}

/** n_tty's read buffer (N_TTY_BUF_SIZE): a canonical line holds at most 4095 characters. */
const INPUT_MAX = 4096;
/** What the master side buffers before slave writers wait (the pty's 64 KiB of tty buffers). */
const OUTPUT_MAX = 65536;
/** In the read queue, a line end (newline, EOL, EOF) carries this bit; EOF alone is the bit on 0. */
const LINE_END = 0x100;

const isCntrl = (c: number): boolean => c < 0x20 || c === 0x7f;
const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Per read(2) state of a non-canonical read with VTIME (the timer belongs to that call). */
interface TimedRead { timer: ReturnType<typeof setTimeout> | null; expired: boolean; armedAt: number }

export interface WinSize { rows: number; cols: number; xpixel: number; ypixel: number }

/** One pty: the slave's termios, queues and line-editing state, and its job-control owners. */
export class Pty {
  termios = ptyTermios();
  /** termios2's c_ispeed / c_ospeed. */
  ispeed = 38400;
  ospeed = 38400;
  winsize: WinSize = { rows: 0, cols: 0, xpixel: 0, ypixel: 0 };
  /** The session this is the controlling terminal of, and its foreground process group (0: none). */
  session = 0;
  pgrp = 0;
  /** TIOCSPTLCK: the slave cannot be opened until unlockpt(). */
  locked = true;
  /** The master is gone: slave reads end (0), writes and ioctls fail with EIO. */
  hungUp = false;
  /** Output stopped by ^S (IXON) or TCOOFF. */
  stopped = false;
  /** TIOCPKT on the master: its reads return a status byte, or TIOCPKT_DATA and then data. */
  packet = false;
  /** Status events for a packet-mode master, not yet read (TIOCPKT_* bits). */
  private pktStatus = 0;
  masterOpen = 0;
  slaveOpen = 0;
  /** Set when the last slave descriptor closes (master reads then fail with EIO), cleared by an open. */
  slaveClosed = false;
  /** The slave's read queue: bytes, LINE_END-marked in canonical mode; the first canonHead are whole lines. */
  private input: number[] = [];
  private canonHead = 0;
  private lnext = false;
  /** Output column (for tab erasure), and the column where the line being edited began. */
  private column = 0;
  private canonColumn = 0;
  /** Bytes the master reads. */
  private output: Uint8Array[] = [];
  private outputLen = 0;
  /** Bumped whenever input arrives: VTIME's inter-byte timer restarts. */
  private arrivals = 0;
  private timedReads = new WeakMap<Thread, TimedRead>();
  /** With a host terminal as master: where output goes, and keystrokes waiting for room. */
  hostOutput: ((data: Uint8Array) => void) | null = null;
  private hostPending: Uint8Array[] = [];
  readonly masterQueue = new WaitQueue();
  readonly slaveQueue = new WaitQueue();
  readonly master: CharDevice;
  readonly slave: CharDevice;
  /** The devpts node while the pty lives. */
  node: Inode | null = null;

  constructor(readonly driver: PtyDriver, readonly index: number) {
    const self = this;
    this.master = {
      get waitQueue() { return self.masterQueue; },
      isatty: true,
      read: (buf) => this.masterRead(buf),
      write: (data) => this.masterWrite(data),
      lseek: () => BigInt(-ESPIPE),
      poll: () => this.masterPoll(),
      release: () => this.masterRelease(),
    };
    this.slave = {
      get waitQueue() { return self.slaveQueue; },
      isatty: true,
      read: (buf, _pos, file) => this.slaveRead(buf, file),
      write: (data) => this.slaveWrite(data),
      lseek: () => BigInt(-ESPIPE),
      poll: () => this.slavePoll(),
      release: () => this.slaveRelease(),
    };
  }

  get iflag(): number { return this.word(0); }
  /** IXON with the standard ^S/^Q: what TIOCPKT_DOSTOP/NOSTOP report. */
  private get softwareFlow(): boolean { return (this.iflag & IXON) !== 0 && this.cc(VSTOP) === 0x13 && this.cc(VSTART) === 0x11; }
  get oflag(): number { return this.word(4); }
  get lflag(): number { return this.word(12); }
  cc(i: number): number { return this.termios[17 + i]; }
  private word(off: number): number { return new DataView(this.termios.buffer, this.termios.byteOffset).getUint32(off, true); }
  /** A c_cc character that is set (0 is _POSIX_VDISABLE) and equals c. */
  private is(c: number, v: number): boolean { const x = this.cc(v); return x !== 0 && x === c; }
  private get canonical(): boolean { return (this.lflag & ICANON) !== 0; }

  private notify(): void { this.masterQueue.notify(); this.slaveQueue.notify(); }

  // ---- termios changes (n_tty_set_termios) ------------------------------------------------------

  setTermios(t: Uint8Array): void {
    const was = this.lflag;
    const wasStopped = this.stopped && (this.iflag & IXON);
    const wasFlow = this.softwareFlow;
    this.termios = t.slice(0, TERMIOS_BYTES);
    if (this.packet) {
      // A packet-mode master learns whether ^S/^Q flow control is on (telnetd, rlogind, screen).
      const extproc = ((was | this.lflag) & EXTPROC) !== 0;
      if (wasFlow !== this.softwareFlow) {
        this.pktStatus &= ~(TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
        this.pktStatus |= this.softwareFlow ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP;
      }
      if (extproc) this.pktStatus |= TIOCPKT_IOCTL;
    }
    if ((was ^ this.lflag) & ICANON) {
      // Whatever was typed becomes readable: as one line when canonical mode comes on.
      this.input = this.input.map((c) => c & 0xff);
      if (this.canonical && this.input.length) {
        this.input[this.input.length - 1] |= LINE_END;
        this.canonHead = this.input.length;
      } else this.canonHead = 0;
      this.lnext = false;
    }
    // Turning IXON off restarts stopped output.
    if (wasStopped && !(this.iflag & IXON)) this.stopped = false;
    this.drainHostInput();
    this.notify();
  }

  setWinsize(ws: WinSize): void {
    const w = this.winsize;
    if (w.rows === ws.rows && w.cols === ws.cols && w.xpixel === ws.xpixel && w.ypixel === ws.ypixel) return;
    this.winsize = { ...ws };
    if (this.pgrp) this.driver.killPgrp(this.pgrp, SIGWINCH);
  }

  // ---- input: master → line discipline → slave ----------------------------------------------------

  /** Bytes readable by the slave now (FIONREAD): whole lines in canonical mode, minus EOF marks. */
  get inputAvailable(): number {
    if (!this.canonical) return this.input.length;
    let n = 0;
    for (let i = 0; i < this.canonHead; i++) if (this.input[i] !== LINE_END) n++;
    return n;
  }

  /** Feeds bytes through the line discipline; returns how many were taken (0 when the queue is full). */
  receive(data: Uint8Array): number {
    const echo: number[] = [];
    let n = 0;
    for (; n < data.length; n++) {
      if (this.input.length >= INPUT_MAX - 1 && !(this.canonical && this.canonHead === 0)) break;
      this.receiveChar(data[n], echo);
    }
    if (echo.length) this.emit(Uint8Array.from(echo), true);
    if (n > 0) { this.arrivals++; this.slaveQueue.notify(); }
    return n;
  }

  private receiveChar(c: number, echo: number[]): void {
    const i = this.iflag, l = this.lflag;
    if (i & ISTRIP) c &= 0x7f;
    if (this.lnext) {
      this.lnext = false;
      if (l & ECHO) { echo.push(8); this.echoChar(c, echo); }
      this.put(c);
      return;
    }
    if (i & IXON) {
      if (this.is(c, VSTART)) { this.startOutput(); return; }
      if (this.is(c, VSTOP)) { this.stopOutput(); return; }
    }
    if (l & ISIG) {
      const sig = this.is(c, VINTR) ? SIGINT : this.is(c, VQUIT) ? SIGQUIT : this.is(c, VSUSP) ? SIGTSTP : 0;
      if (sig) {
        if (!(l & NOFLSH)) {
          // Signal and flush: the line being typed and pending echoes are dropped. (Linux also
          // drops output in flight to the master, which its master has normally taken already.)
          this.input = []; this.canonHead = 0;
          echo.length = 0;
          this.packetEvent(TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
        }
        if (this.pgrp) this.driver.killPgrp(this.pgrp, sig);
        if (i & IXON) this.startOutput();
        if (l & ECHO) this.echoChar(c, echo);
        return;
      }
    }
    if (this.stopped && (i & IXON) && (i & IXANY)) this.startOutput();
    if (c === 0x0d) {
      if (i & IGNCR) return;
      if (i & ICRNL) c = 0x0a;
    } else if (c === 0x0a && (i & INLCR)) c = 0x0d;
    if (i & IUCLC && c >= 0x41 && c <= 0x5a && (l & IEXTEN)) c += 0x20;
    if (this.canonical) {
      if (this.is(c, VERASE) || this.is(c, VKILL) || (this.is(c, VWERASE) && (l & IEXTEN))) { this.erase(c, echo); return; }
      if (this.is(c, VLNEXT) && (l & IEXTEN)) {
        this.lnext = true;
        if (l & ECHO && l & ECHOCTL) echo.push(0x5e, 8);
        return;
      }
      if (this.is(c, VREPRINT) && (l & ECHO) && (l & IEXTEN)) {
        this.echoChar(c, echo);
        echo.push(0x0a);
        for (let k = this.canonHead; k < this.input.length; k++) this.echoChar(this.input[k] & 0xff, echo);
        return;
      }
      if (c === 0x0a) {
        if (l & (ECHO | ECHONL)) echo.push(0x0a);
        this.endLine(c);
        return;
      }
      if (this.is(c, VEOF)) { this.endLine(0); return; }
      if (this.is(c, VEOL) || (this.is(c, VEOL2) && (l & IEXTEN))) {
        if (l & ECHO) this.echoChar(c, echo);
        this.endLine(c);
        return;
      }
      if (this.input.length >= INPUT_MAX - 1) return; // a full line takes nothing but its end
    }
    if (l & ECHO) {
      if (c === 0x0a) echo.push(0x0a); else this.echoChar(c, echo);
    }
    this.put(c);
  }

  private put(c: number): void {
    if (this.canonical && this.canonHead === this.input.length) this.canonColumn = this.column;
    this.input.push(c);
  }

  private endLine(c: number): void {
    this.input.push(c | LINE_END);
    this.canonHead = this.input.length;
  }

  /** echo_char: control characters as ^X with ECHOCTL (not tab). */
  private echoChar(c: number, echo: number[]): void {
    if ((this.lflag & ECHOCTL) && isCntrl(c) && c !== 0x09) echo.push(0x5e, c ^ 0x40);
    else echo.push(c);
  }

  /** eraser(): ERASE takes one character, WERASE a word (alphanumerics and _), KILL the line. */
  private erase(c: number, echo: number[]): void {
    const l = this.lflag;
    if (this.input.length === this.canonHead) return;
    const kind = this.is(c, VERASE) ? "erase" : this.is(c, VWERASE) ? "werase" : "kill";
    if (kind === "kill") {
      if (!(l & ECHO)) { this.input.length = this.canonHead; return; }
      if (!(l & ECHOK) || !(l & ECHOKE) || !(l & ECHOE)) {
        this.input.length = this.canonHead;
        this.echoChar(c, echo);
        if (l & ECHOK) echo.push(0x0a);
        return;
      }
    }
    const utf8 = (this.iflag & IUTF8) !== 0;
    let seenAlnum = false;
    while (this.input.length > this.canonHead) {
      let head = this.input.length;
      let ch: number;
      do { head--; ch = this.input[head] & 0xff; } while (utf8 && (ch & 0xc0) === 0x80 && head > this.canonHead);
      if (kind === "werase") {
        if (isAlnum(ch) || ch === 0x5f) seenAlnum = true;
        else if (seenAlnum) break;
      }
      this.input.length = head;
      if (l & ECHO) {
        if (kind === "erase" && !(l & ECHOE)) this.echoChar(this.cc(VERASE), echo);
        else if (ch === 0x09) this.eraseTab(echo);
        else {
          const cols = isCntrl(ch) ? ((l & ECHOCTL) ? 2 : 0) : 1;
          for (let k = 0; k < cols; k++) echo.push(8, 0x20, 8);
        }
      }
      if (kind === "erase") break;
    }
  }

  /** Backs the cursor up over an erased tab: to the column the tab started at. */
  private eraseTab(echo: number[]): void {
    let cols = 0, afterTab = false;
    for (let k = this.input.length - 1; k >= this.canonHead; k--) {
      const ch = this.input[k] & 0xff;
      if (ch === 0x09) { afterTab = true; break; }
      if (isCntrl(ch)) { if (this.lflag & ECHOCTL) cols += 2; }
      else if (!((this.iflag & IUTF8) && (ch & 0xc0) === 0x80)) cols++;
    }
    if (!afterTab) cols += this.canonColumn;
    const back = 8 - (cols & 7);
    for (let k = 0; k < back; k++) echo.push(8);
  }

  private startOutput(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.packet) { this.pktStatus = (this.pktStatus & ~TIOCPKT_STOP) | TIOCPKT_START; }
    this.notify();
  }

  private stopOutput(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.packet) { this.pktStatus = (this.pktStatus & ~TIOCPKT_START) | TIOCPKT_STOP; this.masterQueue.notify(); }
  }

  private packetEvent(bits: number): void {
    if (!this.packet) return;
    this.pktStatus |= bits;
    this.masterQueue.notify();
  }

  /** TIOCPKT: turning packet mode on forgets events from before. */
  setPacketMode(on: boolean): void {
    if (on && !this.packet) this.pktStatus = 0;
    this.packet = on;
  }

  /** Keystrokes from a host terminal (the master has no writer that could wait). */
  hostInput(data: Uint8Array): void {
    if (this.hungUp) return;
    this.hostPending.push(data);
    this.drainHostInput();
  }
  private draining = false;
  private drainHostInput(): void {
    // receive() wakes readers, whose reads come back here: one drain at a time.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.hostPending.length) {
        const d = this.hostPending.shift()!;
        const n = this.receive(d);
        if (n < d.length) { this.hostPending.unshift(d.subarray(n)); break; }
      }
    } finally { this.draining = false; }
  }

  // ---- output: slave → OPOST → master -------------------------------------------------------------

  /** Output processing (do_output_char): ONLCR, OCRNL, ONOCR, ONLRET, XTABS, OLCUC; tracks the column. */
  private opost(data: Uint8Array): Uint8Array {
    const o = this.oflag;
    if (!(o & OPOST)) return data;
    const out: number[] = [];
    for (let c of data) {
      switch (c) {
        case 0x0a:
          if (o & ONLRET) this.column = 0;
          if (o & ONLCR) { this.canonColumn = this.column = 0; out.push(0x0d, 0x0a); continue; }
          this.canonColumn = this.column;
          break;
        case 0x0d:
          if ((o & ONOCR) && this.column === 0) continue;
          if (o & OCRNL) { c = 0x0a; if (o & ONLRET) this.canonColumn = this.column = 0; break; }
          this.canonColumn = this.column = 0;
          break;
        case 0x09: {
          const spaces = 8 - (this.column & 7);
          this.column += spaces;
          if ((o & TABDLY) === XTABS) { for (let k = 0; k < spaces; k++) out.push(0x20); continue; }
          break;
        }
        case 0x08: if (this.column > 0) this.column--; break;
        default:
          if (!isCntrl(c)) {
            if ((o & OLCUC) && c >= 0x61 && c <= 0x7a) c -= 0x20;
            if (!((this.iflag & IUTF8) && (c & 0xc0) === 0x80)) this.column++;
          }
      }
      out.push(c);
    }
    return Uint8Array.from(out);
  }

  /** Queues processed output for the master (echoes are dropped rather than wait for room). */
  private emit(data: Uint8Array, isEcho: boolean): void {
    const out = this.opost(data);
    if (this.hostOutput) { this.hostOutput(out); return; }
    if (isEcho && this.outputLen >= OUTPUT_MAX) return;
    this.output.push(out);
    this.outputLen += out.length;
    this.masterQueue.notify();
  }

  /** Bytes the master can read now (FIONREAD on the master). */
  get outputAvailable(): number { return this.outputLen; }

  // ---- the slave's file operations ----------------------------------------------------------------

  private slaveRead(buf: Uint8Array, file: OpenFile): number {
    if (this.hungUp) return 0;
    if (buf.length === 0) return 0;
    const k = this.driver.k, t = k.current;
    // A stopped process takes no input: its parked read tries again when it continues.
    if (t && t.process.stopped) { heldReads.add(this); return WOULD_BLOCK; }
    // Job control happens when the call starts, not when it retries after a wait (Linux's n_tty_read).
    if (t && !t.blocked) {
      const jc = this.checkChange(SIGTTIN);
      if (jc) return jc;
      this.clearTimedRead(t);
    }
    const r = this.canonical ? this.readCanonical(buf) : this.readRaw(buf, t, (file.flags & O_NONBLOCK) !== 0);
    if (r > 0) { this.drainHostInput(); this.masterQueue.notify(); }
    return r;
  }

  /** One line at most (canon_copy_from_read_buf); a line longer than buf stays for the next read. */
  private readCanonical(buf: Uint8Array): number {
    if (this.canonHead === 0) return WOULD_BLOCK;
    let end = 0;
    while (!(this.input[end] & LINE_END)) end++;
    const eof = this.input[end] === LINE_END;
    const lineLen = eof ? end : end + 1;
    const n = Math.min(lineLen, buf.length);
    for (let k = 0; k < n; k++) buf[k] = this.input[k] & 0xff;
    // The EOF mark goes with the last byte of its line.
    const taken = n === lineLen ? end + 1 : n;
    this.input.splice(0, taken);
    this.canonHead -= taken;
    return n;
  }

  /** VMIN/VTIME: MIN bytes (or buf's size), with TIME as a read timer (MIN 0) or inter-byte timer. */
  private readRaw(buf: Uint8Array, t: Thread | null, nonblock: boolean): number {
    const min = this.cc(VMIN), time = this.cc(VTIME);
    const avail = this.input.length;
    const want = Math.min(min || 1, buf.length);
    const take = () => {
      const n = Math.min(avail, buf.length);
      for (let k = 0; k < n; k++) buf[k] = this.input[k] & 0xff;
      this.input.splice(0, n);
      if (t) this.clearTimedRead(t);
      return n;
    };
    if (avail >= want) return take();
    if (min === 0 && time === 0) return take();
    if (nonblock || !t) return WOULD_BLOCK;
    let st = this.timedReads.get(t);
    if (!st) { st = { timer: null, expired: false, armedAt: -1 }; this.timedReads.set(t, st); }
    if (time === 0) return WOULD_BLOCK;
    if (min === 0) {
      if (st.expired) return take();
      if (!st.timer) this.armTimer(st, time, -1);
    } else if (avail > 0) {
      if (st.expired && st.armedAt === this.arrivals) return take();
      if (st.armedAt !== this.arrivals) this.armTimer(st, time, this.arrivals);
    }
    return WOULD_BLOCK;
  }

  private armTimer(st: TimedRead, deciseconds: number, at: number): void {
    if (st.timer) clearTimeout(st.timer);
    st.expired = false;
    st.armedAt = at;
    st.timer = setTimeout(() => {
      st.timer = null;
      if (at === -1 || at === this.arrivals) { st.expired = true; this.slaveQueue.notify(); }
    }, deciseconds * 100);
  }

  private clearTimedRead(t: Thread): void {
    const st = this.timedReads.get(t);
    if (!st) return;
    if (st.timer) clearTimeout(st.timer);
    this.timedReads.delete(t);
  }

  private slaveWrite(data: Uint8Array): number {
    if (this.hungUp) return -EIO;
    const k = this.driver.k, t = k.current;
    if ((this.lflag & TOSTOP) && t && !t.blocked) {
      const jc = this.checkChange(SIGTTOU);
      if (jc) return jc;
    }
    if (this.stopped) return WOULD_BLOCK;
    if (this.hostOutput) { this.emit(data, false); return data.length; }
    const room = OUTPUT_MAX - this.outputLen;
    if (room <= 0) return WOULD_BLOCK;
    const n = Math.min(room, data.length);
    this.emit(data.subarray(0, n), false);
    return n;
  }

  private slavePoll(): number {
    if (this.hungUp) return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP;
    let m = 0;
    const min = this.cc(VMIN), time = this.cc(VTIME);
    const need = this.canonical ? 1 : (time === 0 && min ? min : 1);
    if (this.canonical ? this.canonHead > 0 : this.input.length >= need) m |= POLLIN | POLLRDNORM;
    if (!this.stopped && (this.hostOutput || this.outputLen < OUTPUT_MAX)) m |= POLLOUT | POLLWRNORM;
    return m;
  }

  private slaveRelease(): void {
    this.slaveOpen--;
    if (this.slaveOpen > 0) return;
    this.slaveClosed = true;
    this.notify();
    if (this.masterOpen === 0) this.driver.destroy(this);
  }

  /** A slave open (of /dev/pts/N, /dev/tty or TIOCGPTPEER): EIO while locked or after hangup. */
  openSlave(flags: number, inode: Inode, path: Path | null, acquire: boolean): OpenFile | number {
    if (this.hungUp || this.locked) return -EIO;
    this.slaveOpen++;
    this.slaveClosed = false;
    if (acquire && !(flags & O_NOCTTY)) this.driver.acquireOnOpen(this);
    return new TtyFile(flags & ~O_NOCTTY, inode, path, this.slave, this, false);
  }

  // ---- the master's file operations ---------------------------------------------------------------

  private masterRead(buf: Uint8Array): number {
    if (buf.length === 0) return 0;
    if (this.packet && this.pktStatus) {
      buf[0] = this.pktStatus;
      this.pktStatus = 0;
      return 1;
    }
    if (this.outputLen === 0) return this.slaveClosed ? -EIO : WOULD_BLOCK;
    let n = 0;
    if (this.packet) buf[n++] = TIOCPKT_DATA;
    const data = n;
    while (n < buf.length && this.output.length) {
      const c = this.output[0];
      const m = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, m), n);
      n += m;
      if (m === c.length) this.output.shift(); else this.output[0] = c.subarray(m);
    }
    this.outputLen -= n - data;
    this.slaveQueue.notify();
    return n;
  }

  private masterWrite(data: Uint8Array): number {
    const n = this.receive(data);
    return n > 0 ? n : WOULD_BLOCK;
  }

  private masterPoll(): number {
    let m = 0;
    if (this.outputLen > 0) m |= POLLIN | POLLRDNORM;
    if (this.packet && this.pktStatus) m |= POLLPRI | POLLIN | POLLRDNORM;
    if (this.slaveClosed) m |= POLLHUP;
    if (this.input.length < INPUT_MAX - 1 || (this.canonical && this.canonHead === 0)) m |= POLLOUT | POLLWRNORM;
    return m;
  }

  private masterRelease(): void {
    this.masterOpen--;
    if (this.masterOpen > 0) return;
    this.hangup();
  }

  /** The master is gone (tty_vhangup of the slave): the session leader gets SIGHUP and SIGCONT. */
  hangup(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.hostOutput = null;
    this.hostPending = [];
    const leader = this.session ? this.driver.k.processes.get(this.session) : undefined;
    this.session = 0;
    this.pgrp = 0;
    if (leader && leader.alive) {
      sendSignal(this.driver.k, leader, SIGHUP);
      sendSignal(this.driver.k, leader, SIGCONT);
    }
    this.driver.removeNode(this);
    this.notify();
    if (this.slaveOpen === 0) this.driver.destroy(this);
  }

  // ---- flushing and flow control ------------------------------------------------------------------

  /**
   * Discards the slave's input and/or output queue. A flush the slave side asks for is reported to
   * a packet-mode master (TIOCPKT_FLUSHREAD/FLUSHWRITE); one the master asks for is not.
   */
  flush(input: boolean, output: boolean, bySlave: boolean): void {
    if (input) { this.input = []; this.canonHead = 0; this.lnext = false; }
    if (output) { this.output = []; this.outputLen = 0; }
    if (bySlave) this.packetEvent((input ? TIOCPKT_FLUSHREAD : 0) | (output ? TIOCPKT_FLUSHWRITE : 0));
    this.notify();
  }

  /** TCXONC: TCOOFF / TCOON stop and restart output. */
  flow(stop: boolean): void {
    if (stop) this.stopOutput(); else this.startOutput();
  }

  /** TIOCSTI: a byte as if typed. */
  inject(c: number): void { this.receive(Uint8Array.of(c)); }

  // ---- job control (tty_jobctrl.c) ----------------------------------------------------------------

  /**
   * __tty_check_change: a process in a background group of the session this is the controlling
   * terminal of gets sig (SIGTTIN for reads, SIGTTOU for writes with TOSTOP and termios changes)
   * sent to its group, and the call restarts once it is continued. EIO when the group is orphaned,
   * or for SIGTTIN when the signal is ignored or blocked (SIGTTOU then lets the call go ahead).
   */
  checkChange(sig: number): number {
    const t = this.driver.k.current;
    if (!t) return 0;
    const p = t.process;
    if (this.driver.cttyOf(p) !== this || !this.pgrp || p.pgid === this.pgrp) return 0;
    if (p.sigactions[sig].handler === SIG_IGN || (t.sigmask & bit(sig))) return sig === SIGTTIN ? -EIO : 0;
    if (this.driver.orphanedPgrp(p.pgid)) return -EIO;
    this.driver.killPgrp(p.pgid, sig);
    return -ERESTARTSYS;
  }
}

/** An open pty end; descriptors of both sides are streams (no pread, no lseek). */
export class TtyFile extends DeviceFile {
  constructor(flags: number, inode: Inode, path: Path | null, device: CharDevice, readonly pty: Pty, readonly isMaster: boolean) {
    super(flags, inode, path, device);
  }
  protected get seekable(): boolean { return false; }
}

/** The pty behind a descriptor, if it is one end of a pty. */
export function ptyOf(f: OpenFile): TtyFile | null { return f instanceof TtyFile ? f : null; }

// ---- the driver: /dev/ptmx, /dev/pts, /dev/tty, sessions --------------------------------------

/** Session leaders that hold a controlling terminal: their exit lets it go (disassociate_ctty). */
const leaders = new WeakMap<Process, PtyDriver>();
/** Processes that gave up their terminal with TIOCNOTTY without being the session leader. */
const detached = new WeakSet<Process>();
/** The host terminal bridges, by the process whose exit ends them. */
const consoles = new WeakMap<Process, HostConsole>();
const drivers = new WeakMap<Kernel, PtyDriver>();

/** Ptys whose readers were stopped when input came: they look again when a process continues. */
const heldReads = new Set<Pty>();
continueHooks.push(() => {
  const held = [...heldReads];
  heldReads.clear();
  for (const pty of held) pty.slaveQueue.notify();
});

exitHooks.push((p) => {
  leaders.get(p)?.leaderExited(p);
  consoles.get(p)?.close();
});

export class PtyDriver {
  readonly ptys = new Map<number, Pty>();
  readonly devpts: DevptsSuperblock;
  /** Where the slaves' nodes are reached (the /dev/pts mount, or a private one when the root lacks it). */
  mount: Mount;
  /** The host terminal's pty for `wasl exec` on a TTY, until the first process takes it. */
  console: HostConsole | null = null;

  constructor(readonly k: Kernel, readonly vfs: Vfs) {
    this.devpts = new DevptsSuperblock(vfs.clock);
    this.mount = new Mount(this.devpts, new Dentry("/", null, this.devpts.root), null, null, 0, "devpts");
    vfs.devices.set(DEV_PTMX, {
      read: () => -EIO, write: () => -EIO,
      openFile: (flags, inode, path) => this.openPtmx(flags, inode, path),
    });
    vfs.devices.set(DEV_TTY, {
      read: () => -EIO, write: () => -EIO,
      openFile: (flags, inode, path) => this.openCurrentTty(flags, inode, path),
    });
  }

  /** A new pty; its master is opened once, by the caller. */
  allocate(uid: number): Pty {
    let n = 0;
    while (this.ptys.has(n)) n++;
    const pty = new Pty(this, n);
    this.ptys.set(n, pty);
    const node = this.devpts.addPty(n, uid);
    if (typeof node !== "number") pty.node = node;
    this.vfs.devices.set(makedev(PTS_MAJOR, n), {
      read: () => -EIO, write: () => -EIO,
      openFile: (flags, inode, path) => pty.openSlave(flags, inode, path, true),
    });
    return pty;
  }

  /** ptmx_open: a new pty, locked until unlockpt(); the master never becomes a controlling terminal. */
  private openPtmx(flags: number, inode: Inode, path: Path): OpenFile | number {
    const uid = this.k.current?.process.fsuid ?? 0;
    const pty = this.allocate(uid);
    pty.masterOpen = 1;
    return new TtyFile(flags & ~O_NOCTTY, inode, path, pty.master, pty, true);
  }

  /** /dev/tty: the caller's controlling terminal (ENXIO without one). */
  private openCurrentTty(flags: number, inode: Inode, path: Path): OpenFile | number {
    const p = this.k.current?.process;
    const pty = p ? this.cttyOf(p) : null;
    if (pty) return pty.openSlave(flags, inode, path, false);
    // Without a pty, the host's own terminal on stdio stands in (the sandbox's terminal).
    const dev = this.hostTerminalDevice();
    return dev ? new DeviceFile(flags & ~O_NOCTTY, inode, path, dev) : -ENXIO;
  }

  private hostTerminalDevice(): CharDevice | null {
    const init = this.k.init;
    if (!init) return null;
    for (let fd = 0; fd < 3; fd++) {
      const f = init.fds.get(fd);
      if (f instanceof DeviceFile && f.device instanceof HostStdio && f.device.isatty) return f.device;
    }
    return null;
  }

  /** The path of a pty's slave node (for TIOCGPTPEER and the console's descriptors). */
  slavePath(pty: Pty): Path | null {
    if (!pty.node) return null;
    const name = String(pty.index);
    const root = this.mount.root;
    let d = root.children.get(name);
    if (!d || d.inode !== pty.node) { d = new Dentry(name, root, pty.node); root.children.set(name, d); }
    return { mnt: this.mount, dentry: d };
  }

  removeNode(pty: Pty): void {
    if (!pty.node) return;
    this.devpts.removePty(pty.index);
    const d = this.mount.root.children.get(String(pty.index));
    if (d && d.inode === pty.node) d.deleted = true;
    this.vfs.devices.delete(makedev(PTS_MAJOR, pty.index));
  }

  /** Both sides are closed: the index is free again. */
  destroy(pty: Pty): void {
    if (this.ptys.get(pty.index) !== pty) return;
    this.removeNode(pty);
    this.ptys.delete(pty.index);
  }

  /** The controlling terminal of p's session (null without one). */
  cttyOf(p: Process): Pty | null {
    if (detached.has(p)) return null;
    for (const pty of this.ptys.values()) if (pty.session === p.sid && pty.session !== 0) return pty;
    return null;
  }

  /** Makes pty the controlling terminal of p's session (p is its leader). */
  setCtty(pty: Pty, p: Process): void {
    pty.session = p.sid;
    pty.pgrp = p.pgid;
    detached.delete(p);
    leaders.set(p, this);
  }

  /** tty_open_proc_set_tty: a session leader without a terminal opening one gets it. */
  acquireOnOpen(pty: Pty): void {
    const p = this.k.current?.process;
    if (!p || p.pid !== p.sid || this.cttyOf(p) || pty.session !== 0) return;
    this.setCtty(pty, p);
  }

  /** The session leader exited: its terminal's foreground group gets SIGHUP and the session loses it. */
  leaderExited(p: Process): void {
    for (const pty of this.ptys.values()) {
      if (pty.session !== p.sid) continue;
      if (pty.pgrp) this.killPgrp(pty.pgrp, SIGHUP);
      pty.session = 0;
      pty.pgrp = 0;
    }
  }

  /** TIOCNOTTY: the leader gives the terminal up for the whole session (SIGHUP+SIGCONT to the foreground). */
  disassociate(p: Process): void {
    const pty = this.cttyOf(p);
    if (!pty) return;
    if (p.pid !== p.sid) { detached.add(p); return; }
    if (pty.pgrp) { this.killPgrp(pty.pgrp, SIGHUP); this.killPgrp(pty.pgrp, SIGCONT); }
    pty.session = 0;
    pty.pgrp = 0;
  }

  killPgrp(pgrp: number, sig: number): void {
    for (const p of [...this.k.processes.values()]) if (p.alive && p.pgid === pgrp) sendSignal(this.k, p, sig);
  }

  /** POSIX: no member has a parent in another group of the same session. */
  orphanedPgrp(pgrp: number): boolean {
    for (const p of this.k.processes.values()) {
      if (!p.alive || p.pgid !== pgrp) continue;
      const q = p.parent;
      if (q && q.alive && q.pgid !== pgrp && q.sid === p.sid) return false;
    }
    return true;
  }
}

/** The kernel's pty driver, created with its devpts file system. */
export function ptyDriver(k: Kernel, vfs?: Vfs): PtyDriver {
  let d = drivers.get(k);
  if (!d) {
    d = new PtyDriver(k, vfs ?? k.files.vfs);
    drivers.set(k, d);
  }
  return d;
}

/** Mounts devpts on /dev/pts (through mount, which returns the mount or -errno). */
export function mountDevpts(k: Kernel, vfs: Vfs, mount: (sb: DevptsSuperblock) => Mount | number): void {
  const d = ptyDriver(k, vfs);
  const m = mount(d.devpts);
  if (typeof m !== "number") d.mount = m;
}

// ---- the host terminal as a pty master ----------------------------------------------------------

/**
 * `wasl exec` on a terminal: the host terminal goes to raw mode and becomes the master of a pty
 * whose slave is the guest's stdio, so line editing, echo and the signal keys are the guest's
 * termios, as under a Linux kernel. Keystrokes are written to the master, output goes to the host
 * terminal, host resizes become TIOCSWINSZ; the host's mode comes back when the first process
 * exits (and, by the host's own guard, when wasl exits in any way).
 */
export class HostConsole {
  private stops: Array<() => void> = [];
  private closed = false;

  constructor(readonly driver: PtyDriver, readonly pty: Pty, private term: HostTerminalIO, outFd: number) {
    const k = driver.k;
    pty.hostOutput = (d) => { k.host.write(outFd, d); };
    pty.masterOpen = 1;
    pty.locked = false;
    // A login terminal speaks UTF-8 (what `stty` shows on a desktop terminal).
    const dv = new DataView(pty.termios.buffer);
    dv.setUint32(0, dv.getUint32(0, true) | IUTF8, true);
    const size = term.size();
    if (size) pty.winsize = { rows: size.rows, cols: size.cols, xpixel: 0, ypixel: 0 };
    term.setRawMode(true);
    this.stops.push(term.onInput((data) => pty.hostInput(data), () => this.hangup()));
    this.stops.push(term.onResize((s) => pty.setWinsize({ rows: s.rows, cols: s.cols, xpixel: 0, ypixel: 0 })));
  }

  /** The first process is the session leader, with the pty as its controlling terminal. */
  claim(p: Process): void {
    this.driver.setCtty(this.pty, p);
    consoles.set(p, this);
    this.driver.console = null;
  }

  /** The host terminal went away: hang up the pty, as closing a terminal window does. */
  private hangup(): void {
    this.close();
    this.pty.hangup();
  }

  /** Restores the host terminal; guest output still reaches it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.stops.splice(0)) s();
    this.term.setRawMode(false);
  }
}

/**
 * Descriptors 0–2 for the first process when the host's stdin is a terminal the host can bridge:
 * those on the terminal are the slave of a new pty, the others null (the host's stdio stays).
 * Null when there is nothing to bridge.
 */
export function consoleFiles(k: Kernel): Array<OpenFile | null> | null {
  const host = k.host, term = host.terminal;
  if (!term || !host.isatty(0)) return null;
  const d = ptyDriver(k);
  const pty = d.allocate(0);
  const outFd = [1, 2, 0].find((fd) => host.isatty(fd)) ?? 0;
  d.console = new HostConsole(d, pty, term, outFd);
  const path = d.slavePath(pty);
  if (!path) return null;
  return [0, 1, 2].map((fd) => {
    if (!host.isatty(fd)) return null;
    const f = pty.openSlave(O_RDWR, path.dentry.inode, path, false);
    return typeof f === "number" ? null : f;
  });
}

/** spawn's first process takes the console as its controlling terminal. */
export function claimConsole(k: Kernel, p: Process): void {
  const d = drivers.get(k);
  d?.console?.claim(p);
}

// ---- the sandbox's terminal (a discipline in front of a host stdio device) --------------------

/**
 * The line discipline of a sandbox's terminal (spawn with tty: true). A host terminal does this
 * work in the host's kernel; a sandbox's terminal has no host terminal behind it, so the bytes the
 * embedder writes pass through here first, under the termios the guest set (TCSETS): signal keys
 * (ISIG), \r → \n (ICRNL), line editing with erase, kill and end-of-file (ICANON), echo (ECHO);
 * and guest output gets \n → \r\n (OPOST|ONLCR).
 */
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
