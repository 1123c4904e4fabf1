// ioctl(2): the generic descriptor requests (FIONBIO, FIOCLEX, FIONCLEX, FIONREAD, FIOASYNC), the
// terminal requests of ptys (ioctl_tty(2) and pty(7): termios, window size, sessions and process
// groups, flushing and flow control, the ptmx requests TIOCGPTN/TIOCSPTLCK/TIOCGPTPEER/TIOCPKT), and the
// same terminal requests on a host stdio terminal that is not bridged to a pty (its termios is
// kept by wasl). Anything else is ENOTTY, as Linux says for a file without it.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import { O_NONBLOCK, O_ASYNC, O_PATH, O_CLOEXEC, O_ACCMODE, O_NOCTTY, PipeEnd, RegularFile, DeviceFile, SocketFile } from "../runtime/vfs/index.js";
import { HostStdio, terminalOf, TERMIOS_SIZE, type HostTerminal } from "../runtime/tty.js";
import { ptyOf, ptyDriver, type TtyFile } from "../runtime/pty.js";
import { EBADF, EFAULT, EINVAL, EIO, ENOTTY, EPERM, ESRCH } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { fdOf, uintOf, installFile } from "./fs.js";
import { InotifyFile } from "./inotify.js";
import { sysSocketDeviceIoctl } from "./socket.js";

export const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TCSBRK = 0x5409, TCXONC = 0x540a,
  TCFLSH = 0x540b, TIOCSCTTY = 0x540e, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCGWINSZ = 0x5413,
  TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421, TIOCNOTTY = 0x5422, TIOCGETD = 0x5424, TCSBRKP = 0x5425,
  TIOCGSID = 0x5429, TCGETS2 = 0x802c542a, TCSETS2 = 0x402c542b, TCSETSW2 = 0x402c542c, TCSETSF2 = 0x402c542d,
  TIOCPKT = 0x5420, TIOCGPKT = 0x80045438,
  TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGPTLCK = 0x80045439, TIOCGPTPEER = 0x5441,
  FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIOASYNC = 0x5452;
const TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
const TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
const SIGTTOU = 22;
/** struct termios2: termios plus c_ispeed and c_ospeed. */
const TERMIOS2_SIZE = 44;

/** ioctl(2) */
export function sysIoctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const fd = fdOf(a[0]);
  const f = t.process.fds.get(fd);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  const req = uintOf(a[1]);
  const m = k.machine, arg = a[2];
  switch (req) {
    case FIOCLEX: return t.process.fds.setCloexec(fd, true);
    case FIONCLEX: return t.process.fds.setCloexec(fd, false);
    case FIONBIO: case FIOASYNC: {
      const v = m.readU32(arg);
      if (v === null) return -EFAULT;
      const bit = req === FIONBIO ? O_NONBLOCK : O_ASYNC;
      f.flags = v ? f.flags | bit : f.flags & ~bit;
      return 0;
    }
  }
  const tf = ptyOf(f);
  if (tf) return ptyIoctl(k, t, tf, req, arg);
  if (req === TIOCOUTQ && f instanceof SocketFile) return m.writeU32(arg, f.sock.inflight) ? 0 : -EFAULT; // SIOCOUTQ
  if (f instanceof SocketFile && (req & 0xff00) === 0x8900) return sysSocketDeviceIoctl(k, f, req, arg);
  if (req === FIONREAD) {
    let n: number;
    if (f instanceof PipeEnd) n = f.pipe.available;
    else if (f instanceof SocketFile) n = f.sock.inq();
    else if (f instanceof RegularFile) n = Math.max(0, f.io.size() - f.pos);
    else if (f instanceof InotifyFile) n = f.available;
    else if (f instanceof DeviceFile && f.device instanceof HostStdio) n = f.device.buffered;
    else if (f.inode.isDir()) return -EINVAL;
    else return -ENOTTY;
    if (n < 0) return n;
    return m.writeU32(arg, n) ? 0 : -EFAULT;
  }
  const term = terminalOf(f);
  return term ? hostTerminalIoctl(k, t, term, req, arg) : -ENOTTY;
}

function copyOutWinsize(k: Kernel, arg: bigint, ws: { rows: number; cols: number; xpixel: number; ypixel: number }): number {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, ws.rows, true); dv.setUint16(2, ws.cols, true); dv.setUint16(4, ws.xpixel, true); dv.setUint16(6, ws.ypixel, true);
  return k.machine.copyOut(arg, b) ? 0 : -EFAULT;
}

