// The native side of the ISA oracle: a freestanding x86-64 program that runs a batch of snippets
// on the host CPU. Inputs arrive on stdin (one fixed-size record per case), each case's final
// state leaves on stdout (one fixed-size record), so one binary serves any number of inputs.
//
// Address map (non-PIE, everything below 2 GiB so absolute 32-bit addressing works):
//   0x400000  driver code      (native only; the wasl run never maps it)
//   0x600000  driver data      (input/output slots, driver stack, signal stack)
//   SNIP_ADDR snippets         (RWX; loaded into wasl)
//   DATA_ADDR data area        (4 KiB, RW, nothing mapped after it)
//   STACK_LO  guest stack      (64 KiB, RW; rsp starts at STACK_TOP)
// A snippet ends with `jmp wasl_isa_dump`. Natively that saves the state; under wasl the dump
// code is not mapped, so arriving there is an exec page fault at DUMP_ADDR: the end of a case.

export const TEXT_ADDR = 0x400000;
export const DUMP_ADDR = 0x400000; // wasl_isa_dump is the first thing in .text
export const DRV_DATA = 0x600000;
export const SNIP_ADDR = 0x1000000;
export const DATA_ADDR = 0x2000000;
export const DATA_SIZE = 4096;
export const STACK_LO = 0x3000000;
export const STACK_SIZE = 0x10000;
export const STACK_TOP = 0x3008000;
export const STACK_WIN = 256; // bytes on each side of STACK_TOP compared after a case

// Input record (stdin), per case.
export const IN_TARGET = 0, IN_REGS = 8, IN_RFLAGS = 136, IN_FS_BASE = 144, IN_GS_BASE = 152, IN_FX = 160, IN_MEM = 1024;
export const IN_SIZE = IN_MEM + DATA_SIZE;
// Output record (stdout), per case. status: 0 = reached the dump, else the signal number.
export const OUT_STATUS = 0, OUT_REGS = 8, OUT_RFLAGS = 136, OUT_RIP = 144, OUT_ADDR = 152, OUT_CODE = 160,
  OUT_FX = 256, OUT_STACK = 1024, OUT_MEM = 2048;
export const OUT_SIZE = OUT_MEM + DATA_SIZE;

export const REG_NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

const hex = (n) => "0x" + n.toString(16);

export const LINKER_SCRIPT = `
ENTRY(_start)
PHDRS { text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); snip PT_LOAD FLAGS(7); wdata PT_LOAD FLAGS(6); wstack PT_LOAD FLAGS(6); }
SECTIONS {
  . = ${hex(TEXT_ADDR)};
  .text : { *(.text) } :text
  . = ${hex(DRV_DATA)};
  .data : { *(.data) *(.bss) } :data
  . = ${hex(SNIP_ADDR)};
  .snip : { *(.snip) } :snip
  . = ${hex(DATA_ADDR)};
  .wdata (NOLOAD) : { . += ${DATA_SIZE}; } :wdata
  . = ${hex(STACK_LO)};
  .wstack (NOLOAD) : { . += ${hex(STACK_SIZE)}; } :wstack
  /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
}
`;

// ucontext_t: uc_mcontext.gregs starts at 40; gregs index per register in encoding order.
const GREG = { rax: 13, rcx: 14, rdx: 12, rbx: 11, rsp: 15, rbp: 10, rsi: 9, rdi: 8,
  r8: 0, r9: 1, r10: 2, r11: 3, r12: 4, r13: 5, r14: 6, r15: 7 };
const UC_GREGS = 40, G_RIP = 16, G_EFL = 17, UC_FPREGS = 40 + 23 * 8;

