// System V IPC (sysvipc(7)): shared memory segments, semaphore sets and message queues, in one
// IPC namespace per machine that all its processes share. Keys, ids (index + sequence, as
// Linux's ipc_buildid forms them), ipc_perm with Linux's ipcperms rules, the limits Linux
// reports, and the texts of /proc/sysvipc/{shm,sem,msg}.
import type { Kernel } from "../runtime/kernel.js";
import type { Process, Thread, SyscallValue } from "../runtime/process.js";
import {
  MAP_FIXED, MAP_SHARED, PAGE, PROT_EXEC, PROT_READ, PROT_WRITE, SharedFilePages, pageUp, type MappedFile,
} from "../runtime/mm.js";
import {
  E2BIG, EACCES, EAGAIN, EEXIST, EFAULT, EFBIG, EIDRM, EINTR, EINVAL, ENOENT, ENOMEM, ENOMSG, ENOSPC, EPERM, ERANGE,
} from "../runtime/errno.js";
import { RLIMIT_MEMLOCK } from "../runtime/process.js";
import { ERESTARTNOHAND, ERESTARTSYS } from "../runtime/signals.js";
import { WaitQueue } from "../runtime/vfs/index.js";
import { blockOn, WOULD_BLOCK } from "./fs_wait.js";
import { isPark, type SyscallResult } from "./types.js";

export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000, IPC_EXCL = 0o2000, IPC_NOWAIT = 0o4000;
export const IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3;
export const SHM_LOCK = 11, SHM_UNLOCK = 12, SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15;
export const SHM_RDONLY = 0o10000, SHM_RND = 0o20000, SHM_REMAP = 0o40000, SHM_EXEC = 0o100000, SHM_HUGETLB = 0o4000;
/** Mode bits the kernel adds to a segment's ipc_perm.mode. */
export const SHM_DEST = 0o1000, SHM_LOCKED = 0o2000;
export const GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17,
  SEM_STAT = 18, SEM_INFO = 19, SEM_STAT_ANY = 20;
export const SEM_UNDO = 0x1000;
export const MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
export const MSG_NOERROR = 0o10000, MSG_EXCEPT = 0o20000, MSG_COPY = 0o40000;

// The limits of a Linux 6 kernel with its defaults (include/uapi/linux/{shm,sem,msg}.h).
export const SHMMAX = 0xffffffffffffffffn - (1n << 24n), SHMALL = SHMMAX, SHMMIN = 1n, SHMMNI = 4096, SHMSEG = SHMMNI;
export const SEMMSL = 32000, SEMMNI = 32000, SEMMNS = SEMMNI * SEMMSL, SEMOPM = 500, SEMVMX = 32767, SEMAEM = SEMVMX,
  SEMMAP = SEMMNS, SEMMNU = SEMMNS, SEMUME = SEMOPM, SEMUSZ = 20;
export const MSGMNI = 32000, MSGMAX = 8192, MSGMNB = 16384, MSGPOOL = (MSGMNI * MSGMNB) / 1024, MSGTQL = MSGMNB,
  MSGMAP = MSGMNB, MSGSSZ = 16, MSGSEG = 0xffff;
/** IPCMNI: ids are index + sequence × 32768. */
const IPCMNI_SHIFT = 15, IPCMNI = 1 << IPCMNI_SHIFT, IPCID_SEQ_MAX = 0x7fffffff >> IPCMNI_SHIFT;
/** /proc/sys/kernel's IPC limits, as Linux prints them. */
export const IPC_SYSCTLS: Record<string, string> = {
  shmmax: `${SHMMAX}`, shmall: `${SHMALL}`, shmmni: `${SHMMNI}`, sem: `${SEMMSL}\t${SEMMNS}\t${SEMOPM}\t${SEMMNI}`,
  msgmax: `${MSGMAX}`, msgmnb: `${MSGMNB}`, msgmni: `${MSGMNI}`,
};
/** st_dev of segments in /proc/<pid>/maps: Linux's internal shm mount is 00:01. */
const SHM_DEV = 1n;

/** kern_ipc_perm: what every IPC object has. */
interface IpcObject {
  key: number;
  uid: number; gid: number; cuid: number; cgid: number;
  mode: number;
  seq: number;
  idx: number;
  id: number;
  /** Removed (IPC_RMID): waiters see EIDRM; a segment lingers until its last detach. */
  deleted: boolean;
}

/** One kind's ids: the lowest free index and a sequence that grows when an index is reused (ipc_idr_alloc). */
class IpcIds<T extends IpcObject> {
  readonly objs: Array<T | undefined> = [];
  inUse = 0;
  private seq = 0;
  private lastIdx = -1;
  constructor(private readonly max: number) {}
  add(o: T): boolean {
    let idx = 0;
    while (idx < this.objs.length && this.objs[idx]) idx++;
    if (idx >= this.max) return false;
    if (idx <= this.lastIdx && ++this.seq >= IPCID_SEQ_MAX) this.seq = 0;
    this.lastIdx = idx;
    o.idx = idx; o.seq = this.seq; o.id = this.seq * IPCMNI + idx;
    this.objs[idx] = o;
    this.inUse++;
    return true;
  }
  /** By id (index and sequence must both match). */
  get(id: number): T | undefined {
    if (id < 0) return undefined;
    const o = this.objs[id & (IPCMNI - 1)];
    return o && o.id === id ? o : undefined;
  }
  /** By index (the *_STAT commands). */
  at(idx: number): T | undefined { return idx >= 0 ? this.objs[idx] : undefined; }
  byKey(key: number): T | undefined { return this.objs.find((o) => o && o.key === key); }
  remove(o: T): void {
    if (this.objs[o.idx] !== o) return;
    this.objs[o.idx] = undefined;
    while (this.objs.length && !this.objs[this.objs.length - 1]) this.objs.pop();
    this.inUse--;
  }
  /** What IPC_INFO and *_INFO return: the highest index in use, 0 when none. */
  maxIdx(): number { return this.objs.length ? this.objs.length - 1 : 0; }
  list(): T[] { return this.objs.filter((o): o is T => !!o); }
}

