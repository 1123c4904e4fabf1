// malloc/calloc/realloc/free stress driven by a deterministic PRNG; contents verified.
//! status: 0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define SLOTS 512
static unsigned char *ptrs[SLOTS];
static size_t sizes[SLOTS];
static unsigned char tags[SLOTS];
static uint64_t s = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { s += 0x9e3779b97f4a7c15ULL; uint64_t z = s; z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL; return z ^ (z >> 31); }

static size_t pick_size(void) {
  uint64_t r = rnd() % 100;
  if (r < 60) return rnd() % 128;
  if (r < 90) return 128 + rnd() % 4096;
  if (r < 98) return 4096 + rnd() % 32768;
  return 131072 + rnd() % (1 << 17);  // large: mmap-backed in glibc and musl
}
static int check(int i) {
  for (size_t k = 0; k < sizes[i]; k += 1 + sizes[i] / 64) if (ptrs[i][k] != (unsigned char)(tags[i] + k)) return 1;
  return sizes[i] && ptrs[i][sizes[i] - 1] != (unsigned char)(tags[i] + sizes[i] - 1);
}
static void stamp(int i) { for (size_t k = 0; k < sizes[i]; k++) ptrs[i][k] = (unsigned char)(tags[i] + k); }

int main(void) {
  int bad = 0; unsigned long allocs = 0, frees = 0, reallocs = 0, callocs = 0, total = 0;
  for (int round = 0; round < 4000; round++) {
    int i = (int)(rnd() % SLOTS);
    uint64_t op = rnd() % 10;
    if (ptrs[i] && check(i)) bad++;
    if (!ptrs[i]) {
      sizes[i] = pick_size(); tags[i] = (unsigned char)rnd();
      if (op < 3) {
        ptrs[i] = calloc(1, sizes[i] ? sizes[i] : 1); callocs++;
        for (size_t k = 0; k < sizes[i]; k++) if (ptrs[i][k]) { bad++; break; }
      } else { ptrs[i] = malloc(sizes[i] ? sizes[i] : 1); allocs++; }
      if (!ptrs[i]) { printf("out of memory at round %d\n", round); return 2; }
      stamp(i); total += sizes[i];
    } else if (op < 6) {
      free(ptrs[i]); ptrs[i] = NULL; frees++;
    } else {
      size_t ns = pick_size(), keep = ns < sizes[i] ? ns : sizes[i];
      unsigned char *np = realloc(ptrs[i], ns ? ns : 1); reallocs++;
      if (!np) { printf("realloc failed\n"); return 2; }
      for (size_t k = 0; k < keep; k += 1 + keep / 32) if (np[k] != (unsigned char)(tags[i] + k)) { bad++; break; }
      ptrs[i] = np; sizes[i] = ns; stamp(i); total += ns;
    }
    if (round % 200 == 0) {
      size_t live = 0; int n = 0;
      for (int k = 0; k < SLOTS; k++) if (ptrs[k]) { live += sizes[k]; n++; }
      printf("round %5d: live=%d bytes=%zu allocs=%lu callocs=%lu reallocs=%lu frees=%lu bad=%d\n", round, n, live, allocs, callocs,
        reallocs, frees, bad);
    }
  }
  for (int i = 0; i < SLOTS; i++) { if (ptrs[i] && check(i)) bad++; free(ptrs[i]); }
  // Alignment guarantees (only whether they hold is printed, never an address).
  int misaligned = 0;
  for (int i = 1; i < 300; i += 7) { void *p = malloc((size_t)i); if ((uintptr_t)p % 16) misaligned++; free(p); }
  void *al = aligned_alloc(256, 1024); int a256 = ((uintptr_t)al % 256) == 0; free(al);
  void *pm = NULL; int pr = posix_memalign(&pm, 4096, 10000); int a4k = pm && ((uintptr_t)pm % 4096) == 0; free(pm);
  printf("total=%lu bad=%d misaligned=%d aligned256=%d posix_memalign=%d,%d\n", total, bad, misaligned, a256, pr, a4k);
  return bad ? 1 : 0;
}
