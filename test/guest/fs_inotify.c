// inotify(7): events for create/open/modify/access/attrib/close/move/link/unlink/rmdir in a watched
// directory, self events on a second instance, IN_ONESHOT, rm_watch and IN_IGNORED, coalescing,
// the queue overflow, EAGAIN, blocking read, poll/epoll readiness, FIONREAD, a too-small buffer
// and add_watch's errors, in /tmp and in /dev/shm (hostfs and tmpfs under wasl). Watch descriptors
// print as names, cookies only as "match" or not.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static int wds[16], wdfds[16];
static const char *wdnames[16];
static int nwds;
static uint32_t last_cookie;

static void label(int fd, int wd, const char *name) { wdfds[nwds] = fd; wds[nwds] = wd; wdnames[nwds++] = name; }

static const char *wdname(int fd, int wd) {
  if (wd == -1) return "-1";
  for (int i = nwds - 1; i >= 0; i--) if (wdfds[i] == fd && wds[i] == wd) return wdnames[i];
  return "?";
}

static void show(const char *what, long r) {
  printf("%-44s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void masks(uint32_t m) {
  static const struct { uint32_t bit; const char *name; } bits[] = {
    {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"}, {IN_CLOSE_WRITE, "CLOSE_WRITE"},
    {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
    {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
    {IN_UNMOUNT, "UNMOUNT"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"},
  };
  const char *sep = "";
  for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++)
    if (m & bits[i].bit) { printf("%s%s", sep, bits[i].name); sep = "|"; m &= ~bits[i].bit; }
  if (m) printf("%s0x%x", sep, m);
}

/** Prints every queued event (fd must be nonblocking, or hold events). */
static void drain(const char *title, int fd) {
  char buf[4096] __attribute__((aligned(8)));
  printf("-- %s\n", title);
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { if (errno != EAGAIN) printf("   read: %s\n", strerror(errno)); break; }
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *e = (struct inotify_event *)p;
      printf("   %s ", wdname(fd, e->wd));
      masks(e->mask);
      if (e->len) {
        // The name is NUL-padded to a multiple of 16 bytes (with at least one NUL).
        int padded = e->len % 16 == 0 && strlen(e->name) < e->len;
        for (uint32_t i = strlen(e->name); i < e->len; i++) if (e->name[i]) padded = 0;
        printf(" \"%s\" len=%u%s", e->name, e->len, padded ? "" : " BAD-PADDING");
      }
      if (e->mask & IN_MOVED_FROM) { printf(" cookie%s", e->cookie ? "" : "=0"); last_cookie = e->cookie; }
      else if (e->mask & IN_MOVED_TO) printf(" cookie %s", e->cookie == last_cookie ? "matches" : "differs");
      else if (e->cookie) printf(" cookie!=0");
      printf("\n");
      p += sizeof *e + e->len;
    }
  }
}

static char *at(const char *name) {
  static char bufs[4][128];
  static int k;
  char *b = bufs[k++ & 3];
  snprintf(b, 128, "%s/%s", dir, name);
  return b;
}

static int pollin(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  int r = poll(&p, 1, 0);
  return r <= 0 ? r : p.revents;
}

static int run(const char *base) {
  printf("==== in %s\n", base);
  nwds = 0;
  snprintf(dir, sizeof dir, "%s/wasl-inotify-XXXXXX", base);
  if (!mkdtemp(dir)) return 1;

  int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  show("inotify_init1(NONBLOCK|CLOEXEC) >= 0", in >= 0 ? 0 : -1);
  show("  FD_CLOEXEC", fcntl(in, F_GETFD) & FD_CLOEXEC);
  show("  O_NONBLOCK", !!(fcntl(in, F_GETFL) & O_NONBLOCK));
  show("  O_ACCMODE", fcntl(in, F_GETFL) & O_ACCMODE);
  char lnk[64], target[64];
  snprintf(lnk, sizeof lnk, "/proc/self/fd/%d", in);
  ssize_t ln = readlink(lnk, target, sizeof target - 1);
  if (ln >= 0) target[ln] = 0;
  printf("readlink %s\n", ln >= 0 ? target : strerror(errno));
  show("inotify_init1(bad flag)", inotify_init1(1));
  char b1[64];
  show("read empty nonblocking", read(in, b1, sizeof b1));
  show("poll empty", pollin(in));
  int n = -1;
  show("FIONREAD empty", ioctl(in, FIONREAD, &n));
  printf("  = %d\n", n);

  // ---- add_watch ----
  int wd = inotify_add_watch(in, dir, IN_ALL_EVENTS);
  label(in, wd, "D");
  show("add_watch dir == 1", wd);
  show("add_watch again, same wd", inotify_add_watch(in, dir, IN_CREATE) == wd);
  show("add_watch MASK_ADD, same wd", inotify_add_watch(in, dir, IN_ALL_EVENTS | IN_MASK_ADD) == wd);
  show("add_watch MASK_CREATE existing", inotify_add_watch(in, dir, IN_CREATE | IN_MASK_CREATE));
  show("add_watch MASK_ADD|MASK_CREATE", inotify_add_watch(in, dir, IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
  show("add_watch mask 0", inotify_add_watch(in, dir, 0));
  show("add_watch bad fd", inotify_add_watch(99, dir, IN_CREATE));
  show("add_watch not inotify", inotify_add_watch(1, dir, IN_CREATE));
  show("add_watch ENOENT", inotify_add_watch(in, at("nothing"), IN_CREATE));
  show("add_watch ENOTDIR prefix", inotify_add_watch(in, "/proc/self/exe/x", IN_CREATE));
  show("add_watch ONLYDIR on a file", inotify_add_watch(in, "/proc/self/exe", IN_CREATE | IN_ONLYDIR));
  show("rm_watch unknown", inotify_rm_watch(in, 1234));
  show("rm_watch bad fd", inotify_rm_watch(99, wd));
  show("rm_watch not inotify", inotify_rm_watch(1, wd));
  show("read still empty", read(in, b1, sizeof b1));

  // ---- events in the directory ----
  int fd = open(at("f"), O_CREAT | O_WRONLY, 0644);
  show("poll after create", pollin(in));
  write(fd, "hello", 5);
  write(fd, "hello", 5);
  close(fd);
  show("FIONREAD", ioctl(in, FIONREAD, &n));
  printf("  = %d\n", n);
  drain("create, two writes, close", in);

  fd = open(at("f"), O_RDONLY);
  read(fd, b1, 3);
  read(fd, b1, 3);
  pread(fd, b1, 0, 0); // nothing read: no IN_ACCESS
  close(fd);
  drain("open, reads, close", in);

  chmod(at("f"), 0600);
  drain("chmod", in);
  chown(at("f"), -1, -1);
  drain("chown -1 -1", in);
  chown(at("f"), getuid(), -1);
  drain("chown uid", in);
  struct timespec ts[2] = {{1, 0}, {2, 0}};
  utimensat(AT_FDCWD, at("f"), ts, 0);
  drain("utimensat both", in);
  ts[1].tv_nsec = UTIME_OMIT;
  utimensat(AT_FDCWD, at("f"), ts, 0);
  drain("utimensat atime only", in);
  ts[0].tv_nsec = UTIME_OMIT; ts[1].tv_nsec = 0;
  utimensat(AT_FDCWD, at("f"), ts, 0);
  drain("utimensat mtime only", in);
  truncate(at("f"), 2);
  drain("truncate", in);
  fd = open(at("f"), O_WRONLY);
  ftruncate(fd, 1);
  close(fd);
  drain("open, ftruncate, close", in);

  fd = open(at("f"), O_WRONLY | O_TRUNC);
  close(fd);
  drain("open O_TRUNC (size 1), close", in);
  fd = open(at("f"), O_WRONLY | O_TRUNC);
  close(fd);
  drain("open O_TRUNC (size 0), close", in);
  fd = open(at("f"), O_RDONLY | O_PATH);
  close(fd);
  drain("O_PATH open and close", in);
  fd = open(at("f"), O_RDWR);
  int fd2 = dup(fd);
  close(fd);
  drain("open O_RDWR, dup, close one", in);
  close(fd2);
  drain("close the other", in);
  DIR *dp = opendir(dir);
  int entries = 0;
  while (readdir(dp)) entries++;
  closedir(dp);
  printf("entries %d\n", entries);
  drain("readdir the watched directory", in);

  // A second instance watches the file itself.
  int in2 = inotify_init1(IN_NONBLOCK);
  int wf = inotify_add_watch(in2, at("f"), IN_ALL_EVENTS);
  label(in2, wf, "F");
  show("add_watch file on second instance", wf);

  mkdir(at("sub"), 0755);
  drain("mkdir", in);
  rename(at("f"), at("g"));
  drain("rename f g", in);
  drain("  self", in2);
  link(at("g"), at("g2"));
  drain("link g g2", in);
  drain("  self", in2);
  unlink(at("g2"));
  drain("unlink g2", in);
  drain("  self", in2);
  rename(at("g"), at("sub/x"));
  drain("rename g sub/x", in);
  drain("  self", in2);
  int ws = inotify_add_watch(in2, at("sub"), IN_ALL_EVENTS);
  label(in2, ws, "S");
  show("add_watch sub on second instance, new wd", ws != wf);
  rename(at("sub/x"), at("y"));
  drain("rename sub/x y", in);
  drain("  second instance", in2);
  symlink("y", at("l"));
  drain("symlink", in);
  int wl = inotify_add_watch(in2, at("l"), IN_ATTRIB | IN_DONT_FOLLOW);
  label(in2, wl, "L");
  show("add_watch DONT_FOLLOW on symlink, new wd", wl > ws);
  show("add_watch following symlink, old wd", inotify_add_watch(in2, at("l"), IN_ALL_EVENTS) == wf);
  unlink(at("y"));
  drain("unlink y", in);
  drain("  second instance", in2);
  rmdir(at("sub"));
  drain("rmdir sub", in);
  drain("  second instance", in2);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  close(dfd);
  drain("open and close the directory", in);
  unlink(at("l"));
  drain("unlink l", in);
  drain("  second instance", in2);

  // ---- a watched directory moves ----
  mkdir(at("d1"), 0755);
  int wd1 = inotify_add_watch(in2, at("d1"), IN_ALL_EVENTS);
  label(in2, wd1, "D1");
  rename(at("d1"), at("d2"));
  drain("mkdir d1, rename d1 d2", in);
  drain("  second instance", in2);
  close(open(at("d2/z"), O_CREAT | O_WRONLY, 0644));
  unlink(at("d2/z"));
  drain("  second instance: create and unlink d2/z", in2);
  rmdir(at("d2"));
  drain("rmdir d2", in);
  drain("  second instance", in2);

  // ---- rename over an existing file, with both names in the watched directory ----
  close(open(at("a"), O_CREAT | O_WRONLY, 0644));
  close(open(at("b"), O_CREAT | O_WRONLY, 0644));
  int wb = inotify_add_watch(in2, at("b"), IN_ALL_EVENTS);
  label(in2, wb, "B");
  drain("create a, b", in);
  rename(at("a"), at("b"));
  drain("rename a over b", in);
  drain("  second instance", in2);

  // ---- IN_ONESHOT on a third instance ----
  int in3 = inotify_init1(IN_NONBLOCK);
  int w1 = inotify_add_watch(in3, dir, IN_CREATE | IN_ONESHOT);
  label(in3, w1, "O");
  close(open(at("c1"), O_CREAT | O_WRONLY, 0644));
  close(open(at("c2"), O_CREAT | O_WRONLY, 0644));
  drain("oneshot: two creates", in3);
  show("rm_watch after oneshot", inotify_rm_watch(in3, w1));
  drain("create c1, c2", in);

  // ---- buffer sizes ----
  close(open(at("0123456789abcdef"), O_CREAT | O_WRONLY, 0644)); // CREATE, OPEN, CLOSE_WRITE: 16+32 each
  show("FIONREAD three 17-byte names", ioctl(in, FIONREAD, &n));
  printf("  = %d\n", n);
  char small[48];
  show("read 16 bytes", read(in, small, 16));
  show("read 47 bytes", read(in, small, 47));
  show("read 48 bytes", read(in, small, 48));
  show("read 64 bytes (one event fits)", read(in, b1, 64));
  drain("rest", in);

  // ---- rm_watch ----
  show("rm_watch D", inotify_rm_watch(in, wd));
  drain("after rm_watch", in);
  show("rm_watch D again", inotify_rm_watch(in, wd));
  close(open(at("c3"), O_CREAT | O_WRONLY, 0644));
  drain("create c3 unwatched", in);

  // ---- epoll readiness ----
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out;
  show("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev));
  show("epoll_wait empty", epoll_wait(ep, &out, 1, 0));
  wd = inotify_add_watch(in, dir, IN_ATTRIB);
  label(in, wd, "D2");
  chmod(at("c3"), 0600);
  show("epoll_wait ready", epoll_wait(ep, &out, 1, 0));
  printf("  events=%x data=%u\n", out.events, out.data.u32);
  drain("chmod c3", in);
  show("epoll_wait drained", epoll_wait(ep, &out, 1, 0));

  // ---- blocking read: a child makes the event while the parent waits ----
  int blk = inotify_init();
  show("inotify_init O_NONBLOCK", !!(fcntl(blk, F_GETFL) & O_NONBLOCK));
  int wblk = inotify_add_watch(blk, dir, IN_CREATE);
  label(blk, wblk, "K");
  pid_t pid = fork();
  if (pid == 0) {
    usleep(50000);
    close(open(at("late"), O_CREAT | O_WRONLY, 0644));
    _exit(0);
  }
  char bb[256] __attribute__((aligned(8)));
  ssize_t r = read(blk, bb, sizeof bb);
  show("blocking read", r);
  if (r > 0) {
    struct inotify_event *e = (struct inotify_event *)bb;
    printf("  %s ", wdname(blk, e->wd)); masks(e->mask); printf(" \"%s\"\n", e->name);
  }
  waitpid(pid, NULL, 0);

  // ---- overflow: alternating events do not merge ----
  FILE *mq = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
  int maxq = 0;
  if (mq) { fscanf(mq, "%d", &maxq); fclose(mq); }
  printf("max_queued_events %d\n", maxq);
  int ov = inotify_init1(IN_NONBLOCK);
  int wo = inotify_add_watch(ov, at("c3"), IN_OPEN | IN_CLOSE_NOWRITE);
  label(ov, wo, "V");
  for (int i = 0; i < 8200; i++) close(open(at("c3"), O_RDONLY));
  static char big[65536] __attribute__((aligned(8)));
  long total = 0, overflow = 0, opens = 0, closes = 0;
  int lastwd = 0;
  for (;;) {
    ssize_t m = read(ov, big, sizeof big);
    if (m <= 0) break;
    for (char *p = big; p < big + m;) {
      struct inotify_event *e = (struct inotify_event *)p;
      total++;
      if (e->mask & IN_Q_OVERFLOW) overflow++, lastwd = e->wd;
      if (e->mask & IN_OPEN) opens++;
      if (e->mask & IN_CLOSE_NOWRITE) closes++;
      p += sizeof *e + e->len;
    }
  }
  printf("overflow: %ld events, %ld opens, %ld closes, %ld Q_OVERFLOW (wd %d)\n", total, opens, closes, overflow, lastwd);
  close(open(at("c3"), O_RDONLY));
  drain("after overflow drained", ov);

  // ---- cleanup: close the watched directory's instance first ----
  close(in); close(in2); close(in3); close(ov); close(blk); close(ep);
  const char *left[] = {"b", "c1", "c2", "c3", "0123456789abcdef", "late"};
  for (unsigned i = 0; i < sizeof left / sizeof left[0]; i++) unlink(at(left[i]));
  show("rmdir", rmdir(dir));
  return 0;
}

int main(void) {
  // A host directory (hostfs under wasl) and a tmpfs.
  return run("/tmp") || run("/dev/shm");
}