interface ShmSegment extends IpcObject {
  size: bigint;
  pages: SharedFilePages;
  file: MappedFile;
  nattch: number;
  atime: bigint; dtime: bigint; ctime: bigint;
  cpid: number; lpid: number;
}

interface Sem { val: number; pid: number }
/** A semop(2) call parked until its operations can all be applied. */
interface SemWaiter { blocking: SemBuf }
interface SemSet extends IpcObject {
  sems: Sem[];
  otime: bigint; ctime: bigint;
  waiters: Set<SemWaiter>;
  queue: WaitQueue;
}
interface SemBuf { num: number; op: number; flg: number }

interface Message { type: bigint; data: Uint8Array }
interface MsgQueue extends IpcObject {
  msgs: Message[];
  cbytes: number;
  qbytes: number;
  stime: bigint; rtime: bigint; ctime: bigint;
  lspid: number; lrpid: number;
  /** Fires when a message arrives or leaves, the limit changes or the queue goes. */
  queue: WaitQueue;
}

/** One machine's IPC namespace. */
class IpcNamespace {
  readonly shm = new IpcIds<ShmSegment>(SHMMNI);
  readonly sem = new IpcIds<SemSet>(SEMMNI);
  readonly msg = new IpcIds<MsgQueue>(MSGMNI);
  /** Pages of every segment (shm_tot), semaphores in every set, and queued messages' count and bytes. */
  shmTot = 0n;
  usedSems = 0;
  msgHdrs = 0;
  msgBytes = 0;
  /** Each process's SEM_UNDO adjustments, by set (threads share their process's). */
  readonly undo = new WeakMap<Process, Map<SemSet, number[]>>();
  constructor(readonly k: Kernel) {}
}

const namespaces = new WeakMap<Kernel, IpcNamespace>();
function ns(k: Kernel): IpcNamespace {
  let n = namespaces.get(k);
  if (!n) { n = new IpcNamespace(k); namespaces.set(k, n); }
  return n;
}

const nowSec = (k: Kernel): bigint => k.host.realtimeNs() / 1_000_000_000n;
const i32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

// ---- permissions ----------------------------------------------------------------------------

function inGroup(p: Process, gid: number): boolean { return p.fsgid === gid || p.groups.includes(gid); }

/** ipcperms: may p have the access flag's mode bits ask for (root: CAP_IPC_OWNER)? */
function permitted(p: Process, o: IpcObject, flag: number): boolean {
  if (p.euid === 0) return true;
  const want = ((flag >> 6) | (flag >> 3) | flag) & 7;
  let granted = o.mode;
  if (p.euid === o.cuid || p.euid === o.uid) granted >>= 6;
  else if (inGroup(p, o.cgid) || inGroup(p, o.gid)) granted >>= 3;
  return (want & ~granted & 7) === 0;
}
const S_IRUGO = 0o444, S_IWUGO = 0o222, S_IXUGO = 0o111;

/** IPC_SET and IPC_RMID: the owner, the creator, or root (CAP_SYS_ADMIN). */
function mayControl(p: Process, o: IpcObject): boolean {
  return p.euid === 0 || p.euid === o.uid || p.euid === o.cuid;
}

function newPerm(p: Process, key: number, flg: number): IpcObject {
  return { key, uid: p.euid, gid: p.egid, cuid: p.euid, cgid: p.egid, mode: flg & 0o777, seq: 0, idx: 0, id: 0, deleted: false };
}

/** ipcget: IPC_PRIVATE always creates; a key finds or (IPC_CREAT) creates its object. */
function ipcGet<T extends IpcObject>(p: Process, ids: IpcIds<T>, key: number, flg: number, create: () => number, check: (o: T) => number): number {
  if (key === IPC_PRIVATE) return create();
  const o = ids.byKey(key);
  if (!o) return flg & IPC_CREAT ? create() : -ENOENT;
  if ((flg & IPC_CREAT) && (flg & IPC_EXCL)) return -EEXIST;
  if (!permitted(p, o, flg)) return -EACCES;
  return check(o) || o.id;
}

/** struct ipc64_perm (48 bytes) at off. */
function putPerm(dv: DataView, o: IpcObject): void {
  dv.setInt32(0, o.key, true);
  dv.setUint32(4, o.uid, true); dv.setUint32(8, o.gid, true);
  dv.setUint32(12, o.cuid, true); dv.setUint32(16, o.cgid, true);
  dv.setUint32(20, o.mode, true);
  dv.setUint16(24, o.seq & 0xffff, true);
}

/** IPC_SET: uid, gid and the permission bits from the caller's ipc64_perm. */
function setPerm(o: IpcObject, b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset);
  o.uid = dv.getUint32(4, true);
  o.gid = dv.getUint32(8, true);
  o.mode = (o.mode & ~0o777) | (dv.getUint32(20, true) & 0o777);
}

