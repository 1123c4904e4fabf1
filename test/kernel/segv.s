.intel_syntax noprefix
.globl _start
_start:
  xor eax, eax
  mov [rax], eax
  hlt
