// long double (x87 80-bit): arithmetic, printf %Lf %Le %Lg %La, strtold, sscanf %Lf.
//! status: 0
#include <stdio.h>
#include <stdlib.h>
#include <float.h>
#include <math.h>

int main(void) {
  volatile long double zero = 0.0L;
  long double vals[] = { 0.0L, -0.0L, 1.0L, -1.0L, 0.1L, 1.0L / 3, 2.0L / 3, 3.14159265358979323846264338327950288L,
    2.71828182845904523536L, 1e-10L, 1e100L, 1e-4000L, 1e4000L, LDBL_MAX, LDBL_MIN, LDBL_EPSILON, 123456789012345678.0L,
    0.5L, 1.5L, 2.5L, 1e19L, 18446744073709551615.0L, 1.0L / zero, -1.0L / zero, 3.6451995318824746025e-4951L };
  const int nv = sizeof vals / sizeof vals[0];
  for (int i = 0; i < nv; i++) {
    long double v = vals[i];
    if (fabsl(v) < 1e30L || isinf(v))
      printf("%d: %Lf | %.20Lf | %.0Lf |", i, v, v, v);
    else
      printf("%d: [big] |", i);
    printf(" %Le | %.18Le | %Lg | %.21Lg | %La | %.5La\n", v, v, v, v, v, v);
  }
  printf("nan: %Lf %Le %Lg\n", zero / zero, -(zero / zero) * 0 + (zero / zero), (long double)NAN);
  // Arithmetic accumulates in 64-bit mantissa.
  long double acc = 1.0L;
  for (int i = 1; i <= 40; i++) {
    acc = acc * (long double)i / (i + 0.5L) + 1.0L / (i * i);
    if (i % 5 == 0) printf("acc %d %.21Lg %La\n", i, acc, acc);
  }
  long double h = 0;
  for (int i = 1; i <= 1000; i++) h += 1.0L / i;
  printf("harmonic %.21Lg\n", h);
  printf("sqrtl2 %.21Lg fabsl %.21Lg floorl %.21Lg\n", sqrtl(2.0L), fabsl(-1.25L), floorl(-2.5L));
  // Conversions to and from integers.
  long double big = 9223372036854775807.0L;
  printf("toll %lld %lld %llu\n", (long long)(big / 2), (long long)-1e18L, (unsigned long long)18446744073709551615.0L);
  for (int i = -5; i <= 5; i++) printf("%lld ", (long long)(i * 1.75L));
  printf("\n");
  // strtold
  const char *strs[] = { "0", "1", "-1.5", "3.141592653589793238462643383279", "1e4000", "1e-4950", "1e-5000", "0x1.8p3",
    "0x1.fffffffffffffffep16383", "inf", "-INFINITY", "nan", "  +12.5e-3xyz", "1.18973149535723176502e+4932",
    "6.7e-4951", "123456789012345678901234567890", ".5", "5.", "-.e1" };
  for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    char *end;
    long double v = strtold(strs[i], &end);
    printf("strtold(%s) = %.21Lg %La rest=[%s]\n", strs[i], v, v, end);
  }
  // sscanf %Lf / %Lg
  long double a, b, c;
  int n = sscanf("1.25 -3e-100 0x1p-16400", "%Lf %Lg %La", &a, &b, &c);
  printf("sscanf n=%d %.21Lg %.21Lg %La\n", n, a, b, c);
  // Comparisons
  long double x = 1.0L + LDBL_EPSILON;
  printf("eps cmp %d %d %d\n", x > 1.0L, (double)x > 1.0, x == 1.0L);
  return 0;
}
