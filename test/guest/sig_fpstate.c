// The x87/SSE state survives a handler that uses it heavily: xmm registers, the x87 stack, the
// control word and MXCSR rounding modes. The handler starts with the default FP environment.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fenv.h>
#include <math.h>
#include <unistd.h>
#include <sys/syscall.h>

static volatile int handler_round_ok, handler_x87_ok;
static volatile double sink;

static void handler(int sig) {
  handler_round_ok = fegetround() == FE_TONEAREST;
  unsigned short cw;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  handler_x87_ok = cw == 0x37f;
  // Clobber every xmm register and the x87 stack.
  volatile double acc = 0;
  for (int i = 1; i < 200; i++) acc += sqrt((double)i) * sin(i * 0.1);
  long double l = 1;
  for (int i = 1; i < 30; i++) l = l * 1.5L + (long double)i / 7.0L;
  __asm__ volatile("xorps %%xmm0,%%xmm0\n\txorps %%xmm1,%%xmm1\n\txorps %%xmm7,%%xmm7\n\txorps %%xmm8,%%xmm8\n\txorps %%xmm15,%%xmm15"
                   ::: "xmm0", "xmm1", "xmm7", "xmm8", "xmm15");
  __asm__ volatile("fldpi\n\tfldpi\n\tfldpi\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)" ::: "st");
  __asm__ volatile("ldmxcsr %0" :: "m"((unsigned){0x7f80}));
  sink = acc + (double)l;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGUSR1, handler);
  // Values in xmm registers across a raw kill syscall (the handler runs on its way back).
  double in[4] = { 1.25, -2.5, 3.75, 1e300 }, out[4];
  pid_t pid = getpid();
  __asm__ volatile(
      "movsd 0(%[in]), %%xmm2\n\tmovsd 8(%[in]), %%xmm9\n\tmovsd 16(%[in]), %%xmm14\n\tmovsd 24(%[in]), %%xmm15\n\t"
      "mov $62, %%eax\n\tmov %[pid], %%edi\n\tmov $10, %%esi\n\tsyscall\n\t"
      "movsd %%xmm2, 0(%[out])\n\tmovsd %%xmm9, 8(%[out])\n\tmovsd %%xmm14, 16(%[out])\n\tmovsd %%xmm15, 24(%[out])"
      : : [in] "r"(in), [out] "r"(out), [pid] "r"(pid)
      : "rax", "rdi", "rsi", "rcx", "r11", "xmm2", "xmm9", "xmm14", "xmm15", "memory");
  printf("xmm kept: %g %g %g %g\n", out[0], out[1], out[2], out[3]);

  // The x87 stack across a signal.
  long double a = 1.0L / 3.0L, b;
  __asm__ volatile("fldt %[a]\n\tfld1\n\t" : : [a] "m"(a));
  raise(SIGUSR1);
  __asm__ volatile("fstp %%st(0)\n\tfstpt %[b]" : [b] "=m"(b));
  printf("x87 kept: %d\n", b == a);

  // Rounding modes and the x87 control word.
  fesetround(FE_UPWARD);
  unsigned short cw = 0x37f & ~0x300; // single precision
  __asm__ volatile("fldcw %0" :: "m"(cw));
  raise(SIGUSR1);
  unsigned short cw2;
  __asm__ volatile("fnstcw %0" : "=m"(cw2));
  unsigned mxcsr;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  fesetround(FE_TONEAREST);
  printf("after handler: upward kept=%d cw kept=%d handler saw default round=%d cw=%d\n",
         ((mxcsr >> 13) & 3) == 2, cw2 == cw, handler_round_ok, handler_x87_ok);
  cw = 0x37f;
  __asm__ volatile("fldcw %0" :: "m"(cw));

  // Many signals in the middle of a floating-point loop do not change the result.
  double sum = 0;
  for (int i = 1; i <= 2000; i++) {
    sum += 1.0 / i + sqrt(i) * 1e-3;
    if (i % 100 == 0) raise(SIGUSR1);
  }
  printf("sum=%.17g\n", sum);
  return 0;
}
