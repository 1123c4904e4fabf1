/* Syscall dispatch: N calls of one kind in a tight loop. The loop is timed inside the guest with
 * CLOCK_MONOTONIC and reported on stderr as "loop_ns=…", so ns/call excludes process start-up;
 * stdout carries only results that are the same on every system (compared by the harness). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "sys: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: sys getpid|devnull|read|clock|gettimeofday|random|futexwake|ebadf|pipeself|pipe N\n"); return 2; }
  const char *mode = argv[1];
  long n = atol(argv[2]), ok = 0;
  char c = 'x';
  long t0, t1;
  if (!strcmp(mode, "getpid")) {
    long pid = syscall(SYS_getpid);
    t0 = now_ns();
    /* syscall() so that no libc can answer from a cache */
    for (long i = 0; i < n; i++) ok += syscall(SYS_getpid) == pid;
    t1 = now_ns();
  } else if (!strcmp(mode, "devnull")) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) die("open /dev/null");
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += write(fd, &c, 1) == 1;
    t1 = now_ns();
  } else if (!strcmp(mode, "read")) {
    /* a 1 MiB file in memory (tmpfs, natively and under wasl), so no disk or host file is timed */
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/wasl-bench-read-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) die(path);
    unlink(path);
    static unsigned char data[1 << 20];
    for (long i = 0; i < (long)sizeof data; i++) data[i] = (unsigned char)(i * 131);
    if (write(fd, data, sizeof data) != (ssize_t)sizeof data) die("write");
    lseek(fd, 0, SEEK_SET);
    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      ssize_t r = read(fd, &c, 1);
      if (r == 0) { lseek(fd, 0, SEEK_SET); r = read(fd, &c, 1); }
      ok += r == 1;
    }
    t1 = now_ns();
  } else if (!strcmp(mode, "clock")) {
    /* through libc, as programs call it: natively that is the vDSO, no kernel entry */
    struct timespec t, last = {0, 0};
    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      ok += t.tv_sec > last.tv_sec || (t.tv_sec == last.tv_sec && t.tv_nsec >= last.tv_nsec);
      last = t;
    }
    t1 = now_ns();
  } else if (!strcmp(mode, "gettimeofday")) {
    struct timeval tv;
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += gettimeofday(&tv, NULL) == 0;
    t1 = now_ns();
  } else if (!strcmp(mode, "random")) {
    /* 16 bytes a call, as a hash-table seed or a UUID takes them */
    unsigned char b[16];
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += getrandom(b, sizeof b, 0) == (ssize_t)sizeof b;
    t1 = now_ns();
  } else if (!strcmp(mode, "futexwake")) {
    /* an unlock with nobody waiting, when the lock word says there may be (glibc then wakes) */
    static int word;
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0;
    t1 = now_ns();
  } else if (!strcmp(mode, "ebadf")) {
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += close(-1) == -1 && errno == EBADF;
    t1 = now_ns();
  } else if (!strcmp(mode, "pipeself")) {
    /* 1 byte into a pipe and back out, in one process: no wake-up, no context switch */
    int p[2];
    if (pipe(p)) die("pipe");
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += write(p[1], &c, 1) == 1 && read(p[0], &c, 1) == 1;
    t1 = now_ns();
  } else if (!strcmp(mode, "pipe")) {
    /* one round trip = 1 byte there and back between two processes: 4 syscalls, 2 wake-ups */
    int ab[2], ba[2];
    if (pipe(ab) || pipe(ba)) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      for (long i = 0; i < n; i++)
        if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1) _exit(1);
      _exit(0);
    }
    t0 = now_ns();
    for (long i = 0; i < n; i++) ok += write(ab[1], &c, 1) == 1 && read(ba[0], &c, 1) == 1;
    t1 = now_ns();
    int st;
    if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st)) { fprintf(stderr, "sys: child failed\n"); return 1; }
  } else {
    fprintf(stderr, "sys: unknown mode %s\n", mode);
    return 2;
  }
  printf("%s %ld/%ld\n", mode, ok, n);
  fprintf(stderr, "loop_ns=%ld\n", t1 - t0);
  return ok == n ? 0 : 1;
}
