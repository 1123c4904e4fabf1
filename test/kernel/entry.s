# Writes the registers as the program found them (16 GPRs in encoding order, then RFLAGS), then
# the initial stack from rsp to the end of the page holding the AT_EXECFN string.
.intel_syntax noprefix
.globl _start
_start:
  mov [rip + regs + 0], rax
  mov [rip + regs + 8], rcx
  mov [rip + regs + 16], rdx
  mov [rip + regs + 24], rbx
  mov [rip + regs + 32], rsp
  mov [rip + regs + 40], rbp
  mov [rip + regs + 48], rsi
  mov [rip + regs + 56], rdi
  mov [rip + regs + 64], r8
  mov [rip + regs + 72], r9
  mov [rip + regs + 80], r10
  mov [rip + regs + 88], r11
  mov [rip + regs + 96], r12
  mov [rip + regs + 104], r13
  mov [rip + regs + 112], r14
  mov [rip + regs + 120], r15
  pushfq
  pop rax
  mov [rip + regs + 128], rax
  mov eax, 1
  mov edi, 1
  lea rsi, [rip + regs]
  mov edx, 136
  syscall
  # The stack ends at the page boundary above the AT_EXECFN string (the highest one).
  mov rsi, [rip + regs + 32]
  mov rcx, rsi
  add rcx, 8
1: mov rax, [rcx]              # skip argv
  add rcx, 8
  test rax, rax
  jnz 1b
2: mov rax, [rcx]              # skip envp
  add rcx, 8
  test rax, rax
  jnz 2b
3: mov rax, [rcx]              # find AT_EXECFN (31)
  mov rdx, [rcx + 8]
  add rcx, 16
  cmp rax, 31
  je 4f
  test rax, rax
  jnz 3b
  jmp 9f
4: add rdx, 4095                # the execfn string lies in the last page of the stack
  and rdx, -4096
  sub rdx, rsi
  mov eax, 1
  mov edi, 1
  syscall
9: mov eax, 231
  xor edi, edi
  syscall
.bss
regs: .skip 136
