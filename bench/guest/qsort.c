/* libc qsort of N pseudo-random ints with a comparison callback: calls, branches, memory. */
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  int *v = malloc(n * sizeof *v);
  unsigned long x = 88172645463325252UL;
  for (long i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; v[i] = (int)x; }
  qsort(v, n, sizeof *v, cmp);
  unsigned long acc = 0;
  for (long i = 0; i < n; i++) {
    if (i && v[i - 1] > v[i]) { puts("not sorted"); return 1; }
    acc = acc * 31 + (unsigned)v[i];
  }
  printf("%lu\n", acc);
  return 0;
}
