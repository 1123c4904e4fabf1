// SIGSEGV handlers: si_addr and si_code (MAPERR for unmapped, ACCERR for a protected page), a
// handler that siglongjmps out, and one that mprotects the page and returns so the faulting
// write runs again and succeeds.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf jb;
static void *volatile fault_addr;
static volatile int fault_code, fixes;
static char *page;

static void jump_handler(int sig, siginfo_t *si, void *uc) {
  fault_addr = si->si_addr;
  fault_code = si->si_code;
  siglongjmp(jb, sig);
}

static void fix_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  fault_addr = si->si_addr;
  fault_code = si->si_code;
  fixes++;
  // x86-64 reports the page-fault error code: bit 1 set for a write.
  if (!(uc->uc_mcontext.gregs[REG_ERR] & 2)) fixes += 100;
  if (uc->uc_mcontext.gregs[REG_TRAPNO] != 14) fixes += 1000;
  mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static void set(void *fn) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  set(jump_handler);
  volatile int *p = (int *)0x10;
  int r = sigsetjmp(jb, 1);
  if (r == 0) { *p = 1; puts("no fault?"); }
  printf("null write: sig=%d addr=%p MAPERR=%d\n", r, fault_addr, fault_code == SEGV_MAPERR);

  page = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  r = sigsetjmp(jb, 1);
  if (r == 0) { page[123] = 7; puts("no fault?"); }
  printf("read-only write: sig=%d offset=%ld ACCERR=%d\n", r, (long)((char *)fault_addr - page), fault_code == SEGV_ACCERR);

  munmap(page + 4096, 4096);
  r = sigsetjmp(jb, 1);
  if (r == 0) { volatile char c = page[4096 + 5]; (void)c; puts("no fault?"); }
  printf("unmapped read: sig=%d offset=%ld MAPERR=%d\n", r, (long)((char *)fault_addr - page), fault_code == SEGV_MAPERR);

  // The mask was restored by siglongjmp(…, 1): SIGSEGV is not blocked any more.
  sigset_t m; sigprocmask(SIG_SETMASK, NULL, &m);
  printf("segv blocked after longjmp: %d\n", sigismember(&m, SIGSEGV));

  set(fix_handler);
  volatile char *q = page;
  for (int i = 0; i < 3; i++) {
    mprotect(page, 4096, PROT_READ);
    q[100 + i] = 'a' + i;
  }
  printf("fixed and retried: fixes=%d data=%c%c%c offset=%ld ACCERR=%d\n", fixes, q[100], q[101], q[102],
         (long)((char *)fault_addr - page), fault_code == SEGV_ACCERR);
  return 0;
}
