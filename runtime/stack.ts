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

/** Maps the stack and writes the start-up data; returns the initial rsp. */
export function buildStack(machine: Machine, mm: AddressSpace, img: StackImage): bigint | ExecError {
  const enc = new TextEncoder();
  const argBytes = img.argv.map((s) => enc.encode(s + "\0"));
  const envBytes = img.envp.map((s) => enc.encode(s + "\0"));
  const execfn = enc.encode(img.execfn + "\0");
  const strTotal = [...argBytes, ...envBytes, execfn].reduce((n, b) => n + b.length, 0);
  if (BigInt(strTotal + (img.argv.length + img.envp.length) * 8) > ARG_MAX)
    return { errno: E2BIG, message: "argument list too long" };

  const prot = PROT_READ | PROT_WRITE | (img.execStack ? PROT_EXEC : 0);
  if (!mm.mapFixed(STACK_TOP - STACK_SIZE, STACK_TOP, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, "[stack]"))
    return { errno: ENOMEM, message: "out of memory for the stack" };

  // Strings, top-down: a NULL word at the very top, then execfn, then env and argv so that
  // argv[0] is lowest and each vector's strings ascend.
  let p = STACK_TOP - 8n;
  const strings: Array<[bigint, Uint8Array]> = [];
  const put = (b: Uint8Array): bigint => { p -= BigInt(b.length); strings.push([p, b]); return p; };
  const execfnAddr = put(execfn);
  const envAddrs: bigint[] = [];
  for (let i = envBytes.length - 1; i >= 0; i--) envAddrs[i] = put(envBytes[i]);
  const argAddrs: bigint[] = [];
  for (let i = argBytes.length - 1; i >= 0; i--) argAddrs[i] = put(argBytes[i]);
  p &= ~0xfn;
  const platformAddr = put(enc.encode("x86_64\0"));
  const randomAddr = put(img.random.subarray(0, 16));

  const auxv: Array<[number, bigint]> = [
    [AT_MINSIGSTKSZ, BigInt(img.minSigStackSize)],
    [AT_HWCAP, BigInt(img.hwcap >>> 0)],
    [AT_PAGESZ, 4096n],
    [AT_CLKTCK, 100n],
    [AT_PHDR, img.phdr],
    [AT_PHENT, 56n],
    [AT_PHNUM, BigInt(img.phnum)],
    [AT_BASE, img.base],
    [AT_FLAGS, 0n],
    [AT_ENTRY, img.entry],
    [AT_UID, BigInt(img.uid)],
    [AT_EUID, BigInt(img.uid)],
    [AT_GID, BigInt(img.gid)],
    [AT_EGID, BigInt(img.gid)],
    [AT_SECURE, 0n],
    [AT_RANDOM, randomAddr],
    [AT_HWCAP2, 0n],
    [AT_EXECFN, execfnAddr],
    [AT_PLATFORM, platformAddr],
    [AT_NULL, 0n],
  ];
  const words = 1 + argAddrs.length + 1 + envAddrs.length + 1 + auxv.length * 2;
  const sp = (p - BigInt(words * 8)) & ~0xfn;

  const image = new Uint8Array(Number(STACK_TOP - sp));
  const dv = new DataView(image.buffer);
  let o = 0;
  const word = (v: bigint): void => { dv.setBigUint64(o, v, true); o += 8; };
  word(BigInt(img.argv.length));
  for (const a of argAddrs) word(a);
  word(0n);
  for (const a of envAddrs) word(a);
  word(0n);
  for (const [k, v] of auxv) { word(BigInt(k)); word(v); }
  for (const [addr, b] of strings) image.set(b, Number(addr - sp));
  if (!machine.copyOut(sp, image)) return { errno: ENOMEM, message: "out of memory for the stack" };
  return sp;
}