function copyOut(k: Kernel, addr: bigint, b: Uint8Array): number { return k.machine.copyOut(addr, b) ? 0 : -EFAULT; }

/**
 * IPC_STAT (by id) and a kind's *_STAT / *_STAT_ANY (by index, answering the id; _ANY needs no read
 * permission): the object's ds, as ds() lays it out, copied to buf.
 */
function statCommand<T extends IpcObject>(k: Kernel, p: Process, ids: IpcIds<T>, cmd: number, statAny: number, id: number,
  buf: bigint, ds: (o: T) => Uint8Array): number {
  const o = cmd === IPC_STAT ? ids.get(id) : ids.at(id);
  if (!o) return -EINVAL;
  if (cmd !== statAny && !permitted(p, o, S_IRUGO)) return -EACCES;
  return copyOut(k, buf, ds(o)) || (cmd === IPC_STAT ? 0 : o.id);
}

/** IPC_SET and IPC_RMID: the object, and for IPC_SET the caller's ds (size bytes), once the caller may control it; or -errno. */
function controlTarget<T extends IpcObject>(k: Kernel, p: Process, ids: IpcIds<T>, cmd: number, id: number, buf: bigint,
  size: number): { o: T; ds: Uint8Array } | number {
  let ds: Uint8Array | null = null;
  if (cmd === IPC_SET && !(ds = k.machine.copyIn(buf, size))) return -EFAULT;
  const o = ids.get(id);
  if (!o) return -EINVAL;
  if (!mayControl(p, o)) return -EPERM;
  return { o, ds: ds ?? new Uint8Array(0) };
}

// ---- shared memory ----------------------------------------------------------------------------

const shmOfFile = new WeakMap<MappedFile, ShmSegment>();

function destroySegment(n: IpcNamespace, s: ShmSegment): void {
  n.shm.remove(s);
  n.shmTot -= pageUp(s.size) / PAGE;
  s.pages.release();
}

/** shmget(2) */
export function sysShmget(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const key = i32(a[0]), size = a[1], flg = i32(a[2]);
  const create = (): number => {
    if (size < SHMMIN || size > SHMMAX) return -EINVAL;
    const pages = pageUp(size) / PAGE;
    if (pages === 0n || n.shmTot + pages > SHMALL) return -ENOSPC;
    // No huge pages are reserved (vm.nr_hugepages 0): Linux cannot back such a segment either.
    if (flg & SHM_HUGETLB) return -ENOMEM;
    const now = nowSec(k);
    const s = {
      ...newPerm(p, key, flg), size, pages: new SharedFilePages(k.machine.core, () => {}), nattch: 0,
      atime: 0n, dtime: 0n, ctime: now, cpid: p.pid, lpid: 0,
    } as ShmSegment;
    if (!n.shm.add(s)) return -ENOSPC;
    const current = () => k.current?.process.pid ?? s.lpid;
    s.file = {
      dev: SHM_DEV, ino: BigInt(s.id), handle: {}, writeBack: false,
      // Every VMA over the segment counts as an attach (splits and fork copies too, as in Linux).
      ops: {
        open: () => { s.nattch++; s.atime = nowSec(k); s.lpid = current(); },
        close: () => {
          s.nattch--; s.dtime = nowSec(k); s.lpid = current();
          if (s.nattch === 0 && (s.mode & SHM_DEST)) destroySegment(n, s);
        },
      },
    };
    shmOfFile.set(s.file, s);
    n.shmTot += pages;
    return s.id;
  };
  return ipcGet(p, n.shm, key, flg, create, (s) => (size > s.size ? -EINVAL : 0));
}

/** The name Linux gives a segment's file, as /proc/<pid>/maps shows it. */
function segmentName(s: ShmSegment): string {
  return `/SYSV${(s.key >>> 0).toString(16).padStart(8, "0")} (deleted)`;
}

/** shmat(2): the segment's frames, shared by every attach, mapped at addr or where mmap would put them. */
export function sysShmat(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process, mm = p.mm;
  const id = i32(a[0]), flg = i32(a[2]);
  let addr = a[1];
  if (id < 0) return -EINVAL;
  if (addr !== 0n) {
    if (addr & (PAGE - 1n)) {
      if (!(flg & SHM_RND)) return -EINVAL;
      addr &= ~(PAGE - 1n);
      if (addr === 0n && (flg & SHM_REMAP)) return -EINVAL;
    }
  } else if (flg & SHM_REMAP) return -EINVAL;
  let prot = PROT_READ, acc = S_IRUGO;
  if (!(flg & SHM_RDONLY)) { prot |= PROT_WRITE; acc |= S_IWUGO; }
  if (flg & SHM_EXEC) { prot |= PROT_EXEC; acc |= S_IXUGO; }
  const s = n.shm.get(id);
  if (!s) return -EINVAL;
  if (!permitted(p, s, acc)) return -EACCES;
  const len = pageUp(s.size);
  if (addr !== 0n && !(flg & SHM_REMAP) && mm.overlaps(addr, addr + len)) return -EINVAL;
  // The segment must outlive a removal of its last attach by this one (SHM_REMAP over itself).
  s.nattch++;
  try {
    const start = mm.mmapAnonymous(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | (addr !== 0n ? MAP_FIXED : 0), segmentName(s), s.file, 0n);
    if (start < 0n) return start;
    if (!mm.mapSharedPages(start, 0n, Number(len / PAGE), s.pages, () => {}) || mm.mprotect(start, len, prot) !== 0) {
      mm.munmap(start, len);
      return -ENOMEM;
    }
    // A read-only attach holds the segment open for reading only: mprotect cannot add PROT_WRITE.
    const v = mm.find(start);
    if (v && (flg & SHM_RDONLY)) v.mayProt = PROT_READ | PROT_EXEC;
    return start;
  } finally {
    if (--s.nattch === 0 && (s.mode & SHM_DEST)) destroySegment(n, s);
  }
}

