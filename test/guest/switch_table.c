// Dense and sparse switch statements (jump tables, binary-search trees), function-pointer tables, computed goto.
//! status: 0
#include <stdio.h>

static int dense(int x) {
  switch (x) {
    case 0: return 11; case 1: return 23; case 2: return 37; case 3: return 41; case 4: return 59; case 5: return 61;
    case 6: return 73; case 7: return 89; case 8: return 97; case 9: return 101; case 10: return 113; case 11: return 127;
    case 12: return 131; case 13: return 149; case 14: return 151; case 15: return 163; default: return -x;
  }
}
static const char *sparse(unsigned x) {
  switch (x) {
    case 1: return "one"; case 10: return "ten"; case 100: return "hundred"; case 1000: return "thousand";
    case 4096: return "page"; case 65535: return "u16max"; case 1000000: return "million"; case 0xdeadbeef: return "dead";
    case 7: case 8: case 9: return "seven-to-nine"; default: return "other";
  }
}
static int fallthrough(int x) {
  int r = 0;
  switch (x & 7) {
    case 0: r += 1; /* fall through */
    case 1: r += 10; /* fall through */
    case 2: r += 100; break;
    case 3: r += 1000; /* fall through */
    case 4: r *= 3; r += 7; break;
    case 5: case 6: r = -1; /* fall through */
    default: r -= 5;
  }
  return r;
}
static char classify(char c) {
  switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return 'V';
    case '0' ... '9': return 'D';
    case 'A' ... 'Z': return 'U';
    case ' ': case '\t': case '\n': return 'S';
    case 'b' ... 'd': case 'f' ... 'h': case 'j' ... 'n': case 'p' ... 't': case 'v' ... 'z': return 'C';
    default: return 'P';
  }
}
static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }
static long op_max(long a, long b) { return a > b ? a : b; }
static long (*const ops[])(long, long) = { op_add, op_sub, op_mul, op_div, op_max };

static long threaded(const unsigned char *prog, long acc) {
  static void *labels[] = { &&l_inc, &&l_dbl, &&l_neg, &&l_sq, &&l_end };
  const unsigned char *pc = prog;
  goto *labels[*pc++];
l_inc: acc += 1; goto *labels[*pc++];
l_dbl: acc *= 2; goto *labels[*pc++];
l_neg: acc = -acc; goto *labels[*pc++];
l_sq: acc = acc * acc % 1000003; goto *labels[*pc++];
l_end: return acc;
}

int main(void) {
  long sum = 0;
  for (int i = -3; i < 20; i++) { printf("dense(%d)=%d ", i, dense(i)); sum += dense(i); }
  printf("\n");
  unsigned probes[] = { 0, 1, 7, 8, 9, 10, 11, 100, 999, 1000, 4096, 65535, 65536, 1000000, 0xdeadbeef, 0xffffffff };
  for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) printf("sparse(%u)=%s\n", probes[i], sparse(probes[i]));
  for (int i = 0; i < 16; i++) printf("ft(%d)=%d ", i, fallthrough(i));
  printf("\n");
  const char *text = "Hello World 2024: the quick brown fox, jumps!\tover 9 lazy dogs.\n";
  for (const char *p = text; *p; p++) putchar(classify(*p));
  putchar('\n');
  for (int i = 0; i < 25; i++) { long r = ops[i % 5](i * 37 - 200, i % 7 - 3); sum += r; printf("op%d=%ld ", i % 5, r); }
  printf("\n");
  unsigned char prog[64];
  for (int k = 0; k < 10; k++) {
    int n = 0;
    for (int j = 0; j < 20 + k; j++) prog[n++] = (unsigned char)((j * 7 + k * 3) % 4);
    prog[n] = 4;
    long r = threaded(prog, k);
    sum += r;
    printf("threaded(%d)=%ld\n", k, r);
  }
  // Dense switch inside a hot loop with data-dependent cases.
  unsigned x = 1; long h = 0;
  for (int i = 0; i < 200000; i++) { x = x * 1103515245u + 12345u; h += dense((int)((x >> 16) % 20)) ^ i; }
  printf("hot=%ld sum=%ld\n", h, sum);
  return 0;
}
