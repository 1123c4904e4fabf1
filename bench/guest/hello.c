/* The smallest useful program: start-up and exec cost. */
#include <stdio.h>

int main(void) {
  puts("hello");
  return 0;
}
