// mmap of a file (private copy-on-write and shared write-back), MAP_SHARED|MAP_ANONYMOUS shared with
// a child across fork while private memory is copied, mremap growing and moving, munmap, mincore,
// and a huge allocation that fails instead of being promised.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char path[] = "/tmp/wasl-proc-mmap-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) { perror("mkstemp"); return 1; }
  char text[8192];
  for (int i = 0; i < (int)sizeof text; i++) text[i] = 'a' + i % 26;
  write(fd, text, sizeof text);

  char *priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("private map: %.5s .. %.3s\n", priv, priv + 8189);
  priv[0] = 'X';
  char b[4];
  pread(fd, b, 1, 0);
  printf("private write stays private: file has %c, map has %c\n", b[0], priv[0]);

  char *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
  printf("shared map at offset 4096: %.4s\n", sh);
  memcpy(sh, "SHARED", 6);
  msync(sh, 4096, MS_SYNC);
  pread(fd, b, 4, 4096);
  printf("after msync the file has %.4s\n", b);
  memcpy(sh + 100, "BYE", 3);
  munmap(sh, 4096);
  pread(fd, b, 3, 4196);
  printf("after munmap the file has %.3s\n", b);
  munmap(priv, 8192);

  // The last file page reads zeros after the end of the file.
  char z[100];
  memset(z, 'z', sizeof z);
  pwrite(fd, z, sizeof z, 8192);
  char *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 4096);
  printf("last page: file bytes %d, then zero %d\n", ro[4096 + 99] == 'z', ro[4096 + 100] == 0 && ro[8191] == 0);
  munmap(ro, 8192);
  close(fd);
  unlink(path);

  // Shared anonymous memory is shared with a child; private memory is copied.
  int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  shared[0] = 1; private[0] = 1;
  int *untouched = shared + 512; // its page was never written before the fork
  pid_t c = fork();
  if (c == 0) { shared[0] = 2; private[0] = 2; untouched[0] = 7; _exit(0); }
  waitpid(c, NULL, 0);
  printf("after the child wrote: shared %d, private %d, untouched page %d\n", shared[0], private[0], untouched[0]);

  // mremap: grow in place or move, contents kept.
  size_t len = 3 * 4096;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (size_t i = 0; i < len; i++) m[i] = (char)(i * 7);
  mmap(m + len, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); // blocks growing in place
  errno = 0;
  void *r = mremap(m, len, 2 * len, 0);
  printf("grow without MAYMOVE: %s\n", r == MAP_FAILED && errno == ENOMEM ? "ENOMEM" : "?");
  char *n = mremap(m, len, 2 * len, MREMAP_MAYMOVE);
  int same = 1;
  for (size_t i = 0; i < len; i++) if (n[i] != (char)(i * 7)) same = 0;
  printf("moved %d, contents kept %d, new tail zero %d\n", n != m, same, n[2 * len - 1] == 0);
  n[2 * len - 1] = 5;
  char *s = mremap(n, 2 * len, 4096, 0);
  printf("shrink in place %d, first byte %d\n", s == n, s[1]);
  unsigned char vec[4];
  printf("mincore: %d\n", mincore(s, 4096, vec) == 0);
  errno = 0;
  printf("mincore on unmapped memory: %s\n", mincore(s + 4096 * 64, 4096, vec) == -1 && errno == ENOMEM ? "ENOMEM" : "?");

  // A 64 TiB allocation is refused (Linux's heuristic overcommit), and malloc reports it.
  errno = 0;
  void *huge = mmap(NULL, (size_t)1 << 46, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("64 TiB mmap: %s\n", huge == MAP_FAILED && errno == ENOMEM ? "ENOMEM" : "mapped");
  void *p = malloc((size_t)1 << 46);
  printf("64 TiB malloc: %s\n", p ? "non-NULL" : "NULL");
  // The same reservation without access is fine (nothing is committed).
  void *res = mmap(NULL, (size_t)1 << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("1 TiB PROT_NONE reservation: %s\n", res == MAP_FAILED ? "failed" : "ok");
  return 0;
}
