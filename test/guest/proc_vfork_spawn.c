// vfork (the parent waits until the child execs or exits, sharing its memory meanwhile),
// posix_spawn (clone with CLONE_VM|CLONE_VFORK in both libcs) and CLOEXEC descriptors across exec.
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile int shared_word = 1;

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "fdcheck") == 0) {
    // Descriptor 5 was CLOEXEC, 6 was not.
    printf("after exec: fd5 %s, fd6 %s\n", fcntl(5, F_GETFD) < 0 ? "closed" : "open", fcntl(6, F_GETFD) < 0 ? "closed" : "open");
    return 0;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t c = vfork();
  if (c == 0) {
    shared_word = 2; // the parent sees this: the memory is shared until exec/exit
    _exit(9);
  }
  int st;
  waitpid(c, &st, 0);
  printf("vfork child exited %d, parent sees word %d\n", WEXITSTATUS(st), shared_word);

  int fd5 = open("/dev/null", O_RDONLY | O_CLOEXEC), fd6 = open("/dev/null", O_RDONLY);
  dup2(fd5, 5); fcntl(5, F_SETFD, FD_CLOEXEC); dup2(fd6, 6);
  c = vfork();
  if (c == 0) {
    char *args[] = { argv[0], "fdcheck", NULL };
    execv(argv[0], args);
    _exit(127);
  }
  waitpid(c, &st, 0);
  printf("vfork+exec exited %d\n", WEXITSTATUS(st));

  pid_t pid;
  char *args[] = { argv[0], "fdcheck", NULL };
  int r = posix_spawn(&pid, argv[0], NULL, NULL, args, environ);
  waitpid(pid, &st, 0);
  printf("posix_spawn: %d, the child exited %d\n", r, WEXITSTATUS(st));
  char *bad[] = { "/nonexistent/program", NULL };
  r = posix_spawn(&pid, bad[0], NULL, NULL, bad, environ);
  if (r == 0) { waitpid(pid, &st, 0); printf("spawn of a missing program: child exited %d\n", WEXITSTATUS(st)); }
  else printf("spawn of a missing program: error %d\n", r);
  return 0;
}
