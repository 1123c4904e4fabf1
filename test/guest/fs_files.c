// File operations on the host file system (a temporary directory) and on tmpfs (/dev/shm): open
// flags, I/O and offsets, links, renames and removals with their errno edge cases, attributes,
// locks, and directory listings; everything printed is the same natively and under wasl.
//! status: 0
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>

static const char *en(int e) {
  switch (e) {
    case 0: return "OK"; case ENOENT: return "ENOENT"; case EEXIST: return "EEXIST"; case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR"; case ENOTEMPTY: return "ENOTEMPTY"; case EINVAL: return "EINVAL";
    case EBADF: return "EBADF"; case EACCES: return "EACCES"; case ELOOP: return "ELOOP"; case EXDEV: return "EXDEV";
    case ESPIPE: return "ESPIPE"; case EPERM: return "EPERM"; case ENXIO: return "ENXIO"; case EBUSY: return "EBUSY";
    case EAGAIN: return "EAGAIN"; case ERANGE: return "ERANGE"; case ENAMETOOLONG: return "ENAMETOOLONG";
    default: { static char b[32]; snprintf(b, sizeof b, "E%d", e); return b; }
  }
}
#define R(label, expr) do { errno = 0; long r_ = (long)(expr); printf("  %-34s %ld %s\n", label, r_ < 0 ? -1L : r_, r_ < 0 ? en(errno) : "OK"); } while (0)

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  char buf[512]; char *names[64]; int n = 0;
  for (;;) {
    long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (got <= 0) break;
    for (long o = 0; o < got;) {
      struct { unsigned long ino; long off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *)(buf + o);
      char *s = malloc(300);
      snprintf(s, 300, "%s:%d", d->name, d->type);
      if (n < 64) names[n++] = s;
      o += d->reclen;
    }
  }
  close(fd);
  qsort(names, n, sizeof *names, cmpstr);
  printf("  listing:");
  for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
  printf("\n");
}

