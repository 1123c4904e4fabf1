// SIGFPE, SIGILL and SIGTRAP handlers: si_code and si_addr against the context's rip, skipping
// the faulting instruction by editing the saved rip, and int3 resuming after itself.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

static volatile int code, addr_is_rip, count, trapno;
static volatile long skip;

static void handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  count++;
  code = si->si_code;
  addr_is_rip = (uintptr_t)si->si_addr == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
  uc->uc_mcontext.gregs[REG_RIP] += skip;
}

static void set(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(sig, &sa, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  set(SIGFPE); set(SIGILL); set(SIGTRAP);
  int q = 0;
  skip = 2; // idiv ecx is 2 bytes
  __asm__ volatile("mov $100, %%eax\n\tcdq\n\txor %%ecx, %%ecx\n\tidiv %%ecx\n\tmov %%eax, %0" : "=r"(q) : : "eax", "ecx", "edx");
  printf("SIGFPE: count=%d FPE_INTDIV=%d addr==rip=%d trapno=%d\n", count, code == FPE_INTDIV, addr_is_rip, trapno);
  skip = 2; // ud2
  __asm__ volatile("ud2");
  printf("SIGILL: count=%d ILL_ILLOPN=%d addr==rip=%d trapno=%d\n", count, code == ILL_ILLOPN, addr_is_rip, trapno);
  skip = 0; // int3 traps after itself
  __asm__ volatile("int3");
  printf("SIGTRAP: count=%d code=%d (SI_KERNEL=%d) trapno=%d\n", count, code, SI_KERNEL, trapno);
  // A fault whose signal is blocked kills the process anyway: checked by sig_forced.c.
  return 0;
}
