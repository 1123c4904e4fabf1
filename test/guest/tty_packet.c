// Packet mode on a pty master (TIOCPKT, as screen, telnetd and rlogind use it): TIOCGPKT, a data
// read starting with TIOCPKT_DATA, a read that only has room for that byte, status bytes for
// flushes from the slave side (TCFLSH, TCSETSF, a signal key), for ^S/^Q stopping and starting
// output, for switching IXON (DOSTOP/NOSTOP), POLLPRI while a status waits, no status for flushes
// the master asks for, events before TIOCPKT is switched on forgotten, and ENOTTY on the slave.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>

static int master, slave;

/** One read from the master: the first byte is the packet's control byte. */
static void readpkt(const char *what, int size) {
  unsigned char buf[256];
  struct pollfd p = { master, POLLIN, 0 };
  if (poll(&p, 1, 1000) != 1) { printf("%s: nothing to read\n", what); return; }
  long n = read(master, buf, size);
  if (n < 0) { printf("%s: %s\n", what, strerror(errno)); return; }
  printf("%s: %ld bytes, control 0x%02x, data \"", what, n, n ? buf[0] : 0);
  for (long i = 1; i < n; i++) {
    if (buf[i] == '\n') printf("\\n"); else if (buf[i] == '\r') printf("\\r");
    else if (buf[i] < 32) printf("^%c", buf[i] + 64); else putchar(buf[i]);
  }
  printf("\"\n");
}

static void pollpri(const char *what) {
  struct pollfd p = { master, POLLIN | POLLPRI, 0 };
  int r = poll(&p, 1, 0);
  printf("%s: poll %d, POLLPRI %d, POLLIN %d\n", what, r, !!(p.revents & POLLPRI), !!(p.revents & POLLIN));
}

static void setiflag(tcflag_t on, tcflag_t off, int action) {
  struct termios t;
  memset(&t, 0, sizeof t);
  tcgetattr(slave, &t);
  t.c_iflag = (t.c_iflag | on) & ~off;
  tcsetattr(slave, action, &t);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGINT, SIG_IGN);
  master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) || unlockpt(master)) { perror("openpt"); return 1; }
  slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  if (slave < 0) { perror("slave"); return 1; }

  int on = 1, got = -1;
  printf("TIOCGPKT before: %d", ioctl(master, TIOCGPKT, &got)); printf(" = %d\n", got);
  // An event from before packet mode is not reported.
  tcflush(slave, TCIFLUSH);
  int r = ioctl(slave, TIOCPKT, &on);
  printf("TIOCPKT on the slave: %d %s\n", r, strerror(errno));
  printf("TIOCPKT: %d\n", ioctl(master, TIOCPKT, &on));
  printf("TIOCGPKT after: %d", ioctl(master, TIOCGPKT, &got)); printf(" = %d\n", got);
  pollpri("nothing yet");

  write(slave, "hi\n", 3);
  readpkt("data", 256);
  write(slave, "abc", 3);
  readpkt("room for the control byte only", 1);
  readpkt("then the data", 256);

  tcflush(slave, TCIFLUSH);
  pollpri("after the slave's input flush");
  readpkt("flush read", 256);
  tcflush(slave, TCOFLUSH);
  readpkt("flush write", 256);
  tcflush(slave, TCIOFLUSH);
  readpkt("flush both", 256);
  // A flush the master asks for is not an event.
  write(slave, "x", 1);
  tcflush(master, TCIOFLUSH);
  pollpri("after the master's flush");

  // TCSETSF discards the slave's input.
  setiflag(0, 0, TCSAFLUSH);
  readpkt("TCSETSF", 256);

  // ^S and ^Q with IXON (on by default).
  write(master, "\x13", 1);
  readpkt("^S", 256);
  write(master, "\x11", 1);
  readpkt("^Q", 256);
  // Both before a read: the later one wins.
  write(master, "\x13\x11", 2);
  readpkt("^S^Q", 256);

  setiflag(0, IXON, TCSANOW);
  readpkt("IXON off", 256);
  setiflag(IXON, 0, TCSANOW);
  readpkt("IXON on", 256);
  setiflag(IXON, 0, TCSANOW);
  pollpri("IXON unchanged");

  // A signal key flushes both queues (no NOFLSH).
  write(master, "ab\x03", 3);
  readpkt("^C", 256);
  // The ^C echo comes next as data.
  readpkt("its echo", 256);

  int off = 0;
  ioctl(master, TIOCPKT, &off);
  write(slave, "plain", 5);
  char buf[16];
  long n = read(master, buf, sizeof buf);
  printf("packet mode off: %ld \"%.*s\"\n", n, (int)n, buf);
  return 0;
}
