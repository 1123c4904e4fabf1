// unshare(2) of what a process shares with its clone siblings: a child made with CLONE_FILES
// that unshares its table closes a descriptor without closing the parent's; one made with
// CLONE_FS that unshares chdirs without moving the parent. Unknown flags are EINVAL.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long raw_clone(unsigned long flags) { return syscall(SYS_clone, flags, 0, 0, 0, 0); }

int main(void) {
  printf("unshare(0): %d\n", unshare(0));
  printf("unshare(CLONE_FILES|CLONE_FS|CLONE_SYSVSEM): %d\n", unshare(CLONE_FILES | CLONE_FS | CLONE_SYSVSEM));
  printf("unshare(CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) single-threaded: %d\n", unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM));
  int r = unshare(1);
  printf("unshare(1): %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
  int fd = open("/dev/null", O_RDONLY);

  // Shared table, then unshared in the child: its close stays its own.
  fflush(stdout);
  long pid = raw_clone(CLONE_FILES | SIGCHLD);
  if (pid == 0) { if (unshare(CLONE_FILES)) _exit(2); close(fd); _exit(fcntl(fd, F_GETFD) < 0 ? 0 : 1); }
  int st;
  waitpid(pid, &st, 0);
  printf("child closed its own copy: %d, parent's fd still open: %d\n", WEXITSTATUS(st) == 0, fcntl(fd, F_GETFD) >= 0);

  // Without the unshare the close reaches the parent.
  pid = raw_clone(CLONE_FILES | SIGCHLD);
  if (pid == 0) { close(fd); _exit(0); }
  waitpid(pid, &st, 0);
  printf("shared table: parent's fd closed by the child: %d\n", fcntl(fd, F_GETFD) < 0);

  // CLONE_FS: a shared cwd moves for both unless the child unshares first.
  char before[256], after[256];
  chdir("/");
  getcwd(before, sizeof before);
  pid = raw_clone(CLONE_FS | SIGCHLD);
  if (pid == 0) { if (unshare(CLONE_FS)) _exit(2); _exit(chdir("/tmp") ? 1 : 0); }
  waitpid(pid, &st, 0);
  getcwd(after, sizeof after);
  printf("unshared cwd: child ok %d, parent still in %s: %d\n", WEXITSTATUS(st) == 0, before, strcmp(before, after) == 0);
  pid = raw_clone(CLONE_FS | SIGCHLD);
  if (pid == 0) _exit(chdir("/tmp") ? 1 : 0);
  waitpid(pid, &st, 0);
  getcwd(after, sizeof after);
  printf("shared cwd followed the child to /tmp: %d\n", strcmp(after, "/tmp") == 0);
  return 0;
}
