// Pipes, FIFOs, eventfd and memfd within one process, and readiness through poll, select and
// epoll (level-triggered, edge-triggered, one-shot), with timeouts that expire.
//! status: 0
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>

#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("%-32s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static int pollone(int fd, short ev, int ms) {
  struct pollfd p = {fd, ev, 0};
  int r = poll(&p, 1, ms);
  return r < 0 ? -1 : (r << 16) | p.revents;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int p[2];
  R("pipe", pipe(p));
  struct stat st; fstat(p[0], &st);
  printf("fifo %d\n", S_ISFIFO(st.st_mode));
  R("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ));
  R("lseek pipe", lseek(p[0], 0, SEEK_SET));
  R("pread pipe", pread(p[0], &st, 1, 0));
  R("poll empty read end (0ms)", pollone(p[0], POLLIN, 0));
  R("poll write end", pollone(p[1], POLLOUT, 0));
  R("poll timeout 20ms", pollone(p[0], POLLIN, 20));
  R("write", write(p[1], "abcdef", 6));
  int n = 0;
  R("FIONREAD", ioctl(p[0], FIONREAD, &n)); printf("  available %d\n", n);
  R("poll readable", pollone(p[0], POLLIN, -1));
  char b[100000];
  R("read 4", read(p[0], b, 4));
  R("read rest", read(p[0], b, sizeof b));
  R("F_SETFL nonblock", fcntl(p[0], F_SETFL, O_NONBLOCK));
  R("read empty nonblock", read(p[0], b, 1));
  // Fill the pipe without blocking.
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  long total = 0; memset(b, 'x', sizeof b);
  for (;;) { long w = write(p[1], b, 1000); if (w < 0) { printf("fill stops: %s\n", strerror(errno)); break; } total += w; }
  printf("filled %ld\n", total);
  R("poll full write end", pollone(p[1], POLLOUT, 0));
  long got = 0;
  for (;;) { long r = read(p[0], b, sizeof b); if (r <= 0) break; got += r; }
  printf("drained %ld\n", got);
  R("F_SETPIPE_SZ 8192", fcntl(p[1], F_SETPIPE_SZ, 5000));
  R("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
  // select
  fd_set rs, ws; FD_ZERO(&rs); FD_ZERO(&ws); FD_SET(p[0], &rs); FD_SET(p[1], &ws);
  struct timeval tv = {0, 0};
  R("select", select(p[1] + 1, &rs, &ws, NULL, &tv));
  printf("  r %d w %d\n", FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));
  write(p[1], "z", 1);
  FD_ZERO(&rs); FD_SET(p[0], &rs);
  tv.tv_sec = 1;
  R("select readable", select(p[0] + 1, &rs, NULL, NULL, &tv));
  read(p[0], b, 1);
  R("select bad fd", select(200, &rs, NULL, NULL, &tv));
  // epoll
  int ep = epoll_create1(EPOLL_CLOEXEC);
  R("epoll GETFD", fcntl(ep, F_GETFD));
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL}, out[4];
  R("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  R("epoll_ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  R("epoll_wait empty 10ms", epoll_wait(ep, out, 4, 10));
  write(p[1], "hi", 2);
  R("epoll_wait LT", epoll_wait(ep, out, 4, -1));
  printf("  events %x data %llx\n", out[0].events, (unsigned long long)out[0].data.u64);
  R("epoll_wait LT again", epoll_wait(ep, out, 4, 0));
  ev.events = EPOLLIN | EPOLLET;
  R("epoll_ctl mod ET", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
  R("epoll_wait ET", epoll_wait(ep, out, 4, 0));
  R("epoll_wait ET again", epoll_wait(ep, out, 4, 0));
  write(p[1], "!", 1);
  R("epoll_wait ET new data", epoll_wait(ep, out, 4, 0));
  ev.events = EPOLLIN | EPOLLONESHOT;
  R("epoll_ctl mod ONESHOT", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
  R("epoll_wait oneshot", epoll_wait(ep, out, 4, 0));
  R("epoll_wait oneshot again", epoll_wait(ep, out, 4, 0));
  R("epoll_ctl del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
  R("epoll_ctl del again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
  int tmp = open("/proc/self/exe", O_RDONLY);
  R("epoll_ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, tmp, &ev));
  close(tmp);
  read(p[0], b, sizeof b);
  // EOF and EPIPE.
  close(p[1]);
  R("poll after writer closed", pollone(p[0], POLLIN, 0));
  R("read at EOF", read(p[0], b, 10));
  R("pipe2", pipe2(p, O_CLOEXEC | O_NONBLOCK));
  R("GETFD", fcntl(p[0], F_GETFD));
  R("GETFL nonblock", (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
  close(p[0]);
  R("write without readers", write(p[1], "x", 1));
  R("poll no readers", pollone(p[1], POLLOUT, 0));
  close(p[1]);
  // eventfd
  int efd = eventfd(3, 0);
  uint64_t v = 0;
  R("eventfd read", read(efd, &v, 8)); printf("  value %llu\n", (unsigned long long)v);
  fcntl(efd, F_SETFL, O_NONBLOCK);
  R("eventfd read empty", read(efd, &v, 8));
  v = 5; R("eventfd write", write(efd, &v, 8));
  R("eventfd short read", read(efd, &v, 4));
  v = 7; write(efd, &v, 8);
  R("eventfd poll", pollone(efd, POLLIN | POLLOUT, 0));
  read(efd, &v, 8); printf("  value %llu\n", (unsigned long long)v);
  close(efd);
  int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
  R("sem read", read(sem, &v, 8)); printf("  value %llu\n", (unsigned long long)v);
  R("sem read", read(sem, &v, 8)); printf("  value %llu\n", (unsigned long long)v);
  R("sem read empty", read(sem, &v, 8));
  close(sem);
  // memfd
  int mfd = memfd_create("scratch", MFD_CLOEXEC);
  R("memfd write", write(mfd, "memory file", 11));
  R("memfd lseek", lseek(mfd, 0, SEEK_SET));
  memset(b, 0, 32);
  R("memfd read", read(mfd, b, 32)); printf("  %s\n", b);
  char link[64] = {0}, path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
  readlink(path, link, sizeof link - 1); printf("  link %s\n", link);
  R("memfd ftruncate", ftruncate(mfd, 4));
  fstat(mfd, &st); printf("  size %ld\n", (long)st.st_size);
  close(mfd);
  // A FIFO on tmpfs: O_RDWR and non-blocking opens never wait.
  char dir[] = "/dev/shm/wasl-fifo-XXXXXX";
  mkdtemp(dir);
  char fifo[80]; snprintf(fifo, sizeof fifo, "%s/f", dir);
  R("mkfifo", mkfifo(fifo, 0600));
  R("open WRONLY|NONBLOCK no reader", open(fifo, O_WRONLY | O_NONBLOCK));
  int fr = open(fifo, O_RDONLY | O_NONBLOCK);
  R("open RDONLY|NONBLOCK", fr >= 0 ? 0 : -1);
  int fw = open(fifo, O_WRONLY);
  R("open WRONLY with reader", fw >= 0 ? 0 : -1);
  R("fifo write", write(fw, "via fifo", 8));
  memset(b, 0, 16);
  R("fifo read", read(fr, b, 16)); printf("  %s\n", b);
  close(fw);
  R("fifo read EOF", read(fr, b, 16));
  close(fr);
  int rw = open(fifo, O_RDWR);
  R("fifo O_RDWR", rw >= 0 ? 0 : -1);
  close(rw);
  unlink(fifo); rmdir(dir);
  return 0;
}
