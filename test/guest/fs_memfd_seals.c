// memfd seals (fcntl F_ADD_SEALS/F_GET_SEALS), as wasmtime seals the memfd images of compiled
// modules (moon's toolchain plugins failed with "cannot add seals to the memfd"): which files take
// seals, what each seal forbids (shrinking, growing, writing, shared writable mappings, exec
// bits), F_SEAL_SEAL, EBUSY while a writable shared mapping exists, and MFD_NOEXEC_SEAL.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif
#define SEAL_SEAL 0x1
#define SEAL_SHRINK 0x2
#define SEAL_GROW 0x4
#define SEAL_WRITE 0x8
#define SEAL_FUTURE_WRITE 0x10
#define SEAL_EXEC 0x20
#define M_CLOEXEC 1
#define M_ALLOW_SEALING 2
#define M_NOEXEC_SEAL 8

static int memfd(const char *name, unsigned flags) { return (int)syscall(SYS_memfd_create, name, flags); }
static const char *ename(int e) {
  switch (e) {
    case EPERM: return "EPERM"; case EINVAL: return "EINVAL"; case EBUSY: return "EBUSY";
    case EACCES: return "EACCES"; case EBADF: return "EBADF"; default: return "other";
  }
}
static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, ename(errno));
  else printf("%s: %ld\n", what, r);
}
#define SHOW(e) show(#e, (long)(e))

int main(void) {
  char buf[8192];
  memset(buf, 'x', sizeof buf);

  int plain = memfd("plain", M_CLOEXEC);
  SHOW(fcntl(plain, F_GET_SEALS));
  SHOW(fcntl(plain, F_ADD_SEALS, SEAL_WRITE));

  int fd = memfd("sealed", M_CLOEXEC | M_ALLOW_SEALING);
  SHOW(fcntl(fd, F_GET_SEALS));
  SHOW(fcntl(fd, F_ADD_SEALS, 0x40));
  SHOW(write(fd, buf, 5000));
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_SHRINK));
  SHOW(ftruncate(fd, 100));
  SHOW(ftruncate(fd, 5000));
  SHOW(ftruncate(fd, 6000));
  SHOW(ftruncate(fd, 5000));
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_GROW));
  SHOW(fcntl(fd, F_GET_SEALS));
  SHOW(ftruncate(fd, 7000));
  SHOW(fallocate(fd, 0, 5000, 2000));
  SHOW(fallocate(fd, 0, 0, 4000));
  SHOW(pwrite(fd, buf, 100, 10));
  SHOW(pwrite(fd, buf, 10, 5000));
  // Written page by page: the piece that would grow the file is refused, the ones before it are not.
  SHOW(pwrite(fd, buf, 2500, 4000));
  SHOW(pwrite(fd, buf, 10, 6000));
  SHOW(lseek(fd, 0, SEEK_END));

  // F_SEAL_WRITE: refused while a shared mapping that may write exists (one of a read-write
  // descriptor, even without PROT_WRITE); then writes and writable shared mappings are refused,
  // read-only and private ones are not.
  char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("shared writable map: %s\n", w == MAP_FAILED ? "failed" : "ok");
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_WRITE));
  munmap(w, 4096);
  char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  printf("shared read-only map: %s\n", r == MAP_FAILED ? "failed" : "ok");
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_WRITE));
  munmap(r, 4096);
  SHOW(pwrite(fd, buf, 1, 0));
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_WRITE));
  SHOW(pwrite(fd, buf, 1, 0));
  SHOW(lseek(fd, 0, SEEK_SET));
  SHOW(write(fd, buf, 1));
  w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("shared writable map after F_SEAL_WRITE: %s %s\n", w == MAP_FAILED ? "failed" : "ok", w == MAP_FAILED ? ename(errno) : "");
  char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("private writable map: %s\n", p == MAP_FAILED ? "failed" : "ok");
  r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  printf("shared read-only map after F_SEAL_WRITE: %s\n", r == MAP_FAILED ? "failed" : "ok");
  if (r != MAP_FAILED) munmap(r, 4096);
  if (p != MAP_FAILED) { p[0] = 'y'; printf("private store: %c\n", p[0]); munmap(p, 4096); }
  SHOW(pread(fd, buf, 3, 0));
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_SEAL));
  SHOW(fcntl(fd, F_ADD_SEALS, SEAL_SHRINK));
  SHOW(fcntl(fd, F_GET_SEALS));

  // F_SEAL_EXEC on an executable file implies the write seals; exec bits cannot change after.
  int ex = memfd("exec", M_ALLOW_SEALING);
  SHOW(fcntl(ex, F_ADD_SEALS, SEAL_EXEC));
  SHOW(fcntl(ex, F_GET_SEALS));
  SHOW(fchmod(ex, 0666));
  SHOW(fchmod(ex, 0777));
  SHOW(write(ex, buf, 1));

  int nx = memfd("noexec", M_NOEXEC_SEAL);
  struct stat st;
  fstat(nx, &st);
  printf("noexec mode: %o\n", st.st_mode & 07777);
  SHOW(fcntl(nx, F_GET_SEALS));
  SHOW(fchmod(nx, 0755));
  SHOW(write(nx, buf, 10));
  SHOW(fcntl(nx, F_ADD_SEALS, SEAL_GROW));
  SHOW(write(nx, buf, 1));

  // Not every file takes seals: a pipe does not.
  int pfd[2];
  pipe(pfd);
  SHOW(fcntl(pfd[0], F_GET_SEALS));
  SHOW(fcntl(pfd[1], F_ADD_SEALS, SEAL_SEAL));
  return 0;
}
