// String and memory functions over many lengths and alignments (the SSE2 paths of glibc).
//! status: 0
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static unsigned char bufa[4096 + 64], bufb[4096 + 64], bufc[4096 + 64];
static uint32_t hash = 2166136261u;
static void h(const void *p, size_t n) { const unsigned char *s = p; for (size_t i = 0; i < n; i++) hash = (hash ^ s[i]) * 16777619u; }
static void hi(long v) { h(&v, sizeof v); }
static int sgn(int v) { return v < 0 ? -1 : v > 0; }

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; p[i] = (unsigned char)('a' + (seed >> 16) % 26); }
}

int main(void) {
  static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 95, 127, 128, 129,
    255, 256, 257, 511, 1000, 1023, 1024, 2049, 4000 };
  const int nl = sizeof lens / sizeof lens[0];
  for (int li = 0; li < nl; li++) {
    size_t n = lens[li];
    unsigned long sum = 0;
    for (int al = 0; al < 16; al += (li % 2 ? 3 : 5)) {
      for (int bl = 0; bl < 16; bl += 7) {
        unsigned char *a = bufa + al, *b = bufb + bl;
        fill(a, n, (unsigned)(n * 31 + al));
        memset(b, 0, n + 16);
        memcpy(b, a, n);
        int c0 = memcmp(a, b, n);
        if (n) { b[n / 2] ^= 1; }
        int c1 = n ? memcmp(a, b, n) : 0;
        int c2 = n ? memcmp(b, a, n) : 0;
        if (n) b[n / 2] ^= 1;
        // strlen and str* on NUL-terminated copies
        a[n] = 0; memcpy(b, a, n + 1);
        size_t sl = strlen(b);
        char *ch = strchr((char *)b, 'q'), *rch = strrchr((char *)b, 'q'), *nul = strchr((char *)b, 0);
        void *mch = memchr(b, 'z', n);
        int sc = strcmp((char *)a, (char *)b);
        if (n > 3) { b[n - 2] = 'A'; }
        int sc2 = strcmp((char *)a, (char *)b), snc = strncmp((char *)a, (char *)b, n / 2), snc2 = strncmp((char *)a, (char *)b, n + 5);
        char *ss = n > 6 ? strstr((char *)a, (char *)a + n - 3) : NULL;
        sum = sum * 31 + sl + (ch ? (unsigned long)(ch - (char *)b) : 999) + (rch ? (unsigned long)(rch - (char *)b) * 7 : 777) +
          (unsigned long)(nul - (char *)b) + (mch ? (unsigned long)((unsigned char *)mch - b) * 3 : 555) +
          (unsigned long)(sgn(c0) + 3 * sgn(c1) + 9 * sgn(c2) + 27 * sgn(sc) + 81 * sgn(sc2) + 243 * sgn(snc) + 729 * sgn(snc2)) +
          (ss ? (unsigned long)(ss - (char *)a) : 1);
        // memmove overlapping both directions
        fill(bufc, n + 32, (unsigned)n);
        memmove(bufc + 5, bufc + 1, n);
        h(bufc, n + 32);
        memmove(bufc + 2, bufc + 11, n);
        h(bufc, n + 32);
        memset(bufc + al, al * 7, n);
        h(bufc, n + 32);
      }
    }
    printf("len %4zu: sum=%016lx hash=%08x\n", n, sum, hash);
  }
  // strcpy/strcat/strncpy/strncat
  char s1[512], s2[512];
  strcpy(s1, "The quick brown fox");
  for (int i = 0; i < 12; i++) {
    strcat(s1, i % 2 ? " jumps" : " over");
    strncpy(s2, s1, (size_t)(i * 9));
    s2[i * 9] = 0;
    strncat(s2, "|lazy dog|", (size_t)i);
    printf("cat %2d: [%s] len=%zu [%s] len=%zu spn=%zu cspn=%zu\n", i, s1, strlen(s1), s2, strlen(s2),
      strspn(s1, "Thequick "), strcspn(s1, "xyz"));
  }
  // strstr with many needles
  const char *hay = "abababababcabababcabcabcdabcdeabcdefabcdefgxyzzyxyzzyxyzzy-the-end";
  const char *needles[] = { "", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "xyzzy-", "zy-the", "end", "dne", "cabab", "ababc" };
  for (unsigned i = 0; i < sizeof needles / sizeof needles[0]; i++) {
    const char *r = strstr(hay, needles[i]);
    printf("strstr(%s) = %ld\n", needles[i], r ? (long)(r - hay) : -1L);
  }
  // A long strstr with a periodic needle.
  memset(bufa, 'a', 3000); bufa[3000] = 0; bufa[2990] = 'b';
  memset(bufb, 'a', 40); bufb[40] = 0; bufb[30] = 'b';
  char *r = strstr((char *)bufa, (char *)bufb);
  printf("long strstr = %ld\n", r ? (long)(r - (char *)bufa) : -1L);
  hi(r ? r - (char *)bufa : -1);
  // memcmp ordering uses unsigned bytes
  unsigned char x1[] = { 1, 2, 0x80 }, x2[] = { 1, 2, 0x7f };
  printf("memcmp unsigned: %d %d\n", sgn(memcmp(x1, x2, 3)), sgn(memcmp(x2, x1, 3)));
  printf("final hash=%08x\n", hash);
  return 0;
}