/** shmdt(2): every piece of the attach that starts at addr goes. */
export function sysShmdt(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const addr = a[0], mm = t.process.mm;
  if (addr & (PAGE - 1n)) return -EINVAL;
  const first = mm.vmas.find((v) => v.start === addr && v.file && shmOfFile.has(v.file) && (v.offset ?? 0n) === 0n);
  if (!first) return -EINVAL;
  const s = shmOfFile.get(first.file!)!;
  const end = addr + pageUp(s.size);
  const parts = mm.vmas.filter((v) => v.file === first.file && v.start >= addr && v.end <= end && (v.offset ?? 0n) === v.start - addr);
  for (const v of parts) mm.munmap(v.start, v.end - v.start);
  return 0;
}

/** struct shmid64_ds (112 bytes). */
function shmidDs(s: ShmSegment): Uint8Array {
  const b = new Uint8Array(112), dv = new DataView(b.buffer);
  putPerm(dv, s);
  dv.setBigUint64(48, s.size, true);
  dv.setBigInt64(56, s.atime, true); dv.setBigInt64(64, s.dtime, true); dv.setBigInt64(72, s.ctime, true);
  dv.setInt32(80, s.cpid, true); dv.setInt32(84, s.lpid, true);
  dv.setBigUint64(88, BigInt(s.nattch), true);
  return b;
}

/** shmctl(2) */
export function sysShmctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const id = i32(a[0]), cmd = i32(a[1]), buf = a[2];
  if (id < 0 || cmd < 0) return -EINVAL;
  switch (cmd) {
    case IPC_INFO: {
      const b = new Uint8Array(72), dv = new DataView(b.buffer);
      dv.setBigUint64(0, SHMMAX, true); dv.setBigUint64(8, SHMMIN, true); dv.setBigUint64(16, BigInt(SHMMNI), true);
      dv.setBigUint64(24, BigInt(SHMSEG), true); dv.setBigUint64(32, SHMALL, true);
      return copyOut(k, buf, b) || n.shm.maxIdx();
    }
    case SHM_INFO: {
      const b = new Uint8Array(48), dv = new DataView(b.buffer);
      let rss = 0n;
      for (const s of n.shm.list()) rss += BigInt(s.pages.frames.size);
      dv.setInt32(0, n.shm.inUse, true);
      dv.setBigUint64(8, n.shmTot, true); dv.setBigUint64(16, rss, true);
      return copyOut(k, buf, b) || n.shm.maxIdx();
    }
    case IPC_STAT: case SHM_STAT: case SHM_STAT_ANY: return statCommand(k, p, n.shm, cmd, SHM_STAT_ANY, id, buf, shmidDs);
    case IPC_SET: case IPC_RMID: {
      const t = controlTarget(k, p, n.shm, cmd, id, buf, 112);
      if (typeof t === "number") return t;
      const s = t.o;
      if (cmd === IPC_SET) { setPerm(s, t.ds); s.ctime = nowSec(k); return 0; }
      // Attached: only marked, and its key is free for a new segment; it goes at the last detach.
      if (s.nattch > 0) { s.mode |= SHM_DEST; s.key = IPC_PRIVATE; s.deleted = true; }
      else destroySegment(n, s);
      return 0;
    }
    case SHM_LOCK: case SHM_UNLOCK: {
      const s = n.shm.get(id);
      if (!s) return -EINVAL;
      // Without CAP_IPC_LOCK: the owner or creator, and locking needs some RLIMIT_MEMLOCK.
      if (p.euid !== 0) {
        if (p.euid !== s.uid && p.euid !== s.cuid) return -EPERM;
        if (cmd === SHM_LOCK && p.rlimits[RLIMIT_MEMLOCK][0] === 0n) return -EPERM;
      }
      // Guest memory is never swapped: the flag is all there is to keep.
      if (cmd === SHM_LOCK) s.mode |= SHM_LOCKED; else s.mode &= ~SHM_LOCKED;
      return 0;
    }
    default:
      return -EINVAL;
  }
}

// ---- semaphores -------------------------------------------------------------------------------

/** semget(2) */
export function sysSemget(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const key = i32(a[0]), nsems = i32(a[1]), flg = i32(a[2]);
  if (nsems < 0 || nsems > SEMMSL) return -EINVAL;
  const create = (): number => {
    if (nsems === 0) return -EINVAL;
    if (n.usedSems + nsems > SEMMNS) return -ENOSPC;
    const set: SemSet = {
      ...newPerm(p, key, flg), sems: Array.from({ length: nsems }, () => ({ val: 0, pid: 0 })),
      otime: 0n, ctime: nowSec(k), waiters: new Set(), queue: new WaitQueue(),
    };
    if (!n.sem.add(set)) return -ENOSPC;
    n.usedSems += nsems;
    return set.id;
  };
  return ipcGet(p, n.sem, key, flg, create, (s) => (nsems > s.sems.length ? -EINVAL : 0));
}

