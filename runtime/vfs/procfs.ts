// procfs: directories whose entries are made on lookup and readdir from callbacks the kernel
// provides (ProcSource), plus the text generators for the system-wide files.
import { ENOENT, EACCES } from "../errno.js";
import { S_IFDIR, S_IFREG, S_IFLNK, O_ACCMODE, O_RDONLY, PROC_SUPER_MAGIC, dtypeOf, bytesOf, type StatFs } from "./abi.js";
import { Inode, Superblock, type DirEntry, type FileIO } from "./inode.js";
import type { Path } from "./mount.js";
import type { OpenFile } from "./file.js";
import type { MagicLink, Vfs } from "./vfs.js";
import { MAX_QUEUED_EVENTS } from "./fsnotify.js";

/** One process as /proc/<pid> shows it. */
export interface ProcProcess {
  /** The executable, cwd and root as paths (magic links), or null when gone. */
  exe(): Path | null;
  cwd(): Path | null;
  root(): Path | null;
  /** Open descriptors with their files, ascending. */
  fds(): Array<[number, OpenFile]>;
  cmdline(): Uint8Array;
  environ(): Uint8Array;
  maps(): string;
  /** Live thread ids; stat, status and comm describe one of them when given its tid. */
  tids(): number[];
  stat(tid?: number): string;
  status(tid?: number): string;
  comm(tid?: number): string;
  statm(): string;
  limits(): string;
}

export interface CpuInfo { count: number; modelName: string; mhz: number; flags: string[]; cacheKiB?: number }
export interface MemInfo { totalKiB: number; freeKiB: number; availableKiB: number; buffersKiB?: number; cachedKiB?: number; swapTotalKiB?: number; swapFreeKiB?: number }
export interface LoadInfo { one: number; five: number; fifteen: number; running: number; total: number; lastPid: number }

/** What the kernel tells procfs. */
export interface ProcSource {
  /** The pid of the process making the current system call (what /proc/self names). */
  currentPid(): number;
  pids(): number[];
  process(pid: number): ProcProcess | null;
  cpu(): CpuInfo;
  memory(): MemInfo;
  /** Seconds since boot, and idle seconds summed over CPUs. */
  uptime(): { up: number; idle: number };
  load(): LoadInfo;
  hostname(): string;
  osrelease(): string;
  /** uname's version field (#1 SMP …). */
  version(): string;
  random(buf: Uint8Array): void;
  /** /proc/stat: CPU time in clock ticks, boot time, task counts. */
  stat(): string;
  /** System V IPC: /proc/sysvipc/{shm,sem,msg} and the limits in /proc/sys/kernel (name → value). */
  sysvipc?(kind: "shm" | "sem" | "msg"): string;
  ipcLimits?: Record<string, string>;
}

