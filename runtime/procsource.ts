// What procfs shows, from the kernel's process table: /proc/<pid>/{exe,cwd,root,fd,cmdline,environ,
// maps,stat,status} and the system-wide files (cpuinfo, meminfo, uptime, loadavg, sys/kernel).
import type { Process } from "./process.js";
import type { KernelFiles } from "./files.js";
import type { ProcSource, ProcProcess } from "./vfs/procfs.js";
import { major, minor, bytesOf, type OpenFile } from "./vfs/index.js";
import { UTS } from "../syscalls/misc.js";
import { processCpuNs, threadCpuNs, childCpuNs } from "./signals.js";
import { utsName } from "../syscalls/misc.js";
import { sysvipcText, IPC_SYSCTLS } from "../syscalls/ipc.js";


/** NUL-terminated strings, as /proc/<pid>/cmdline and environ hold them. */
/** argv or envp (byte strings) as /proc shows them: each followed by a NUL. */
function nulJoined(list: string[]): Uint8Array {
  return bytesOf(list.map((s) => s + "\0").join(""));
}

const hex = (v: bigint, w: number) => v.toString(16).padStart(w, "0");

/** /proc/<pid>/maps lines as Linux's show_map_vma prints them (names padded to column 73). */
export function mapsText(proc: Process): string {
  let out = "";
  for (const v of proc.mm.vmas) {
    const perms = (v.prot & 1 ? "r" : "-") + (v.prot & 2 ? "w" : "-") + (v.prot & 4 ? "x" : "-") + ((v.flags & 3) === 1 ? "s" : "p");
    const dev = v.file ? `${hex(BigInt(major(v.file.dev)), 2)}:${hex(BigInt(minor(v.file.dev)), 2)}` : "00:00";
    const ino = v.file ? v.file.ino.toString() : "0";
    const head = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(v.offset ?? 0n, 8)} ${dev} ${ino} `;
    out += v.name ? head.padEnd(73) + v.name + "\n" : head + "\n";
  }
  return out;
}

function stateLetter(proc: Process): string {
  if (!proc.alive) return "Z";
  return proc.threads.some((t) => !t.exited && !t.blocked) ? "R" : "S";
}

function vmKiB(proc: Process): { size: bigint; rss: bigint } {
  let size = 0n;
  if (proc.alive) for (const v of proc.mm.vmas) size += v.end - v.start;
  return { size: size / 1024n, rss: size / 1024n };
}

/** USER_HZ: the unit of the times in /proc/stat and /proc/<pid>/stat. */
const CLK_TCK = 100n, NS_PER_TICK = 10_000_000n;

/** /proc/<pid>/limits rows: name and unit, in RLIMIT_* order. */
const LIMIT_NAMES: Array<[string, string]> = [
  ["Max cpu time", "seconds"], ["Max file size", "bytes"], ["Max data size", "bytes"], ["Max stack size", "bytes"],
  ["Max core file size", "bytes"], ["Max resident set", "bytes"], ["Max processes", "processes"],
  ["Max open files", "files"], ["Max locked memory", "bytes"], ["Max address space", "bytes"],
  ["Max file locks", "locks"], ["Max pending signals", "signals"], ["Max msgqueue size", "bytes"],
  ["Max nice priority", ""], ["Max realtime priority", ""], ["Max realtime timeout", "us"],
];
const RLIM_INFINITY = 0xffffffffffffffffn;

/** /proc/<pid>/limits as Linux's proc_pid_limits prints it. */
function limitsText(proc: Process): string {
  let out = `${"Limit".padEnd(25)} ${"Soft Limit".padEnd(20)} ${"Hard Limit".padEnd(20)} ${"Units".padEnd(10)}\n`;
  LIMIT_NAMES.forEach(([name, unit], i) => {
    const [cur, max] = proc.rlimits[i] ?? [RLIM_INFINITY, RLIM_INFINITY];
    const v = (x: bigint) => (x === RLIM_INFINITY ? "unlimited" : x.toString()).padEnd(20);
    out += `${name.padEnd(25)} ${v(cur)} ${v(max)} ${unit ? unit.padEnd(10) : ""}\n`;
  });
  return out;
}

export function createProcSource(files: KernelFiles): ProcSource {
  const k = files.k;
  const host = k.host;
  const procOf = (pid: number): Process | null => k.processes.get(pid) ?? null;

  /** The thread a /proc/<pid>/task/<tid> names; the leader (or first thread) for /proc/<pid>. */
  const threadOf = (proc: Process, tid?: number) =>
    tid === undefined ? proc.threads.find((t) => t.tid === proc.pid) ?? proc.threads[0] : proc.threads.find((t) => t.tid === tid);
  /** Clock ticks from boot to the process's start. */
  const startTicks = (proc: Process): bigint => {
    const uptimeNs = BigInt(host.uptimeSeconds()) * 1_000_000_000n;
    const age = host.monotonicNs() - proc.startNs;
    return uptimeNs > age ? (uptimeNs - age) / NS_PER_TICK : 0n;
  };

  const view = (proc: Process): ProcProcess => ({
    exe: () => (proc.alive ? files.exePath(proc) : null),
    cwd: () => (proc.alive ? files.context(proc).cwd : null),
    root: () => (proc.alive ? files.context(proc).root : null),
    fds: () => {
      if (!proc.alive) return [];
      const t = files.context(proc).fds;
      return t.fds().map((fd): [number, OpenFile] => [fd, t.get(fd)!]);
    },
    cmdline: () => nulJoined(proc.argv),
    environ: () => nulJoined(proc.envp),
    maps: () => (proc.alive ? mapsText(proc) : ""),
    tids: () => proc.threads.filter((t) => !t.exited).map((t) => t.tid),
    comm: (tid) => `${threadOf(proc, tid)?.name ?? ""}\n`,
    stat: (tid) => {
      const t = threadOf(proc, tid);
      const vm = vmKiB(proc);
      const cpu = (tid === undefined ? processCpuNs(k, proc) : t ? threadCpuNs(k, t) : 0n) / NS_PER_TICK;
      const children = childCpuNs(proc) / NS_PER_TICK;
      const fields = [
        tid ?? proc.pid, `(${t?.name ?? ""})`, stateLetter(proc), proc.ppid, proc.pgid, proc.sid, 0, -1, 0x400000,
        0, 0, 0, 0, cpu, 0, children, 0, 20 + (t?.nice ?? 0), t?.nice ?? 0, proc.threads.filter((x) => !x.exited).length || 1, 0,
        startTicks(proc), (vm.size * 1024n).toString(), (vm.rss / 4n).toString(), "18446744073709551615", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, proc.exitSignal, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, proc.alive ? 0 : (proc.exitStatus?.code ?? 0) << 8,
      ];
      return fields.join(" ") + "\n";
    },
    statm: () => {
      // size resident shared text lib data dt, in pages: every mapped page counts as resident.
      const pages = vmKiB(proc).size / 4n;
      return `${pages} ${pages} 0 0 0 ${pages} 0\n`;
    },
    limits: () => limitsText(proc),
    status: (tid) => {
      const t0 = threadOf(proc, tid);
      const vm = vmKiB(proc);
      const ids = (r: number, e: number, s: number, f: number) => `${r}\t${e}\t${s}\t${f}`;
      // Root's permitted and effective sets are its bounding set; other users hold none.
      const caps = proc.euid === 0 ? proc.prctl.capBounding : 0n;
      const mask = (v: bigint) => hex(v, 16);
      let caught = 0n, ignored = 0n;
      proc.sigactions.forEach((a, sig) => {
        if (sig === 0) return;
        if (a.handler === 1n) ignored |= 1n << BigInt(sig - 1);
        else if (a.handler !== 0n) caught |= 1n << BigInt(sig - 1);
      });
      return `Name:\t${t0?.name ?? ""}\nUmask:\t${proc.umask.toString(8).padStart(4, "0")}\n` +
        `State:\t${stateLetter(proc)} (${proc.alive ? "running" : "zombie"})\nTgid:\t${proc.pid}\nNgid:\t0\nPid:\t${tid ?? proc.pid}\n` +
        `PPid:\t${proc.ppid}\nTracerPid:\t0\nUid:\t${ids(proc.uid, proc.euid, proc.suid, proc.fsuid)}\nGid:\t${ids(proc.gid, proc.egid, proc.sgid, proc.fsgid)}\n` +
        `FDSize:\t${Math.max(64, files.context(proc).fds.fds().length)}\nGroups:\t${proc.groups.join(" ")}${proc.groups.length ? " " : ""}\n` +
        `VmPeak:\t${String(vm.size).padStart(8)} kB\nVmSize:\t${String(vm.size).padStart(8)} kB\n` +
        `VmRSS:\t${String(vm.rss).padStart(8)} kB\nThreads:\t${proc.threads.filter((t) => !t.exited).length || 1}\n` +
        `SigQ:\t0/63535\nSigPnd:\t${mask(0n)}\nShdPnd:\t${mask(0n)}\nSigBlk:\t${mask(t0?.sigmask ?? 0n)}\n` +
        `SigIgn:\t${mask(ignored)}\nSigCgt:\t${mask(caught)}\nCapInh:\t0000000000000000\n` +
        `CapPrm:\t${mask(caps)}\nCapEff:\t${mask(caps)}\nCapBnd:\t${mask(proc.prctl.capBounding)}\nCapAmb:\t0000000000000000\n` +
        `NoNewPrivs:\t${proc.prctl.noNewPrivs ? 1 : 0}\nSeccomp:\t0\nCpus_allowed_list:\t0-${host.cpuCount() - 1}\n`;
    },
  });

  return {
    currentPid: () => files.currentPid,
    pids: () => [...k.processes.keys()].sort((a, b) => a - b),
    process: (pid) => { const p = procOf(pid); return p ? view(p) : null; },
    cpu: () => ({
      count: host.cpuCount(), modelName: "wasl x86-64 interpreter", mhz: 2000, cacheKiB: 8192,
      // The names Linux gives the bits asm/system.ts's CPUID reports (leaf 1 EDX/ECX, 0x80000001).
      flags: ["fpu", "tsc", "cx8", "cmov", "clflush", "mmx", "fxsr", "sse", "sse2", "syscall", "nx", "lm",
        "pni", "ssse3", "cx16", "sse4_1", "sse4_2", "popcnt", "lahf_lm", "3dnowprefetch"],
    }),
    memory: () => {
      const total = Number(host.totalMemory() / 1024n), free = Number(host.freeMemory() / 1024n);
      return { totalKiB: total, freeKiB: free, availableKiB: free };
    },
    uptime: () => { const up = host.uptimeSeconds(); return { up, idle: up * host.cpuCount() }; },
    load: () => ({
      one: 0, five: 0, fifteen: 0, total: k.processes.size,
      running: [...k.processes.values()].filter((p) => p.alive && stateLetter(p) === "R").length,
      lastPid: Math.max(0, ...k.processes.keys()),
    }),
    sysvipc: (kind) => sysvipcText(k, kind),
    ipcLimits: IPC_SYSCTLS,
    hostname: () => utsName(k, "hostname"),
    osrelease: () => UTS.release,
    version: () => UTS.version,
    random: (b) => host.randomBytes(b),
    stat: () => {
      const cpus = host.cpuCount();
      const up = BigInt(host.uptimeSeconds());
      let user = 0n, running = 0;
      for (const p of k.processes.values()) {
        user += processCpuNs(k, p) + childCpuNs(p);
        if (p.alive && stateLetter(p) === "R") running++;
      }
      user /= NS_PER_TICK;
      const all = up * CLK_TCK * BigInt(cpus);
      const idle = all > user ? all - user : 0n;
      const row = (name: string, u: bigint, i: bigint) => `${name} ${u} 0 0 ${i} 0 0 0 0 0 0\n`;
      let out = row("cpu ", user, idle);
      for (let c = 0; c < cpus; c++) out += row(`cpu${c}`, user / BigInt(cpus), idle / BigInt(cpus));
      const btime = host.realtimeNs() / 1_000_000_000n - up;
      return out + `intr 0\nctxt 0\nbtime ${btime}\nprocesses ${k.tasksCreated}\nprocs_running ${Math.max(1, running)}\n` +
        "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n";
    },
  };
}