function copyInWinsize(k: Kernel, arg: bigint): { rows: number; cols: number; xpixel: number; ypixel: number } | null {
  const b = k.machine.copyIn(arg, 8);
  if (!b) return null;
  const dv = new DataView(b.buffer);
  return { rows: dv.getUint16(0, true), cols: dv.getUint16(2, true), xpixel: dv.getUint16(4, true), ypixel: dv.getUint16(6, true) };
}

/** A pid that names a live process group in the caller's session: 0, -ESRCH or -EPERM (tiocspgrp). */
function checkPgrp(k: Kernel, t: Thread, pg: number): number {
  let found = false;
  for (const p of k.processes.values()) {
    if (!p.alive || (p.pgid !== pg && p.pid !== pg)) continue;
    found = true;
    if (p.pgid === pg && p.sid === t.process.sid) return 0;
  }
  return found ? -EPERM : -ESRCH;
}

/** The terminal requests on either end of a pty; the master's act on its slave, as in Linux. */
function ptyIoctl(k: Kernel, t: Thread, f: TtyFile, req: number, arg: bigint): SyscallResult {
  const pty = f.pty, m = k.machine;
  const d = ptyDriver(k);
  const proc = t.process;
  const isCtty = d.cttyOf(proc) === pty;
  if (!f.isMaster && pty.hungUp) return req === TIOCSPGRP ? -ENOTTY : -EIO;
  switch (req) {
    case FIONREAD: return m.writeU32(arg, f.isMaster ? pty.outputAvailable : pty.inputAvailable) ? 0 : -EFAULT;
    case TIOCOUTQ: return m.writeU32(arg, 0) ? 0 : -EFAULT; // a pty keeps no output queue of its own
    case TCGETS: return m.copyOut(arg, pty.termios) ? 0 : -EFAULT;
    case TCGETS2: {
      const b = new Uint8Array(TERMIOS2_SIZE);
      b.set(pty.termios);
      const dv = new DataView(b.buffer);
      dv.setUint32(36, pty.ispeed, true); dv.setUint32(40, pty.ospeed, true);
      return m.copyOut(arg, b) ? 0 : -EFAULT;
    }
    case TCSETS: case TCSETSW: case TCSETSF: case TCSETS2: case TCSETSW2: case TCSETSF2: {
      const jc = pty.checkChange(SIGTTOU);
      if (jc) return jc;
      const two = req === TCSETS2 || req === TCSETSW2 || req === TCSETSF2;
      const b = m.copyIn(arg, two ? TERMIOS2_SIZE : TERMIOS_SIZE);
      if (!b) return -EFAULT;
      // A pty has no output to drain (TCSETSW); TCSETSF also discards pending input.
      if (req === TCSETSF || req === TCSETSF2) pty.flush(true, false, true);
      if (two) { const dv = new DataView(b.buffer); pty.ispeed = dv.getUint32(36, true); pty.ospeed = dv.getUint32(40, true); }
      pty.setTermios(b.subarray(0, TERMIOS_SIZE));
      return 0;
    }
    case TIOCGWINSZ: return copyOutWinsize(k, arg, pty.winsize);
    case TIOCSWINSZ: {
      const ws = copyInWinsize(k, arg);
      if (!ws) return -EFAULT;
      pty.setWinsize(ws);
      return 0;
    }
    case TIOCGPGRP:
      if (!f.isMaster && !isCtty) return -ENOTTY;
      return m.writeU32(arg, pty.pgrp) ? 0 : -EFAULT;
    case TIOCSPGRP: {
      const jc = pty.checkChange(SIGTTOU);
      if (jc === -EIO) return -ENOTTY;
      if (jc) return jc;
      const pg = m.readU32(arg);
      if (pg === null) return -EFAULT;
      if ((pg | 0) < 0) return -EINVAL;
      if (!isCtty || pty.session !== proc.sid) return -ENOTTY;
      const e = checkPgrp(k, t, pg);
      if (e) return e;
      pty.pgrp = pg;
      return 0;
    }
    case TIOCGSID:
      if (!f.isMaster && !isCtty) return -ENOTTY;
      if (!pty.session) return -ENOTTY;
      return m.writeU32(arg, pty.session) ? 0 : -EFAULT;
    case TIOCSCTTY: {
      if (proc.pid === proc.sid && pty.session === proc.sid) return 0;
      if (proc.pid !== proc.sid || d.cttyOf(proc)) return -EPERM;
      // Taking a terminal from another session needs arg 1 and CAP_SYS_ADMIN.
      if (pty.session && !(uintOf(arg) === 1 && proc.euid === 0)) return -EPERM;
      if (!f.readable && proc.euid !== 0) return -EPERM;
      d.setCtty(pty, proc);
      return 0;
    }
    case TIOCNOTTY:
      if (f.isMaster || !isCtty) return -ENOTTY;
      d.disassociate(proc);
      return 0;
    case TCFLSH: {
      const jc = pty.checkChange(SIGTTOU);
      if (jc) return jc;
      const which = uintOf(arg);
      if (which !== TCIFLUSH && which !== TCOFLUSH && which !== TCIOFLUSH) return -EINVAL;
      // The master's input is the slave's output and the other way round.
      const input = which !== TCOFLUSH, output = which !== TCIFLUSH;
      if (f.isMaster) pty.flush(output, input, false); else pty.flush(input, output, true);
      return 0;
    }
    case TCXONC: {
      const jc = pty.checkChange(SIGTTOU);
      if (jc) return jc;
      switch (uintOf(arg)) {
        case TCOOFF: pty.flow(true); return 0;
        case TCOON: pty.flow(false); return 0;
        // TCIOFF/TCION send STOP/START to the other side; a pty has no modem to stop.
        case TCIOFF: case TCION: return 0;
        default: return -EINVAL;
      }
    }
    case TCSBRK: case TCSBRKP: return pty.checkChange(SIGTTOU); // nothing to drain; a pty sends no break
    case TIOCGETD: return m.writeU32(arg, 0) ? 0 : -EFAULT; // N_TTY
  }
  if (!f.isMaster) return -ENOTTY;
  switch (req) {
    case TIOCGPTN: return m.writeU32(arg, pty.index) ? 0 : -EFAULT;
    case TIOCSPTLCK: {
      const v = m.readU32(arg);
      if (v === null) return -EFAULT;
      pty.locked = v !== 0;
      return 0;
    }
    case TIOCGPTLCK: return m.writeU32(arg, pty.locked ? 1 : 0) ? 0 : -EFAULT;
    case TIOCPKT: {
      const v = m.readU32(arg);
      if (v === null) return -EFAULT;
      pty.setPacketMode(v !== 0);
      return 0;
    }
    case TIOCGPKT: return m.writeU32(arg, pty.packet ? 1 : 0) ? 0 : -EFAULT;
    case TIOCGPTPEER: {
      const flags = uintOf(arg);
      if (flags & ~(O_ACCMODE | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | 0o100000 /* O_LARGEFILE */)) return -EINVAL;
      const path = d.slavePath(pty);
      if (!path) return -EIO;
      const s = pty.openSlave(flags & ~O_CLOEXEC, path.dentry.inode, path, true);
      if (typeof s === "number") return s;
      return installFile(t, s, (flags & O_CLOEXEC) !== 0);
    }
  }
  return -ENOTTY;
}

