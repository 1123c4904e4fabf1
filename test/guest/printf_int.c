// printf of integers with every flag, width, precision and length modifier.
//! status: 0
#include <stdio.h>
#include <stdint.h>
#include <limits.h>
#include <inttypes.h>
#include <stddef.h>

int main(void) {
  static const long long vals[] = { 0, 1, -1, 7, -7, 42, -42, 255, 256, 4095, -4096, 65535, 1000000, -1000000,
    INT_MAX, INT_MIN, UINT_MAX, LLONG_MAX, LLONG_MIN, 0x123456789LL, -0xdeadbeefLL };
  static const char *fmts[] = { "%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%+05d", "%-+8d|", "%.3d", "%8.3d",
    "%-8.3d|", "%.0d", "%u", "%10u", "%o", "%#o", "%x", "%#x", "%X", "%#X", "%#10x", "%-#10x|", "%#.8x", "%08x",
    "%hhd", "%hhu", "%hd", "%hu", "%hx", "%c" };
  const int nf = sizeof fmts / sizeof fmts[0];
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    int v = (int)vals[i];
    printf("[%lld]", vals[i]);
    for (int f = 0; f < nf; f++) {
      if (fmts[f][1] == 'c') { printf(" [%c]", (v & 0x3f) + 0x30); continue; }
      putchar(' '); putchar('[');
      int n = printf(fmts[f], v);
      printf("]%d", n);
    }
    putchar('\n');
    long long L = vals[i];
    printf("  ll: %lld %llu %llx %llo %20lld %-20lld| %+.15lld %#llx %025lld\n", L, (unsigned long long)L, (unsigned long long)L,
      (unsigned long long)L, L, L, L, (unsigned long long)L, L);
    printf("  l: %ld %lu %lx z: %zd %zu t: %td j: %jd %ju\n", (long)L, (unsigned long)L, (unsigned long)L, (ssize_t)L,
      (size_t)L, (ptrdiff_t)L, (intmax_t)L, (uintmax_t)L);
    printf("  star: [%*d] [%-*d] [%.*d] [%*.*x]\n", 12, v, 9, v, 6, v, 10, 4, (unsigned)v);
    printf("  inttypes: %" PRId64 " %" PRIu32 " %" PRIx16 " %" PRIo8 "\n", (int64_t)L, (uint32_t)L, (uint16_t)L, (uint8_t)L);
  }
  // Return values and %n.
  int n1 = 0, n2 = 0;
  int r = printf("abc%ndef%n\n", &n1, &n2);
  printf("r=%d n1=%d n2=%d\n", r, n1, n2);
  // Strings with width and precision.
  const char *s = "hello, world";
  printf("[%s] [%20s] [%-20s] [%.5s] [%20.5s] [%-20.5s] [%.0s] [%%]\n", s, s, s, s, s, s, s);
  printf("[%c%c%c] [%5c] [%-5c]\n", 'x', 'y', 'z', 'q', 'r');
  // snprintf truncation return values
  char buf[16];
  for (int w = 0; w < 40; w += 3) {
    int k = snprintf(buf, sizeof buf, "%*d|%s", w, w * 12345, "tail");
    printf("snprintf w=%d ret=%d buf=[%s]\n", w, k, buf);
  }
  return 0;
}
