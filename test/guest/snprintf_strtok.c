// snprintf into small and large buffers (truncation, return values), then strtok/strtok_r/strsep over the result.
//! status: 0
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

int main(void) {
  char big[4096]; size_t off = 0;
  for (int i = 0; i < 60; i++) {
    int k = snprintf(big + off, sizeof big - off, "%s:%d:%x:%.2f;", i % 3 ? "rec" : "item", i * i - 50, i * 977, i / 7.0);
    if (k < 0 || (size_t)k >= sizeof big - off) break;
    off += (size_t)k;
  }
  printf("built %zu bytes\n%s\n", off, big);
  for (size_t cap = 0; cap < 40; cap += 3) {
    char small[40]; memset(small, '#', sizeof small);
    int k = snprintf(small, cap, "value=%d, name=%s, pi=%.5f", -12345, "wasl", 3.14159265);
    printf("cap %2zu ret %d [%s] guard=%c\n", cap, k, cap ? small : "(none)", small[cap < 39 ? cap + 1 : 39]);
  }
  // strtok over the built record list.
  char *copy = strdup(big); int n = 0; long sum = 0;
  for (char *rec = strtok(copy, ";"); rec; rec = strtok(NULL, ";")) {
    n++;
    char *save = NULL, *name = strtok_r(rec, ":", &save), *a = strtok_r(NULL, ":", &save), *b = strtok_r(NULL, ":", &save),
      *c = strtok_r(NULL, ":", &save);
    long va = strtol(a, NULL, 10) + (long)strlen(name);
    sum += va + strtol(b, NULL, 16) + (long)(strtod(c, NULL) * 100);
    if (n % 8 == 1) printf("rec %d: %s a=%s b=%s c=%s\n", n, name, a, b, c);
  }
  printf("records=%d sum=%ld\n", n, sum);
  free(copy);
  // Empty fields: strtok skips them, strsep keeps them.
  char line1[] = ",,alpha,,beta,gamma,,,delta,", line2[] = ",,alpha,,beta,gamma,,,delta,";
  for (char *t = strtok(line1, ","); t; t = strtok(NULL, ",")) printf("tok[%s] ", t);
  printf("\n");
  char *p = line2, *t;
  while ((t = strsep(&p, ",")) != NULL) printf("sep[%s] ", t);
  printf("\n");
  // Multiple delimiters and a delimiter set that changes between calls.
  char line3[] = "key1=val1&key2=val2;key3 = val3 &&key4=";
  char *s = strtok(line3, "=");
  while (s) { printf("k[%s] ", s); s = strtok(NULL, "&;"); if (s) { printf("v[%s] ", s); s = strtok(NULL, "="); } }
  printf("\n");
  // sprintf of a table with widths.
  char row[128];
  for (int i = 0; i < 10; i++) { int k = sprintf(row, "|%-8s|%8d|%08.3f|%+6x|", i % 2 ? "odd" : "even", i * -1234, i * 1.125, i * 4095); printf("%s %d\n", row, k); }
  return 0;
}
