// Job control and SIGCHLD: a child stops itself (SIGSTOP), the parent sees it with
// waitpid(WUNTRACED), continues it with SIGCONT (WCONTINUED), and a SA_SIGINFO SIGCHLD handler
// reports CLD_STOPPED/CLD_CONTINUED/CLD_EXITED with the child's pid and status. Also kill() of
// a process group and EINTR of a blocking pipe read by a signal from the child.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/wait.h>

static volatile int nchld, codes[8], pids_ok, last_status, usr1;
static pid_t child;

static void on_chld(int sig, siginfo_t *si, void *uc) {
  if (nchld < 8) codes[nchld] = si->si_code;
  nchld++;
  pids_ok += si->si_pid == child;
  last_status = si->si_status;
}
static void on_usr1(int sig) { usr1++; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);

  // A group of our own, so kill(0, …) below reaches no process outside the test.
  setpgid(0, 0);
  // SIGCHLD stays blocked except inside sigsuspend, so each notification is taken on its own (Linux
  // sends CLD_CONTINUED when the child actually resumes: it could merge with the exit's otherwise).
  sigset_t chld, unblocked;
  sigemptyset(&chld); sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &unblocked);
  int go[2];
  pipe(go);
  child = fork();
  if (child == 0) {
    raise(SIGSTOP);
    char b;
    read(go[0], &b, 1); // exit only after the parent has seen the continue
    _exit(3);
  }
  int st;
  pid_t w = waitpid(child, &st, WUNTRACED);
  printf("stopped: match=%d WIFSTOPPED=%d sig=%d\n", w == child, WIFSTOPPED(st), WSTOPSIG(st));
  while (nchld < 1) sigsuspend(&unblocked);
  kill(child, SIGCONT);
  w = waitpid(child, &st, WCONTINUED);
  printf("continued: match=%d WIFCONTINUED=%d\n", w == child, WIFCONTINUED(st));
  while (nchld < 2) sigsuspend(&unblocked);
  write(go[1], "g", 1);
  w = waitpid(child, &st, 0);
  printf("exited: match=%d status=%d\n", w == child, WEXITSTATUS(st));
  while (nchld < 3) sigsuspend(&unblocked);
  sigprocmask(SIG_SETMASK, &unblocked, NULL);
  printf("SIGCHLD: count=%d codes=%d,%d,%d pids ok=%d last status=%d\n", nchld, codes[0], codes[1], codes[2], pids_ok, last_status);

  // A child killed by a signal.
  child = fork();
  if (child == 0) { for (;;) pause(); }
  kill(child, SIGTERM);
  w = waitpid(child, &st, 0);
  printf("killed: WIFSIGNALED=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

  // EINTR: the child signals the parent blocked in read() (no SA_RESTART), then writes.
  int fds[2];
  pipe(fds);
  struct sigaction su;
  memset(&su, 0, sizeof su);
  su.sa_handler = on_usr1;
  sigaction(SIGUSR1, &su, NULL);
  child = fork();
  if (child == 0) {
    usleep(50000);
    kill(getppid(), SIGUSR1);
    usleep(50000);
    write(fds[1], "x", 1);
    _exit(0);
  }
  char c;
  ssize_t n = read(fds[0], &c, 1);
  int e = errno;
  printf("read interrupted: n=%zd EINTR=%d usr1=%d\n", n, e == EINTR, usr1);
  n = read(fds[0], &c, 1);
  printf("read again: n=%zd c=%c\n", n, c);
  waitpid(child, &st, 0);

  // kill(0, sig) reaches every process of the group, the caller included.
  signal(SIGUSR2, SIG_IGN);
  child = fork();
  if (child == 0) {
    signal(SIGUSR2, SIG_DFL);
    for (;;) pause();
  }
  usleep(20000);
  kill(0, SIGUSR2);
  w = waitpid(child, &st, 0);
  printf("group kill: child sig=%d parent alive\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
  return 0;
}
