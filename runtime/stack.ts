// The initial process stack, laid out as Linux's fs/exec.c and create_elf_tables() build it:
//   [STACK_TOP-8] NULL | execfn | env strings | argv strings | (align 16) | "x86_64" | AT_RANDOM bytes
//   ... | auxv | NULL | envp[] | NULL | argv[] | argc  <- rsp (16-byte aligned)
import type { Machine } from "./machine.js";
import { AddressSpace, STACK_TOP, STACK_SIZE, PROT_READ, PROT_WRITE, PROT_EXEC, MAP_PRIVATE, MAP_ANONYMOUS, MAP_GROWSDOWN } from "./mm.js";
import { E2BIG, ENOMEM } from "./errno.js";
import type { ExecError } from "./elf.js";

export const AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
  AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
  AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33,
  AT_MINSIGSTKSZ = 51;

export interface StackImage {
  argv: string[];
  envp: string[];
  execfn: string;
  phdr: bigint;
  phnum: number;
  entry: bigint;
  /** Load address of the interpreter (0 for static programs). */
  base: bigint;
  hwcap: number;
  random: Uint8Array; // 16 bytes
  uid: number; gid: number;
  /** Minimum signal stack size the kernel's signal frame needs. */
  minSigStackSize: number;
  execStack: boolean;
}

/** Linux caps argument + environment strings at a quarter of the stack limit. */
const ARG_MAX = STACK_SIZE / 4n;


/**
 * The strings as they lie in memory, upwards: argv, envp, execfn, each NUL-terminated; and where
 * each starts. They are byte strings (one char per byte: the kernel's argv, envp and paths).
 */
function encodeStrings(strs: string[]): { bytes: Uint8Array; starts: number[] } {
  let total = 0;
  for (const x of strs) total += x.length + 1;
  const bytes = new Uint8Array(total);
  const starts: number[] = [];
  let w = 0;
  for (const x of strs) {
    starts.push(w);
    for (let i = 0; i < x.length; i++) bytes[w++] = x.charCodeAt(i);
    bytes[w++] = 0;
  }
  return { bytes, starts };
}

/** Maps the stack and writes the start-up data; returns the initial rsp. */
export function buildStack(machine: Machine, mm: AddressSpace, img: StackImage): bigint | ExecError {
  const { bytes: strBytes, starts } = encodeStrings([...img.argv, ...img.envp, img.execfn]);
  const argc = img.argv.length, envc = img.envp.length;
  if (BigInt(strBytes.length + (argc + envc) * 8) > ARG_MAX)
    return { errno: E2BIG, message: "argument list too long" };

  const prot = PROT_READ | PROT_WRITE | (img.execStack ? PROT_EXEC : 0);
  if (!mm.mapFixed(STACK_TOP - STACK_SIZE, STACK_TOP, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, "[stack]"))
    return { errno: ENOMEM, message: "out of memory for the stack" };

  // Addresses below 2^47 are exact as numbers: no BigInt per string.
  const top = Number(STACK_TOP);
  // A NULL word at the very top, then the strings (argv[0] lowest, execfn highest).
  const strAt = top - 8 - strBytes.length;
  const addr = (i: number): number => strAt + starts[i];
  // (not `& ~0xf`: JS bitwise operators work on 32 bits)
  let p = strAt - (strAt % 16);
  const platformAddr = p -= PLATFORM.length;
  const randomAddr = p -= 16;

  const auxv: Array<[number, number | bigint]> = [
    [AT_MINSIGSTKSZ, img.minSigStackSize],
    [AT_HWCAP, img.hwcap >>> 0],
    [AT_PAGESZ, 4096],
    [AT_CLKTCK, 100],
    [AT_PHDR, img.phdr],
    [AT_PHENT, 56],
    [AT_PHNUM, img.phnum],
    [AT_BASE, img.base],
    [AT_FLAGS, 0],
    [AT_ENTRY, img.entry],
    [AT_UID, img.uid],
    [AT_EUID, img.uid],
    [AT_GID, img.gid],
    [AT_EGID, img.gid],
    [AT_SECURE, 0],
    [AT_RANDOM, randomAddr],
    [AT_HWCAP2, 0],
    [AT_EXECFN, addr(argc + envc)],
    [AT_PLATFORM, platformAddr],
    [AT_NULL, 0],
  ];
  const words = 1 + argc + 1 + envc + 1 + auxv.length * 2;
  const sp = p - words * 8 - ((p - words * 8) % 16);

  const image = new Uint8Array(top - sp);
  const dv = new DataView(image.buffer);
  let o = 0;
  // Every word is a non-negative number below 2^53 (user addresses are below 2^47): two 32-bit halves.
  const word = (v: number): void => {
    dv.setUint32(o, v % 0x100000000, true); dv.setUint32(o + 4, Math.floor(v / 0x100000000), true);
    o += 8;
  };
  word(argc);
  for (let i = 0; i < argc; i++) word(addr(i));
  word(0);
  for (let i = 0; i < envc; i++) word(addr(argc + i));
  word(0);
  for (const [k, v] of auxv) { word(k); word(Number(v)); }
  image.set(strBytes, strAt - sp);
  image.set(PLATFORM, platformAddr - sp);
  image.set(img.random.subarray(0, 16), randomAddr - sp);
  if (!machine.copyOut(BigInt(sp), image)) return { errno: ENOMEM, message: "out of memory for the stack" };
  return BigInt(sp);
}

const PLATFORM = new TextEncoder().encode("x86_64\0");
