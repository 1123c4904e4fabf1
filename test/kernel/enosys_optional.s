# Calls keyctl (250), fanotify_init (300) and io_uring_setup (425), which a Linux kernel may be built without, and exits
# with -rax of the last one: under wasl ENOSYS (38) with no "unimplemented" line on stderr.
.intel_syntax noprefix
.globl _start
_start:
  mov eax, 250
  xor edi, edi
  mov rsi, -3
  xor edx, edx
  syscall
  mov eax, 300
  mov edi, 0x281
  xor esi, esi
  syscall
  mov eax, 425
  xor edi, edi
  xor esi, esi
  syscall
  mov edi, eax
  neg edi
  mov eax, 231
  syscall
