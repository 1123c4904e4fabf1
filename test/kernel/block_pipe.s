# Reads from a pipe nobody will ever write to: blocks forever, natively and under wasl (the wait
# holds no host handle; the host process must still wait, not run dry and exit).
.intel_syntax noprefix
.globl _start
_start:
  sub rsp, 16
  mov eax, 22
  mov rdi, rsp
  syscall
  xor eax, eax
  mov edi, [rsp]
  lea rsi, [rsp + 8]
  mov edx, 1
  syscall
  mov eax, 231
  xor edi, edi
  syscall
