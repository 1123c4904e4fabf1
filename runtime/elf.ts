// ELF64 executables (elf(5), the System V gABI and the x86-64 psABI): parsing with the checks
// Linux's binfmt_elf makes, and loading PT_LOAD segments into an address space the way Linux maps
// them (page-granular file contents, zero-filled bss, permissions from p_flags).
import type { Machine } from "./machine.js";
import {
  AddressSpace, PAGE, pageDown, pageUp, TASK_SIZE, PROT_READ, PROT_WRITE, PROT_EXEC, MAP_PRIVATE, MAP_ANONYMOUS,
  ET_DYN_BASE, type MappedFile,
} from "./mm.js";
import { ENOEXEC, ENOMEM } from "./errno.js";

export const ET_EXEC = 2, ET_DYN = 3;
export const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7, PT_GNU_STACK = 0x6474e551;
export const PF_X = 1, PF_W = 2, PF_R = 4;
const EM_X86_64 = 62;
const PHDR_SIZE = 56;
/** Largest image span accepted; beyond that a header is corrupt or hostile, not a program. */
const MAX_SPAN = 16n << 30n;

const MACHINES: Record<number, string> = { 3: "i386", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64", 22: "s390", 40: "ARM", 43: "SPARC v9", 183: "AArch64", 243: "RISC-V", 258: "LoongArch" };

export interface Phdr { type: number; flags: number; offset: bigint; vaddr: bigint; filesz: bigint; memsz: bigint; align: bigint }

export interface ElfFile {
  type: number;
  entry: bigint;
  phoff: bigint;
  phnum: number;
  phdrs: Phdr[];
  /** PT_INTERP path, when the program is dynamically linked. */
  interp: string | null;
  execStack: boolean;
}

/** A load failure: the errno execve would return and a message for the user. */
export interface ExecError { errno: number; message: string }

export function isExecError(x: unknown): x is ExecError {
  return typeof x === "object" && x !== null && "errno" in x && "message" in x;
}

const bad = (message: string): ExecError => ({ errno: ENOEXEC, message });

/** Validates the header and program headers; never throws. */
export function parseElf(bytes: Uint8Array): ElfFile | ExecError {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    return bad("not an ELF file (bad magic)");
  if (bytes.length < 64) return bad(`truncated ELF header (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2) return bad(bytes[4] === 1 ? "32-bit ELF: only x86-64 (ELF64) programs run" : `bad ELF class ${bytes[4]}`);
  if (bytes[5] !== 1) return bad("big-endian ELF: only x86-64 programs run");
  if (bytes[6] !== 1) return bad(`bad ELF version ${bytes[6]}`);
  const type = dv.getUint16(16, true), machine = dv.getUint16(18, true);
  if (machine !== EM_X86_64) return bad(`wrong machine: ${MACHINES[machine] ?? `e_machine ${machine}`} (only x86-64 programs run)`);
  if (type !== ET_EXEC && type !== ET_DYN)
    return bad(type === 1 ? "a relocatable object (ET_REL), not an executable" : type === 4 ? "a core dump, not an executable" : `bad ELF type ${type}`);
  const entry = dv.getBigUint64(24, true), phoff = dv.getBigUint64(32, true);
  const phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) return bad(`bad program header size ${phentsize}`);
  if (phnum === 0 || phnum * PHDR_SIZE > 65536) return bad(`bad program header count ${phnum}`);
  const fileLen = BigInt(bytes.length);
  if (phoff + BigInt(phnum * PHDR_SIZE) > fileLen) return bad("truncated ELF: program headers outside the file");

  const phdrs: Phdr[] = [];
  let interp: string | null = null, execStack = false;
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * PHDR_SIZE;
    const p: Phdr = {
      type: dv.getUint32(o, true), flags: dv.getUint32(o + 4, true), offset: dv.getBigUint64(o + 8, true),
      vaddr: dv.getBigUint64(o + 16, true), filesz: dv.getBigUint64(o + 32, true), memsz: dv.getBigUint64(o + 40, true),
      align: dv.getBigUint64(o + 48, true),
    };
    phdrs.push(p);
    if (p.type === PT_LOAD || p.type === PT_INTERP) {
      if (p.offset > fileLen || p.filesz > fileLen - p.offset) return bad(`truncated ELF: segment ${i} lies outside the file`);
    }
    if (p.type === PT_LOAD) {
      if (p.filesz > p.memsz) return bad(`segment ${i}: file size larger than memory size`);
      if (p.vaddr >= TASK_SIZE || p.memsz >= TASK_SIZE - p.vaddr) return bad(`segment ${i}: address range beyond user space`);
      if ((p.vaddr - p.offset) % PAGE !== 0n) return bad(`segment ${i}: address and file offset not congruent modulo the page size`);
      if (p.align & (p.align - 1n)) return bad(`segment ${i}: alignment ${p.align} is not a power of two`);
    } else if (p.type === PT_INTERP) {
      if (interp !== null) return bad("more than one PT_INTERP");
      if (p.filesz < 2n || p.filesz > 4096n) return bad("bad PT_INTERP size");
      const s = bytes.subarray(Number(p.offset), Number(p.offset + p.filesz));
      if (s[s.length - 1] !== 0) return bad("PT_INTERP is not NUL-terminated");
      interp = new TextDecoder().decode(s.subarray(0, s.length - 1));
    } else if (p.type === PT_GNU_STACK) execStack = (p.flags & PF_X) !== 0;
  }
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) return bad("no loadable segments");
  for (let i = 1; i < loads.length; i++) {
    const prev = loads[i - 1], cur = loads[i];
    if (cur.vaddr < prev.vaddr) return bad("loadable segments are not in address order");
    if (cur.vaddr < prev.vaddr + prev.memsz) return bad("loadable segments overlap");
  }
  const span = pageUp(loads[loads.length - 1].vaddr + loads[loads.length - 1].memsz) - pageDown(loads[0].vaddr);
  if (span > MAX_SPAN) return bad(`image spans ${span >> 20n} MiB: absurd segment sizes`);
  if (type === ET_EXEC && pageDown(loads[0].vaddr) < PAGE) return bad("segment mapped at page zero");
  return { type, entry, phoff, phnum, phdrs, interp, execStack };
}

export interface LoadedImage {
  entry: bigint;
  /** Difference between run-time and link-time addresses (0 for ET_EXEC). */
  loadBias: bigint;
  phdrAddr: bigint;
  phnum: number;
  /** End of the highest segment: where brk starts. */
  end: bigint;
  execStack: boolean;
}

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/**
 * Maps the image into mm, which must be the address space the machine is using (contents are
 * written through the machine's copy-out path). Where an ET_DYN goes is Linux's choice with ASLR
 * off: a program with an interpreter at ELF_ET_DYN_BASE; an interpreter or a static-pie wherever
 * mmap puts it (top-down), aligned to its largest segment alignment.
 */
export function loadElf(machine: Machine, mm: AddressSpace, bytes: Uint8Array, elf: ElfFile, path: string, file?: MappedFile,
  pageFrame?: (page: number) => number): LoadedImage | ExecError {
  const loads = elf.phdrs.filter((p) => p.type === PT_LOAD);
  const first = pageDown(loads[0].vaddr);
  const last = loads[loads.length - 1];
  const span = pageUp(last.vaddr + last.memsz) - first;
  let bias = 0n;
  if (elf.type === ET_DYN) {
    const align = loads.reduce((m, p) => (p.align > m && !(p.align & (p.align - 1n)) ? p.align : m), PAGE);
    if (elf.interp !== null) bias = pageDown((ET_DYN_BASE & ~(align - 1n)) - first);
    else {
      const found = mm.findFree(span + align - PAGE);
      if (found === null) return { errno: ENOMEM, message: "no room for the image" };
      bias = ((found + align - 1n) & ~(align - 1n)) - first;
    }
  }
  for (const p of loads) {
    const start = pageDown(p.vaddr + bias);
    const fileEnd = p.vaddr + bias + p.filesz;
    const end = pageUp(p.vaddr + bias + p.memsz);
    const prot = protOf(p.flags);
    const fileMapEnd = p.filesz > 0n ? pageUp(fileEnd) : start;
    const off0 = p.offset - (p.vaddr + bias - start);
    if (fileMapEnd > start && !mm.mapFixed(start, fileMapEnd, PROT_READ | PROT_WRITE, MAP_PRIVATE, path, file, off0))
      return { errno: ENOMEM, message: "out of memory mapping the image" };
    if (end > fileMapEnd && !mm.mapFixed(fileMapEnd, end, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ""))
      return { errno: ENOMEM, message: "out of memory mapping the image" };
    if (p.filesz > 0n) {
      // Linux maps whole file pages: the bytes before vaddr in the first page come from the
      // file; after filesz the page shows the rest of the file unless the segment has a bss.
      let offEnd = p.offset + p.filesz;
      if (p.memsz === p.filesz) {
        const pageEndOff = off0 + (fileMapEnd - start);
        offEnd = pageEndOff < BigInt(bytes.length) ? pageEndOff : BigInt(bytes.length);
      }
      // Whole file pages can be the cached program's frames (shared; a write copies). A last
      // page that a bss follows shows zeros after the file bytes: it stays a private copy.
      let from = off0;
      if (pageFrame) {
        const whole = Number((fileMapEnd - start) / PAGE) - (p.memsz > p.filesz && fileEnd % PAGE !== 0n ? 1 : 0);
        const frames: number[] = [];
        for (let i = 0, first = Number(off0 / PAGE); i < whole; i++) {
          const f = pageFrame(first + i);
          if (f === 0) break;
          frames.push(f);
        }
        if (frames.length > 0 && mm.mapFrames(start, frames)) from = off0 + BigInt(frames.length) * PAGE;
      }
      if (from < offEnd && !machine.copyOut(start + (from - off0), bytes.subarray(Number(from), Number(offEnd))))
        return { errno: ENOMEM, message: "out of memory loading the image" };
    }
    if (mm.protect(start, end, prot) !== 0) return { errno: ENOMEM, message: "out of memory mapping the image" };
  }
  let phdrAddr = 0n;
  const pt = elf.phdrs.find((p) => p.type === PT_PHDR);
  if (pt) phdrAddr = pt.vaddr + bias;
  else {
    const holder = loads.find((p) => p.offset <= elf.phoff && elf.phoff < p.offset + p.filesz) ?? loads[0];
    phdrAddr = holder.vaddr + (elf.phoff - holder.offset) + bias;
  }
  return { entry: elf.entry + bias, loadBias: bias, phdrAddr, phnum: elf.phnum, end: last.vaddr + last.memsz + bias, execStack: elf.execStack };
}
