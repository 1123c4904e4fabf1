.intel_syntax noprefix
.globl _start
_start:
  int3
