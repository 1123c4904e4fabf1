/* String and memory functions as programs use them: libc's memcpy, strlen, strchr and memcmp
 * over strings of mixed lengths (these are the SSE2 paths in glibc and musl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 64

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 200000;
  static char src[SLOTS][1024], dst[1024];
  unsigned x = 12345;
  for (int s = 0; s < SLOTS; s++) {
    /* lengths from 1 to ~1000 bytes, letters only, so strchr finds what it looks for late or never */
    int len = 1 + (s * 37 + (s * s) % 97) % 1000;
    for (int i = 0; i < len; i++) { x = x * 1103515245 + 12345; src[s][i] = 'a' + (x >> 16) % 25; }
    src[s][len] = 0;
  }
  unsigned long acc = 0;
  for (long r = 0; r < rounds; r++) {
    const char *s = src[r % SLOTS];
    size_t len = strlen(s);
    memcpy(dst, s, len + 1);
    const char *p = strchr(dst, 'a' + (int)(r % 26));
    acc += len + (p ? (size_t)(p - dst) : 7) + (memcmp(dst, s, len) == 0);
  }
  printf("%lu\n", acc);
  return 0;
}
