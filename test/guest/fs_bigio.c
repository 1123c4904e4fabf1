/* Transfers larger than a megabyte in one call: Linux moves up to MAX_RW_COUNT (2 GiB - 4 KiB)
 * per read/write of a regular file, so programs that check write(fd, buf, n) == n for a big
 * buffer work; a blocking write to a pipe returns only when every byte went in; a read with a
 * huge count on a small file returns what the file holds. Run on a host directory (/tmp) and on
 * tmpfs (/dev/shm). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1L << 20)
#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("%-30s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static unsigned sum(const unsigned char *p, long n) {
  unsigned s = 0;
  for (long i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

static void fill(unsigned char *p, long n, int seed) {
  for (long i = 0; i < n; i++) p[i] = (unsigned char)(i * 13 + i / 4093 + seed);
}

static void files(const char *dir, unsigned char *a, unsigned char *b) {
  char path[64];
  snprintf(path, sizeof path, "%s/wasl-bigio-XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd < 0) { printf("%s: no temp file\n", dir); return; }
  unlink(path);
  printf("-- %s\n", strncmp(dir, "/dev/shm", 8) == 0 ? "tmpfs" : "host dir");
  fill(a, 5 * MB + 123, 1);
  R("write 5 MiB+123", write(fd, a, 5 * MB + 123));
  R("lseek 0", lseek(fd, 0, SEEK_SET));
  memset(b, 0, 6 * MB);
  R("read 6 MiB", read(fd, b, 6 * MB));
  printf("same bytes %d\n", memcmp(a, b, 5 * MB + 123) == 0);
  R("read at EOF", read(fd, b, 6 * MB));
  R("pread 3 MiB at 1 MiB", pread(fd, b, 3 * MB, MB));
  printf("same bytes %d\n", memcmp(a + MB, b, 3 * MB) == 0);
  fill(a, 4 * MB, 2);
  R("pwrite 4 MiB at 2 MiB", pwrite(fd, a, 4 * MB, 2 * MB));
  struct stat st;
  fstat(fd, &st);
  printf("size %ld\n", (long)st.st_size);
  struct iovec iov[3] = { { b, 2 * MB }, { b + 2 * MB, 3 }, { b + 3 * MB, 2 * MB } };
  R("lseek 0", lseek(fd, 0, SEEK_SET));
  R("readv 4 MiB+3", readv(fd, iov, 3));
  printf("checksums %08x %08x %08x\n", sum(b, 2 * MB), sum(b + 2 * MB, 3), sum(b + 3 * MB, 2 * MB));
  fill(a, 3 * MB, 3);
  struct iovec wv[2] = { { a, 2 * MB + 7 }, { a + 2 * MB + 7, MB } };
  R("writev 3 MiB+7", writev(fd, wv, 2));
  R("lseek cur", lseek(fd, 0, SEEK_CUR));
  /* a count far larger than the file: Linux checks the range, fills what the file holds */
  R("lseek 0", lseek(fd, 0, SEEK_SET));
  R("ftruncate 10", ftruncate(fd, 10));
  char *small = malloc(16);
  volatile long huge = 64L << 20; /* far beyond the file, within the address space below any mapping */
  R("read count 64 MiB", read(fd, small, huge));
  free(small);
  close(fd);
}

static void stream(const char *kind, unsigned char *a) {
  printf("-- %s\n", kind);
  int p[2];
  if (kind[0] == 'p' ? pipe(p) : socketpair(AF_UNIX, SOCK_STREAM, 0, p)) return;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[1]);
    long got = 0;
    unsigned s = 0;
    unsigned char buf[65536];
    for (;;) {
      long r = read(p[0], buf, sizeof buf);
      if (r <= 0) break;
      for (long i = 0; i < r; i++) s = s * 31 + buf[i];
      got += r;
    }
    printf("child read %ld checksum %08x\n", got, s);
    _exit(0);
  }
  close(p[0]);
  fill(a, 3 * MB, 4);
  long w = write(p[1], a, 3 * MB);
  close(p[1]);
  int status;
  waitpid(pid, &status, 0);
  printf("parent wrote %ld, expected checksum %08x\n", w, sum(a, 3 * MB));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  unsigned char *a = malloc(6 * MB), *b = malloc(6 * MB);
  if (!a || !b) return 1;
  files("/tmp", a, b);
  files("/dev/shm", a, b);

  /* a blocking write of 3 MiB to a pipe or a stream socket returns 3 MiB once the reader has taken it all */
  stream("pipe", a);
  stream("socketpair", a);
  return 0;
}