static void suite(const char *base) {
  char p[512], q[512];
  printf("-- %s\n", strncmp(base, "/dev/shm", 8) == 0 ? "tmpfs" : "hostfs");
  if (chdir(base) != 0) { printf("chdir failed\n"); return; }
  umask(022);
  int fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0666);
  R("open O_CREAT|O_EXCL", fd >= 0 ? 0 : -1);
  R("open O_EXCL again", open("a", O_RDWR | O_CREAT | O_EXCL, 0666));
  R("write", write(fd, "hello world\n", 12));
  R("lseek cur", lseek(fd, 0, SEEK_CUR));
  R("lseek end-6", lseek(fd, -6, SEEK_END));
  char b[64] = {0};
  R("read", read(fd, b, sizeof b)); printf("  data %s", b);
  R("pwrite at 0", pwrite(fd, "J", 1, 0));
  memset(b, 0, sizeof b);
  R("pread at 0", pread(fd, b, 5, 0)); printf("  data %s\n", b);
  R("lseek negative", lseek(fd, -100, SEEK_SET));
  R("lseek bad whence", lseek(fd, 0, 17));
  struct stat st;
  fstat(fd, &st);
  printf("  mode %o size %ld nlink %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
  R("ftruncate 3", ftruncate(fd, 3));
  fstat(fd, &st); printf("  size %ld\n", (long)st.st_size);
  R("truncate 100", truncate("a", 100));
  stat("a", &st); printf("  size %ld\n", (long)st.st_size);
  R("fallocate 200", fallocate(fd, 0, 0, 200));
  fstat(fd, &st); printf("  size %ld\n", (long)st.st_size);
  // O_APPEND writes at the end whatever the offset.
  int ap = open("a", O_WRONLY | O_APPEND);
  lseek(ap, 0, SEEK_SET);
  R("append write", write(ap, "END", 3));
  R("append offset", lseek(ap, 0, SEEK_CUR));
  R("fcntl GETFL", fcntl(ap, F_GETFL) & (O_ACCMODE | O_APPEND));
  close(ap);
  // dup shares the offset; dup3 sets CLOEXEC.
  int d = dup(fd);
  lseek(fd, 7, SEEK_SET);
  R("dup offset", lseek(d, 0, SEEK_CUR));
  R("dup3 same fd", dup3(d, d, 0));
  R("dup3 cloexec", dup3(d, 20, O_CLOEXEC));
  R("GETFD 20", fcntl(20, F_GETFD));
  R("dup2 to 21", dup2(d, 21));
  R("GETFD 21", fcntl(21, F_GETFD));
  R("F_DUPFD >= 30", fcntl(fd, F_DUPFD, 30));
  close(20); close(21); close(30); close(d);
  R("close closed", close(21));
  // readv/writev
  struct iovec iv[2] = {{"ab", 2}, {"cdef", 4}};
  R("writev", pwritev(fd, iv, 2, 0));
  char x1[3] = {0}, x2[5] = {0};
  struct iovec ir[2] = {{x1, 2}, {x2, 4}};
  R("preadv", preadv(fd, ir, 2, 0)); printf("  %s|%s\n", x1, x2);
  // Record locks: our own lock never conflicts with us.
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
  R("F_SETLK wr", fcntl(fd, F_SETLK, &fl));
  fl.l_type = F_RDLCK;
  R("F_GETLK", fcntl(fd, F_GETLK, &fl)); printf("  l_type %d\n", fl.l_type);
  fl.l_type = F_UNLCK;
  R("F_SETLK unlock", fcntl(fd, F_SETLK, &fl));
  // Links and symlinks.
  R("link", link("a", "b"));
  stat("a", &st); printf("  nlink %ld\n", (long)st.st_nlink);
  R("link exists", link("a", "b"));
  R("symlink", symlink("a", "s"));
  memset(b, 0, sizeof b);
  R("readlink", readlink("s", b, sizeof b)); printf("  -> %s\n", b);
  R("readlink short", readlink("s", b, 0));
  R("readlink non-link", readlink("a", b, sizeof b));
  lstat("s", &st); printf("  lstat link %d\n", S_ISLNK(st.st_mode));
  stat("s", &st); printf("  stat follows %d\n", S_ISREG(st.st_mode));
  R("open O_NOFOLLOW link", open("s", O_RDONLY | O_NOFOLLOW));
  R("symlink dangling", symlink("nowhere", "dang"));
  R("open dangling", open("dang", O_RDONLY));
  R("open dangling O_CREAT", open("dang", O_WRONLY | O_CREAT, 0600) >= 0 ? 0 : -1);
  R("access nowhere", access("nowhere", F_OK));
  R("symlink loop a", symlink("loop2", "loop1"));
  R("symlink loop b", symlink("loop1", "loop2"));
  R("stat loop", stat("loop1", &st));
  // Directories.
  R("mkdir d", mkdir("d", 0755));
  R("mkdir d again", mkdir("d", 0755));
  stat("d", &st); printf("  dir mode %o\n", st.st_mode);
  R("mkdir d/e", mkdir("d/e", 0700));
  R("mkdir a/x (file)", mkdir("a/x", 0700));
  R("open a/ (file)", open("a/", O_RDONLY));
  R("rmdir non-empty", rmdir("d"));
  R("rmdir file", rmdir("a"));
  R("unlink dir", unlink("d"));
  R("rmdir .", rmdir("d/e/."));
  R("open dir O_WRONLY", open("d", O_WRONLY));
  R("open file O_DIRECTORY", open("a", O_RDONLY | O_DIRECTORY));
  int f2 = open("d/e/f", O_CREAT | O_WRONLY, 0640);
  close(f2);
  // Renames.
  R("rename file->file", rename("b", "c"));
  R("rename missing", rename("b", "c"));
  R("rename file onto dir", rename("c", "d"));
  R("rename dir onto file", rename("d", "c"));
  R("rename dir into itself", rename("d", "d/e/g"));
  R("mkdir empty", mkdir("empty", 0755));
  R("rename dir onto nonempty", rename("empty", "d"));
  R("rename nonempty onto empty", rename("d", "empty"));
  R("rename same", rename("c", "c"));
  R("renameat2 NOREPLACE", syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "a", 1));
  R("rename hardlink onto itself", rename("c", "a"));
  R("stat c", stat("c", &st));
  R("stat empty/e/f", stat("empty/e/f", &st));
  // Removing an open file keeps its data readable.
  int o = open("empty/e/f", O_RDWR);
  write(o, "still here", 10);
  R("unlink open", unlink("empty/e/f"));
  memset(b, 0, sizeof b);
  R("pread unlinked", pread(o, b, 10, 0)); printf("  %s\n", b);
  close(o);
  // *at calls relative to a directory descriptor.
  int dfd = open("empty", O_RDONLY | O_DIRECTORY);
  R("openat", openat(dfd, "e/g", O_CREAT | O_WRONLY, 0600) >= 0 ? 0 : -1);
  R("faccessat", faccessat(dfd, "e/g", W_OK, 0));
  R("fstatat", fstatat(dfd, "e", &st, 0)); printf("  isdir %d\n", S_ISDIR(st.st_mode));
  R("unlinkat dir w/o flag", unlinkat(dfd, "e", 0));
  R("unlinkat file", unlinkat(dfd, "e/g", 0));
  R("unlinkat AT_REMOVEDIR", unlinkat(dfd, "e", AT_REMOVEDIR));
  R("openat on file fd", openat(fd, "x", O_RDONLY));
  R("fchdir", fchdir(dfd));
  memset(q, 0, sizeof q);
  getcwd(q, sizeof q);
  printf("  cwd ends /empty %d\n", strlen(q) > 6 && strcmp(q + strlen(q) - 6, "/empty") == 0);
  R("getcwd small", (long)getcwd(q, 3));
  chdir("..");
  close(dfd);
  // Attributes.
  R("chmod 0600", chmod("a", 0600));
  stat("a", &st); printf("  mode %o\n", st.st_mode & 07777);
  R("fchmod 0640", fchmod(fd, 0640));
  fstat(fd, &st); printf("  mode %o\n", st.st_mode & 07777);
  struct timespec ts[2] = {{1000000000, 0}, {1234567890, 0}};
  R("utimensat", utimensat(AT_FDCWD, "a", ts, 0));
  stat("a", &st); printf("  atime %ld mtime %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
  struct timespec om[2] = {{0, UTIME_OMIT}, {99, 0}};
  R("futimens omit", futimens(fd, om));
  fstat(fd, &st); printf("  atime %ld mtime %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
  R("utimensat bad nsec", utimensat(AT_FDCWD, "a", (struct timespec[2]){{0, 2000000000}, {0, 0}}, 0));
  R("chown self", chown("a", getuid(), getgid()));
  R("access R_OK", access("a", R_OK));
  R("access bad mode", access("a", 0100));
  R("O_PATH fd read", ({ int pf = open("a", O_PATH); char c; long r = read(pf, &c, 1); close(pf); r; }));
  close(fd);
  list(".");
  // Clean up.
  unlink("a"); unlink("c"); unlink("s"); unlink("dang"); unlink("loop1"); unlink("loop2");
  rmdir("empty");
  snprintf(p, sizeof p, "%s", base);
  chdir("/");
  R("rmdir base", rmdir(p));
}

int main(void) {
  char host[] = "/tmp/wasl-fs-XXXXXX";
  if (!mkdtemp(host)) { perror("mkdtemp"); return 1; }
  suite(host);
  char shm[] = "/dev/shm/wasl-fs-XXXXXX";
  if (!mkdtemp(shm)) { perror("mkdtemp shm"); return 1; }
  suite(shm);
  return 0;
}
