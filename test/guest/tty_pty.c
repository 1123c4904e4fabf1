// A pty from posix_openpt/grantpt/unlockpt/ptsname: the slave's default termios, canonical mode
// (line editing with erase, kill and word erase, EOF, lines longer than the read), echo with
// ECHOCTL and ONLCR, input mapping (ICRNL/IGNCR/INLCR), output processing, non-canonical reads
// with VMIN/VTIME, FIONREAD, poll readiness, window size, ttyname and the devpts node, and the
// master's EIO once the slave is closed.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static int master, slave;

/** Prints bytes with escapes, so echoes and control characters are visible. */
static void show(const char *what, const char *b, long n) {
  printf("%s (%ld): \"", what, n);
  for (long i = 0; i < n; i++) {
    unsigned char c = b[i];
    if (c == '\n') printf("\\n"); else if (c == '\r') printf("\\r"); else if (c == '\t') printf("\\t");
    else if (c == '\b') printf("\\b"); else if (c < 32 || c >= 127) printf("\\x%02x", c); else putchar(c);
  }
  printf("\"\n");
}

/** Everything the master has to read, until it stays quiet for 100 ms. */
static void drain(const char *what) {
  char buf[4096];
  long n = 0;
  struct pollfd p = { master, POLLIN, 0 };
  while (poll(&p, 1, 100) == 1 && (p.revents & POLLIN)) {
    long r = read(master, buf + n, sizeof buf - n);
    if (r <= 0) break;
    n += r;
  }
  show(what, buf, n);
}

static void type(const char *s) { write(master, s, strlen(s)); }

static void readslave(const char *what, int size) {
  char buf[256];
  long n = read(slave, buf, size);
  if (n < 0) { printf("%s: %s\n", what, strerror(errno)); return; }
  show(what, buf, n);
}

static void setflags(tcflag_t ion, tcflag_t ioff, tcflag_t oon, tcflag_t ooff, tcflag_t lon, tcflag_t loff, int vmin, int vtime) {
  /* Zeroed so that no stack garbage reaches the kernel in the bytes TCGETS does not fill. */
  struct termios t;
  memset(&t, 0, sizeof t);
  tcgetattr(slave, &t);
  t.c_iflag = (t.c_iflag | ion) & ~ioff;
  t.c_oflag = (t.c_oflag | oon) & ~ooff;
  t.c_lflag = (t.c_lflag | lon) & ~loff;
  if (vmin >= 0) t.c_cc[VMIN] = vmin;
  if (vtime >= 0) t.c_cc[VTIME] = vtime;
  tcsetattr(slave, TCSANOW, &t);
}

