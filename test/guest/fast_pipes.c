/* Anonymous pipes, whose reads and writes the CPU core answers itself under wasl while nobody
 * waits on the pipe: the bytes, the capacity in pages (EAGAIN points), F_SETPIPE_SZ, EOF, EPIPE
 * and SIGPIPE, poll/select readiness after writes and reads, epoll edge-triggered wake-ups, and
 * traffic across fork with blocking readers and writers on both sides. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("%-34s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static int sigpipes;
static void onpipe(int s) { (void)s; sigpipes++; }

static int pollmask(int fd) {
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* Writes of `size` bytes into an O_NONBLOCK pipe until it refuses: the bytes it took. */
static long fill(int fd, size_t size) {
  static char buf[8192];
  long total = 0, r;
  memset(buf, 'f', sizeof buf);
  while ((r = write(fd, buf, size)) > 0) total += r;
  printf("fill by %zu: %ld then %s\n", size, total, r < 0 ? strerror(errno) : "0");
  return total;
}

static long drain(int fd, size_t size) {
  static char buf[70000];
  long total = 0, r;
  while ((r = read(fd, buf, size)) > 0) total += r;
  printf("drain by %zu: %ld then %s\n", size, total, r < 0 ? strerror(errno) : "EOF");
  return total;
}

static unsigned sum(const unsigned char *p, long n) { unsigned s = 0; for (long i = 0; i < n; i++) s = s * 31 + p[i]; return s; }

