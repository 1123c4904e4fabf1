// signalfd and timerfd: blocked signals read as signalfd_siginfo records (with sigqueue's value
// and the sender's pid), poll readiness, O_NONBLOCK EAGAIN; a periodic timerfd counts
// expirations, blocking read and timerfd_gettime/settime (disarm).
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR1); sigaddset(&m, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &m, NULL);
  int sfd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
  struct signalfd_siginfo si[4];
  ssize_t n = read(sfd, si, sizeof si);
  printf("empty: n=%zd EAGAIN=%d\n", n, errno == EAGAIN);
  struct pollfd p = { .fd = sfd, .events = POLLIN };
  printf("poll before: %d\n", poll(&p, 1, 0));
  kill(getpid(), SIGUSR1);
  union sigval v = { .sival_int = 99 };
  sigqueue(getpid(), SIGRTMIN, v);
  int pr = poll(&p, 1, 0);
  printf("poll after: %d revents=%#x\n", pr, p.revents);
  n = read(sfd, si, sizeof si);
  printf("read %zd records\n", n / (ssize_t)sizeof si[0]);
  for (int i = 0; i < n / (ssize_t)sizeof si[0]; i++)
    printf("  signo=%u code=%d pid_ok=%d int=%d\n", si[i].ssi_signo, si[i].ssi_code, si[i].ssi_pid == (uint32_t)getpid(),
           si[i].ssi_code == SI_QUEUE ? si[i].ssi_int : 0);
  n = read(sfd, si, 10);
  printf("small buffer: r=%zd EINVAL=%d\n", n, errno == EINVAL);
  close(sfd);

  int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec ts = { { 0, 5 * 1000 * 1000 }, { 0, 5 * 1000 * 1000 } }, cur;
  timerfd_settime(tfd, 0, &ts, NULL);
  uint64_t total = 0, exp;
  int reads = 0;
  while (total < 4) { if (read(tfd, &exp, 8) != 8) { perror("read"); return 1; } total += exp; reads++; }
  timerfd_gettime(tfd, &cur);
  printf("timerfd: >=4 expirations=%d interval=%ld\n", total >= 4, cur.it_interval.tv_nsec);
  struct itimerspec off = { 0 };
  timerfd_settime(tfd, 0, &off, &cur);
  timerfd_gettime(tfd, &cur);
  printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
  int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  int r = read(nb, &exp, 8);
  printf("nonblocking unarmed: r=%d EAGAIN=%d\n", r, errno == EAGAIN);
  return 0;
}
