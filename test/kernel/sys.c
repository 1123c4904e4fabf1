// The system calls of the first kernel stage, checked against the host kernel: run natively and
// under wasl, the output must be identical. argv[1] is the program's own absolute path.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *err(long r) { return r < 0 ? strerror(errno) : "ok"; }

int main(int argc, char **argv) {
  long pg = sysconf(_SC_PAGESIZE);
  printf("pagesize %ld argc %d\n", pg, argc);
  char *p = mmap(0, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap %d aligned %d zero %d\n", p != MAP_FAILED, ((long)p & (pg - 1)) == 0, p[5000] == 0);
  memset(p, 'x', 3 * pg);
  void *q = mmap(p + pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("noreplace %s\n", q == MAP_FAILED ? strerror(errno) : "mapped");
  q = mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("fixed %d byte %d %c %c\n", q == p + pg, p[pg], p[0], p[2 * pg]);
  p[0] = 'y';
  int rc = madvise(p, pg, MADV_DONTNEED);
  printf("dontneed %d %d\n", rc, p[0]);
  printf("madvise bad %s\n", err(madvise(p, pg, 12345)));
  printf("mprotect misaligned %s\n", err(syscall(SYS_mprotect, p + 1, pg, PROT_READ)));
  printf("fcntl %d %d\n", fcntl(1, F_GETFL) & O_ACCMODE, fcntl(0, F_GETFD));
  munmap(p + 2 * pg, pg);
  printf("mprotect hole %s\n", err(mprotect(p, 3 * pg, PROT_READ)));
  printf("mprotect %s\n", err(mprotect(p, 2 * pg, PROT_READ)));
  printf("munmap zero %s\n", err(munmap(p, 0)));
  printf("munmap misaligned %s\n", err(munmap(p + 1, pg)));
  printf("mmap zero %s\n", mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? strerror(errno) : "ok");
  printf("mmap no type %s\n", mmap(0, pg, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? strerror(errno) : "ok");
  printf("mremap shrink %d\n", mremap(p, 2 * pg, pg, 0) == p);
  char *none = mmap(0, 16 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("reserve %d\n", none != MAP_FAILED && mprotect(none + 4 * pg, 2 * pg, PROT_READ | PROT_WRITE) == 0);
  none[4 * pg] = 7;
  printf("reserve use %d\n", none[4 * pg]);
  char *b0 = (char *)syscall(SYS_brk, 0);
  char *b1 = (char *)syscall(SYS_brk, b0 + 100000);
  b1[-1] = 1;
  printf("brk grew %ld shrink %d\n", (long)(b1 - b0), (char *)syscall(SYS_brk, b0) == b0);
  char *big = malloc(10 << 20);
  memset(big, 1, 10 << 20);
  free(big);
  puts("big malloc ok");
  struct stat st;
  fstat(1, &st);
  printf("stdout %s\n", S_ISFIFO(st.st_mode) ? "fifo" : S_ISREG(st.st_mode) ? "file" : S_ISCHR(st.st_mode) ? "chr" : "other");
  struct termios t;
  printf("tcgetattr %s\n", err(tcgetattr(1, &t)));
  struct winsize ws;
  printf("winsize %s\n", err(ioctl(1, TIOCGWINSZ, &ws)));
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  printf("exe %d\n", argc > 1 && strcmp(buf, argv[1]) == 0);
  struct utsname u;
  uname(&u);
  printf("%s %s\n", u.sysname, u.machine);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("monotonic %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
  printf("clock bad %s\n", err(clock_gettime(12345, &a)));
  unsigned char r[64];
  printf("getrandom %ld\n", (long)getrandom(r, sizeof r, 0));
  sigset_t s, old;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_BLOCK, &s, 0);
  sigprocmask(SIG_BLOCK, 0, &old);
  printf("blocked %d %d\n", sigismember(&old, SIGUSR1), sigismember(&old, SIGUSR2));
  struct sigaction sa = {0}, osa;
  sa.sa_handler = SIG_IGN;
  sigaction(SIGUSR2, &sa, 0);
  sigaction(SIGUSR2, 0, &osa);
  printf("ignored %d\n", osa.sa_handler == SIG_IGN);
  printf("sigaction kill %s\n", err(sigaction(SIGKILL, &sa, 0)));
  printf("raise ignored %d\n", raise(SIGUSR2));
  if (argc > 1) {
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    char hdr[4] = {0};
    long got = read(fd, hdr, 4);
    printf("read %ld magic %d cloexec %d\n", got, memcmp(hdr, "\177ELF", 4) == 0, fcntl(fd, F_GETFD));
    printf("lseek %ld\n", (long)lseek(fd, 1, SEEK_SET));
    read(fd, hdr, 3);
    printf("after seek %.3s\n", hdr);
    got = pread(fd, hdr, 3, 1);
    printf("pread %ld %.3s\n", got, hdr);
    printf("write ro %s\n", err(write(fd, "x", 1)));
    rc = close(fd);
    printf("close %d", rc);
    printf(" close again %s\n", err(close(fd)));
  }
  printf("open missing %s\n", err(open("/nonexistent/x", O_RDONLY)));
  printf("bad fd %s\n", err(write(99, "x", 1)));
  struct timespec ts = {0, 1000000};
  printf("nanosleep %d\n", nanosleep(&ts, 0));
  printf("ids %d %d\n", getpid() > 0, getuid() == geteuid());
  fflush(stdout);
  // Code in a page that is unmapped, then new code in a new page (whose frame may be the same):
  // the new code must run, not a stale decoding of the old.
  for (int i = 1; i <= 2; i++) {
    unsigned char *code = mmap(0, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char body[] = {0xb8, (unsigned char)i, 0, 0, 0, 0xc3}; // mov eax, i; ret
    memcpy(code, body, sizeof body);
    printf("code %d\n", ((int (*)(void))code)());
    munmap(code, pg);
  }
  struct iovec iov[3] = {{0, 0}, {"writev ", 7}, {"gathers\n", 8}};
  long w = writev(1, iov, 3);
  printf("writev %ld\n", w);
  fflush(stdout);
  return 5;
}
