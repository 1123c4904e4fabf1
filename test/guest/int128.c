// 128-bit integer math: multiply, divide, modulo, shifts, printed by manual conversion.
//! status: 0
#include <stdio.h>
#include <string.h>
#include <stdint.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

static char *u128_to_str(u128 v, unsigned base, char *buf) {
  char tmp[140]; int n = 0;
  do { unsigned d = (unsigned)(v % base); tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10); v /= base; } while (v);
  for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = 0;
  return buf;
}
static char *s128_to_str(s128 v, char *buf) {
  if (v < 0) { buf[0] = '-'; u128_to_str((u128)0 - (u128)v, 10, buf + 1); return buf; }
  return u128_to_str((u128)v, 10, buf);
}
static u128 parse_u128(const char *s) { u128 v = 0; while (*s) v = v * 10 + (u128)(*s++ - '0'); return v; }

static uint64_t state = 0x243f6a8885a308d3ULL;
static uint64_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

int main(void) {
  char a[160], b[160], c[160], d[160];
  u128 max = ~(u128)0;
  s128 smax = (s128)(max >> 1), smin = -smax - 1;
  printf("umax=%s\n", u128_to_str(max, 10, a));
  printf("umax hex=%s oct=%s\n", u128_to_str(max, 16, a), u128_to_str(max, 8, b));
  printf("smax=%s smin=%s\n", s128_to_str(smax, a), s128_to_str(smin, b));
  // Factorials until overflow.
  u128 f = 1;
  for (unsigned i = 1; i <= 34; i++) { f *= i; printf("%u! = %s\n", i, u128_to_str(f, 10, a)); }
  // Powers of three, fibonacci.
  u128 p = 1;
  for (int i = 0; i < 81; i += 4) { printf("3^%d = %s\n", i, u128_to_str(p, 10, a)); p *= 81; }
  u128 x = 0, y = 1;
  for (int i = 0; i < 186; i++) { u128 t = x + y; x = y; y = t; if (i % 15 == 0) printf("fib %d = %s\n", i + 1, u128_to_str(x, 10, a)); }
  // Random mul/div/mod with identity checks.
  int bad = 0;
  for (int i = 0; i < 400; i++) {
    u128 n = ((u128)next() << 64) | next();
    u128 m = (i % 3 == 0) ? (u128)(next() >> (i % 60)) | 1 : (((u128)(next() >> (i % 64)) << 64) | next());
    if (m == 0) m = 7;
    u128 q = n / m, r = n % m;
    if (q * m + r != n || r >= m) bad++;
    s128 sn = (s128)n, sm = (s128)m;
    if (sm == -1) sm = 3;
    s128 sq = sn / sm, sr = sn % sm;
    if (sq * sm + sr != sn) bad++;
    if (i % 8 == 0)
      printf("%s / %s = %s r %s | s: %s %s\n", u128_to_str(n, 16, a), u128_to_str(m, 16, b), u128_to_str(q, 10, c),
        u128_to_str(r, 10, d), s128_to_str(sq, a), s128_to_str(sr, b));
    u128 prod = n * m;
    unsigned sh = (unsigned)(next() % 128);
    if (i % 8 == 4)
      printf("mul %s shl%u %s shr %s sar %s\n", u128_to_str(prod, 16, a), sh, u128_to_str(n << sh, 16, b),
        u128_to_str(n >> sh, 16, c), s128_to_str(sn >> sh, d));
  }
  // Round trip through decimal text.
  const char *nums[] = { "0", "1", "18446744073709551615", "18446744073709551616", "340282366920938463463374607431768211455",
    "170141183460469231731687303715884105727", "99999999999999999999999999999999999999", "12345678901234567890123456789" };
  for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    u128 v = parse_u128(nums[i]);
    u128_to_str(v, 10, a);
    int same = strcmp(a, nums[i]) == 0;
    bad += !same;
    printf("parse %s -> %s %s base36(v/1e9+7) %s\n", nums[i], a, same ? "ok" : "MISMATCH", u128_to_str(v / 1000000007, 36, b));
  }
  // Signed comparisons across the sign boundary.
  s128 vals[] = { smin, smin + 1, -1000, -1, 0, 1, 1000, smax - 1, smax };
  for (int i = 0; i < 9; i++) for (int j = 0; j < 9; j++)
    printf("%c", vals[i] < vals[j] ? '<' : vals[i] == vals[j] ? '=' : '>');
  printf("\nbad=%d\n", bad);
  return bad != 0;
}
