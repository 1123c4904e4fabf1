// Sorting algorithms (insertion, shell, heap, merge, quick, radix, counting) on PRNG data; all must agree.
//! status: 0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define N 6000
static uint32_t seed = 2463534242u;
static uint32_t rnd(void) { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; return seed; }

static void insertion(int32_t *a, int n) { for (int i = 1; i < n; i++) { int32_t v = a[i]; int j = i - 1; while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; } a[j + 1] = v; } }
static void shell(int32_t *a, int n) {
  for (int gap = n / 2; gap > 0; gap /= 2) for (int i = gap; i < n; i++) { int32_t v = a[i]; int j = i; while (j >= gap && a[j - gap] > v) { a[j] = a[j - gap]; j -= gap; } a[j] = v; }
}
static void sift(int32_t *a, int i, int n) {
  for (;;) { int l = 2 * i + 1, m = i; if (l < n && a[l] > a[m]) m = l; if (l + 1 < n && a[l + 1] > a[m]) m = l + 1; if (m == i) return;
    int32_t t = a[i]; a[i] = a[m]; a[m] = t; i = m; }
}
static void heap(int32_t *a, int n) { for (int i = n / 2 - 1; i >= 0; i--) sift(a, i, n); for (int e = n - 1; e > 0; e--) { int32_t t = a[0]; a[0] = a[e]; a[e] = t; sift(a, 0, e); } }
static void merge_rec(int32_t *a, int32_t *tmp, int lo, int hi) {
  if (hi - lo < 2) return;
  int mid = (lo + hi) / 2; merge_rec(a, tmp, lo, mid); merge_rec(a, tmp, mid, hi);
  int i = lo, j = mid, k = lo;
  while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
  while (i < mid) tmp[k++] = a[i++];
  while (j < hi) tmp[k++] = a[j++];
  memcpy(a + lo, tmp + lo, (size_t)(hi - lo) * sizeof *a);
}
static void quick(int32_t *a, int lo, int hi) {
  while (hi - lo > 16) {
    int32_t p = a[(lo + hi) / 2]; int i = lo, j = hi;
    while (i <= j) { while (a[i] < p) i++; while (a[j] > p) j--; if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; } }
    if (j - lo < hi - i) { quick(a, lo, j); lo = i; } else { quick(a, i, hi); hi = j; }
  }
  insertion(a + lo, hi - lo + 1);
}
static void radix(int32_t *a, int n) {
  uint32_t *u = malloc(n * sizeof *u), *t = malloc(n * sizeof *t);
  for (int i = 0; i < n; i++) u[i] = (uint32_t)a[i] ^ 0x80000000u;
  for (int shift = 0; shift < 32; shift += 8) {
    unsigned cnt[257] = { 0 };
    for (int i = 0; i < n; i++) cnt[(u[i] >> shift & 255) + 1]++;
    for (int i = 0; i < 256; i++) cnt[i + 1] += cnt[i];
    for (int i = 0; i < n; i++) t[cnt[u[i] >> shift & 255]++] = u[i];
    uint32_t *s = u; u = t; t = s;
  }
  for (int i = 0; i < n; i++) a[i] = (int32_t)(u[i] ^ 0x80000000u);
  free(u); free(t);
}
static uint64_t digest(const int32_t *a, int n) { uint64_t h = 1469598103934665603ULL; for (int i = 0; i < n; i++) h = (h ^ (uint32_t)a[i]) * 1099511628211ULL; return h; }

int main(void) {
  static int32_t orig[N], work[N], tmp[N], ref[N];
  int sizes[] = { 0, 1, 2, 3, 10, 100, 1000, N }, bad = 0;
  const char *names[] = { "insertion", "shell", "heap", "merge", "quick", "radix" };
  for (int pattern = 0; pattern < 4; pattern++) for (unsigned si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    int n = sizes[si];
    for (int i = 0; i < n; i++) orig[i] = pattern == 0 ? (int32_t)rnd() : pattern == 1 ? (int32_t)(rnd() % 10) - 5 : pattern == 2 ? i * 3 : n - i;
    memcpy(ref, orig, n * sizeof *ref); merge_rec(ref, tmp, 0, n);
    for (int k = 1; k < n; k++) if (ref[k - 1] > ref[k]) bad++;
    printf("pattern %d n=%d digest=%016llx min=%d max=%d\n", pattern, n, (unsigned long long)digest(ref, n), n ? ref[0] : 0, n ? ref[n - 1] : 0);
    for (int alg = 0; alg < 6; alg++) {
      if (alg == 0 && n > 1000) continue;
      memcpy(work, orig, n * sizeof *work);
      switch (alg) { case 0: insertion(work, n); break; case 1: shell(work, n); break; case 2: heap(work, n); break;
        case 3: merge_rec(work, tmp, 0, n); break; case 4: if (n) quick(work, 0, n - 1); break; case 5: radix(work, n); break; }
      if (memcmp(work, ref, n * sizeof *work)) { bad++; printf("  %s disagrees\n", names[alg]); }
    }
  }
  printf("bad=%d\n", bad);
  return bad;
}
