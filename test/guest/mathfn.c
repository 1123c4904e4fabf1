// math.h functions on many inputs, printed with %.17g (libm's exact results are the oracle).
//! status: 0
#include <stdio.h>
#include <math.h>
#include <float.h>

int main(void) {
  volatile double zero = 0.0;
  double xs[] = { 0.0, -0.0, 1e-310, 1e-10, 0.1, 0.5, 0.7853981633974483, 1.0, 1.5, 2.0, 2.5, 3.141592653589793, 4.0, 10.0,
    -0.5, -1.0, -2.5, -10.0, 100.0, 700.0, 710.0, -745.0, 1e10, 1e22, 1e300, 1.0 / zero, -1.0 / zero, zero / zero };
  const int n = sizeof xs / sizeof xs[0];
  for (int i = 0; i < n; i++) {
    double x = xs[i];
    printf("x=%.17g\n sin=%.17g cos=%.17g tan=%.17g\n exp=%.17g log=%.17g log10=%.17g log2=%.17g\n", x, sin(x), cos(x), tan(x),
      exp(x), log(x), log10(x), log2(x));
    printf(" sqrt=%.17g cbrt=%.17g floor=%.17g ceil=%.17g round=%.17g trunc=%.17g rint=%.17g\n", sqrt(x), cbrt(x), floor(x), ceil(x),
      round(x), trunc(x), rint(x));
    printf(" atan=%.17g asin=%.17g acos=%.17g sinh=%.17g cosh=%.17g tanh=%.17g expm1=%.17g log1p=%.17g\n", atan(x), asin(x),
      acos(x), sinh(x), cosh(x), tanh(x), expm1(x), log1p(x));
    int e; double m = frexp(x, &e);
    printf(" frexp=%.17g,%d ldexp=%.17g fabs=%.17g signbit=%d isnan=%d isinf=%d fpclass=%d lround=%ld\n", m, e, ldexp(x, 3),
      fabs(x), signbit(x) != 0, isnan(x) != 0, isinf(x) != 0, fpclassify(x), isfinite(x) && fabs(x) < 1e18 ? lround(x) : 0L);
  }
  for (int i = 0; i < n; i += 2) for (int j = 1; j < n; j += 3) {
    double x = xs[i], y = xs[j];
    printf("pow(%g,%g)=%.17g fmod=%.17g hypot=%.17g atan2=%.17g remainder=%.17g fmin=%g fmax=%g copysign=%g\n", x, y, pow(x, y),
      fmod(x, y), hypot(x, y), atan2(x, y), remainder(x, y), fmin(x, y), fmax(x, y), copysign(x, y));
  }
  // A sweep with accumulation.
  double acc = 0;
  for (int i = -200; i <= 200; i++) {
    double x = i * 0.0731;
    acc += sin(x) * cos(x * 0.5) + exp(-x * x) + atan2(x, 1.5) + sqrt(fabs(x)) + log(1 + x * x) + pow(1.01, x) + fmod(x * 7, 3.3);
    if (i % 40 == 0) printf("sweep %d: %.17g\n", i, acc);
  }
  // Integer powers and large arguments.
  for (int k = -4; k <= 64; k += 4) printf("2^%d=%.17g 10^%d=%.17g pow(-2,%d)=%.17g\n", k, pow(2, k), k, pow(10, k), k, pow(-2, k));
  printf("sin(1e6)=%.17g cos(1e15)=%.17g tan(1.5707963267948966)=%.17g\n", sin(1e6), cos(1e15), tan(1.5707963267948966));
  printf("modf: ");
  for (double v = -3.75; v < 4; v += 1.25) { double ip; double fp = modf(v, &ip); printf("(%g %g) ", ip, fp); }
  printf("\nnearbyint halves: ");
  for (double v = -3.5; v <= 3.5; v += 1.0) printf("%g ", nearbyint(v));
  printf("\n");
  return 0;
}
