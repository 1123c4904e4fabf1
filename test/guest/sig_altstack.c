// sigaltstack: a SA_ONSTACK handler runs on the alternate stack, sees SS_ONSTACK, cannot change
// the stack while on it (EPERM); the stack is 16-byte aligned at handler entry as the ABI wants.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static char *alt;
static size_t altsize = 65536;
static volatile int on_alt, flags_onstack, eperm, aligned, runs;

__attribute__((noinline)) static void handler(int sig) {
  char local;
  uintptr_t p = (uintptr_t)&local;
  on_alt = p >= (uintptr_t)alt && p < (uintptr_t)alt + altsize;
  stack_t cur;
  sigaltstack(NULL, &cur);
  flags_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
  stack_t other = { .ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0 };
  eperm = sigaltstack(&other, NULL) == -1 && errno == EPERM;
  runs++;
}

static volatile uintptr_t entry_rsp;
static void align_handler(int sig, siginfo_t *si, void *uc) {
  // The handler is entered as if called: rsp+8 is 16-aligned there, so a local aligned(16) works.
  __attribute__((aligned(16))) volatile char buf[16];
  aligned = ((uintptr_t)buf & 15) == 0;
  entry_rsp = (uintptr_t)uc - 8; // the frame's pretcode slot is at the entry rsp
}

int main(void) {
  alt = malloc(altsize);
  stack_t ss = { .ss_sp = alt, .ss_size = altsize, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) { perror("sigaltstack"); return 1; }
  stack_t q;
  sigaltstack(NULL, &q);
  printf("installed: size=%zu flags=%d same=%d\n", q.ss_size, q.ss_flags, q.ss_sp == alt);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("onstack handler: runs=%d on_alt=%d SS_ONSTACK=%d EPERM=%d\n", runs, on_alt, flags_onstack, eperm);
  sigaltstack(NULL, &q);
  printf("after: flags=%d\n", q.ss_flags);
  sa.sa_flags = 0;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("no SA_ONSTACK: on_alt=%d\n", on_alt);
  stack_t small = { .ss_sp = alt, .ss_size = 100, .ss_flags = 0 };
  int r = sigaltstack(&small, NULL);
  printf("too small: r=%d ENOMEM=%d\n", r, errno == ENOMEM);
  stack_t bad = { .ss_sp = alt, .ss_size = altsize, .ss_flags = 12345 };
  r = sigaltstack(&bad, NULL);
  printf("bad flags: r=%d EINVAL=%d\n", r, errno == EINVAL);
  stack_t dis = { .ss_flags = SS_DISABLE };
  sigaltstack(&dis, NULL);
  sigaltstack(NULL, &q);
  printf("disabled: flags=%d\n", q.ss_flags);

  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = align_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
  printf("aligned local=%d entry rsp%%16=%d\n", aligned, (int)(entry_rsp % 16));
  return 0;
}
