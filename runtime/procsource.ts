// What procfs shows, from the kernel's process table: /proc/<pid>/{exe,cwd,root,fd,cmdline,environ,
// maps,stat,status} and the system-wide files (cpuinfo, meminfo, uptime, loadavg, sys/kernel).
import type { Process } from "./process.js";
import type { KernelFiles } from "./files.js";
import type { ProcSource, ProcProcess } from "./vfs/procfs.js";
import { major, minor, type OpenFile } from "./vfs/index.js";
import { UTS } from "../syscalls/misc.js";
import { utsName } from "../syscalls/misc.js";

const enc = new TextEncoder();

/** NUL-terminated strings, as /proc/<pid>/cmdline and environ hold them. */
function nulJoined(list: string[]): Uint8Array {
  return enc.encode(list.map((s) => s + "\0").join(""));
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
  for (const v of proc.mm.vmas) size += v.end - v.start;
  return { size: size / 1024n, rss: size / 1024n };
}

export function createProcSource(files: KernelFiles): ProcSource {
  const k = files.k;
  const host = k.host;
  const procOf = (pid: number): Process | null => k.processes.get(pid) ?? null;

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
    stat: () => {
      const name = proc.threads[0]?.name ?? "";
      const vm = vmKiB(proc);
      const fields = [
        proc.pid, `(${name})`, stateLetter(proc), proc.ppid, proc.pgid, proc.sid, 0, -1, 0x400000,
        0, 0, 0, 0, 0, 0, 0, 0, 20, 0, proc.threads.filter((t) => !t.exited).length || 1, 0, 0,
        (vm.size * 1024n).toString(), (vm.rss / 4n).toString(), "18446744073709551615", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, proc.alive ? 0 : (proc.exitStatus?.code ?? 0) << 8,
      ];
      return fields.join(" ") + "\n";
    },
    status: () => {
      const t0 = proc.threads[0];
      const vm = vmKiB(proc);
      const ids = (v: number) => `${v}\t${v}\t${v}\t${v}`;
      const mask = (v: bigint) => hex(v, 16);
      let caught = 0n, ignored = 0n;
      proc.sigactions.forEach((a, sig) => {
        if (sig === 0) return;
        if (a.handler === 1n) ignored |= 1n << BigInt(sig - 1);
        else if (a.handler !== 0n) caught |= 1n << BigInt(sig - 1);
      });
      return `Name:\t${t0?.name ?? ""}\nUmask:\t${proc.umask.toString(8).padStart(4, "0")}\n` +
        `State:\t${stateLetter(proc)} (${proc.alive ? "running" : "zombie"})\nTgid:\t${proc.pid}\nNgid:\t0\nPid:\t${proc.pid}\n` +
        `PPid:\t${proc.ppid}\nTracerPid:\t0\nUid:\t${ids(proc.uid)}\nGid:\t${ids(proc.gid)}\n` +
        `FDSize:\t${Math.max(64, files.context(proc).fds.fds().length)}\nGroups:\t${proc.groups.join(" ")}${proc.groups.length ? " " : ""}\n` +
        `VmPeak:\t${String(vm.size).padStart(8)} kB\nVmSize:\t${String(vm.size).padStart(8)} kB\n` +
        `VmRSS:\t${String(vm.rss).padStart(8)} kB\nThreads:\t${proc.threads.filter((t) => !t.exited).length || 1}\n` +
        `SigQ:\t0/63535\nSigPnd:\t${mask(0n)}\nShdPnd:\t${mask(0n)}\nSigBlk:\t${mask(t0?.sigmask ?? 0n)}\n` +
        `SigIgn:\t${mask(ignored)}\nSigCgt:\t${mask(caught)}\nCapInh:\t0000000000000000\n` +
        `CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n` +
        `NoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed_list:\t0-${host.cpuCount() - 1}\n`;
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
        "pni", "ssse3", "cx16", "sse4_1", "sse4_2", "popcnt", "lahf_lm"],
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
    hostname: () => utsName(k, "hostname"),
    osrelease: () => UTS.release,
  };
}

