// Integer division by zero raises SIGFPE (status 136 as the shell reports it).
//! status: 136
#include <stdio.h>

volatile int divisor;

int main(void) {
  int acc = 0;
  for (int i = 1; i <= 5; i++) { acc += 1000 / i; printf("1000/%d ok, acc=%d\n", i, acc); }
  fflush(stdout);
  acc += 1000 / divisor;
  printf("unreachable %d\n", acc);
  return 0;
}
