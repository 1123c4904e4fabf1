// fork/exec/wait trees: exit codes and signals through wait4 and waitid, WNOHANG, waiting by
// process group, a re-exec of this program, orphans reparented to a child subreaper.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
  else printf("%s: status %#x\n", what, st);
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    printf("re-exec'd child says %s\n", argv[2]);
    return atoi(argv[2]);
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  // A tree: three children, each with two grandchildren; exit codes add up the levels.
  for (int i = 0; i < 3; i++) {
    pid_t c = fork();
    if (c == 0) {
      int sum = 0;
      for (int j = 0; j < 2; j++) {
        pid_t g = fork();
        if (g == 0) _exit(i * 10 + j);
        int st;
        if (waitpid(g, &st, 0) != g) _exit(99);
        sum += WEXITSTATUS(st);
      }
      _exit(sum);
    }
    int st;
    pid_t w = waitpid(c, &st, 0);
    printf("child %d: pid matches %d, ", i, w == c);
    show("status", st);
  }
  // No children left.
  errno = 0;
  printf("wait with no children: %d errno %s\n", wait(NULL), errno == ECHILD ? "ECHILD" : strerror(errno));
  // WNOHANG on a running child, then a blocking wait.
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) { char b; close(p[1]); read(p[0], &b, 1); _exit(5); }
  close(p[0]);
  printf("WNOHANG while running: %d\n", waitpid(c, NULL, WNOHANG));
  close(p[1]);
  int st;
  waitpid(c, &st, 0);
  show("after the pipe closed", st);
  // Death by signal, seen by wait4 and by waitid.
  c = fork();
  if (c == 0) { raise(SIGTERM); _exit(1); }
  waitpid(c, &st, 0);
  show("raise(SIGTERM)", st);
  c = fork();
  if (c == 0) _exit(42);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  waitid(P_PID, c, &si, WEXITED | WNOWAIT);
  printf("waitid WNOWAIT: signo %d code %d status %d pid ok %d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
  memset(&si, 0, sizeof si);
  waitid(P_ALL, 0, &si, WEXITED);
  printf("waitid again: code %d status %d pid ok %d\n", si.si_code, si.si_status, si.si_pid == c);
  // Waiting for a process group.
  pid_t leader = fork();
  if (leader == 0) { setpgid(0, 0); usleep(1000); _exit(3); }
  setpgid(leader, leader);
  pid_t member = fork();
  if (member == 0) { setpgid(0, leader); _exit(4); }
  setpgid(member, leader);
  int total = 0;
  for (int i = 0; i < 2; i++) { if (waitpid(-leader, &st, 0) > 0) total += WEXITSTATUS(st); }
  printf("group wait total %d\n", total);
  // exec: the child becomes this program again with other arguments.
  c = fork();
  if (c == 0) {
    char *args[] = { argv[0], "child", "17", NULL };
    execv(argv[0], args);
    _exit(127);
  }
  waitpid(c, &st, 0);
  show("re-exec", st);
  // Orphans: with PR_SET_CHILD_SUBREAPER, a grandchild whose parent died becomes our child.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t me = getpid();
  int q[2];
  pipe(q);
  c = fork();
  if (c == 0) {
    if (fork() == 0) {
      close(q[0]);
      while (getppid() != me) usleep(100);
      write(q[1], "r", 1);
      _exit(8);
    }
    _exit(0);
  }
  close(q[1]);
  waitpid(c, &st, 0);
  char b = 0;
  read(q[0], &b, 1);
  printf("orphan reparented to us: %c\n", b);
  pid_t g = wait(&st);
  show("orphan reaped", st);
  printf("orphan pid differs from the dead parent: %d\n", g != c);
  return 0;
}