/** The driver's assembly (Intel syntax); snippets are appended in section .snip. */
export function driverAsm() {
  const L = [];
  const e = (s) => L.push(s);
  e(`.intel_syntax noprefix`);
  e(`.set DATA, ${hex(DATA_ADDR)}`);
  e(`.set STACK_TOP, ${hex(STACK_TOP)}`);
  e(`.text`);
  e(`.globl _start`);
  // The dump comes first so its address is fixed (DUMP_ADDR).
  e(`wasl_isa_dump:`);
  REG_NAMES.forEach((r, i) => e(`  mov qword ptr [cur_out + ${OUT_REGS + i * 8}], ${r}`));
  e(`  mov rsp, OFFSET drv_stack_top`); // mov leaves the flags alone
  e(`  pushfq`);
  e(`  pop qword ptr [cur_out + ${OUT_RFLAGS}]`);
  e(`  fxsave [cur_out + ${OUT_FX}]`);
  e(`  mov qword ptr [cur_out + ${OUT_STATUS}], 0`);
  e(`  mov qword ptr [cur_out + ${OUT_RIP}], OFFSET wasl_isa_dump`);
  e(`copy_out:`);
  e(`  cld`);
  e(`  mov esi, STACK_TOP - ${STACK_WIN}`);
  e(`  mov edi, OFFSET cur_out + ${OUT_STACK}`);
  e(`  mov ecx, ${2 * STACK_WIN}`);
  e(`  rep movsb`);
  e(`  mov esi, DATA`);
  e(`  mov edi, OFFSET cur_out + ${OUT_MEM}`);
  e(`  mov ecx, ${DATA_SIZE}`);
  e(`  rep movsb`);
  // write(1, cur_out, OUT_SIZE), looping over short writes
  e(`  xor r12d, r12d`);
  e(`1:mov eax, 1`);
  e(`  mov edi, 1`);
  e(`  lea rsi, [cur_out + r12]`);
  e(`  mov edx, ${OUT_SIZE}`);
  e(`  sub edx, r12d`);
  e(`  syscall`);
  e(`  test rax, rax`);
  e(`  jle fail`);
  e(`  add r12, rax`);
  e(`  cmp r12, ${OUT_SIZE}`);
  e(`  jb 1b`);
  e(`  jmp next_case`);

  e(`_start:`);
  e(`  mov rsp, OFFSET drv_stack_top`);
  e(`  mov eax, 131`); // sigaltstack(&ss, NULL)
  e(`  mov edi, OFFSET alt_ss`);
  e(`  xor esi, esi`);
  e(`  syscall`);
  for (const sig of [4, 5, 7, 8, 11]) { // SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV
    e(`  mov eax, 13`); // rt_sigaction(sig, &sa, NULL, 8)
    e(`  mov edi, ${sig}`);
    e(`  mov esi, OFFSET sa`);
    e(`  xor edx, edx`);
    e(`  mov r10d, 8`);
    e(`  syscall`);
  }
  e(`next_case:`);
  e(`  mov rsp, OFFSET drv_stack_top`);
  e(`  xor r12d, r12d`);
  e(`2:xor eax, eax`); // read(0, cur_in + got, IN_SIZE - got)
  e(`  xor edi, edi`);
  e(`  lea rsi, [cur_in + r12]`);
  e(`  mov edx, ${IN_SIZE}`);
  e(`  sub edx, r12d`);
  e(`  syscall`);
  e(`  test rax, rax`);
  e(`  js fail`);
  e(`  jz done`);
  e(`  add r12, rax`);
  e(`  cmp r12, ${IN_SIZE}`);
  e(`  jb 2b`);
  e(`  cld`);
  e(`  mov esi, OFFSET cur_in + ${IN_MEM}`);
  e(`  mov edi, DATA`);
  e(`  mov ecx, ${DATA_SIZE}`);
  e(`  rep movsb`);
  e(`  mov edi, STACK_TOP - ${STACK_WIN}`);
  e(`  xor eax, eax`);
  e(`  mov ecx, ${2 * STACK_WIN}`);
  e(`  rep stosb`);
  for (const [code, off] of [[0x1002, IN_FS_BASE], [0x1001, IN_GS_BASE]]) { // arch_prctl(ARCH_SET_FS/GS, base)
    e(`  mov eax, 158`);
    e(`  mov edi, ${code}`);
    e(`  mov rsi, qword ptr [cur_in + ${off}]`);
    e(`  syscall`);
  }
  e(`  fninit`);
  e(`  fxrstor [cur_in + ${IN_FX}]`);
  e(`  push qword ptr [cur_in + ${IN_RFLAGS}]`);
  e(`  popfq`);
  REG_NAMES.forEach((r, i) => { if (r !== "rsp") e(`  mov ${r}, qword ptr [cur_in + ${IN_REGS + i * 8}]`); });
  e(`  mov rsp, qword ptr [cur_in + ${IN_REGS + 4 * 8}]`);
  e(`  jmp qword ptr [cur_in + ${IN_TARGET}]`);

  e(`done:`);
  e(`  mov eax, 231`);
  e(`  xor edi, edi`);
  e(`  syscall`);
  e(`fail:`);
  e(`  mov eax, 231`);
  e(`  mov edi, 99`);
  e(`  syscall`);

  // handler(sig, siginfo *, ucontext *): record the faulting state, then abandon the signal
  // frame and continue with the next case (SA_NODEFER keeps the signal unblocked).
  e(`on_signal:`);
  e(`  mov [cur_out + ${OUT_STATUS}], rdi`);
  e(`  movsxd rax, dword ptr [rsi + 8]`);
  e(`  mov [cur_out + ${OUT_CODE}], rax`);
  e(`  mov rax, [rsi + 16]`);
  e(`  mov [cur_out + ${OUT_ADDR}], rax`);
  REG_NAMES.forEach((r, i) => {
    e(`  mov rax, [rdx + ${UC_GREGS + GREG[r] * 8}]`);
    e(`  mov [cur_out + ${OUT_REGS + i * 8}], rax`);
  });
  e(`  mov rax, [rdx + ${UC_GREGS + G_RIP * 8}]`);
  e(`  mov [cur_out + ${OUT_RIP}], rax`);
  e(`  mov rax, [rdx + ${UC_GREGS + G_EFL * 8}]`);
  e(`  mov [cur_out + ${OUT_RFLAGS}], rax`);
  e(`  mov rsi, [rdx + ${UC_FPREGS}]`);
  e(`  mov edi, OFFSET cur_out + ${OUT_FX}`);
  e(`  mov ecx, 512`);
  e(`  cld`);
  e(`  rep movsb`);
  e(`  mov rsp, OFFSET drv_stack_top`);
  e(`  jmp copy_out`);

  e(`.data`);
  e(`.balign 8`);
  // struct sigaction (kernel): handler, flags, restorer, mask. SIGINFO|ONSTACK|NODEFER, and
  // RESTORER because x86-64 Linux refuses to deliver without one (it is never returned to).
  e(`sa: .quad on_signal, 0x4c000004, fail, 0`);
  e(`alt_ss: .quad alt_stack, 0, 65536`);
  e(`.bss`);
  e(`.balign 4096`);
  e(`cur_in: .skip ${IN_SIZE}`);
  e(`.balign 64`);
  e(`cur_out: .skip ${OUT_SIZE}`);
  e(`.balign 16`);
  e(`drv_stack: .skip 65536`);
  e(`drv_stack_top:`);
  e(`.balign 16`);
  e(`alt_stack: .skip 65536`);
  e(`.section .snip, "awx"`);
  return L.join("\n") + "\n";
}
