# Calls uselib (134, removed from Linux) twice and an unassigned number (999) once; exits with
# -rax of the last uselib call, so the status is ENOSYS (38), natively too.
.intel_syntax noprefix
.globl _start
_start:
  mov eax, 134
  xor edi, edi
  syscall
  mov eax, 999
  syscall
  mov eax, 134
  xor edi, edi
  syscall
  mov edi, eax
  neg edi
  mov eax, 231
  syscall
