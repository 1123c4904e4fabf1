// Structs, unions, bit-fields, packed and aligned layouts, struct copy and return by value.
//! status: 0
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

struct flags { unsigned a : 1, b : 3, c : 5, d : 7, e : 16; };
struct sflags { int x : 4; int y : 12; signed char z : 3; long long w : 40; unsigned long long big : 63; };
struct __attribute__((packed)) packed { char c; int i; short s; long long l; };
struct mixed { char c; double d; short s; int arr[3]; char tail; };
struct __attribute__((aligned(64))) wide { int v; };
union pun { float f; uint32_t u; unsigned char b[4]; };
union dpun { double d; uint64_t u; struct { uint32_t lo, hi; } w; };
struct vec3 { double x, y, z; };
struct big { long v[9]; };

static struct vec3 cross(struct vec3 a, struct vec3 b) { return (struct vec3){ a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x }; }
static struct big make_big(long seed) { struct big r; for (int i = 0; i < 9; i++) r.v[i] = seed * (i + 1) - i * i; return r; }
static long sum_big(struct big b) { long s = 0; for (int i = 0; i < 9; i++) s += b.v[i] * (i + 1); return s; }

int main(void) {
  printf("sizes: flags=%zu sflags=%zu packed=%zu mixed=%zu wide=%zu pun=%zu\n", sizeof(struct flags), sizeof(struct sflags),
    sizeof(struct packed), sizeof(struct mixed), sizeof(struct wide), sizeof(union pun));
  printf("offsets: packed.i=%zu packed.s=%zu packed.l=%zu mixed.d=%zu mixed.s=%zu mixed.arr=%zu mixed.tail=%zu\n",
    offsetof(struct packed, i), offsetof(struct packed, s), offsetof(struct packed, l), offsetof(struct mixed, d),
    offsetof(struct mixed, s), offsetof(struct mixed, arr), offsetof(struct mixed, tail));
  struct flags f = { 0 };
  for (unsigned i = 0; i < 40; i++) {
    f.a += 1; f.b += i; f.c = f.c * 3 + i; f.d ^= i * 13; f.e += i * 977;
    uint32_t raw; memcpy(&raw, &f, 4);
    if (i % 4 == 0) printf("flags %u: a=%u b=%u c=%u d=%u e=%u raw=%08x\n", i, f.a, f.b, f.c, f.d, f.e, raw);
  }
  struct sflags s = { 0 };
  for (int i = 0; i < 30; i++) {
    s.x = i - 8; s.y = i * 150 - 2048; s.z = (signed char)(i - 4); s.w = (long long)i * 40000000000LL - 500000000000LL;
    s.big = (unsigned long long)i * 0x123456789abcdefULL;
    if (i % 3 == 0) printf("sflags %d: x=%d y=%d z=%d w=%lld big=%llx\n", i, s.x, s.y, s.z, (long long)s.w, (unsigned long long)s.big);
  }
  struct packed p[3];
  for (int i = 0; i < 3; i++) { p[i].c = (char)('a' + i); p[i].i = -i * 1000003; p[i].s = (short)(i * 3000); p[i].l = -(long long)i << 40; }
  unsigned char raw[sizeof p]; memcpy(raw, p, sizeof p);
  for (size_t i = 0; i < sizeof raw; i++) printf("%02x", raw[i]);
  printf("\n");
  for (int i = 0; i < 3; i++) printf("packed %d: %c %d %d %lld\n", i, p[i].c, p[i].i, p[i].s, p[i].l);
  union pun u;
  for (float v = -2.0f; v <= 2.0f; v += 0.375f) { u.f = v; printf("pun %g -> %08x bytes %02x %02x %02x %02x\n", v, u.u, u.b[0], u.b[1], u.b[2], u.b[3]); }
  union dpun d; d.d = 3.141592653589793; printf("dpun %016llx lo=%08x hi=%08x\n", (unsigned long long)d.u, d.w.lo, d.w.hi);
  d.w.hi ^= 0x80000000u; printf("negated %.17g\n", d.d);
  struct vec3 a = { 1, 2, 3 }, b = { -4, 5.5, 0.25 };
  for (int i = 0; i < 5; i++) { struct vec3 c = cross(a, b); printf("cross %g %g %g\n", c.x, c.y, c.z); a = b; b = c; }
  long total = 0;
  for (long k = 0; k < 10; k++) { struct big bg = make_big(k * 7 - 20); struct big copy = bg; copy.v[4]++; total += sum_big(bg) - sum_big(copy); total += sum_big(bg); }
  printf("big total=%ld\n", total);
  struct mixed m[4]; memset(m, 0, sizeof m);
  for (int i = 0; i < 4; i++) { m[i].c = (char)i; m[i].d = i / 3.0; m[i].s = (short)-i; m[i].arr[i % 3] = i * 11; m[i].tail = 'z'; }
  struct mixed m2[4]; memcpy(m2, m, sizeof m); m2[2].arr[1] = 5;
  printf("mixed cmp=%d d=%.17g arr=%d,%d,%d\n", memcmp(m, m2, sizeof m) != 0, m2[1].d, m2[2].arr[0], m2[2].arr[1], m2[2].arr[2]);
  return 0;
}
