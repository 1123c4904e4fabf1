/* flock(2): locks belong to the open file description — shared by dup() and fork(), independent
 * for a second open() of the same file; LOCK_NB conflicts, conversions, blocking until the holder
 * closes, EBADF/EINVAL. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, int r) {
  printf("%-34s %d %s\n", what, r, r < 0 ? strerror(errno) : "");
}

int main(void) {
  char path[] = "/tmp/wasl-flock-XXXXXX";
  int a = mkstemp(path);
  if (a < 0) { perror("mkstemp"); return 1; }
  int b = open(path, O_RDWR);
  int a2 = dup(a);

  show("a LOCK_EX", flock(a, LOCK_EX));
  show("a LOCK_EX again", flock(a, LOCK_EX));
  show("b LOCK_SH|NB (conflict)", flock(b, LOCK_SH | LOCK_NB));
  show("a2 (dup) LOCK_EX|NB", flock(a2, LOCK_EX | LOCK_NB));
  show("a LOCK_SH (convert)", flock(a, LOCK_SH));
  show("b LOCK_SH|NB (both shared)", flock(b, LOCK_SH | LOCK_NB));
  show("b LOCK_EX|NB (convert fails)", flock(b, LOCK_EX | LOCK_NB));
  /* the failed conversion dropped b's shared lock, so a can go exclusive */
  show("a LOCK_EX|NB after b lost lock", flock(a, LOCK_EX | LOCK_NB));
  show("a LOCK_UN", flock(a, LOCK_UN));
  show("b LOCK_EX|NB", flock(b, LOCK_EX | LOCK_NB));
  show("b LOCK_UN", flock(b, LOCK_UN));
  show("bad op", flock(a, 0));
  show("bad op 3", flock(a, LOCK_SH | LOCK_EX));
  show("bad fd", flock(-1, LOCK_SH));
  show("closed fd", flock(99, LOCK_SH));

  /* A child inherits a's description: its lock is a's lock. Closing every descriptor of it
   * (in both processes) releases the lock and wakes a waiter blocked on b. */
  show("a LOCK_EX for fork", flock(a, LOCK_EX));
  int p[2];
  if (pipe(p) < 0) return 1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    int r = flock(a, LOCK_EX | LOCK_NB); /* same description: already ours */
    int c = open(path, O_RDWR);
    int r2 = flock(c, LOCK_SH | LOCK_NB); /* new description: conflicts */
    char msg[64];
    int n = snprintf(msg, sizeof msg, "%d %d", r, r2 < 0 ? errno : 0);
    write(p[1], msg, n);
    close(c);
    close(a); close(a2); close(b);
    _exit(0);
  }
  close(p[1]);
  char buf[64] = {0};
  read(p[0], buf, sizeof buf - 1);
  printf("child: same-desc %s (EWOULDBLOCK=%d)\n", buf, EWOULDBLOCK);
  waitpid(pid, NULL, 0);

  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    /* its inherited copies of a's description would keep the lock alive: close them; then this
     * blocks until the parent closes a and a2 */
    close(a); close(a2);
    int r = flock(b, LOCK_EX);
    printf("child got LOCK_EX on b: %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  usleep(100000);
  printf("parent closing a and a2\n");
  fflush(stdout);
  close(a);
  close(a2);
  int st;
  waitpid(pid, &st, 0);
  printf("child exit %d\n", WEXITSTATUS(st));
  unlink(path);
  return 0;
}