int main(void) {
  int p[2];
  char buf[8192];

  /* bytes come out as they went in, through partial reads and merged pages */
  R("pipe", pipe(p));
  unsigned char msg[300];
  for (int i = 0; i < 300; i++) msg[i] = (unsigned char)(i * 7);
  for (int i = 0; i < 300; i++) if (write(p[1], msg + i, 1) != 1) printf("write %d failed\n", i);
  unsigned char got[300];
  long n = 0;
  while (n < 300) { long r = read(p[0], got + n, 7); if (r <= 0) break; n += r; }
  printf("300 single bytes back: %ld, %s\n", n, memcmp(got, msg, 300) ? "differ" : "same");
  R("write 0 bytes", write(p[1], buf, 0));
  R("read 0 bytes", read(p[0], buf, 0));
  R("read from write end", read(p[1], buf, 1));
  R("write to read end", write(p[0], buf, 1));
  R("write bad pointer", syscall(SYS_write, p[1], (void *)8, 1L));
  R("write 1", write(p[1], "z", 1));
  R("read into bad pointer", syscall(SYS_read, p[0], (void *)8, 1L));

  /* capacity: 16 pages, each write taking a new page unless its bytes fit the last one */
  R("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
  fill(p[1], 1); drain(p[0], 1000);
  fill(p[1], 100); drain(p[0], 4096);
  fill(p[1], 3000); drain(p[0], 3000);
  fill(p[1], 4096); drain(p[0], 65536);
  fill(p[1], 4097); drain(p[0], 5000);
  fill(p[1], 2049); drain(p[0], 1);
  printf("poll empty %x\n", pollmask(p[0]));
  R("write 1", write(p[1], "a", 1));
  printf("poll read end %x write end %x\n", pollmask(p[0]), pollmask(p[1]));
  fill(p[1], 4096);
  printf("poll full: write end %x\n", pollmask(p[1]));
  R("read 1", read(p[0], buf, 1));
  printf("poll after 1 byte read: write end %x\n", pollmask(p[1]));
  R("read 4095", read(p[0], buf, 4095));
  printf("poll after a page: write end %x\n", pollmask(p[1]));
  drain(p[0], 8192);

  /* F_SETPIPE_SZ: one page, then more */
  R("F_SETPIPE_SZ 4096", fcntl(p[1], F_SETPIPE_SZ, 4096));
  R("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
  fill(p[1], 10);
  R("F_SETPIPE_SZ 8192", fcntl(p[1], F_SETPIPE_SZ, 8192));
  fill(p[1], 10);
  R("F_SETPIPE_SZ 4096 busy", fcntl(p[1], F_SETPIPE_SZ, 4096));
  drain(p[0], 7);
  R("F_SETPIPE_SZ 1 MiB", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
  fill(p[1], 4096);
  drain(p[0], 65536);

  /* EOF once the writers are gone; EPIPE and SIGPIPE once the readers are */
  R("write 5", write(p[1], "hello", 5));
  close(p[1]);
  R("read after writer closed", read(p[0], buf, sizeof buf));
  R("read at EOF", read(p[0], buf, sizeof buf));
  printf("poll at EOF %x\n", pollmask(p[0]));
  close(p[0]);
  signal(SIGPIPE, onpipe);
  R("pipe", pipe(p));
  R("write 1", write(p[1], "x", 1));
  close(p[0]);
  R("write without reader", write(p[1], "x", 1));
  R("again", write(p[1], "x", 1));
  printf("SIGPIPEs %d, poll %x\n", sigpipes, pollmask(p[1]));
  close(p[1]);

  /* select sees what the core wrote */
  R("pipe", pipe(p));
  R("write 3", write(p[1], "abc", 3));
  fd_set rs; FD_ZERO(&rs); FD_SET(p[0], &rs);
  struct timeval tv = {0, 0};
  R("select readable", select(p[0] + 1, &rs, NULL, NULL, &tv));
  R("read 3", read(p[0], buf, 3));
  FD_ZERO(&rs); FD_SET(p[0], &rs);
  R("select empty", select(p[0] + 1, &rs, NULL, NULL, &tv));

  /* epoll edge-triggered: each write is a new edge */
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = p[0]}, out[4];
  R("epoll_ctl ADD ET", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  R("epoll_wait nothing", epoll_wait(ep, out, 4, 0));
  for (int i = 0; i < 3; i++) {
    R("write 1", write(p[1], "e", 1));
    R("epoll_wait edge", epoll_wait(ep, out, 4, 0));
    R("epoll_wait no new edge", epoll_wait(ep, out, 4, 0));
  }
  R("read 3", read(p[0], buf, sizeof buf));
  R("epoll_ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
  R("write 1", write(p[1], "f", 1));
  R("epoll_ctl ADD ET again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  R("epoll_wait readable at add", epoll_wait(ep, out, 4, 0));
  R("read 1", read(p[0], buf, 1));
  close(ep);

  /* across fork: a child echoes records back with a checksum; both sides block in turn */
  int back[2];
  R("pipe back", pipe(back));
  pid_t child = fork();
  if (child == 0) {
    close(p[1]); close(back[0]);
    static unsigned char rec[70000];
    for (;;) {
      long len;
      if (read(p[0], &len, sizeof len) != sizeof len) break;
      long have = 0;
      while (have < len) { long r = read(p[0], rec + have, len - have); if (r <= 0) _exit(3); have += r; }
      unsigned s = sum(rec, len);
      if (write(back[1], &s, sizeof s) != sizeof s) _exit(4);
    }
    _exit(0);
  }
  close(p[0]); close(back[1]);
  static unsigned char data[70000];
  for (int i = 0; i < 70000; i++) data[i] = (unsigned char)(i * 13 + i / 256);
  long sizes[] = {1, 2, 100, 4095, 4096, 4097, 8192, 65536, 65537, 69999, 1, 1, 1};
  for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    long len = sizes[i];
    if (write(p[1], &len, sizeof len) != sizeof len) printf("write len failed\n");
    long w = 0;
    while (w < len) { long r = write(p[1], data + w, len - w); if (r <= 0) break; w += r; }
    unsigned s = 0;
    R("checksum back", read(back[0], &s, sizeof s));
    printf("record %ld: %s\n", len, s == sum(data, len) ? "intact" : "corrupt");
  }
  /* many small records without waiting for each answer */
  for (int i = 0; i < 2000; i++) {
    long len = 1 + i % 5;
    if (write(p[1], &len, sizeof len) != sizeof len || write(p[1], data + i, len) != len) { printf("burst write failed\n"); break; }
    unsigned s;
    if (i % 50 == 49) for (int j = 0; j < 50; j++) if (read(back[0], &s, sizeof s) != sizeof s || s != sum(data + i - 49 + j, 1 + (i - 49 + j) % 5)) { printf("burst %d wrong\n", i); i = 2000; break; }
  }
  close(p[1]);
  int st;
  R("waitpid", waitpid(child, &st, 0) == child);
  printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  R("read after child exit", read(back[0], buf, sizeof buf));

  /* a parent blocked reading is woken by the child's write */
  R("pipe", pipe(p));
  child = fork();
  if (child == 0) { sched_yield(); write(p[1], "late", 4); _exit(0); }
  close(p[1]);
  R("blocking read", read(p[0], buf, sizeof buf));
  R("then EOF", read(p[0], buf, sizeof buf));
  waitpid(child, &st, 0);
  return 0;
}
