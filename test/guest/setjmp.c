// setjmp/longjmp: nested jumps, values, locals across jumps, sigsetjmp without signals.
//! status: 0
#include <stdio.h>
#include <setjmp.h>
#include <string.h>

static jmp_buf env1, env2;
static int depth_reached;

static void dive(int depth, int target) {
  char pad[64];
  memset(pad, depth, sizeof pad);
  depth_reached = depth + pad[5] - depth;
  if (depth == target) longjmp(env1, depth * 10 + 1);
  dive(depth + 1, target);
}

static int inner(int v) {
  if (setjmp(env2) == 0) {
    if (v & 1) longjmp(env2, v);
    return v * 2;
  }
  return -v;
}

static int counter;
static void thrower(int n) { counter++; if (n > 0) longjmp(env1, 0); }

int main(void) {
  for (int t = 0; t < 12; t++) {
    volatile int local = t * 100;
    int r = setjmp(env1);
    if (r == 0) { local += 5; dive(0, t); printf("not reached\n"); }
    printf("target %d: setjmp returned %d, depth %d, local %d\n", t, r, depth_reached, local);
  }
  for (int v = 0; v < 10; v++) printf("inner(%d) = %d\n", v, inner(v));
  // longjmp with 0 makes setjmp return 1.
  int r = setjmp(env1);
  if (counter == 0) thrower(1);
  printf("longjmp(0) -> setjmp %d counter %d\n", r, counter);
  // Loop built from longjmp.
  volatile int i = 0; volatile long acc = 0;
  jmp_buf loop;
  if (setjmp(loop) < 1000) { acc += i * i; i++; if (i < 1000) longjmp(loop, i); }
  printf("loop acc=%ld i=%d\n", acc, i);
  sigjmp_buf sj;
  int s = sigsetjmp(sj, 0);
  if (s < 3) { printf("sigsetjmp %d\n", s); siglongjmp(sj, s + 1); }
  printf("done %d\n", s);
  return 0;
}
