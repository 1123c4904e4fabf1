# write(1, "hi\n", 3); exit_group(3)
.intel_syntax noprefix
.globl _start
_start:
  mov eax, 1
  mov edi, 1
  lea rsi, [rip + msg]
  mov edx, 3
  syscall
  mov eax, 231
  mov edi, 3
  syscall
  hlt
.section .rodata
msg: .ascii "hi\n"