const BLOCKED = Symbol("blocked");

/**
 * Applies the operations all at once or not at all (perform_atomic_semop): each sees the values
 * the ones before it left. BLOCKED with the operation that must wait, or ERANGE past SEMVMX or
 * past the undo range.
 */
function applySemops(set: SemSet, sops: SemBuf[], adj: number[] | null, pid: number): number | { blocked: SemBuf } {
  const vals = set.sems.map((s) => s.val);
  const undo = adj ? [...adj] : null;
  for (const op of sops) {
    const cur = vals[op.num];
    if (op.op === 0) {
      if (cur !== 0) return { blocked: op };
      continue;
    }
    const r = cur + op.op;
    if (r < 0) return { blocked: op };
    if (r > SEMVMX) return -ERANGE;
    if (op.flg & SEM_UNDO) {
      const u = undo![op.num] - op.op;
      if (u < -SEMAEM - 1 || u > SEMAEM) return -ERANGE;
      undo![op.num] = u;
    }
    vals[op.num] = r;
  }
  for (const op of sops) set.sems[op.num].pid = pid;
  vals.forEach((v, i) => { set.sems[i].val = v; });
  if (adj && undo) undo.forEach((u, i) => { adj[i] = u; });
  return 0;
}

function undoOf(n: IpcNamespace, p: Process, set: SemSet): number[] {
  let m = n.undo.get(p);
  if (!m) { m = new Map(); n.undo.set(p, m); }
  let adj = m.get(set);
  if (!adj) { adj = new Array<number>(set.sems.length).fill(0); m.set(set, adj); }
  return adj;
}

/** Clears the undo adjustments of one semaphore (or all, num -1) in every process (SETVAL, SETALL). */
function clearUndo(n: IpcNamespace, set: SemSet, num: number): void {
  for (const proc of n.k.processes.values()) {
    const adj = n.undo.get(proc)?.get(set);
    if (adj) { if (num < 0) adj.fill(0); else adj[num] = 0; }
  }
}

/** A change to the values: waiting operations that can now complete do (update_queue). */
function semChanged(set: SemSet): void { set.queue.notify(); }

/** semop(2) */
export function sysSemop(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return semtimedop(k, t, i32(a[0]), a[1], a[2], 0n);
}

/** semtimedop(2) */
export function sysSemtimedop(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  return semtimedop(k, t, i32(a[0]), a[1], a[2], a[3]);
}

function semtimedop(k: Kernel, t: Thread, id: number, sopsAddr: bigint, nsopsB: bigint, timeoutAddr: bigint): SyscallResult {
  const n = ns(k), p = t.process;
  if (nsopsB < 1n || id < 0) return -EINVAL;
  if (nsopsB > BigInt(SEMOPM)) return -E2BIG;
  const nsops = Number(nsopsB);
  const raw = k.machine.copyIn(sopsAddr, nsops * 6);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer, raw.byteOffset);
  const sops: SemBuf[] = [];
  let max = 0, undos = false, alter = false;
  for (let i = 0; i < nsops; i++) {
    const op: SemBuf = { num: dv.getUint16(i * 6, true), op: dv.getInt16(i * 6 + 2, true), flg: dv.getInt16(i * 6 + 4, true) };
    sops.push(op);
    if (op.num > max) max = op.num;
    if (op.flg & SEM_UNDO) undos = true;
    if (op.op !== 0) alter = true;
  }
  let timeoutMs: number | null = null;
  if (timeoutAddr !== 0n) {
    const tb = k.machine.copyIn(timeoutAddr, 16);
    if (!tb) return -EFAULT;
    const tv = new DataView(tb.buffer, tb.byteOffset);
    const sec = tv.getBigInt64(0, true), nsec = tv.getBigInt64(8, true);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
    const ms = (sec * 1_000_000_000n + nsec + 999_999n) / 1_000_000n;
    timeoutMs = ms > 0x7fffffffn ? 0x7fffffff : Number(ms);
  }
  const set = n.sem.get(id);
  if (!set) return -EINVAL;
  if (max >= set.sems.length) return -EFBIG;
  if (!permitted(p, set, alter ? S_IWUGO : S_IRUGO)) return -EACCES;
  const adj = undos ? undoOf(n, p, set) : null;
  const waiter: SemWaiter = { blocking: sops[0] };
  const attempt = (): number | typeof BLOCKED => {
    if (set.deleted) { set.waiters.delete(waiter); return -EIDRM; }
    const r = applySemops(set, sops, adj, p.pid);
    if (typeof r === "object") { waiter.blocking = r.blocked; return BLOCKED; }
    set.waiters.delete(waiter);
    if (r === 0) {
      set.otime = nowSec(k);
      if (alter) semChanged(set);
    }
    return r;
  };
  const first = attempt();
  if (first !== BLOCKED) return first;
  if (waiter.blocking.flg & IPC_NOWAIT) return -EAGAIN;
  if (timeoutMs === 0) return -EAGAIN;
  set.waiters.add(waiter);
  const park = blockOn(k, t, [set.queue], () => { const r = attempt(); return r === BLOCKED ? WOULD_BLOCK : r; }, {
    timeoutMs, onTimeout: () => -EAGAIN, onAbort: () => { set.waiters.delete(waiter); },
  });
  // A signal ends the wait with EINTR, handler or not, SA_RESTART or not (ipc/sem.c returns -EINTR).
  return interruptAs(park, -EINTR);
}

