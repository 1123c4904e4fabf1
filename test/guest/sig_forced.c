// A fault raises SIGSEGV even when it is blocked: Linux forces the default action, so the
// process dies of SIGSEGV (status 139) instead of looping on the faulting instruction.
//! status: 139
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void handler(int sig) { puts("handler must not run"); }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGSEGV, &sa, NULL);
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGSEGV);
  sigprocmask(SIG_BLOCK, &m, NULL);
  printf("blocked SIGSEGV, faulting\n");
  fflush(stdout);
  *(volatile int *)8 = 1;
  puts("survived?");
  return 0;
}
