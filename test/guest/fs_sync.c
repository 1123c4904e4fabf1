// fsync, fdatasync, syncfs and sync_file_range on files, directories, pipes and sockets, and their
// errors (sync_file_range checks flags and range before the descriptor).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r) {
  printf("%-40s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static long sfr(int fd, long off, long n, unsigned flags) { return syscall(SYS_sync_file_range, fd, off, n, flags); }

int main(void) {
  char path[] = "/tmp/wasl-sync-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  write(fd, "data", 4);
  int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
  int p[2], s[2];
  pipe(p);
  socketpair(AF_UNIX, SOCK_STREAM, 0, s);
  int opath = open(path, O_PATH);

  show("fsync file", fsync(fd));
  show("fdatasync file", fdatasync(fd));
  show("fsync dir", fsync(dir));
  show("fsync pipe", fsync(p[1]));
  show("fsync socket", fsync(s[0]));
  show("fsync O_PATH", fsync(opath));
  show("fsync bad fd", fsync(-1));
  show("syncfs file", syncfs(fd));
  show("syncfs bad fd", syncfs(99));
  show("sync_file_range file", sfr(fd, 0, 4, 2));
  show("sync_file_range all flags", sfr(fd, 0, 0, 7));
  show("sync_file_range dir", sfr(dir, 0, 0, 2));
  show("sync_file_range pipe", sfr(p[0], 0, 0, 2));
  show("sync_file_range socket", sfr(s[0], 0, 0, 2));
  show("sync_file_range bad flags", sfr(fd, 0, 0, 8));
  show("sync_file_range negative offset", sfr(fd, -1, 0, 0));
  show("sync_file_range negative length", sfr(fd, 0, -5, 0));
  show("sync_file_range overflow", sfr(fd, 0x7fffffffffffff00L, 0x1000, 0));
  show("sync_file_range bad flags, bad fd", sfr(-1, 0, 0, 8));
  show("sync_file_range bad fd", sfr(-1, 0, 0, 0));
  show("sync_file_range O_PATH", sfr(opath, 0, 0, 0));
  unlink(path);
  return 0;
}
