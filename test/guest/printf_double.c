// printf of doubles: %f %e %g %a with many values incl. denormals, inf, nan, -0.0.
//! status: 0
#include <stdio.h>
#include <float.h>
#include <math.h>
#include <string.h>

int main(void) {
  volatile double zero = 0.0;
  double vals[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 3.14159265358979323846, 2.718281828459045,
    1e-5, 1e-300, 1e300, 123456789.0, 1234567890123456789.0, 9007199254740993.0, 0.000123456, 100.0, 999.9999, 0.95, 0.05,
    1.5, 2.5, -2.5, 0.125, 1e21, 1e22, 1e23, 5e-324, 2.2250738585072014e-308, 2.2250738585072009e-308, DBL_MAX, DBL_MIN,
    DBL_EPSILON, 1.0 / zero, -1.0 / zero, zero / zero, 4.35, 0.015625, 1e15 + 0.3, 65536.0 * 65536.0 * 65536.0 };
  const int nv = sizeof vals / sizeof vals[0];
  const char *fmts[] = { "%f", "%.0f", "%.1f", "%.3f", "%.10f", "%12.4f", "%-12.4f|", "%+f", "% f", "%012.3f", "%#.0f",
    "%e", "%.0e", "%.3e", "%15.6E", "%+e", "%#.0e", "%g", "%.0g", "%.1g", "%.3g", "%.10g", "%.17g", "%#g", "%G", "%-12g|",
    "%a", "%.0a", "%.3a", "%A", "%+a", "%20a" };
  const int nf = sizeof fmts / sizeof fmts[0];
  for (int i = 0; i < nv; i++) {
    double v = vals[i];
    printf("v%d:", i);
    for (int f = 0; f < nf; f++) {
      if (v > 1e200 && (strchr(fmts[f], 'f')) && !isinf(v)) { printf(" [big]"); continue; }
      printf(" [");
      printf(fmts[f], v);
      printf("]");
    }
    putchar('\n');
  }
  // Many values in a sweep: powers of ten and of two, and their neighbours.
  double p = 1.0;
  for (int i = 0; i < 40; i++) {
    printf("%.17g %.17e %a %.6f\n", p, p / 7, p * 3, p / 1024);
    p *= 10.0;
  }
  double t = 1.0;
  for (int i = 0; i < 1100; i += 37) {
    double q = ldexp(1.0, -i);
    printf("2^-%d = %.17g %a %.20e\n", i, q, q, nextafter(q, 0.0));
    t += q;
  }
  // Denormals
  for (double d = 5e-324; d < 1e-307; d *= 1000.0) printf("denorm %.17g %a %e\n", d, d, d);
  // Rounding of halves in %.Nf
  for (int i = 0; i < 20; i++) {
    double v = i + 0.5;
    printf("%.0f %.1f %.2f ", v, v / 10, v / 100);
  }
  putchar('\n');
  printf("sum=%.17g\n", t);
  return 0;
}
