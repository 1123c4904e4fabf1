// Signal handlers with SA_SIGINFO: si_signo/si_code/si_pid/si_value for kill, tgkill and
// sigqueue; masks with sigpending; SA_RESETHAND and SA_NODEFER; sigsuspend; sigtimedwait.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>
#include <sys/syscall.h>

static volatile int got, depth, maxdepth, order[16], norder;
static volatile int last_signo, last_code, last_pid_ok, last_value;

static void info_handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got++;
  last_signo = si->si_signo;
  last_code = si->si_code;
  last_pid_ok = si->si_pid == getpid();
  last_value = si->si_value.sival_int;
}

static void nest_handler(int sig) {
  order[norder++] = depth;
  depth++;
  if (depth > maxdepth) maxdepth = depth;
  if (norder < 3) raise(sig);
  depth--;
}

static void once_handler(int sig) { order[norder++] = 100 + sig; }

static void set(int sig, void *fn, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  set(SIGUSR1, info_handler, SA_SIGINFO);
  kill(getpid(), SIGUSR1);
  printf("kill: got=%d signo=%d code=%d pid_ok=%d\n", got, last_signo, last_code, last_pid_ok);
  syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
  printf("tgkill: got=%d code=%d (SI_TKILL=%d) pid_ok=%d\n", got, last_code, SI_TKILL, last_pid_ok);
  union sigval v = { .sival_int = 4242 };
  sigqueue(getpid(), SIGUSR1, v);
  printf("sigqueue: got=%d code=%d (SI_QUEUE=%d) value=%d\n", got, last_code, SI_QUEUE, last_value);

  // Blocked: pending until unblocked, then delivered before sigprocmask returns.
  sigset_t block, old, pend;
  sigemptyset(&block); sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  raise(SIGUSR1); raise(SIGUSR1);
  sigpending(&pend);
  printf("blocked: got=%d pending(USR1)=%d pending(USR2)=%d\n", got, sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2));
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("unblocked: got=%d (standard signals coalesce)\n", got);

  // Real-time signals queue every instance, in order.
  sigaddset(&block, SIGRTMIN);
  set(SIGRTMIN, info_handler, SA_SIGINFO);
  sigprocmask(SIG_BLOCK, &block, NULL);
  for (int i = 1; i <= 3; i++) { v.sival_int = i; sigqueue(getpid(), SIGRTMIN, v); }
  int before = got;
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  printf("rt: delivered=%d last value=%d\n", got - before, last_value);

  // Without SA_NODEFER the nested raise waits for the handler to return; with it, it nests.
  set(SIGUSR2, nest_handler, 0);
  norder = 0; depth = 0; maxdepth = 0;
  raise(SIGUSR2);
  printf("deferred: maxdepth=%d calls=%d\n", maxdepth, norder);
  set(SIGUSR2, nest_handler, SA_NODEFER);
  norder = 0; depth = 0; maxdepth = 0;
  raise(SIGUSR2);
  printf("nodefer: maxdepth=%d calls=%d\n", maxdepth, norder);

  // SA_RESETHAND: the handler runs once, then the default action (ignore, for SIGURG) applies.
  set(SIGURG, once_handler, SA_RESETHAND);
  norder = 0;
  raise(SIGURG); raise(SIGURG);
  struct sigaction cur;
  sigaction(SIGURG, NULL, &cur);
  printf("resethand: calls=%d first=%d now default=%d\n", norder, order[0], cur.sa_handler == SIG_DFL);

  // sigsuspend: the blocked pending signal is delivered inside it, then the old mask is back.
  set(SIGUSR1, info_handler, SA_SIGINFO);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  sigset_t empty; sigemptyset(&empty);
  before = got;
  int r = sigsuspend(&empty);
  sigset_t now; sigprocmask(SIG_SETMASK, NULL, &now);
  printf("sigsuspend: r=%d errno=EINTR:%d handled=%d still blocked=%d\n", r, errno == EINTR, got - before, sigismember(&now, SIGUSR1));

  // sigtimedwait takes a blocked signal without running the handler.
  raise(SIGUSR1);
  siginfo_t si;
  struct timespec zero = { 0, 0 };
  before = got;
  int s = sigtimedwait(&block, &si, &zero);
  printf("sigtimedwait: sig=%d code=%d handler ran=%d\n", s, si.si_code, got - before);
  s = sigtimedwait(&block, &si, &zero);
  printf("sigtimedwait empty: r=%d EAGAIN=%d\n", s, errno == EAGAIN);
  struct timespec short_ = { 0, 20 * 1000 * 1000 };
  s = sigtimedwait(&block, &si, &short_);
  printf("sigtimedwait timeout: r=%d EAGAIN=%d\n", s, errno == EAGAIN);

  // Ignored signals are discarded; SIG_IGN on a pending one drops it.
  raise(SIGUSR1);
  signal(SIGUSR1, SIG_IGN);
  sigpending(&pend);
  printf("ignore drops pending: %d\n", !sigismember(&pend, SIGUSR1));
  return 0;
}
