/* One file, seen through MAP_SHARED mappings and through read/write at once, as Linux's page cache
 * gives: write(2) and pwrite(2) reach the mapped pages at once, stores into a mapping are what
 * read(2) returns (no msync), across page boundaries, from another process too, small one-byte
 * reads in a loop included; a truncation zeroes the mapped page past the new end. On a host
 * directory (/tmp) and on tmpfs (/dev/shm). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *dir) {
  char path[64];
  snprintf(path, sizeof path, "%s/wasl-coherent-XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd < 0) { printf("%s: no temp file\n", dir); return; }
  unlink(path);
  printf("-- %s\n", strncmp(dir, "/dev/shm", 8) == 0 ? "tmpfs" : "host dir");
  char buf[8192];
  for (int i = 0; i < 8192; i++) buf[i] = 'a' + i % 26;
  write(fd, buf, sizeof buf);
  char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) { printf("mmap failed\n"); return; }

  pwrite(fd, "HELLO", 5, 100);
  printf("mapping sees pwrite: %.5s\n", p + 100);
  lseek(fd, 4094, SEEK_SET);
  write(fd, "XYZW", 4);
  printf("mapping sees a write across pages: %.4s\n", p + 4094);

  memcpy(p + 5000, "STORE", 5);
  char got[8] = {0};
  pread(fd, got, 5, 5000);
  printf("pread sees the store: %s\n", got);
  memcpy(p + 4090, "0123456789", 10);
  memset(got, 0, sizeof got);
  pread(fd, got, 7, 4092);
  printf("pread across pages: %s\n", got);

  /* one-byte reads in a loop while the mapping changes under them */
  lseek(fd, 6000, SEEK_SET);
  int same = 1;
  for (int i = 0; i < 200; i++) {
    p[6000 + i] = (char)('A' + i % 26);
    char c;
    if (read(fd, &c, 1) != 1 || c != (char)('A' + i % 26)) same = 0;
  }
  printf("byte reads follow the stores: %d\n", same);

  pid_t c = fork();
  if (c == 0) {
    pwrite(fd, "CHILD", 5, 7000);
    p[7100] = '!';
    _exit(0);
  }
  waitpid(c, NULL, 0);
  memset(got, 0, sizeof got);
  pread(fd, got, 1, 7100);
  printf("parent sees the child's write: %.5s, its store: %s\n", p + 7000, got);

  ftruncate(fd, 4100);
  int zero = 1;
  for (int i = 4100; i < 4196; i++) if (p[i] != 0) zero = 0;
  printf("past the new end the page is zero: %d (before it: %.4s)\n", zero, p + 4096);
  munmap(p, 8192);
  char tail[8] = {0};
  pread(fd, tail, 8, 4096);
  printf("file after munmap: size %ld, bytes at 4096: %.4s\n", (long)lseek(fd, 0, SEEK_END), tail);
  close(fd);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  check("/tmp");
  check("/dev/shm");
  return 0;
}
