// Prefetch hints are no-ops that never fault, on any address: PREFETCHT0/T1/T2/NTA (0F 18) and
// PREFETCHW (0F 0D /1, CPUID PRFCHW), which compilers emit without checking CPUID (workerd from
// npm died with SIGILL on it). Memory is unchanged.
#include <stdint.h>
#include <stdio.h>
#include <cpuid.h>

static char buf[256] = "unchanged";

int main(void) {
  unsigned a, b, c, d;
  __cpuid(0x80000001, a, b, c, d);
  printf("PRFCHW: %u\n", (c >> 8) & 1);
  void *addrs[] = { buf, buf + 200, (void *)0, (void *)16, (void *)0x7ffffffff000ull, (void *)0xdead0000ull };
  for (unsigned i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
    __asm__ volatile("prefetcht0 (%0)\n\tprefetcht1 (%0)\n\tprefetcht2 (%0)\n\tprefetchnta (%0)" :: "r"(addrs[i]));
    __asm__ volatile("prefetchw (%0)\n\tprefetchw 64(%0)" :: "r"(addrs[i]));
    printf("address %u: no fault\n", i);
  }
  printf("%s\n", buf);
  return 0;
}
