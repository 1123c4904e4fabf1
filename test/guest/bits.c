// Bit manipulation: bit reversal, gray codes, morton interleave, next permutation of bits, bit fields in words.
//! status: 0
#include <stdio.h>
#include <stdint.h>

static uint32_t rev32(uint32_t x) {
  x = (x >> 1 & 0x55555555) | (x & 0x55555555) << 1; x = (x >> 2 & 0x33333333) | (x & 0x33333333) << 2;
  x = (x >> 4 & 0x0f0f0f0f) | (x & 0x0f0f0f0f) << 4; return __builtin_bswap32(x);
}
static uint64_t rev64_slow(uint64_t x) { uint64_t r = 0; for (int i = 0; i < 64; i++) { r = r << 1 | (x & 1); x >>= 1; } return r; }
static uint32_t gray(uint32_t x) { return x ^ x >> 1; }
static uint32_t ungray(uint32_t g) { for (uint32_t s = 1; s < 32; s <<= 1) g ^= g >> s; return g; }
static uint64_t spread(uint32_t x) {
  uint64_t v = x; v = (v | v << 16) & 0x0000ffff0000ffffULL; v = (v | v << 8) & 0x00ff00ff00ff00ffULL;
  v = (v | v << 4) & 0x0f0f0f0f0f0f0f0fULL; v = (v | v << 2) & 0x3333333333333333ULL; return (v | v << 1) & 0x5555555555555555ULL;
}
static uint32_t next_perm(uint32_t v) { uint32_t t = v | (v - 1); return (t + 1) | (((~t & -~t) - 1) >> (__builtin_ctz(v) + 1)); }
static int popcount_slow(uint64_t x) { int c = 0; while (x) { x &= x - 1; c++; } return c; }

int main(void) {
  uint32_t x = 0x12345678; uint64_t acc = 0; int bad = 0;
  for (int i = 0; i < 64; i++) {
    uint32_t r = rev32(x);
    uint64_t x64 = (uint64_t)x << 32 | r;
    if (rev64_slow(rev64_slow(x64)) != x64) bad++;
    if (popcount_slow(x64) != __builtin_popcountll(x64)) bad++;
    if (ungray(gray(x)) != x) bad++;
    printf("x=%08x rev=%08x rev64=%016llx gray=%08x morton=%016llx lowbit=%08x clearlow=%08x smear=%08x\n", x, r,
      (unsigned long long)rev64_slow(x64), gray(x), (unsigned long long)(spread(x & 0xffff) | spread(x >> 16) << 1), x & -x, x & (x - 1),
      x | (x >> 1) | (x >> 2) | (x >> 4) | (x >> 8) | (x >> 16));
    acc = acc * 1000003 + r + gray(x);
    x = x * 2654435761u + 0x9e3779b9u;
  }
  for (uint32_t g = 0; g < 32; g++) printf("%u:%u%s", g, gray(g), g % 16 == 15 ? "\n" : " ");
  uint32_t v = 0x7; int count = 0;
  while (v < (1u << 12)) { if (count % 20 == 0) printf("perm %d %03x\n", count, v); v = next_perm(v); count++; }
  printf("permutations of 3 bits in 12: %d\n", count);
  // Extract and insert bit fields of every width and position.
  uint64_t word = 0xfedcba9876543210ULL, out = 0;
  for (int pos = 0; pos < 64; pos += 5) for (int w = 1; w <= 64 - pos; w += 9) {
    uint64_t mask = w == 64 ? ~0ULL : ((1ULL << w) - 1);
    uint64_t f = (word >> pos) & mask;
    out ^= (f << (63 - pos - w + 1)) | (~word & (mask << pos));
    acc += f * (unsigned)(pos + w);
  }
  printf("fields out=%016llx acc=%016llx bad=%d\n", (unsigned long long)out, (unsigned long long)acc, bad);
  return bad;
}
