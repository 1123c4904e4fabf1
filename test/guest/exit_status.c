// Exit status from main after atexit handlers run in reverse order and stdout is flushed.
//! status: 42
#include <stdio.h>
#include <stdlib.h>

static void h1(void) { printf("atexit handler 1\n"); }
static void h2(void) { printf("atexit handler 2\n"); }
static int depth(int n) { return n ? depth(n - 1) + 1 : 0; }

int main(void) {
  atexit(h1); atexit(h2);
  for (int i = 0; i < 10; i++) printf("line %d of buffered output\n", i);
  return depth(42);
}
