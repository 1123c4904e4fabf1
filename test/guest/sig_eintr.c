// A blocking read from a pipe interrupted by a signal: EINTR without SA_RESTART; with SA_RESTART
// the read starts again and returns what the handler wrote into the pipe. The signal comes from
// a periodic interval timer (a tick before the call blocks is followed by one during it), so no
// second process is needed.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/time.h>

static int fds[2];
static volatile int handled;
static int write_in_handler;

static void handler(int sig) {
  handled++;
  if (write_in_handler) { write_in_handler = 0; write(fds[1], "restarted", 9); }
}

static void arm(void) {
  struct itimerval tick = { { 0, 30000 }, { 0, 30000 } };
  setitimer(ITIMER_REAL, &tick, NULL);
}
static void disarm(void) {
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (pipe(fds) != 0) { perror("pipe"); return 1; }
  char buf[32];
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGALRM, &sa, NULL);
  arm();
  ssize_t n = read(fds[0], buf, sizeof buf);
  int e = errno;
  disarm();
  printf("no SA_RESTART: n=%zd EINTR=%d handled=%d\n", n, e == EINTR, handled >= 1);

  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  write_in_handler = 1;
  handled = 0;
  arm();
  n = read(fds[0], buf, sizeof buf);
  disarm();
  printf("SA_RESTART: n=%zd data=%.*s handled=%d\n", n, (int)(n > 0 ? n : 0), buf, handled >= 1);

  // pause() always fails with EINTR after a handler, SA_RESTART or not.
  write_in_handler = 0;
  handled = 0;
  arm();
  int r = pause();
  e = errno;
  disarm();
  printf("pause: r=%d EINTR=%d handled=%d\n", r, e == EINTR, handled >= 1);
  return 0;
}
