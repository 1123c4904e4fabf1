/* Small reads of files in memory (tmpfs /dev/shm, memfd), which the CPU core answers itself
 * under wasl from copies of the file's pages: the offset shared by dup and fork and moved by
 * lseek, pread64, EOF, and a file rewritten, truncated and extended between reads by its own
 * descriptor, another description and another process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("%-34s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static unsigned char content(long i) { return (unsigned char)(i * 7 + i / 4096); }

/* n reads of one byte: how many returned 1, and a checksum of what they read */
static void bytewise(const char *label, int fd, long n) {
  unsigned sum = 0;
  long got = 0;
  for (long i = 0; i < n; i++) {
    unsigned char c;
    long r = read(fd, &c, 1);
    if (r != 1) break;
    got++;
    sum = sum * 31 + c;
  }
  printf("%-34s %ld bytes, sum %08x, now at %ld\n", label, got, sum, (long)lseek(fd, 0, SEEK_CUR));
}

static void in_child(void (*fn)(int), int arg) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) { fn(arg); fflush(stdout); _exit(0); }
  int st;
  waitpid(c, &st, 0);
}

static char path[64];
static void child_reads(int fd) { bytewise("child: 100 bytes", fd, 100); }
static void child_rewrites(int unused) {
  (void)unused;
  int fd = open(path, O_WRONLY);
  char x[300];
  memset(x, 'X', sizeof x);
  printf("child: rewrite 300 at 4000: %ld\n", (long)pwrite(fd, x, sizeof x, 4000));
  close(fd);
}
static void child_truncates(int size) { printf("child: truncate to %d: %d\n", size, truncate(path, size)); }

int main(void) {
  snprintf(path, sizeof path, "/dev/shm/wasl-fast-files-%d", (int)getpid());
  int w = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (w < 0) { perror(path); return 1; }
  static unsigned char data[20000];
  for (long i = 0; i < (long)sizeof data; i++) data[i] = content(i);
  R("write 20000", write(w, data, sizeof data));

  int a = open(path, O_RDONLY), b = dup(a), c = open(path, O_RDONLY);
  bytewise("a: 5000 bytes", a, 5000);
  R("b (dup of a) is at", lseek(b, 0, SEEK_CUR));
  R("c (own open) is at", lseek(c, 0, SEEK_CUR));
  bytewise("b: 100 bytes", b, 100);
  in_child(child_reads, a);
  R("a after the child's reads", lseek(a, 0, SEEK_CUR));
  bytewise("a: 10 bytes", a, 10);
  R("lseek a SEEK_SET 4090", lseek(a, 4090, SEEK_SET));
  bytewise("a: 20 across a page", a, 20);
  R("lseek a SEEK_CUR -15", lseek(a, -15, SEEK_CUR));
  bytewise("a: 5", a, 5);
  R("lseek a SEEK_END -10", lseek(a, -10, SEEK_END));
  bytewise("a: to EOF", a, 100);
  R("read at EOF", read(a, data, 1));
  R("lseek a past the end", lseek(a, 30000, SEEK_SET));
  R("read past the end", read(a, data, 1));

  /* another process rewrites what a copy of the page may hold */
  R("lseek a 3990", lseek(a, 3990, SEEK_SET));
  bytewise("a: 20 (pages 0 and 1)", a, 20);
  R("lseek a 3990", lseek(a, 3990, SEEK_SET));
  in_child(child_rewrites, 0);
  bytewise("a: 20 after the rewrite", a, 20);
  /* the same description written through, then read */
  int rw = open(path, O_RDWR);
  bytewise("rw: 10", rw, 10);
  R("rw: write 'hello'", write(rw, "hello", 5));
  R("rw: lseek -8", lseek(rw, -8, SEEK_CUR));
  bytewise("rw: 10 over the write", rw, 10);
  R("pwrite by w at 12", pwrite(w, "!!", 2, 12));
  R("rw: lseek 8", lseek(rw, 8, SEEK_SET));
  bytewise("rw: 8 over the pwrite", rw, 8);

  /* truncated and extended under the reader */
  R("lseek c 9000", lseek(c, 9000, SEEK_SET));
  bytewise("c: 10", c, 10);
  in_child(child_truncates, 9005);
  R("lseek c 9000", lseek(c, 9000, SEEK_SET));
  bytewise("c: 10 after truncate", c, 10);
  R("ftruncate w 12000", ftruncate(w, 12000));
  R("lseek c 9000", lseek(c, 9000, SEEK_SET));
  bytewise("c: 10 after growing (zeros)", c, 10);
  R("pwrite at 11000", pwrite(w, "tail", 4, 11000));
  R("lseek c 10998", lseek(c, 10998, SEEK_SET));
  bytewise("c: 10 around it", c, 10);
  in_child(child_truncates, 0);
  R("read c after truncate to 0", read(c, data, 1));
  R("c is at", lseek(c, 0, SEEK_CUR));

  /* pread64: the call's offset, the description's stays */
  R("write w 8200", pwrite(w, data, 8200, 0));
  unsigned char one[8];
  unsigned sum = 0;
  for (long off = 0; off < 8300; off += 97) {
    long r = pread(c, one, 3, off);
    sum = sum * 31 + (unsigned)r;
    if (r > 0) sum = sum * 31 + one[0] + one[r - 1];
  }
  printf("pread sweep sum %08x\n", sum);
  R("c is still at", lseek(c, 0, SEEK_CUR));
  R("pread negative offset", pread(c, one, 1, -1));
  R("pread past the end", pread(c, one, 1, 9000));
  R("pread 0 bytes", pread(c, one, 0, 5));
  R("read write-only", read(open(path, O_WRONLY), one, 1));
  R("read into a bad pointer", syscall(SYS_read, c, (void *)8, 1L));

  /* a memfd */
  int m = memfd_create("fast", 0);
  R("memfd write", write(m, "memory file", 11));
  R("memfd lseek 0", lseek(m, 0, SEEK_SET));
  bytewise("memfd: bytes", m, 20);
  R("memfd pwrite", pwrite(m, "M", 1, 0));
  R("memfd pread", pread(m, one, 2, 0));
  printf("memfd %c%c\n", one[0], one[1]);

  /* closed and reopened descriptors */
  close(a);
  R("b after a is closed", lseek(b, 0, SEEK_CUR));
  bytewise("b: 3", b, 3);
  close(b);
  R("read closed b", read(b, one, 1));
  unlink(path);
  return 0;
}
