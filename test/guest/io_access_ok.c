/* Buffers that reach past user space fail with EFAULT before any transfer (Linux's access_ok),
 * for read/write, pread/pwrite and each iovec of readv; short buffers still work. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char *what, ssize_t r) { printf("%s: %zd %s\n", what, r, r < 0 && errno == EFAULT ? "EFAULT" : ""); }

int main(void) {
  char b[16];
  int fd = open("/proc/self/cmdline", O_RDONLY);
  ssize_t r;
  errno = 0; r = read(fd, b, (size_t)1 << 62); show("read, huge count", r);
  errno = 0; r = pread(fd, b, (size_t)1 << 62, 0); show("pread, huge count", r);
  char path[] = "/tmp/wasl-access-ok-XXXXXX";
  int out = mkstemp(path);
  errno = 0; r = pwrite(out, b, (size_t)1 << 62, 0); show("pwrite, huge count", r);
  close(out);
  unlink(path);
  struct iovec v[2] = {{b, 4}, {(void *)(0x7ffffffff000UL - 2), 8}};
  errno = 0; r = readv(fd, v, 2); show("readv, a piece past user space", r);
  errno = 0; r = preadv(fd, v, 2, 0); show("preadv, a piece past user space", r);
  struct iovec w = {b, 4};
  errno = 0; r = preadv(fd, &w, 1, 0); show("preadv, 4 bytes", r);
  return 0;
}
