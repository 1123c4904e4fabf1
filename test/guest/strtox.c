// strtod / strtol / strtoul / strtoll / atoi edge cases, with errno and end pointers.
//! status: 0
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

static const char *errname(int e) { return e == 0 ? "0" : e == ERANGE ? "ERANGE" : e == EINVAL ? "EINVAL" : "other"; }

int main(void) {
  const char *ints[] = { "0", "-0", "123", "-123", "+123", "  \t\n 77", "0x7fffffffffffffff", "0x8000000000000000",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
    "18446744073709551616", "-1", "0777", "0x", "0xg", "zz", "Zz", "  -", "", "1_000", "00000000000000000000000000012",
    "-0x10", "0b101", "4294967296", "2147483648", "-2147483649" };
  const int bases[] = { 0, 10, 16, 8, 2, 36 };
  for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    printf("[%s]", ints[i]);
    for (unsigned b = 0; b < sizeof bases / sizeof bases[0]; b++) {
      char *e1, *e2; errno = 0;
      long l = strtol(ints[i], &e1, bases[b]); int er1 = errno; errno = 0;
      unsigned long ul = strtoul(ints[i], &e2, bases[b]); int er2 = errno;
      printf(" b%d:%ld/%ld/%s,%lu/%ld/%s", bases[b], l, (long)(e1 - ints[i]), errname(er1), ul, (long)(e2 - ints[i]), errname(er2));
    }
    errno = 0;
    long long ll = strtoll(ints[i], NULL, 0);
    unsigned long long ull = strtoull(ints[i], NULL, 0);
    printf(" ll=%lld ull=%llu atoi=%d atol=%ld %s\n", ll, ull, atoi(ints[i]), atol(ints[i]), errname(errno));
  }
  const char *dbls[] = { "0", "-0", "1", "1.", ".1", "1e10", "1E-10", "1e+", "1e", "e1", "-.", "3.14159265358979323846264338",
    "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "2.2250738585072011e-308", "4.9406564584124654e-324",
    "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "0x1p-1074", "0x1.fffffffffffffp1023", "0X1P+4",
    "0x.8", "0x", "inf", "INF", "infinity", "-infinit", "nan", "NaN(123)", "nanx", "  +1.5  ", "1,5", "0.30000000000000004",
    "9007199254740993", "123456789012345678901234567890e-20", "0.000000000000000000000000000000000000001e39" };
  for (unsigned i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
    char *e; errno = 0;
    double d = strtod(dbls[i], &e); int er = errno; errno = 0;
    char *e2; float f = strtof(dbls[i], &e2); int er2 = errno;
    printf("strtod(%s) = %.17g %a end=%ld %s | strtof = %.9g end=%ld %s | atof=%.17g\n", dbls[i], d, d, (long)(e - dbls[i]),
      errname(er), (double)f, (long)(e2 - dbls[i]), errname(er2), atof(dbls[i]));
  }
  // Round trip of many doubles through %.17g and strtod.
  unsigned long long s = 88172645463325252ULL; int bad = 0;
  for (int i = 0; i < 3000; i++) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    double d; unsigned long long bits = s & 0x7fefffffffffffffULL; memcpy(&d, &bits, 8);
    char buf[64]; snprintf(buf, sizeof buf, "%.17g", d);
    double back = strtod(buf, NULL);
    if (memcmp(&back, &d, 8) != 0) bad++;
    if (i % 150 == 0) printf("rt %s\n", buf);
  }
  printf("roundtrip bad=%d\n", bad);
  return bad != 0;
}
