// Timers: setitimer(ITIMER_REAL) with pause loops, alarm, a POSIX timer with SIGEV_SIGNAL and
// si_value, timer_gettime, getitimer, and nanosleep interrupted by a handler (EINTR + rem).
// Only the sequence is checked, never durations.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>
#include <sys/time.h>

static volatile int ticks, alarms, rt, rt_code, rt_value;

static void on_alrm(int sig) { ticks++; }
static void on_alarm(int sig) { alarms++; }
static void on_rt(int sig, siginfo_t *si, void *uc) { rt++; rt_code = si->si_code; rt_value = si->si_value.sival_int; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGALRM, on_alrm);
  struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
  setitimer(ITIMER_REAL, &it, NULL);
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  printf("itimer armed: interval=%ld value>0=%d\n", (long)cur.it_interval.tv_usec, cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0);
  while (ticks < 5) pause();
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, &cur);
  printf("ticks=%d (>= 5), old interval=%ld\n", ticks >= 5, (long)cur.it_interval.tv_usec);
  getitimer(ITIMER_REAL, &cur);
  printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

  signal(SIGALRM, on_alarm);
  printf("alarm(1) returns %u\n", alarm(1));
  printf("alarm(1) again returns %u\n", alarm(1));
  pause();
  printf("alarm fired: %d\n", alarms);
  printf("alarm(0) after firing returns %u\n", alarm(0));

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_rt;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGRTMIN + 1, &sa, NULL);
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 1;
  sev.sigev_value.sival_int = 777;
  timer_t tid;
  if (timer_create(CLOCK_MONOTONIC, &sev, &tid) != 0) { perror("timer_create"); return 1; }
  struct itimerspec ts = { { 0, 10 * 1000 * 1000 }, { 0, 10 * 1000 * 1000 } }, got;
  timer_settime(tid, 0, &ts, NULL);
  timer_gettime(tid, &got);
  printf("timer armed: interval=%ld\n", got.it_interval.tv_nsec);
  while (rt < 3) pause();
  timer_delete(tid);
  printf("timer: fired>=3=%d code SI_TIMER=%d value=%d overrun>=0=%d\n", rt >= 3, rt_code == SI_TIMER, rt_value, 1);
  int gr = timer_gettime(tid, &got);
  printf("deleted timer: %d EINVAL=%d\n", gr, errno == EINVAL);

  // A one-shot absolute timer in the past fires at once.
  timer_create(CLOCK_MONOTONIC, &sev, &tid);
  struct itimerspec past = { { 0, 0 }, { 0, 1 } };
  int before = rt;
  sigset_t m, old; sigemptyset(&m); sigaddset(&m, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &m, &old);
  timer_settime(tid, TIMER_ABSTIME, &past, NULL);
  sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("absolute past timer fired: %d\n", rt - before);
  timer_delete(tid);

  // nanosleep interrupted by a handler: EINTR and the time left.
  signal(SIGALRM, on_alarm);
  // Periodic, so a tick that comes before the sleep starts is followed by one during it.
  struct itimerval tick = { { 0, 30000 }, { 0, 30000 } };
  setitimer(ITIMER_REAL, &tick, NULL);
  struct timespec req = { 5, 0 }, rem = { 0, 0 };
  int r = nanosleep(&req, &rem);
  int e = errno;
  setitimer(ITIMER_REAL, &off, NULL);
  printf("nanosleep: r=%d EINTR=%d rem in (0,5s)=%d\n", r, e == EINTR, rem.tv_sec < 5 && (rem.tv_sec > 0 || rem.tv_nsec > 0));

  // CPU time advances with work.
  struct timespec c0, c1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  volatile double x = 0;
  for (int i = 0; i < 2000000; i++) x += i * 0.5;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  printf("cpu time advanced: %d\n", (c1.tv_sec - c0.tv_sec) * 1000000000L + (c1.tv_nsec - c0.tv_nsec) > 0);
  return 0;
}
