// CRC-32 (IEEE, reflected) table-driven and bitwise, CRC-32C, Adler-32; checked against known values.
//! status: 0
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static uint32_t table[256], table_c[256];
static void make(uint32_t *t, uint32_t poly) {
  for (uint32_t i = 0; i < 256; i++) { uint32_t c = i; for (int k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >> 1) : c >> 1; t[i] = c; }
}
static uint32_t crc(const uint32_t *t, uint32_t c, const unsigned char *p, size_t n) {
  c = ~c; while (n--) c = t[(c ^ *p++) & 0xff] ^ (c >> 8); return ~c;
}
static uint32_t crc_bitwise(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffff;
  for (size_t i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & (0u - (c & 1))); }
  return ~c;
}
static uint32_t adler32(const unsigned char *p, size_t n) {
  uint32_t a = 1, b = 0; for (size_t i = 0; i < n; i++) { a = (a + p[i]) % 65521; b = (b + a) % 65521; } return b << 16 | a;
}

int main(void) {
  make(table, 0xedb88320); make(table_c, 0x82f63b78);
  const char *check = "123456789";
  uint32_t c1 = crc(table, 0, (const unsigned char *)check, 9), c2 = crc(table_c, 0, (const unsigned char *)check, 9);
  uint32_t a1 = adler32((const unsigned char *)"Wikipedia", 9);
  int bad = (c1 != 0xcbf43926) + (c2 != 0xe3069283) + (a1 != 0x11e60398);
  printf("crc32(123456789)=%08x crc32c=%08x adler32(Wikipedia)=%08x\n", c1, c2, a1);
  static unsigned char buf[70000];
  uint32_t x = 1;
  for (size_t i = 0; i < sizeof buf; i++) { x = x * 1103515245u + 12345u; buf[i] = (unsigned char)(x >> 23); }
  for (size_t n = 0; n < sizeof buf; n = n * 2 + 1) {
    uint32_t t = crc(table, 0, buf, n), b = crc_bitwise(buf, n);
    uint32_t inc = crc(table, crc(table, 0, buf, n / 3), buf + n / 3, n - n / 3);
    if (t != b || t != inc) bad++;
    printf("n=%6zu crc32=%08x crc32c=%08x adler=%08x\n", n, t, crc(table_c, 0, buf, n), adler32(buf, n));
  }
  for (int i = 0; i < 16; i++) printf("%08x%c", table[i * 16 + 1], i % 8 == 7 ? '\n' : ' ');
  printf("bad=%d\n", bad);
  return bad ? 1 : 0;
}
