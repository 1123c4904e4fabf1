// Single-precision arithmetic and conversions (float <-> int, double, rounding), printed exactly.
//! status: 0
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#include <float.h>

static uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

int main(void) {
  volatile float zero = 0.0f;
  float fs[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.1f, 1.0f / 3, 3.14159265f, 16777216.0f, 16777217.0f, 1e-45f, 1.17549435e-38f,
    3.4028235e38f, 1e20f, -1e20f, 2.5f, -2.5f, 0.5f, 1.5f, 2147483520.0f, 2147483648.0f, -2147483648.0f, 4294967040.0f,
    1.0f / zero, -1.0f / zero, zero / zero, 65504.0f, 1e-10f, 123456.789f };
  const int n = sizeof fs / sizeof fs[0];
  for (int i = 0; i < n; i++) {
    float a = fs[i], b = fs[(i * 7 + 3) % n];
    printf("a=%.9g (%08x) b=%.9g: + %.9g - %.9g * %.9g / %.9g sqrt %.9g lt=%d eq=%d uo=%d\n", a, bits(a), b, a + b, a - b, a * b,
      a / b, sqrtf(a), a < b, a == b, isunordered(a, b));
    int finite_int = isfinite(a) && fabsf(a) < 2e9f;
    long long ll = isfinite(a) && fabsf(a) < 9e18f ? (long long)a : 0;
    printf("  toint=%d toll=%lld tou=%u lrintf=%ld roundf=%.9g floorf=%.9g ceilf=%.9g truncf=%.9g todouble=%.17g\n",
      finite_int ? (int)a : 0, ll, finite_int && a >= 0 ? (unsigned)a : 0u, finite_int ? lrintf(a) : 0L, roundf(a), floorf(a),
      ceilf(a), truncf(a), (double)a);
  }
  // int -> float rounding (round to nearest even).
  int32_t is[] = { 0, 1, -1, 16777215, 16777217, 16777219, 33554435, 2147483647, -2147483647 - 1, 123456789, -987654321 };
  for (unsigned i = 0; i < sizeof is / sizeof is[0]; i++) {
    uint32_t u = (uint32_t)is[i]; uint64_t u64 = (uint64_t)u * 4294967311ULL; int64_t s64 = (int64_t)u64;
    printf("int %d -> %.9g u32 %u -> %.9g u64 %llu -> %.9g s64 %lld -> %.9g %.17g\n", is[i], (float)is[i], u, (float)u,
      (unsigned long long)u64, (float)u64, (long long)s64, (float)s64, (double)u64);
  }
  // double -> float rounding at the halfway points.
  for (int k = 0; k < 20; k++) {
    double d = 1.0 + (double)k * 0x1p-24 + 0x1p-25 * (k % 3);
    float f = (float)d;
    printf("d2f %.17g -> %.9g %08x\n", d, f, bits(f));
  }
  // Accumulation and fused-looking sequences stay in single precision.
  float acc = 0, prod = 1;
  for (int i = 1; i <= 2000; i++) { acc += 1.0f / (float)i; prod *= 1.0001f; if (i % 250 == 0) printf("acc %d %.9g %.9g\n", i, acc, prod); }
  float x = 1.0f; int steps = 0;
  while (1.0f + x != 1.0f) { x *= 0.5f; steps++; }
  printf("epsilon steps=%d x=%.9g FLT_EPSILON=%.9g\n", steps, x, FLT_EPSILON);
  // Denormal arithmetic.
  float d = 1e-38f;
  for (int i = 0; i < 12; i++) { printf("den %.9g %08x\n", d, bits(d)); d /= 10.0f; }
  // Float math functions.
  for (float v = -3.0f; v <= 3.0f; v += 0.75f)
    printf("f(%g): sinf=%.9g expf=%.9g logf=%.9g powf=%.9g atan2f=%.9g fmodf=%.9g\n", v, sinf(v), expf(v), logf(fabsf(v)),
      powf(fabsf(v), 1.5f), atan2f(v, 1.25f), fmodf(v, 1.1f));
  return 0;
}