/** A parked IPC wait that a signal ends with result instead of a restartable code. */
function interruptAs(park: SyscallResult, result: number): SyscallResult {
  if (!isPark(park) || !park.interrupt) return park;
  const inner = park.interrupt;
  park.interrupt = (v?: SyscallValue) => inner(v === -ERESTARTSYS || v === -ERESTARTNOHAND || v === undefined || v === -EINTR ? result : v);
  return park;
}

/** struct semid64_ds (104 bytes). */
function semidDs(s: SemSet): Uint8Array {
  const b = new Uint8Array(104), dv = new DataView(b.buffer);
  putPerm(dv, s);
  dv.setBigInt64(48, s.otime, true); dv.setBigInt64(64, s.ctime, true);
  dv.setBigUint64(80, BigInt(s.sems.length), true);
  return b;
}

function removeSemSet(n: IpcNamespace, set: SemSet): void {
  set.deleted = true;
  n.sem.remove(set);
  n.usedSems -= set.sems.length;
  for (const proc of n.k.processes.values()) n.undo.get(proc)?.delete(set);
  set.queue.notify();
}

/** semctl(2) */
export function sysSemctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const id = i32(a[0]), num = i32(a[1]), cmd = i32(a[2]), arg = a[3];
  if (id < 0) return -EINVAL;
  const m = k.machine;
  switch (cmd) {
    case IPC_INFO: case SEM_INFO: {
      const b = new Uint8Array(40), dv = new DataView(b.buffer);
      const info = [SEMMAP, SEMMNI, SEMMNS, SEMMNU, SEMMSL, SEMOPM, SEMUME,
        cmd === SEM_INFO ? n.sem.inUse : SEMUSZ, SEMVMX, cmd === SEM_INFO ? n.usedSems : SEMAEM];
      info.forEach((v, i) => dv.setInt32(i * 4, v, true));
      return copyOut(k, arg, b) || n.sem.maxIdx();
    }
    case IPC_STAT: case SEM_STAT: case SEM_STAT_ANY: return statCommand(k, p, n.sem, cmd, SEM_STAT_ANY, id, arg, semidDs);
    case IPC_SET: case IPC_RMID: {
      const t = controlTarget(k, p, n.sem, cmd, id, arg, 104);
      if (typeof t === "number") return t;
      const s = t.o;
      if (cmd === IPC_SET) { setPerm(s, t.ds); s.ctime = nowSec(k); return 0; }
      removeSemSet(n, s);
      return 0;
    }
    case SETVAL: {
      const val = i32(arg);
      if (val < 0 || val > SEMVMX) return -ERANGE;
      const s = n.sem.get(id);
      if (!s) return -EINVAL;
      if (num < 0 || num >= s.sems.length) return -EINVAL;
      if (!permitted(p, s, S_IWUGO)) return -EACCES;
      clearUndo(n, s, num);
      s.sems[num] = { val, pid: p.pid };
      s.ctime = nowSec(k);
      semChanged(s);
      return 0;
    }
    case GETALL: case GETVAL: case GETPID: case GETNCNT: case GETZCNT: case SETALL: {
      const s = n.sem.get(id);
      if (!s) return -EINVAL;
      if (!permitted(p, s, cmd === SETALL ? S_IWUGO : S_IRUGO)) return -EACCES;
      const count = s.sems.length;
      if (cmd === GETALL) {
        const b = new Uint8Array(count * 2), dv = new DataView(b.buffer);
        s.sems.forEach((x, i) => dv.setUint16(i * 2, x.val, true));
        return copyOut(k, arg, b);
      }
      if (cmd === SETALL) {
        const b = m.copyIn(arg, count * 2);
        if (!b) return -EFAULT;
        const dv = new DataView(b.buffer, b.byteOffset);
        const vals = Array.from({ length: count }, (_, i) => dv.getUint16(i * 2, true));
        if (vals.some((v) => v > SEMVMX)) return -ERANGE;
        clearUndo(n, s, -1);
        vals.forEach((v, i) => { s.sems[i] = { val: v, pid: p.pid }; });
        s.ctime = nowSec(k);
        semChanged(s);
        return 0;
      }
      if (num < 0 || num >= count) return -EINVAL;
      if (cmd === GETVAL) return s.sems[num].val;
      if (cmd === GETPID) return s.sems[num].pid;
      // Waiters counted by the operation they wait on (count_semcnt).
      let c = 0;
      for (const w of s.waiters) {
        if (w.blocking.num !== num) continue;
        if (cmd === GETZCNT ? w.blocking.op === 0 : w.blocking.op < 0) c++;
      }
      return c;
    }
    default:
      return -EINVAL;
  }
}

/**
 * At process exit: each SEM_UNDO adjustment still owed is applied (clamped to 0…SEMVMX, as
 * Linux's exit_sem does) and waiters look again.
 */
export function exitSem(k: Kernel, proc: Process): void {
  const n = namespaces.get(k);
  const m = n?.undo.get(proc);
  if (!n || !m) return;
  n.undo.delete(proc);
  for (const [set, adj] of m) {
    if (set.deleted || !adj.some((x) => x !== 0)) continue;
    adj.forEach((d, i) => {
      if (d === 0) return;
      const v = Math.min(SEMVMX, Math.max(0, set.sems[i].val + d));
      set.sems[i] = { val: v, pid: proc.pid };
    });
    set.otime = nowSec(k);
    semChanged(set);
  }
}

