// sscanf of integers, doubles, strings and scansets; return counts and %n.
//! status: 0
#include <stdio.h>
#include <string.h>

int main(void) {
  const char *ints[] = { "0", "42", "-17", "+99", "2147483647", "-2147483648", "0x1F", "0777", "  12abc", "abc", "", "-0",
    "4294967295", "9223372036854775807", "-9223372036854775808", "18446744073709551615", "1e5", "0x", "08", "  -  5" };
  for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    int d = -1, iv = -1, n = -1; unsigned u = 0, x = 0, o = 0; long long ll = 0; unsigned long long ull = 0;
    int r1 = sscanf(ints[i], "%d%n", &d, &n);
    int r2 = sscanf(ints[i], "%i", &iv);
    int r3 = sscanf(ints[i], "%u", &u);
    int r4 = sscanf(ints[i], "%x", &x);
    int r5 = sscanf(ints[i], "%o", &o);
    int r6 = sscanf(ints[i], "%lld", &ll);
    int r7 = sscanf(ints[i], "%llu", &ull);
    printf("[%s] d=%d:%d n=%d i=%d:%d u=%d:%u x=%d:%x o=%d:%o ll=%d:%lld ull=%d:%llu\n", ints[i], r1, d, n, r2, iv, r3, u, r4, x,
      r5, o, r6, ll, r7, ull);
  }
  const char *dbls[] = { "0", "1.5", "-2.25e3", "3.14159265358979323846", "1e308", "1e309", "-1e-320", "4.9e-324", "1e-400",
    "inf", "-Infinity", "nan", "0x1.8p1", ".5", "5.", "1e", "e5", "   +7.75xyz", "0.1", "123456789012345678901234567890" };
  for (unsigned i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
    double d = -99; float f = -99; int n = -1;
    int r1 = sscanf(dbls[i], "%lf%n", &d, &n);
    int r2 = sscanf(dbls[i], "%f", &f);
    printf("[%s] lf=%d:%.17g n=%d f=%d:%.9g\n", dbls[i], r1, d, n, r2, (double)f);
  }
  // Mixed formats, literals, suppression, widths and scansets.
  char w1[32], w2[32], set[32];
  int a = 0, b = 0, c = 0, n = 0;
  int r = sscanf("key=value; 12,34,56 rest", "%31[^=]=%31[^;]; %d,%*d,%d %n", w1, w2, &a, &b, &n);
  printf("r=%d w1=%s w2=%s a=%d b=%d n=%d\n", r, w1, w2, a, b, n);
  r = sscanf("123456789", "%3d%2d%4d", &a, &b, &c);
  printf("widths r=%d %d %d %d\n", r, a, b, c);
  r = sscanf("aaabbbccc", "%[ab]%n", set, &n);
  printf("set r=%d [%s] n=%d\n", r, set, n);
  r = sscanf("  hello   world  ", "%s %s", w1, w2);
  printf("words r=%d [%s] [%s]\n", r, w1, w2);
  char ch1, ch2;
  r = sscanf("x y", "%c %c", &ch1, &ch2);
  printf("chars r=%d %c %c\n", r, ch1, ch2);
  r = sscanf("100%", "%d%%", &a);
  printf("percent r=%d %d\n", r, a);
  r = sscanf("", "%d", &a);
  printf("empty r=%d\n", r);
  short hs; signed char hhs;
  r = sscanf("70000 300", "%hd %hhd", &hs, &hhs);
  printf("short r=%d %d %d\n", r, hs, hhs);
  // Parse a table of numbers and sum them.
  const char *table = "1 2 3 4 5 6 7 8 9 10 -11 0x10 1.5e1 2.5";
  double sum = 0; const char *p = table; double v;
  while (sscanf(p, "%lf%n", &v, &n) == 1) { sum += v; p += n; }
  printf("table sum=%.17g\n", sum);
  return 0;
}
