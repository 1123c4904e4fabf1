// The signal mask argument of pselect6, ppoll and epoll_pwait: a signal blocked outside the call
// but not by its mask interrupts it (EINTR, the handler runs with the call's mask and the old mask
// is back afterwards); GNU make -j waits for SIGCHLD this way. When descriptors are ready the call
// returns them and the signal stays pending, blocked again.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int hits[65];
static volatile int usr2_blocked_in_handler = -1;

static void on_signal(int sig) {
  hits[sig]++;
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
}

static int blocked(int sig) {
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  return sigismember(&now, sig);
}

static int pending(int sig) {
  sigset_t p;
  sigpending(&p);
  return sigismember(&p, sig);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t all, none;
  sigemptyset(&all);
  sigaddset(&all, SIGUSR1); sigaddset(&all, SIGUSR2); sigaddset(&all, SIGCHLD);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &all, NULL);
  int p[2];
  if (pipe(p)) return 1;

  // A pending signal the call's mask unblocks ends pselect6 at once.
  raise(SIGUSR1);
  fd_set rd;
  FD_ZERO(&rd); FD_SET(p[0], &rd);
  int r = pselect(p[0] + 1, &rd, NULL, NULL, NULL, &none);
  printf("pselect: %d %s, USR1 handled %d, USR2 blocked in handler %d, USR1 blocked after %d\n",
         r, r < 0 && errno == EINTR ? "EINTR" : "-", hits[SIGUSR1], usr2_blocked_in_handler, blocked(SIGUSR1));

  // A mask that keeps the signal blocked: the timeout ends the call, the signal stays pending.
  raise(SIGUSR2);
  struct timespec zero = { 0, 0 };
  sigset_t only1;
  sigemptyset(&only1); sigaddset(&only1, SIGUSR2);
  r = pselect(p[0] + 1, &rd, NULL, NULL, &zero, &only1);
  printf("pselect with USR2 still blocked: %d, USR2 handled %d, pending %d\n", r, hits[SIGUSR2], pending(SIGUSR2));

  // ppoll with a ready descriptor returns it; the pending signal is blocked again afterwards.
  if (write(p[1], "x", 1) != 1) return 1;
  struct pollfd pf = { p[0], POLLIN, 0 };
  r = ppoll(&pf, 1, NULL, &all);
  printf("ppoll ready: %d, USR2 handled %d, pending %d, blocked %d\n", r, hits[SIGUSR2], pending(SIGUSR2), blocked(SIGUSR2));
  char c;
  if (read(p[0], &c, 1) != 1) return 1;

  // ppoll that waits: the pending USR2 interrupts once the call's mask lets it in.
  pf.revents = 0;
  r = ppoll(&pf, 1, NULL, &none);
  printf("ppoll: %d %s, USR2 handled %d, blocked after %d\n", r, r < 0 && errno == EINTR ? "EINTR" : "-", hits[SIGUSR2], blocked(SIGUSR2));

  // epoll_pwait woken by a child's SIGCHLD while it waits (or pending at entry).
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] }, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  pid_t c1 = fork();
  if (c1 == 0) _exit(0);
  r = epoll_pwait(ep, &out, 1, -1, &none);
  printf("epoll_pwait: %d %s, CHLD handled %d, CHLD blocked after %d\n", r, r < 0 && errno == EINTR ? "EINTR" : "-", hits[SIGCHLD], blocked(SIGCHLD));
  waitpid(c1, NULL, 0);

  // pselect woken by SIGCHLD, as make -j waits for its jobs.
  pid_t c2 = fork();
  if (c2 == 0) _exit(0);
  FD_ZERO(&rd); FD_SET(p[0], &rd);
  r = pselect(p[0] + 1, &rd, NULL, NULL, NULL, &none);
  printf("pselect for a child: %d %s, CHLD handled %d\n", r, r < 0 && errno == EINTR ? "EINTR" : "-", hits[SIGCHLD]);
  waitpid(c2, NULL, 0);

  // A bad size is EINVAL and changes nothing.
  r = syscall(271 /* ppoll */, &pf, 1, &zero, &none, 4);
  printf("ppoll sigsetsize 4: %d %s, USR1 blocked %d\n", r, r < 0 && errno == EINVAL ? "EINVAL" : "-", blocked(SIGUSR1));
  return 0;
}
