// prctl(2) options real programs use: PR_SET_PDEATHSIG (a grandchild killed when its parent
// exits, seen by a subreaper; not inherited by fork), PR_SET/GET_DUMPABLE and KEEPCAPS (reset by
// execve), NO_NEW_PRIVS (sticky across fork and execve), TIMERSLACK, THP_DISABLE,
// PR_GET_SECCOMP, PR_CAPBSET_READ, PR_GET_SECUREBITS, PR_CAP_AMBIENT, and the EINVAL cases of each.
// (Run as root, as the differential tests are: root's ambient set is empty too.)
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno)); else printf("%s: %ld\n", what, r);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
    // What execve kept and what it reset.
    show("exec: dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    show("exec: keepcaps", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    show("exec: no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("exec: thp_disable", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    int sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("exec: pdeathsig %d\n", sig);
    return 0;
  }

  int sig = -1;
  show("get pdeathsig", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0)); printf("  = %d\n", sig);
  show("set pdeathsig 65", prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0));
  show("set pdeathsig SIGUSR2", prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
  prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0); printf("  = %d\n", sig);
  pid_t k = fork();
  if (k == 0) { int s = -1; prctl(PR_GET_PDEATHSIG, &s, 0, 0, 0); _exit(s); }
  int st;
  waitpid(k, &st, 0);
  printf("fork child's pdeathsig: %d\n", WEXITSTATUS(st));
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

  // A grandchild asks for SIGTERM when its parent exits; we are the subreaper that inherits it.
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int ready[2], go[2];
  pipe(ready); pipe(go);
  pid_t mid = fork();
  if (mid == 0) {
    pid_t g = fork();
    if (g == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
      write(ready[1], &g, 1);
      for (;;) pause();
    }
    char c;
    read(go[0], &c, 1);
    _exit(7);
  }
  char c;
  read(ready[0], &c, 1);
  write(go[1], "x", 1);
  waitpid(mid, &st, 0);
  printf("middle exited %d\n", WEXITSTATUS(st));
  pid_t w = wait(&st);
  printf("grandchild reaped by the subreaper: %d, killed by signal %d\n", w > 0 && w != mid, WIFSIGNALED(st) ? WTERMSIG(st) : 0);

  show("get dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
  show("set dumpable 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
  show("set dumpable 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
  show("get dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
  show("get keepcaps", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
  show("set keepcaps 5", prctl(PR_SET_KEEPCAPS, 5, 0, 0, 0));
  show("set keepcaps 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
  show("get keepcaps", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
  show("get no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  show("set no_new_privs 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
  show("set no_new_privs 1 junk", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
  show("set no_new_privs 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  show("get no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  show("get no_new_privs junk", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
  show("get timerslack", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
  show("set timerslack 1000", prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0));
  show("get timerslack", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
  show("set timerslack 0 (default)", prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
  show("get timerslack", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
  show("get thp_disable", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  show("set thp_disable", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
  show("get thp_disable", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  show("get seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
  show("capbset_read CAP_CHOWN", prctl(PR_CAPBSET_READ, 0, 0, 0, 0));
  show("capbset_read 1000", prctl(PR_CAPBSET_READ, 1000, 0, 0, 0));
  show("get securebits (keepcaps set)", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
  show("ambient is_set CAP_CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0));
  show("ambient is_set 1000", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 1000, 0, 0));
  show("ambient raise CAP_CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 0, 0, 0));
  show("ambient lower CAP_CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0, 0, 0));
  show("ambient clear_all", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
  show("ambient clear_all junk", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
  show("ambient 9", prctl(PR_CAP_AMBIENT, 9, 0, 0, 0));
  show("unknown option", prctl(0x7fff, 0, 0, 0, 0));

  prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
  fflush(stdout);
  execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
  perror("execl");
  return 1;
}
