/* /dev/null and /dev/zero, whose reads and writes the CPU core answers itself under wasl, and
 * the descriptor table the core follows: dup, dup2, dup3, fcntl(F_DUPFD), close, close_range,
 * fork, and exec with close-on-exec, each swapping what a descriptor number means. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <unistd.h>

#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("%-34s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static char buf[65536];

static int nonzero(long n) { for (long i = 0; i < n; i++) if (buf[i]) return 1; return 0; }

int main(int argc, char **argv) {
  if (argc > 2 && !strcmp(argv[1], "exec")) {
    /* after exec: the close-on-exec descriptor is gone, the other one still works */
    int keep = atoi(argv[2]), gone = atoi(argv[3]);
    R("exec: write kept", write(keep, "x", 1));
    R("exec: write closed", write(gone, "x", 1));
    return 0;
  }
  /* room for descriptors past the first 1024 */
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max < 2048 ? rl.rlim_max : 2048;
  setrlimit(RLIMIT_NOFILE, &rl);
  int zr = open("/dev/zero", O_RDONLY), zw = open("/dev/zero", O_WRONLY), nr = open("/dev/null", O_RDONLY),
      nw = open("/dev/null", O_WRONLY), nrw = open("/dev/null", O_RDWR);
  printf("opened %d\n", zr >= 0 && zw >= 0 && nr >= 0 && nw >= 0 && nrw >= 0);
  for (long size = 0; size <= 65536; size = size ? size * 4 : 1) {
    memset(buf, 0x55, sizeof buf);
    errno = 0;
    long r = read(zr, buf, size);
    printf("read zero %-6ld -> %ld %s\n", size, r, nonzero(size) ? "not zeroed" : "zeroed");
    R("write null", write(nw, buf, size));
    R("write zero", write(zw, buf, size));
    R("read null", read(nr, buf, size));
  }
  R("read zero across pages", read(zr, buf + 4000, 200));
  R("read zero, bad pointer", syscall(SYS_read, zr, (void *)16, 10L));
  R("read zero, kernel pointer", syscall(SYS_read, zr, (void *)0xffff800000000000ul, 10L));
  R("read zero, count < 0", syscall(SYS_read, zr, buf, -1L));
  R("write null, kernel pointer", syscall(SYS_write, nw, (void *)0xffff800000000000ul, 10L));
  /* Linux never reads what /dev/null and /dev/zero are given: an unmapped buffer is no EFAULT */
  R("write null, unmapped pointer", syscall(SYS_write, nw, (void *)16, 10L));
  R("write zero, unmapped pointer", syscall(SYS_write, zw, (void *)16, 10L));
  struct iovec bad[2] = { { (void *)16, 5 }, { (void *)4096, 7 } };
  R("writev null, unmapped pointers", writev(nw, bad, 2));
  R("read write-only zero", read(zw, buf, 1));
  R("write read-only zero", write(zr, buf, 1));
  R("read write-only null", read(nw, buf, 1));
  R("write read-only null", write(nr, buf, 1));
  R("read rw null", read(nrw, buf, 1));
  R("write rw null", write(nrw, buf, 1));
  R("lseek null", lseek(nrw, 0, SEEK_CUR));
  R("write fd -1", syscall(SYS_write, -1L, buf, 1L));
  R("write fd 1<<32 | null", syscall(SYS_write, (1L << 32) | nw, buf, 1L));
  R("write fd 5000", write(5000, buf, 1));

  /* the same numbers with other meanings */
  int p[2];
  R("pipe", pipe(p));
  R("dup2 null over pipe write end", dup2(nw, p[1]));
  R("write it (null now)", write(p[1], "abc", 3));
  R("pipe at EOF: no writer is left", read(p[0], buf, 10));
  R("dup3 zero over pipe read end", dup3(zr, p[0], O_CLOEXEC));
  memset(buf, 1, 10);
  R("read it (zero now)", read(p[0], buf, 10));
  printf("zeroed %d\n", !nonzero(10));
  R("close", close(p[0]));
  R("read closed", read(p[0], buf, 10));
  int d = dup(zr);
  R("read dup", read(d, buf, 5));
  R("F_DUPFD 900", fcntl(nw, F_DUPFD, 900));
  R("write 900", write(900, buf, 7));
  R("F_DUPFD 1100", fcntl(nw, F_DUPFD, 1100));
  R("write 1100", write(1100, buf, 8));
  R("close_range 900..2000", syscall(SYS_close_range, 900, 2000, 0));
  R("write 900 after close_range", write(900, buf, 7));
  R("write 1100 after close_range", write(1100, buf, 8));
  int z2;
  R("open /dev/zero again", (z2 = open("/dev/zero", O_RDONLY)) >= 0);
  R("read it", read(z2, buf, 3));

  /* a child's table is its own copy */
  pid_t c = fork();
  if (c == 0) {
    close(nw);
    printf("child: write closed null %ld\n", (long)write(nw, buf, 1));
    printf("child: dup2 zero over null: %d\n", dup2(zr, nrw));
    printf("child: read it %ld\n", (long)read(nrw, buf, 4));
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  fflush(stdout);
  R("parent: write null", write(nw, buf, 1));
  R("parent: read rw null", read(nrw, buf, 4));

  /* close-on-exec */
  int ce = fcntl(nw, F_DUPFD_CLOEXEC, 20);
  char a1[16], a2[16];
  snprintf(a1, sizeof a1, "%d", nw);
  snprintf(a2, sizeof a2, "%d", ce);
  fflush(stdout);
  execl("/proc/self/exe", argv[0], "exec", a1, a2, (char *)0);
  printf("exec failed: %s\n", strerror(errno));
  return 1;
}
