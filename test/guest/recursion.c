// Deep and branching recursion: fibonacci, ackermann (small), hanoi, permutations, mutual recursion, gcd.
//! status: 0
#include <stdio.h>
#include <string.h>

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static unsigned long ack(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}
static long moves;
static void hanoi(int n, int from, int to, int via, unsigned *sig) {
  if (!n) return;
  hanoi(n - 1, from, via, to, sig);
  moves++; *sig = *sig * 31 + (unsigned)(from * 3 + to);
  hanoi(n - 1, via, to, from, sig);
}
static int is_even(unsigned n);
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static long gcd(long a, long b) { return b ? gcd(b, a % b) : a; }
static int nperm; static unsigned permsig;
static void permute(char *s, int k, int n) {
  if (k == n) { nperm++; for (int i = 0; i < n; i++) permsig = permsig * 131 + (unsigned char)s[i]; if (nperm % 97 == 1) printf("perm %d %s\n", nperm, s); return; }
  for (int i = k; i < n; i++) {
    char t = s[k]; s[k] = s[i]; s[i] = t;
    permute(s, k + 1, n);
    t = s[k]; s[k] = s[i]; s[i] = t;
  }
}
// Deep recursion with a sizeable frame: about 20000 frames of 200 bytes.
static unsigned deep(int n, unsigned acc) {
  volatile char frame[160];
  memset((char *)frame, n & 0xff, sizeof frame);
  if (n == 0) return acc;
  return deep(n - 1, acc * 33 + frame[n % 160]) + 1;
}
static int queens(int n, int row, unsigned cols, unsigned d1, unsigned d2) {
  if (row == n) return 1;
  int c = 0;
  for (int i = 0; i < n; i++) {
    if ((cols >> i & 1) || (d1 >> (row + i) & 1) || (d2 >> (row - i + n) & 1)) continue;
    c += queens(n, row + 1, cols | 1u << i, d1 | 1u << (row + i), d2 | 1u << (row - i + n));
  }
  return c;
}

int main(void) {
  for (int i = 0; i <= 25; i++) printf("fib(%d)=%ld\n", i, fib(i));
  for (unsigned long m = 0; m <= 3; m++) for (unsigned long n = 0; n <= (m == 3 ? 5 : 6); n++) printf("ack(%lu,%lu)=%lu\n", m, n, ack(m, n));
  unsigned sig = 0; hanoi(16, 0, 2, 1, &sig);
  printf("hanoi moves=%ld sig=%u\n", moves, sig);
  printf("even(10001)=%d odd(7777)=%d\n", is_even(10001), is_odd(7777));
  printf("gcd: %ld %ld %ld\n", gcd(1071, 462), gcd(832040, 514229), gcd(1LL << 40, 6LL << 20));
  char s[] = "abcdefg"; permute(s, 0, 7);
  printf("perms=%d sig=%u\n", nperm, permsig);
  printf("deep=%u\n", deep(20000, 1));
  for (int n = 1; n <= 9; n++) printf("queens(%d)=%d\n", n, queens(n, 0, 0, 0, 0));
  return 0;
}