// ---- message queues ---------------------------------------------------------------------------

/** msgget(2) */
export function sysMsgget(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const key = i32(a[0]), flg = i32(a[1]);
  const create = (): number => {
    const q: MsgQueue = {
      ...newPerm(p, key, flg), msgs: [], cbytes: 0, qbytes: MSGMNB, stime: 0n, rtime: 0n, ctime: nowSec(k),
      lspid: 0, lrpid: 0, queue: new WaitQueue(),
    };
    if (!n.msg.add(q)) return -ENOSPC;
    return q.id;
  };
  return ipcGet(p, n.msg, key, flg, create, () => 0);
}

/** msgsnd(2): waits (unless IPC_NOWAIT) while the queue's bytes or count would pass msg_qbytes. */
export function sysMsgsnd(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const id = i32(a[0]), msgp = a[1], size = a[2], flg = i32(a[3]);
  if (size > BigInt(MSGMAX) || id < 0) return -EINVAL;
  const type = k.machine.readU64(msgp);
  if (type === null) return -EFAULT;
  if (BigInt.asIntN(64, type) < 1n) return -EINVAL;
  const data = size === 0n ? new Uint8Array(0) : k.machine.copyIn(msgp + 8n, Number(size));
  if (!data) return -EFAULT;
  const q = n.msg.get(id);
  if (!q) return -EINVAL;
  const attempt = (): number => {
    if (!permitted(p, q, S_IWUGO)) return -EACCES;
    if (q.deleted) return -EIDRM;
    if (data.length + q.cbytes > q.qbytes || 1 + q.msgs.length > q.qbytes) return WOULD_BLOCK;
    q.msgs.push({ type: BigInt.asIntN(64, type), data: data.slice() });
    q.cbytes += data.length;
    n.msgHdrs++; n.msgBytes += data.length;
    q.lspid = p.pid; q.stime = nowSec(k);
    q.queue.notify();
    return 0;
  };
  const first = attempt();
  if (first !== WOULD_BLOCK) return first;
  if (flg & IPC_NOWAIT) return -EAGAIN;
  return interruptAs(blockOn(k, t, [q.queue], attempt), -ERESTARTNOHAND);
}

/** msgrcv(2): by type (0 any, >0 that type or, MSG_EXCEPT, any other, <0 the lowest up to |type|), MSG_COPY by index. */
export function sysMsgrcv(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const id = i32(a[0]), msgp = a[1], bufsz = BigInt.asIntN(64, a[2]), flg = i32(a[4]);
  let want = BigInt.asIntN(64, a[3]);
  if (id < 0 || bufsz < 0n) return -EINVAL;
  const copy = (flg & MSG_COPY) !== 0;
  if (copy && ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT))) return -EINVAL;
  type Mode = "any" | "equal" | "notequal" | "lessequal" | "number";
  let mode: Mode;
  if (copy) mode = "number";
  else if (want === 0n) mode = "any";
  else if (want < 0n) { mode = "lessequal"; want = want === -(1n << 63n) ? (1n << 63n) - 1n : -want; }
  else mode = flg & MSG_EXCEPT ? "notequal" : "equal";
  const q = n.msg.get(id);
  if (!q) return -EINVAL;
  const find = (): number => {
    if (mode === "number") return want < BigInt(q.msgs.length) ? Number(want) : -1;
    let best = -1;
    for (let i = 0; i < q.msgs.length; i++) {
      const ty = q.msgs[i].type;
      if (mode === "any" || (mode === "equal" && ty === want) || (mode === "notequal" && ty !== want)) return i;
      if (mode === "lessequal" && ty <= want && (best < 0 || ty < q.msgs[best].type)) best = i;
    }
    return best;
  };
  const attempt = (): number => {
    if (!permitted(p, q, S_IRUGO)) return -EACCES;
    if (q.deleted) return -EIDRM;
    const i = find();
    if (i < 0) return copy || (flg & IPC_NOWAIT) ? -ENOMSG : WOULD_BLOCK;
    const msg = q.msgs[i];
    if (BigInt(msg.data.length) > bufsz && !(flg & MSG_NOERROR)) return -E2BIG;
    const len = BigInt(msg.data.length) < bufsz ? msg.data.length : Number(bufsz);
    if (!copy) {
      q.msgs.splice(i, 1);
      q.cbytes -= msg.data.length;
      n.msgHdrs--; n.msgBytes -= msg.data.length;
      q.lrpid = p.pid; q.rtime = nowSec(k);
      q.queue.notify();
    }
    // Linux copies out after taking the message: a bad buffer loses it (EFAULT).
    if (!k.machine.writeU64(msgp, msg.type) || (len > 0 && !k.machine.copyOut(msgp + 8n, msg.data.subarray(0, len)))) return -EFAULT;
    return len;
  };
  const first = attempt();
  if (first !== WOULD_BLOCK) return first;
  return interruptAs(blockOn(k, t, [q.queue], attempt), -ERESTARTNOHAND);
}

