/* A tight integer loop: the CPU-bound reference workload (guest MIPS). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 50000000;
  unsigned long x = 1, acc = 0;
  for (long i = 0; i < n; i++) {
    x = x * 6364136223846793005UL + 1442695040888963407UL;
    acc += (x >> 33) ^ (unsigned long)i;
  }
  printf("%lu\n", acc);
  return 0;
}