/** A host stdio terminal without a pty: termios and the job-control state are kept here. */
function hostTerminalIoctl(k: Kernel, t: Thread, term: HostTerminal, req: number, arg: bigint): SyscallResult {
  const m = k.machine;
  switch (req) {
    case TCGETS: return m.copyOut(arg, term.termios) ? 0 : -EFAULT;
    case TCSETS: case TCSETSW: case TCSETSF: {
      const b = m.copyIn(arg, TERMIOS_SIZE);
      if (!b) return -EFAULT;
      term.termios = b;
      return 0;
    }
    case TIOCGWINSZ: return copyOutWinsize(k, arg, term.windowSize());
    case TIOCSWINSZ: {
      const ws = copyInWinsize(k, arg);
      if (!ws) return -EFAULT;
      term.size = ws;
      return 0;
    }
    case TIOCGPGRP: return m.writeU32(arg, term.pgrp || t.process.pgid) ? 0 : -EFAULT;
    case TIOCSPGRP: {
      const pg = m.readU32(arg);
      if (pg === null) return -EFAULT;
      if ((pg | 0) < 0) return -EINVAL;
      const e = checkPgrp(k, t, pg);
      if (e) return e;
      term.pgrp = pg;
      return 0;
    }
    case TIOCGSID: return m.writeU32(arg, term.sid || t.process.sid) ? 0 : -EFAULT;
    case TIOCSCTTY: {
      // A session leader takes the terminal as its controlling terminal.
      if (t.process.sid !== t.process.pid) return -EPERM;
      term.sid = t.process.sid;
      term.pgrp = t.process.pgid;
      return 0;
    }
    case TIOCNOTTY: return 0;
    default: return -ENOTTY;
  }
}
