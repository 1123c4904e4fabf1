// A process's descriptor table: descriptor → (open file description, close-on-exec flag).
import { EBADF, EINVAL, EMFILE } from "../errno.js";
import { O_CLOEXEC, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE } from "./abi.js";
import type { OpenFile } from "./file.js";
import { fsnotify, notifyClose } from "./fsnotify.js";

interface Slot { file: OpenFile; cloexec: boolean }

export class FdTable {
  private slots: Array<Slot | undefined> = [];
  /** RLIMIT_NOFILE's soft limit: descriptors are < limit. */
  limit = 1024;
  /** Called for every descriptor closed (the kernel drops the process's record locks on the file). */
  onClose: ((file: OpenFile) => void) | null = null;
  /** Changes whenever a descriptor comes or goes (the core's copy of the table is made again). */
  version = 0;

  get(fd: number): OpenFile | undefined { return fd >= 0 ? this.slots[fd]?.file : undefined; }
  getCloexec(fd: number): boolean | undefined { return this.slots[fd]?.cloexec; }
  setCloexec(fd: number, on: boolean): number {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) return -EBADF;
    s.cloexec = on;
    return 0;
  }

  /** The lowest free descriptor ≥ min, or -EMFILE. */
  private lowestFree(min: number): number {
    let fd = min;
    while (this.slots[fd]) fd++;
    return fd < this.limit ? fd : -EMFILE;
  }

  private put(fd: number, file: OpenFile, cloexec: boolean): void {
    file.refs++;
    this.slots[fd] = { file, cloexec };
    this.version++;
  }

  /** Installs file at the lowest free descriptor ≥ min (F_DUPFD semantics); -EMFILE when none. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    if (min >= this.limit) return -EINVAL;
    const fd = this.lowestFree(min);
    if (fd < 0) return fd;
    this.put(fd, file, cloexec);
    return fd;
  }

  /** dup(2); F_DUPFD/F_DUPFD_CLOEXEC with min. */
  dup(oldfd: number, min = 0, cloexec = false): number {
    const f = this.get(oldfd);
    if (!f) return -EBADF;
    return this.install(f, cloexec, min);
  }

  /** dup2(2): same descriptor is a no-op returning it. */
  dup2(oldfd: number, newfd: number): number {
    if (!this.get(oldfd)) return -EBADF;
    if (oldfd === newfd) return newfd;
    return this.dup3(oldfd, newfd, 0);
  }

  /** dup3(2) */
  dup3(oldfd: number, newfd: number, flags: number): number {
    if (flags & ~O_CLOEXEC) return -EINVAL;
    if (oldfd === newfd) return -EINVAL;
    const f = this.get(oldfd);
    if (!f) return -EBADF;
    if (newfd < 0 || newfd >= this.limit) return -EBADF;
    f.refs++; // keep f alive if newfd was its only other descriptor
    if (this.slots[newfd]) this.close(newfd);
    this.slots[newfd] = { file: f, cloexec: (flags & O_CLOEXEC) !== 0 };
    this.version++;
    return newfd;
  }

  close(fd: number): number {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) return -EBADF;
    this.slots[fd] = undefined;
    this.version++;
    if (--s.file.refs === 0) {
      if (fsnotify.watches) notifyClose(s.file);
      s.file.release();
    }
    // After the count drops: a flock() waiter woken here sees a description that is gone.
    this.onClose?.(s.file);
    return 0;
  }

  /**
   * close_range(2). CLOSE_RANGE_UNSHARE needs the kernel (the table may be shared by CLONE_FILES):
   * it copies the table with fork() first and calls this on the copy.
   */
  closeRange(first: number, last: number, flags: number): number {
    if (flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)) return -EINVAL;
    if (first > last) return -EINVAL;
    const end = Math.min(last, this.slots.length - 1);
    for (let fd = first; fd <= end; fd++) {
      if (!this.slots[fd]) continue;
      if (flags & CLOSE_RANGE_CLOEXEC) this.slots[fd]!.cloexec = true;
      else this.close(fd);
    }
    return 0;
  }

  /** The copy a child gets at fork: same descriptions, flags copied. */
  fork(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    this.slots.forEach((s, fd) => { if (s) t.put(fd, s.file, s.cloexec); });
    return t;
  }

  /** At execve: closes every close-on-exec descriptor. */
  closeOnExec(): void {
    this.slots.forEach((s, fd) => { if (s?.cloexec) this.close(fd); });
  }

  closeAll(): void { this.slots.forEach((s, fd) => { if (s) this.close(fd); }); }

  /** Open descriptors in ascending order (for /proc/<pid>/fd). */
  fds(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, fd) => { if (s) out.push(fd); });
    return out;
  }
}
