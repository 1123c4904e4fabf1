/* prctl(2) options real programs set up before they run or sandbox a child: the parent-death
 * signal (delivered when the parent exits; not inherited by fork), dumpable and keep-capabilities
 * (both reset by execve), no_new_privs (sticky, inherited, shown in /proc/self/status), THP
 * disable, timer slack, and the errors for bad arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("%-36s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static int report[2];
static void on_usr1(int sig) { (void)sig; write(report[1], "D", 1); _exit(0); }

static void status_line(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f)) if (!strncmp(line, key, strlen(key))) printf("status %s", line);
  if (f) fclose(f);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "after-exec")) {
    R("after exec: dumpable", prctl(PR_GET_DUMPABLE));
    R("after exec: keepcaps", prctl(PR_GET_KEEPCAPS));
    R("after exec: no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    return 0;
  }
  R("dumpable", prctl(PR_GET_DUMPABLE));
  R("set dumpable 0", prctl(PR_SET_DUMPABLE, 0));
  R("dumpable", prctl(PR_GET_DUMPABLE));
  R("set dumpable 2", prctl(PR_SET_DUMPABLE, 2));
  R("keepcaps", prctl(PR_GET_KEEPCAPS));
  R("set keepcaps 1", prctl(PR_SET_KEEPCAPS, 1));
  R("keepcaps", prctl(PR_GET_KEEPCAPS));
  R("set keepcaps 5", prctl(PR_SET_KEEPCAPS, 5));
  R("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  status_line("NoNewPrivs");
  R("set no_new_privs 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
  R("set no_new_privs with extra args", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
  R("set no_new_privs 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  R("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  status_line("NoNewPrivs");
  R("thp disable", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  R("set thp disable", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
  R("thp disable", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  R("set timerslack 12345", prctl(PR_SET_TIMERSLACK, 12345));
  R("timerslack", prctl(PR_GET_TIMERSLACK));
  R("capbset read of cap 999", prctl(PR_CAPBSET_READ, 999));
  R("pdeathsig 99", prctl(PR_SET_PDEATHSIG, 99));
  R("unknown option", prctl(0x7777));

  int sig = -1;
  R("pdeathsig", prctl(PR_GET_PDEATHSIG, &sig));
  printf("pdeathsig value %d\n", sig);

  /* fork copies the flags but not the death signal */
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  pid_t c = fork();
  if (c == 0) {
    int s = -1;
    prctl(PR_GET_PDEATHSIG, &s);
    printf("child: pdeathsig %d, dumpable %d, keepcaps %d, no_new_privs %d\n", s, prctl(PR_GET_DUMPABLE),
           prctl(PR_GET_KEEPCAPS), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  prctl(PR_SET_PDEATHSIG, 0);

  /* execve resets dumpable and keepcaps, keeps no_new_privs */
  c = fork();
  if (c == 0) { execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL); _exit(127); }
  waitpid(c, NULL, 0);

  /* a grandchild asks for SIGUSR1 when its parent dies; the parent exits */
  pipe(report);
  c = fork();
  if (c == 0) {
    int ready[2];
    pipe(ready);
    pid_t g = fork();
    if (g == 0) {
      signal(SIGUSR1, on_usr1);
      prctl(PR_SET_PDEATHSIG, SIGUSR1);
      write(ready[1], "r", 1);
      for (int i = 0; i < 500; i++) usleep(10000); /* the signal's handler reports; 5 s at most */
      _exit(0);
    }
    char b;
    read(ready[0], &b, 1);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  char got = 0;
  read(report[0], &got, 1);
  printf("grandchild got its parent-death signal: %d\n", got == 'D');
  return 0;
}