static long ms_since(struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) || unlockpt(master)) { perror("openpt"); return 1; }
  char *name = strdup(ptsname(master));
  printf("ptsname looks like /dev/pts/N: %d\n", strncmp(name, "/dev/pts/", 9) == 0);
  slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) { perror("open slave"); return 1; }
  printf("isatty master %d slave %d\n", isatty(master), isatty(slave));
  char *tn = ttyname(slave);
  printf("ttyname matches ptsname: %d\n", tn && strcmp(tn, name) == 0);
  struct stat a, b;
  fstat(slave, &a); stat(name, &b);
  printf("fstat slave == stat node: %d, char device %d, major %u\n", a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_rdev == b.st_rdev,
         S_ISCHR(a.st_mode), (unsigned)(a.st_rdev >> 8) & 0xfff);
  unsigned ptn = 99;
  ioctl(master, TIOCGPTN, &ptn);
  char expect[32];
  snprintf(expect, sizeof expect, "/dev/pts/%u", ptn);
  printf("TIOCGPTN names it: %d\n", strcmp(expect, name) == 0);

  /* Zeroed first: glibc's struct termios has bytes the kernel's TCGETS never writes (cc[19..31],
     padding), and memcmp below must compare only what the kernel returned. */
  struct termios t;
  memset(&t, 0, sizeof t);
  tcgetattr(slave, &t);
  printf("iflag %#x oflag %#x cflag %#x lflag %#x\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
  printf("cc:");
  for (int i = 0; i < 17; i++) printf(" %d", t.c_cc[i]);
  printf("\n");
  struct termios mt;
  memset(&mt, 0, sizeof mt);
  tcgetattr(master, &mt);
  printf("master TCGETS is the slave's: %d\n", memcmp(&mt, &t, sizeof t) == 0);

  struct winsize ws;
  ioctl(slave, TIOCGWINSZ, &ws);
  printf("winsize %d x %d\n", ws.ws_row, ws.ws_col);
  ws.ws_row = 33; ws.ws_col = 101;
  ioctl(master, TIOCSWINSZ, &ws);
  memset(&ws, 0, sizeof ws);
  ioctl(slave, TIOCGWINSZ, &ws);
  printf("winsize after TIOCSWINSZ on the master %d x %d\n", ws.ws_row, ws.ws_col);

  // Canonical mode.
  type("hello\n");
  readslave("line", 100);
  drain("echo");
  type("abx\177c\n");
  readslave("erase", 100);
  drain("echo of erase");
  type("junk\025ok\n");
  readslave("kill", 100);
  drain("echo of kill");
  type("one two\027three\n");
  readslave("werase", 100);
  drain("echo of werase");
  type("\001x\n");
  readslave("control", 100);
  drain("echo with ECHOCTL");
  type("abcdef\n");
  readslave("short read", 3);
  readslave("rest", 100);
  drain("echo");
  type("partial\004");
  readslave("EOF ends a line", 100);
  type("\004");
  readslave("EOF alone", 100);
  drain("no echo of EOF");
  type("cr\r");
  readslave("ICRNL", 100);
  drain("echo");

  // FIONREAD and poll count whole lines only.
  type("xy");
  struct pollfd p = { slave, POLLIN, 0 };
  printf("poll without a whole line: %d\n", poll(&p, 1, 100));
  int avail = -1;
  ioctl(slave, FIONREAD, &avail);
  printf("FIONREAD without a whole line: %d\n", avail);
  type("z\n");
  int ready = poll(&p, 1, 1000);
  printf("poll with a line: %d revents %#x\n", ready, p.revents);
  ioctl(slave, FIONREAD, &avail);
  printf("FIONREAD: %d\n", avail);
  readslave("line", 100);
  drain("echo");

  // Echo off, ECHONL.
  setflags(0, 0, 0, 0, ECHONL, ECHO, -1, -1);
  type("secret\n");
  readslave("no echo", 100);
  drain("only the newline");
  setflags(0, 0, 0, 0, ECHO, ECHONL, -1, -1);

  // Output processing.
  write(slave, "a\nb\tc\n", 6);
  drain("ONLCR");
  setflags(0, 0, 0, OPOST, 0, 0, -1, -1);
  write(slave, "a\nb\n", 4);
  drain("no OPOST");
  setflags(0, 0, OPOST, 0, 0, 0, -1, -1);

  // Input mapping in raw mode (no echo, no canonical).
  setflags(INLCR | IGNCR, ICRNL, 0, 0, 0, ICANON | ECHO, 1, 0);
  type("a\rb\nc");
  usleep(1000);
  p.fd = slave;
  poll(&p, 1, 1000);
  char buf[64];
  long n = 0;
  while (n < 3) { long r = read(slave, buf + n, sizeof buf - n); if (r <= 0) break; n += r; }
  show("IGNCR and INLCR", buf, n);

  // VMIN/VTIME.
  setflags(0, IGNCR | INLCR, 0, 0, 0, 0, 0, 0);
  printf("MIN 0 TIME 0 with nothing: %ld\n", (long)read(slave, buf, sizeof buf));
  setflags(0, 0, 0, 0, 0, 0, 3, 0);
  type("12");
  printf("poll with 2 of MIN 3: %d\n", poll(&p, 1, 100));
  type("3");
  printf("poll with 3 of MIN 3: %d\n", poll(&p, 1, 1000));
  n = read(slave, buf, sizeof buf);
  show("MIN 3", buf, n);
  setflags(0, 0, 0, 0, 0, 0, 0, 2);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  n = read(slave, buf, sizeof buf);
  long el = ms_since(&t0);
  printf("MIN 0 TIME 2 with nothing: %ld after at least 150 ms: %d\n", n, el >= 150);
  setflags(0, 0, 0, 0, 0, 0, 5, 2);
  type("ab");
  clock_gettime(CLOCK_MONOTONIC, &t0);
  n = read(slave, buf, sizeof buf);
  el = ms_since(&t0);
  show("MIN 5 TIME 2 (inter-byte timer)", buf, n);
  printf("  waited at least 150 ms: %d\n", el >= 150);
  setflags(0, 0, 0, 0, 0, 0, 2, 0);
  type("xyz");
  n = read(slave, buf, 1);
  show("MIN 2 into a 1-byte buffer", buf, n);
  n = read(slave, buf, sizeof buf);
  show("the rest", buf, n);

  // Back to canonical: what was typed in raw mode becomes a line.
  setflags(0, 0, 0, 0, 0, 0, 1, 0);
  type("pend");
  usleep(1000);
  poll(&p, 1, 1000);
  setflags(0, 0, 0, 0, ICANON | ECHO, 0, -1, -1);
  n = read(slave, buf, sizeof buf);
  show("raw input after ICANON comes on", buf, n);
  drain("nothing echoed");

  // tcflush drops typed input.
  type("gone\n");
  p.events = POLLIN;
  poll(&p, 1, 1000);
  tcflush(slave, TCIFLUSH);
  ioctl(slave, FIONREAD, &avail);
  printf("FIONREAD after TCIFLUSH: %d\n", avail);
  drain("echo before the flush");

  // The slave closes: the master reads what is left, then EIO; poll says POLLHUP.
  write(slave, "bye\n", 4);
  close(slave);
  p.fd = master;
  poll(&p, 1, 1000);
  printf("master poll after the slave closed: %#x\n", p.revents & (POLLIN | POLLHUP));
  n = read(master, buf, sizeof buf);
  show("left for the master", buf, n);
  n = read(master, buf, sizeof buf);
  printf("then: %ld %s\n", n, n < 0 ? strerror(errno) : "");
  close(master);
  struct stat gone;
  printf("node gone after the master closed: %d\n", stat(name, &gone) < 0 && errno == ENOENT);
  return 0;
}
