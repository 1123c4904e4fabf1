// A write through a NULL pointer dies of SIGSEGV (status 139 as the shell reports it).
//! status: 139
#include <stdio.h>

int *volatile target;  // volatile so the compiler cannot see that it is NULL and emit a trap instead

int main(void) {
  printf("about to write through NULL\n");
  fflush(stdout);
  *target = 42;
  printf("still alive?\n");
  return 0;
}
