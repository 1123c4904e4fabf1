// POSIX record locks between processes: conflicts, F_GETLK's report, F_SETLKW waiting for the
// holder, and locks dropped when the holder closes the file; plus a blocking pipe read woken by
// another process.
//! status: 0
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

int main(void) {
  char dir[] = "/tmp/wasl-lock-XXXXXX";
  mkdtemp(dir);
  char path[64]; snprintf(path, sizeof path, "%s/f", dir);
  int fd = open(path, O_RDWR | O_CREAT, 0600);
  write(fd, "0123456789", 10);
  int toChild[2], toParent[2];
  pipe(toChild); pipe(toParent);
  printf("parent lock [0,5): %d\n", lk(fd, F_SETLK, F_WRLCK, 0, 5));
  printf("parent lock [7,eof): %d\n", lk(fd, F_SETLK, F_RDLCK, 7, 0));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int cfd = open(path, O_RDWR);
    errno = 0;
    int r = lk(cfd, F_SETLK, F_WRLCK, 2, 1);
    printf("child wrlock [2,3): %d %s\n", r, strerror(errno));
    printf("child rdlock [8,9): %d\n", lk(cfd, F_SETLK, F_RDLCK, 8, 1));
    printf("child wrlock [6,7): %d\n", lk(cfd, F_SETLK, F_WRLCK, 6, 1));
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    fcntl(cfd, F_GETLK, &q);
    printf("child getlk: type %d start %ld len %ld pid ok %d\n", q.l_type, (long)q.l_start, (long)q.l_len, q.l_pid == getppid());
    fflush(stdout);
    write(toParent[1], "r", 1);
    // Blocks until the parent closes its descriptor (which drops all its locks).
    printf("child setlkw: %d\n", lk(cfd, F_SETLKW, F_WRLCK, 0, 5));
    char c; read(toChild[0], &c, 1);
    printf("child got '%c' after waiting\n", c);
    fflush(stdout);
    _exit(0);
  }
  char c;
  read(toParent[0], &c, 1);
  usleep(100000);
  // The child is parked in F_SETLKW; closing any descriptor of the file releases our locks.
  close(fd);
  write(toChild[1], "w", 1);
  int status;
  waitpid(pid, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  unlink(path); rmdir(dir);
  return 0;
}