/** Stable per-boot and fresh-per-read UUIDs (/proc/sys/kernel/random/{boot_id,uuid}). */
function uuidV4(random: (b: Uint8Array) => void): string {
  const b = new Uint8Array(16);
  random(b);
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function cpuinfoText(c: CpuInfo): string {
  let out = "";
  for (let i = 0; i < c.count; i++) {
    out += `processor\t: ${i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 26\nmodel name\t: ${c.modelName}\n` +
      `stepping\t: 5\ncpu MHz\t\t: ${c.mhz.toFixed(3)}\ncache size\t: ${c.cacheKiB ?? 0} KB\nphysical id\t: 0\n` +
      `siblings\t: ${c.count}\ncore id\t\t: ${i}\ncpu cores\t: ${c.count}\napicid\t\t: ${i}\nfpu\t\t: yes\n` +
      `fpu_exception\t: yes\ncpuid level\t: 31\nwp\t\t: yes\nflags\t\t: ${c.flags.join(" ")}\n` +
      `bogomips\t: ${(c.mhz * 2).toFixed(2)}\nclflush size\t: 64\ncache_alignment\t: 64\n` +
      `address sizes\t: 40 bits physical, 48 bits virtual\npower management:\n\n`;
  }
  return out;
}

export function meminfoText(m: MemInfo): string {
  const row = (k: string, v: number) => `${(k + ":").padEnd(16)}${String(Math.floor(v)).padStart(8)} kB\n`;
  return row("MemTotal", m.totalKiB) + row("MemFree", m.freeKiB) + row("MemAvailable", m.availableKiB) +
    row("Buffers", m.buffersKiB ?? 0) + row("Cached", m.cachedKiB ?? 0) + row("SwapCached", 0) +
    row("SwapTotal", m.swapTotalKiB ?? 0) + row("SwapFree", m.swapFreeKiB ?? 0) + row("Shmem", 0);
}

/**
 * /proc/vmstat: free pages from the memory figures; the paging and swap event counters are 0, as
 * nothing is ever paged in from or out to a disk here.
 */
export function vmstatText(m: MemInfo): string {
  const rows: Array<[string, number]> = [
    ["nr_free_pages", Math.floor(m.freeKiB / 4)], ["nr_inactive_anon", 0], ["nr_active_anon", 0],
    ["nr_inactive_file", 0], ["nr_active_file", 0], ["nr_dirty", 0], ["nr_writeback", 0],
    ["pgpgin", 0], ["pgpgout", 0], ["pswpin", 0], ["pswpout", 0], ["pgfault", 0], ["pgmajfault", 0],
  ];
  return rows.map(([k, v]) => `${k} ${v}\n`).join("");
}

export function uptimeText(u: { up: number; idle: number }): string { return `${u.up.toFixed(2)} ${u.idle.toFixed(2)}\n`; }

export function loadavgText(l: LoadInfo): string {
  return `${l.one.toFixed(2)} ${l.five.toFixed(2)} ${l.fifteen.toFixed(2)} ${l.running}/${l.total} ${l.lastPid}\n`;
}


class ProcSuperblock extends Superblock {
  readonly fsType = "proc";
  root!: Inode;
  private inos = new Map<string, bigint>();
  /** Stable inode numbers for generated entries, keyed by their path in /proc. */
  inoFor(key: string): bigint {
    let i = this.inos.get(key);
    if (i === undefined) { i = this.nextIno(); this.inos.set(key, i); }
    return i;
  }
  mountOptions(): string { return "nosuid,nodev,noexec,relatime"; }
  statfs(): StatFs {
    return { type: PROC_SUPER_MAGIC, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, namelen: 255, frsize: 4096, fsid: 0n };
  }
}

type Maker = () => Inode | null;

/**
 * How a directory's lookup finds a name without listing: find answers for the names that come
 * and go (a maker, or null when there is none); fixed: the listing's names never change, so the
 * first lookup keeps them by name. transient: the directory stands for something that goes away
 * (a process), so the VFS keeps no dentry for it once the walk is over.
 */
interface ProcDirLookup { find?: (name: string) => Inode | null; fixed?: boolean; transient?: boolean }

/** A directory whose children come from a callback: name → maker. */
export class ProcDir extends Inode {
  private byName: Map<string, Maker> | null = null;
  /** With fixed names: the inodes made so far (their contents are made when read, as seq_file does). */
  private made: Map<string, Inode> | null = null;
  constructor(sb: ProcSuperblock, readonly key: string, private children: () => Array<[string, Maker]>, mode = 0o555,
    private readonly how: ProcDirLookup = {}) {
    super(sb, sb.inoFor(key), S_IFDIR | mode);
    this.nlink = 2;
  }
  override get keepsDentry(): boolean { return !this.how.transient; }
  lookup(name: string): Inode | number {
    if (this.how.find) return this.how.find(name) ?? -ENOENT;
    if (this.how.fixed) {
      const have = this.made?.get(name);
      if (have) return have;
      const i = (this.byName ??= new Map(this.children())).get(name)?.() ?? null;
      if (!i) return -ENOENT;
      (this.made ??= new Map()).set(name, i);
      return i;
    }
    const make = this.children().find(([n]) => n === name)?.[1];
    return make ? make() ?? -ENOENT : -ENOENT;
  }
  list(): DirEntry[] {
    const out: DirEntry[] = [];
    for (const [name, make] of this.children()) {
      const i = make();
      if (i) out.push({ name, ino: i.ino, type: dtypeOf(i.mode) });
    }
    return out;
  }
}

/**
 * A file whose content is generated at its first read (reads see one consistent snapshot), as
 * Linux's seq_file does: what happens between open and read shows (pmap opens /proc/self/maps,
 * then attaches a segment, then reads to find it).
 */
export class ProcFile extends Inode {
  constructor(sb: ProcSuperblock, key: string, private content: () => string | Uint8Array, mode = 0o444) {
    super(sb, sb.inoFor(key), S_IFREG | mode);
  }
  openIO(flags: number): FileIO | number {
    if ((flags & O_ACCMODE) !== O_RDONLY) return -EACCES;
    let snapshot: Uint8Array | null = null;
    const text = (): Uint8Array => {
      if (snapshot) return snapshot;
      const c = this.content();
      return (snapshot = typeof c === "string" ? bytesOf(c) : c);
    };
    return {
      read: (buf, pos) => {
        const data = text();
        if (pos >= data.length) return 0;
        const n = Math.min(buf.length, data.length - pos);
        buf.set(data.subarray(pos, pos + n));
        return n;
      },
      write: () => -EACCES,
      // Like Linux's proc files: size 0 in stat, but SEEK_END works on the snapshot.
      size: () => text().length,
      truncate: () => -EACCES,
    };
  }
  truncate(): number { return -EACCES; }
}

/** A symlink with generated text; with magic, following it lands on a path (fd, exe, cwd links). */
export class ProcLink extends Inode implements Partial<MagicLink> {
  magicTarget?: () => Path | number;
  constructor(sb: ProcSuperblock, key: string, private text: () => string, magic?: () => Path | null) {
    super(sb, sb.inoFor(key), S_IFLNK | 0o777);
    if (magic) this.magicTarget = () => magic() ?? -ENOENT;
  }
  size(): number { return 64; }
  readlink(): string { return this.text(); }
}

/** Linux's defaults for the /proc/sys values programs read to size things. */
const PID_MAX = 4194304, THREADS_MAX = 63535, CAP_LAST_CAP = 40, NGROUPS_MAX = 65536, MAX_MAP_COUNT = 65530,
  NR_OPEN = 1048576, SOMAXCONN = 4096;

/** Builds a procfs over src; mount the result on /proc. */
export function createProcfs(vfs: Vfs, src: ProcSource): Superblock {
  const sb = new ProcSuperblock(vfs.clock);
  const file = (key: string, f: () => string | Uint8Array): Maker => () => new ProcFile(sb, key, f);
  const dir = (key: string, kids: () => Array<[string, Maker]>, mode?: number): Maker => () => new ProcDir(sb, key, kids, mode);
  const where = (p: Path | null) => (p ? vfs.pathOf(null, p) : "");

  const pidDir = (pid: number): Maker => () => {
    if (!src.process(pid)) return null;
    const k = `/${pid}`;
    const proc = () => src.process(pid);
    const text = (f: (p: ProcProcess) => string | Uint8Array) => () => { const p = proc(); return p ? f(p) : ""; };
    const link = (name: string, get: (p: ProcProcess) => Path | null): Maker => () => new ProcLink(sb, `${k}/${name}`,
      () => { const p = proc(); return p ? where(get(p)) : ""; }, () => { const p = proc(); return p ? get(p) : null; });
    return new ProcDir(sb, k, () => [
      ["exe", link("exe", (p) => p.exe())],
      ["cwd", link("cwd", (p) => p.cwd())],
      ["root", link("root", (p) => p.root())],
      ["fd", dir(`${k}/fd`, () => (proc()?.fds() ?? []).map(([fd, f]): [string, Maker] => [String(fd), () => new ProcLink(sb, `${k}/fd/${fd}`,
        () => (f.path ? vfs.pathOf(null, f.path) : "anon_inode:[unknown]"), () => f.path)]), 0o500)],
      ["maps", file(`${k}/maps`, text((p) => p.maps()))],
      ["cmdline", file(`${k}/cmdline`, text((p) => p.cmdline()))],
      ["environ", file(`${k}/environ`, text((p) => p.environ()))],
      ["stat", file(`${k}/stat`, text((p) => p.stat()))],
      ["status", file(`${k}/status`, text((p) => p.status()))],
      ["statm", file(`${k}/statm`, text((p) => p.statm()))],
      ["comm", file(`${k}/comm`, text((p) => p.comm()))],
      ["limits", file(`${k}/limits`, text((p) => p.limits()))],
      ["cgroup", file(`${k}/cgroup`, () => "0::/\n")],
      ["mounts", file(`${k}/mounts`, () => vfs.mountsText(null))],
      ["mountinfo", file(`${k}/mountinfo`, () => vfs.mountinfoText(null))],
      ["task", dir(`${k}/task`, () => (proc()?.tids() ?? []).map((tid): [string, Maker] => {
        const tk = `${k}/task/${tid}`;
        return [String(tid), dir(tk, () => [
          ["stat", file(`${tk}/stat`, text((p) => p.stat(tid)))],
          ["status", file(`${tk}/status`, text((p) => p.status(tid)))],
          ["comm", file(`${tk}/comm`, text((p) => p.comm(tid)))],
        ])];
      }))],
    ], 0o555, { fixed: true, transient: true });
  };
  // Made at its first read: a machine that never looks takes nothing from the random source.
  let bootId = "";
  const value = (v: string | number): (() => string) => () => `${v}\n`;

  const fixedTop = (): Array<[string, Maker]> => [
    ["self", () => new ProcLink(sb, "/self", () => String(src.currentPid()))],
    ["cpuinfo", file("/cpuinfo", () => cpuinfoText(src.cpu()))],
    ["meminfo", file("/meminfo", () => meminfoText(src.memory()))],
    ["uptime", file("/uptime", () => uptimeText(src.uptime()))],
    ["loadavg", file("/loadavg", () => loadavgText(src.load()))],
    ["stat", file("/stat", () => src.stat())],
    ["vmstat", file("/vmstat", () => vmstatText(src.memory()))],
    ["version", file("/version", () => `Linux version ${src.osrelease()} (wasl@wasl) (wasl) ${src.version()}\n`)],
    ["mounts", () => new ProcLink(sb, "/mounts", () => "self/mounts")],
    ...(src.sysvipc ? [["sysvipc", dir("/sysvipc", () => (["shm", "sem", "msg"] as const).map((kind): [string, Maker] =>
      [kind, file(`/sysvipc/${kind}`, () => src.sysvipc!(kind))]))] as [string, Maker]] : []),
    ["sys", dir("/sys", () => [
      ["kernel", dir("/sys/kernel", () => [
        ["hostname", file("/sys/kernel/hostname", () => src.hostname() + "\n")],
        ["osrelease", file("/sys/kernel/osrelease", () => src.osrelease() + "\n")],
        ["ostype", file("/sys/kernel/ostype", value("Linux"))],
        ["version", file("/sys/kernel/version", () => src.version() + "\n")],
        ["pid_max", file("/sys/kernel/pid_max", value(PID_MAX))],
        ["threads-max", file("/sys/kernel/threads-max", value(THREADS_MAX))],
        ["cap_last_cap", file("/sys/kernel/cap_last_cap", value(CAP_LAST_CAP))],
        ["ngroups_max", file("/sys/kernel/ngroups_max", value(NGROUPS_MAX))],
        ...Object.entries(src.ipcLimits ?? {}).map(([name, v]): [string, Maker] => [name, file(`/sys/kernel/${name}`, value(v))]),
        ["random", dir("/sys/kernel/random", () => [
          ["boot_id", file("/sys/kernel/random/boot_id", () => `${bootId ||= uuidV4(src.random)}\n`)],
          ["uuid", file("/sys/kernel/random/uuid", () => uuidV4(src.random) + "\n")],
        ])],
      ])],
      ["vm", dir("/sys/vm", () => [
        ["overcommit_memory", file("/sys/vm/overcommit_memory", value(0))],
        ["max_map_count", file("/sys/vm/max_map_count", value(MAX_MAP_COUNT))],
      ])],
      ["fs", dir("/sys/fs", () => [["inotify", dir("/sys/fs/inotify", () => [
        ["max_queued_events", file("/sys/fs/inotify/max_queued_events", () => `${MAX_QUEUED_EVENTS}\n`)],
      ])], ["nr_open", file("/sys/fs/nr_open", value(NR_OPEN))]])],
      ["net", dir("/sys/net", () => [["core", dir("/sys/net/core", () => [
        ["somaxconn", file("/sys/net/core/somaxconn", value(SOMAXCONN))],
      ])]])],
    ])],
  ];
  const top = (): Array<[string, Maker]> => [...fixedTop(), ...src.pids().map((pid): [string, Maker] => [String(pid), pidDir(pid)])];
  // A lookup asks for one process (or one fixed name) instead of listing every process. Like
  // Linux's proc inodes, one is made per name and kept: a process's directory while it lives.
  let fixedByName: Map<string, Maker> | null = null;
  const fixedMade = new Map<string, Inode>();
  const pidDirs = new Map<number, Inode>();
  const find = (name: string): Inode | null => {
    if (/^[1-9][0-9]{0,9}$/.test(name)) {
      const pid = Number(name);
      if (!src.process(pid)) { pidDirs.delete(pid); return null; }
      let d = pidDirs.get(pid);
      if (!d) {
        if (pidDirs.size >= 256) for (const p of pidDirs.keys()) if (!src.process(p)) pidDirs.delete(p);
        d = pidDir(pid)() ?? undefined;
        if (d) pidDirs.set(pid, d);
      }
      return d ?? null;
    }
    let i = fixedMade.get(name);
    if (!i) {
      i = (fixedByName ??= new Map(fixedTop())).get(name)?.() ?? undefined;
      if (i) fixedMade.set(name, i);
    }
    return i ?? null;
  };
  sb.root = new ProcDir(sb, "/", top, 0o555, { find });
  return sb;
}
