// Integer arithmetic edge cases: wrap-around, shifts, rotates, bit counts, division.
//! status: 0
#include <stdio.h>
#include <stdint.h>
#include <limits.h>
#include <x86intrin.h>

static volatile int64_t vals64[] = { 0, 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 127, -128, 255, 256,
  32767, -32768, 65535, 65536, 2147483647, -2147483647 - 1, 4294967295LL, 4294967296LL,
  1000000007, -999999937, 0x123456789abcdefLL, -0x123456789abcdefLL, INT64_MAX, INT64_MIN,
  INT64_MAX - 1, INT64_MIN + 1, 0x5555555555555555LL, -0x5555555555555556LL };
#define NV (int)(sizeof vals64 / sizeof vals64[0])

static uint64_t mix = 0;
static void fold(uint64_t x) { mix = (mix ^ x) * 0x100000001b3ULL; }

int main(void) {
  // Wrap-around of unsigned and two's complement conversions.
  for (int i = 0; i < NV; i++) {
    uint64_t a = (uint64_t)vals64[i];
    uint32_t a32 = (uint32_t)a; uint16_t a16 = (uint16_t)a; uint8_t a8 = (uint8_t)a;
    printf("v=%lld add=%llu sub=%llu mul=%llu neg=%llu u32=%u s32=%d u16=%u s16=%d u8=%u s8=%d\n",
      (long long)a, (unsigned long long)(a + 0x7fffffffffffffffULL), (unsigned long long)(a - 12345),
      (unsigned long long)(a * 0x9e3779b97f4a7c15ULL), (unsigned long long)(0 - a),
      a32, (int32_t)a32, a16, (int16_t)a16, a8, (int8_t)a8);
    fold(a * a);
  }
  // Signed and unsigned division of all pairs, avoiding x/0 and INT_MIN/-1.
  int lines = 0;
  for (int i = 0; i < NV; i++) for (int j = 0; j < NV; j++) {
    int64_t a = vals64[i], b = vals64[j];
    if (b == 0 || (a == INT64_MIN && b == -1)) continue;
    int64_t q = a / b, r = a % b;
    uint64_t uq = (uint64_t)a / (uint64_t)b, ur = (uint64_t)a % (uint64_t)b;
    int32_t a32 = (int32_t)a, b32 = (int32_t)b;
    int32_t q32 = 0, r32 = 0;
    if (b32 != 0 && !(a32 == INT32_MIN && b32 == -1)) { q32 = a32 / b32; r32 = a32 % b32; }
    uint32_t uq32 = b32 ? (uint32_t)a32 / (uint32_t)b32 : 0;
    int16_t a16 = (int16_t)a, b16 = (int16_t)b;
    int q16 = (b16 && !(a16 == INT16_MIN && b16 == -1)) ? a16 / b16 : 0;
    uint8_t a8 = (uint8_t)a, b8 = (uint8_t)b;
    unsigned q8 = b8 ? a8 / b8 : 0, r8 = b8 ? a8 % b8 : 0;
    fold(q ^ r ^ uq ^ ur ^ q32 ^ r32 ^ uq32 ^ q16 ^ q8 ^ r8);
    if ((i * NV + j) % 7 == 0) {
      printf("%lld/%lld=%lld r%lld u:%llu r%llu 32:%d r%d u32:%u 16:%d 8:%u r%u\n", (long long)a, (long long)b,
        (long long)q, (long long)r, (unsigned long long)uq, (unsigned long long)ur, q32, r32, uq32, q16, q8, r8);
      lines++;
    }
  }
  // Shifts of every count.
  for (int i = 0; i < NV; i++) {
    uint64_t u = (uint64_t)vals64[i];
    for (volatile int s = 0; s < 64; s += 5) {
      int64_t sx = (int64_t)u >> s;
      uint64_t shl = u << s, shr = u >> s;
      int32_t s32 = (int32_t)u >> (s & 31);
      uint32_t u32 = (uint32_t)u << (s & 31);
      fold(sx ^ shl ^ shr ^ (uint32_t)s32 ^ u32);
    }
    volatile int c = i % 64;
    printf("shift %llx by %d: shl=%llx shr=%llx sar=%llx rol=%llx ror=%llx rol32=%x ror32=%x rol16=%x rol8=%x\n",
      (unsigned long long)u, c, (unsigned long long)(u << c), (unsigned long long)(u >> c), (unsigned long long)((int64_t)u >> c),
      (unsigned long long)__rolq(u, c), (unsigned long long)__rorq(u, c), __rold((uint32_t)u, c), __rord((uint32_t)u, c),
      __rolw((uint16_t)u, c), __rolb((uint8_t)u, c));
  }
  // Bit counts.
  for (int i = 0; i < NV; i++) {
    uint64_t u = (uint64_t)vals64[i];
    uint32_t w = (uint32_t)u;
    printf("bits %llx: pop=%d pop32=%d clz=%d ctz=%d clz32=%d ctz32=%d parity=%d ffs=%d clrsb=%d bswap=%llx bswap32=%x\n",
      (unsigned long long)u, __builtin_popcountll(u), __builtin_popcount(w), u ? __builtin_clzll(u) : 64,
      u ? __builtin_ctzll(u) : 64, w ? __builtin_clz(w) : 32, w ? __builtin_ctz(w) : 32, __builtin_parityll(u),
      __builtin_ffsll((long long)u), __builtin_clrsbll((long long)u), (unsigned long long)__builtin_bswap64(u), __builtin_bswap32(w));
  }
  // Overflow-checking builtins.
  for (int i = 0; i < NV; i++) for (int j = 0; j < NV; j += 3) {
    int64_t a = vals64[i], b = vals64[j], r1, r2, r3;
    int o1 = __builtin_add_overflow(a, b, &r1), o2 = __builtin_sub_overflow(a, b, &r2), o3 = __builtin_mul_overflow(a, b, &r3);
    unsigned long long ur; int o4 = __builtin_umulll_overflow((unsigned long long)a, (unsigned long long)b, &ur);
    int32_t s32; int o5 = __builtin_mul_overflow((int32_t)a, (int32_t)b, &s32);
    fold(r1 ^ r2 ^ r3 ^ ur ^ (uint32_t)s32 ^ (o1 | o2 << 1 | o3 << 2 | o4 << 3 | o5 << 4));
    if (j % 9 == 0) printf("ovf %lld %lld: %d%d%d%d%d %lld %lld %lld %llu %d\n", (long long)a, (long long)b, o1, o2, o3, o4, o5,
      (long long)r1, (long long)r2, (long long)r3, ur, s32);
  }
  // Wide multiply high halves, min/max, abs.
  for (int i = 0; i < NV; i++) {
    uint64_t a = (uint64_t)vals64[i], b = (uint64_t)vals64[(i * 5 + 3) % NV];
    unsigned __int128 p = (unsigned __int128)a * b;
    __int128 sp = (__int128)(int64_t)a * (int64_t)b;
    int64_t x = (int64_t)a, y = (int64_t)b;
    printf("mulhi %llx*%llx hi=%llx lo=%llx shi=%llx min=%lld max=%lld umin=%llu\n", (unsigned long long)a, (unsigned long long)b,
      (unsigned long long)(p >> 64), (unsigned long long)p, (unsigned long long)(sp >> 64),
      (long long)(x < y ? x : y), (long long)(x > y ? x : y), (unsigned long long)(a < b ? a : b));
  }
  printf("division lines=%d mix=%016llx\n", lines, (unsigned long long)mix);
  return 0;
}
