// A blocking read from a pipe interrupted by a signal: EINTR without SA_RESTART; with SA_RESTART
// the read starts again and returns what the handler wrote into the pipe. The signal comes from
// a one-shot interval timer, so no second process is needed.
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
  if (write_in_handler) write(fds[1], "restarted", 9);
}

static void arm(void) {
  struct itimerval once = { { 0, 0 }, { 0, 30000 } };
  setitimer(ITIMER_REAL, &once, NULL);
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
  printf("no SA_RESTART: n=%zd EINTR=%d handled=%d\n", n, errno == EINTR, handled);

  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  write_in_handler = 1;
  arm();
  n = read(fds[0], buf, sizeof buf);
  printf("SA_RESTART: n=%zd data=%.*s handled=%d\n", n, (int)(n > 0 ? n : 0), buf, handled);

  // pause() always fails with EINTR after a handler, SA_RESTART or not.
  write_in_handler = 0;
  arm();
  int r = pause();
  printf("pause: r=%d EINTR=%d handled=%d\n", r, errno == EINTR, handled);
  return 0;
}
