/* Process creation: N × (fork + execve + waitpid) or N × (posix_spawn + waitpid) of a program,
 * with its stdout sent to /dev/null. Timed inside the guest ("loop_ns=…" on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: procs fork|spawn N PROGRAM\n"); return 2; }
  long n = atol(argv[2]), ok = 0;
  char *prog = argv[3];
  char *args[] = {prog, NULL};
  int null = open("/dev/null", O_WRONLY);
  if (null < 0) { perror("procs: /dev/null"); return 1; }
  int spawn = !strcmp(argv[1], "spawn");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, null, 1);
  long t0 = now_ns();
  for (long i = 0; i < n; i++) {
    pid_t pid;
    if (spawn) {
      int e = posix_spawn(&pid, prog, &fa, NULL, args, environ);
      if (e) { fprintf(stderr, "procs: posix_spawn: %s\n", strerror(e)); return 1; }
    } else {
      pid = fork();
      if (pid < 0) { perror("procs: fork"); return 1; }
      if (pid == 0) {
        dup2(null, 1);
        execve(prog, args, environ);
        _exit(127);
      }
    }
    int st;
    if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
  }
  long t1 = now_ns();
  printf("%s %ld/%ld\n", argv[1], ok, n);
  fprintf(stderr, "loop_ns=%ld\n", t1 - t0);
  return ok == n ? 0 : 1;
}
