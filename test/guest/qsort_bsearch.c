// qsort and bsearch on ints, strings and structs; stable order checked via tie-breaker keys.
//! status: 0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec { int key; int seq; char name[12]; };
static unsigned seed = 12345;
static unsigned rnd(void) { seed = seed * 1664525u + 1013904223u; return seed >> 8; }
static int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int cmp_rec(const void *a, const void *b) {
  const struct rec *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}
static int cmp_u8(const void *a, const void *b) { return *(const unsigned char *)a - *(const unsigned char *)b; }

int main(void) {
  static int arr[5000];
  int bad = 0;
  for (int n = 0; n <= 5000; n = n ? n * 3 : 1) {
    for (int i = 0; i < n; i++) arr[i] = (int)(rnd() % 1000) - 500;
    qsort(arr, (size_t)n, sizeof(int), cmp_int);
    long sum = 0;
    for (int i = 0; i < n; i++) { sum = sum * 7 + arr[i]; if (i && arr[i - 1] > arr[i]) bad++; }
    int found = 0, missing = 0;
    for (int k = -510; k <= 510; k += 3) {
      int *p = bsearch(&k, arr, (size_t)n, sizeof(int), cmp_int);
      if (p) { found++; if (*p != k) bad++; } else missing++;
    }
    printf("n=%d sum=%ld found=%d missing=%d first=%d last=%d\n", n, sum, found, missing, n ? arr[0] : 0, n ? arr[n - 1] : 0);
    qsort(arr, (size_t)n, sizeof(int), cmp_int_desc);
    for (int i = 1; i < n; i++) if (arr[i - 1] < arr[i]) bad++;
  }
  // Strings.
  const char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape", "kiwi", "lemon", "mango",
    "nectarine", "orange", "papaya", "quince", "raspberry", "strawberry", "tangerine", "ugli", "vanilla", "watermelon", "apple",
    "Apple", "APPLE", "", "zucchini" };
  const char **w = malloc(sizeof words);
  memcpy(w, words, sizeof words);
  size_t nw = sizeof words / sizeof words[0];
  qsort(w, nw, sizeof *w, cmp_str);
  for (size_t i = 0; i < nw; i++) printf("%s%s", i ? "," : "", w[i]);
  printf("\n");
  const char *keys[] = { "fig", "apple", "zucchini", "zzz", "", "Apple", "coconut" };
  for (int i = 0; i < 7; i++) {
    const char **p = bsearch(&keys[i], w, nw, sizeof *w, cmp_str);
    printf("find %s: %s\n", keys[i], p ? *p : "(none)");
  }
  // Structs with duplicate keys.
  struct rec *recs = malloc(sizeof(struct rec) * 777);
  for (int i = 0; i < 777; i++) { recs[i].key = (int)(rnd() % 50); recs[i].seq = i; snprintf(recs[i].name, sizeof recs[i].name, "r%d", i); }
  qsort(recs, 777, sizeof *recs, cmp_rec);
  for (int i = 0; i < 777; i += 37) printf("%d:%d:%s ", recs[i].key, recs[i].seq, recs[i].name);
  printf("\n");
  for (int i = 1; i < 777; i++) if (cmp_rec(&recs[i - 1], &recs[i]) >= 0) bad++;
  // Bytes.
  unsigned char bytes[300];
  for (int i = 0; i < 300; i++) bytes[i] = (unsigned char)(rnd());
  qsort(bytes, 300, 1, cmp_u8);
  unsigned h = 0; for (int i = 0; i < 300; i++) h = h * 31 + bytes[i];
  printf("bytes h=%u min=%u max=%u\n", h, bytes[0], bytes[299]);
  printf("bad=%d\n", bad);
  free(w); free(recs);
  return bad ? 1 : 0;
}
