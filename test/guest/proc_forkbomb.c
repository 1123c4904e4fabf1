// A fork bomb under a low RLIMIT_NPROC (as an unprivileged user: root is exempt) ends in EAGAIN,
// and every child it made is still reaped.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct rlimit rl = { 8, 8 };
  if (setrlimit(RLIMIT_NPROC, &rl) != 0) { perror("setrlimit"); return 1; }
  if (setgid(65534) != 0 || setuid(65534) != 0) { perror("setuid"); return 1; }
  int p[2];
  pipe(p);
  int made = 0, err = 0;
  for (int i = 0; i < 200; i++) {
    pid_t c = fork();
    if (c < 0) { err = errno; break; }
    if (c == 0) { char b; close(p[1]); read(p[0], &b, 1); _exit(0); }
    made++;
  }
  printf("fork failed with %s after at most 8 processes: %d\n", err == EAGAIN ? "EAGAIN" : "something else", made > 0 && made < 8);
  close(p[1]);
  int reaped = 0;
  while (wait(NULL) > 0) reaped++;
  printf("reaped all: %d\n", reaped == made);
  return 0;
}
