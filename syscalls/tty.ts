// ioctl(2): the terminal requests on the host's stdio terminal (termios, window size, foreground
// process group, controlling terminal) and the generic descriptor requests (FIONBIO, FIOCLEX,
// FIONCLEX, FIONREAD, FIOASYNC). Anything else is ENOTTY, as Linux says for a file without it.
import type { Kernel } from "../runtime/kernel.js";
import type { Thread } from "../runtime/process.js";
import { O_NONBLOCK, O_ASYNC, O_PATH, PipeEnd, RegularFile, DeviceFile } from "../runtime/vfs/index.js";
import { HostStdio, terminalOf, TERMIOS_SIZE } from "../runtime/tty.js";
import { EBADF, EFAULT, EINVAL, ENOTTY, EPERM } from "../runtime/errno.js";
import type { SyscallResult } from "./types.js";
import { fdOf, uintOf } from "./fs.js";

export const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCSCTTY = 0x540e,
  TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b,
  TIOCNOTTY = 0x5422, TIOCGSID = 0x5429, FIONBIO = 0x5421, FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIOASYNC = 0x5452;

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
    case FIONREAD: {
      let n: number;
      if (f instanceof PipeEnd) n = f.pipe.available;
      else if (f instanceof RegularFile) n = Math.max(0, f.io.size() - f.pos);
      else if (f instanceof DeviceFile && f.device instanceof HostStdio) n = f.device.buffered;
      else if (f.inode.isDir()) return -EINVAL;
      else return -ENOTTY;
      return m.writeU32(arg, n) ? 0 : -EFAULT;
    }
  }
  const term = terminalOf(f);
  if (!term) return -ENOTTY;
  switch (req) {
    case TCGETS: return m.copyOut(arg, term.termios) ? 0 : -EFAULT;
    case TCSETS: case TCSETSW: case TCSETSF: {
      const b = m.copyIn(arg, TERMIOS_SIZE);
      if (!b) return -EFAULT;
      term.termios = b;
      return 0;
    }
    case TIOCGWINSZ: {
      const ws = term.windowSize();
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setUint16(0, ws.rows, true); dv.setUint16(2, ws.cols, true); dv.setUint16(4, ws.xpixel, true); dv.setUint16(6, ws.ypixel, true);
      return m.copyOut(arg, b) ? 0 : -EFAULT;
    }
    case TIOCSWINSZ: {
      const b = m.copyIn(arg, 8);
      if (!b) return -EFAULT;
      const dv = new DataView(b.buffer);
      term.size = { rows: dv.getUint16(0, true), cols: dv.getUint16(2, true), xpixel: dv.getUint16(4, true), ypixel: dv.getUint16(6, true) };
      return 0;
    }
    case TIOCGPGRP: return m.writeU32(arg, term.pgrp || t.process.pgid) ? 0 : -EFAULT;
    case TIOCSPGRP: {
      const pg = m.readU32(arg);
      if (pg === null) return -EFAULT;
      if ((pg | 0) < 0) return -EINVAL;
      // The new foreground group must be in the caller's session.
      const inSession = [...k.processes.values()].some((p) => p.alive && p.pgid === pg && p.sid === t.process.sid);
      if (!inSession) return -EPERM;
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