/** struct msqid64_ds (120 bytes). */
function msqidDs(q: MsgQueue): Uint8Array {
  const b = new Uint8Array(120), dv = new DataView(b.buffer);
  putPerm(dv, q);
  dv.setBigInt64(48, q.stime, true); dv.setBigInt64(56, q.rtime, true); dv.setBigInt64(64, q.ctime, true);
  dv.setBigUint64(72, BigInt(q.cbytes), true); dv.setBigUint64(80, BigInt(q.msgs.length), true);
  dv.setBigUint64(88, BigInt(q.qbytes), true);
  dv.setInt32(96, q.lspid, true); dv.setInt32(100, q.lrpid, true);
  return b;
}

/** msgctl(2) */
export function sysMsgctl(k: Kernel, t: Thread, a: bigint[]): SyscallResult {
  const n = ns(k), p = t.process;
  const id = i32(a[0]), cmd = i32(a[1]), buf = a[2];
  if (id < 0) return -EINVAL;
  switch (cmd) {
    case IPC_INFO: case MSG_INFO: {
      const b = new Uint8Array(32), dv = new DataView(b.buffer);
      const info = cmd === MSG_INFO ? [n.msg.inUse, n.msgHdrs] : [MSGPOOL, MSGMAP];
      dv.setInt32(0, info[0], true); dv.setInt32(4, info[1], true);
      dv.setInt32(8, MSGMAX, true); dv.setInt32(12, MSGMNB, true); dv.setInt32(16, MSGMNI, true);
      dv.setInt32(20, MSGSSZ, true); dv.setInt32(24, cmd === MSG_INFO ? n.msgBytes : MSGTQL, true);
      dv.setUint16(28, MSGSEG, true);
      return copyOut(k, buf, b) || n.msg.maxIdx();
    }
    case IPC_STAT: case MSG_STAT: case MSG_STAT_ANY: return statCommand(k, p, n.msg, cmd, MSG_STAT_ANY, id, buf, msqidDs);
    case IPC_SET: case IPC_RMID: {
      const t = controlTarget(k, p, n.msg, cmd, id, buf, 120);
      if (typeof t === "number") return t;
      const q = t.o;
      if (cmd === IPC_SET) {
        const qbytes = new DataView(t.ds.buffer, t.ds.byteOffset).getBigUint64(88, true);
        // Raising the limit past msgmnb needs CAP_SYS_RESOURCE.
        if (qbytes > BigInt(MSGMNB) && p.euid !== 0) return -EPERM;
        setPerm(q, t.ds);
        q.qbytes = Number(qbytes > 0x7fffffffn ? 0x7fffffffn : qbytes);
        q.ctime = nowSec(k);
        q.queue.notify();
        return 0;
      }
      q.deleted = true;
      n.msg.remove(q);
      for (const msg of q.msgs) { n.msgHdrs--; n.msgBytes -= msg.data.length; }
      q.msgs = [];
      q.queue.notify();
      return 0;
    }
    default:
      return -EINVAL;
  }
}

/**
 * The machine's run is over: segments nobody removed give their frames back (Linux keeps them
 * until reboot; this machine is about to be reset or dropped).
 */
export function releaseIpcNamespace(k: Kernel): void {
  const n = namespaces.get(k);
  if (!n) return;
  for (const s of n.shm.list()) destroySegment(n, s);
  namespaces.delete(k);
}

// ---- /proc/sysvipc ----------------------------------------------------------------------------

const pad = (v: number | bigint | string, w: number): string => String(v).padStart(w);
const perms = (mode: number): string => pad(mode.toString(8), 4);

/** /proc/sysvipc/{shm,sem,msg} as Linux's sysvipc_*_proc_show print them (64-bit widths). */
export function sysvipcText(k: Kernel, kind: "shm" | "sem" | "msg"): string {
  const n = ns(k);
  if (kind === "shm") {
    let out = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
    for (const s of n.shm.list()) {
      out += `${pad(s.key, 10)} ${pad(s.id, 10)}  ${perms(s.mode)} ${pad(s.size, 21)} ${pad(s.cpid, 5)} ${pad(s.lpid, 5)}  ${pad(s.nattch, 5)} ` +
        `${pad(s.uid, 5)} ${pad(s.gid, 5)} ${pad(s.cuid, 5)} ${pad(s.cgid, 5)} ${pad(s.atime, 10)} ${pad(s.dtime, 10)} ${pad(s.ctime, 10)} ` +
        `${pad(BigInt(s.pages.frames.size) * PAGE, 21)} ${pad(0, 21)}\n`;
    }
    return out;
  }
  if (kind === "sem") {
    let out = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
    for (const s of n.sem.list()) {
      out += `${pad(s.key, 10)} ${pad(s.id, 10)}  ${perms(s.mode)} ${pad(s.sems.length, 10)} ${pad(s.uid, 5)} ${pad(s.gid, 5)} ` +
        `${pad(s.cuid, 5)} ${pad(s.cgid, 5)} ${pad(s.otime, 10)} ${pad(s.ctime, 10)}\n`;
    }
    return out;
  }
  let out = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n";
  for (const q of n.msg.list()) {
    out += `${pad(q.key, 10)} ${pad(q.id, 10)}  ${perms(q.mode)}  ${pad(q.cbytes, 10)} ${pad(q.msgs.length, 10)} ${pad(q.lspid, 5)} ${pad(q.lrpid, 5)} ` +
      `${pad(q.uid, 5)} ${pad(q.gid, 5)} ${pad(q.cuid, 5)} ${pad(q.cgid, 5)} ${pad(q.stime, 10)} ${pad(q.rtime, 10)} ${pad(q.ctime, 10)}\n`;
  }
  return out;
}

