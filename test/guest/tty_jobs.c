// A pty as a controlling terminal: a child makes a session (setsid) and opens the slave, which
// becomes its terminal; the keys ^C ^\ ^Z send SIGINT/SIGQUIT/SIGTSTP to the foreground group,
// TIOCSWINSZ on the master sends SIGWINCH; TIOCGPGRP/TIOCGSID/TIOCSPGRP and /dev/tty; a
// background group reading gets SIGTTIN and writing with TOSTOP gets SIGTTOU (both stop it), a
// termios change from the background too; and closing the master hangs up the session: SIGHUP
// to the leader, reads then return 0 and writes fail with EIO.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

static int report[2];
static volatile sig_atomic_t last;

static void on_sig(int sig) { last = sig; }

/** The child's lines go to the parent through a pipe, so the output order is the parent's. */
static void say(const char *fmt, ...) {
  char b[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  write(report[1], b, n);
}

/** Waits in sigsuspend until a handled signal arrives; returns it. */
static int await_signal(void) {
  sigset_t none;
  sigemptyset(&none);
  while (!last) sigsuspend(&none);
  int s = last;
  last = 0;
  return s;
}

static void ready(void) { say("ready\n"); }

/** A child of the session leader in a background group: what happens when it touches the terminal. */
static void background(int slave, const char *what) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    char c;
    if (!strcmp(what, "read")) read(slave, &c, 1);
    else if (!strcmp(what, "write")) write(slave, "bg\n", 3);
    else { struct termios t; tcgetattr(slave, &t); tcsetattr(slave, TCSANOW, &t); }
    _exit(7);
  }
  int st;
  waitpid(pid, &st, WUNTRACED);
  if (WIFSTOPPED(st)) say("background %s: stopped by %s\n", what, strsignal(WSTOPSIG(st)));
  else if (WIFEXITED(st)) say("background %s: exited %d\n", what, WEXITSTATUS(st));
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
}

static void session(const char *name) {
  setsid();
  int slave = open(name, O_RDWR);
  if (slave < 0) { say("open slave: %s\n", strerror(errno)); _exit(1); }
  struct sigaction sa = { .sa_handler = on_sig };
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGWINCH, SIGHUP };
  for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, NULL);
  pid_t pg = -1, sid = -1;
  ioctl(slave, TIOCGPGRP, &pg);
  ioctl(slave, TIOCGSID, &sid);
  say("controlling terminal: foreground is my group %d, session is mine %d\n", pg == getpgrp(), sid == getsid(0));
  int tty = open("/dev/tty", O_RDWR);
  say("/dev/tty opens: %d, same terminal: %d\n", tty >= 0, tty >= 0 && !strcmp(ttyname(tty), name));
  close(tty);
  int e = ioctl(slave, TIOCSCTTY, 0);
  say("TIOCSCTTY again: %d\n", e);
  for (int i = 0; i < 4; i++) { ready(); say("got %s\n", strsignal(await_signal())); }

  // Job control: background groups and the terminal.
  background(slave, "read");
  background(slave, "write");
  struct termios t;
  tcgetattr(slave, &t);
  t.c_lflag |= TOSTOP;
  tcsetattr(slave, TCSANOW, &t);
  background(slave, "write");
  background(slave, "tcsetattr");
  // A background group that ignores SIGTTIN reads EIO; one that ignores SIGTTOU writes anyway.
  signal(SIGTTIN, SIG_IGN);
  signal(SIGTTOU, SIG_IGN);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    char c;
    int r = read(slave, &c, 1);
    say("ignored SIGTTIN: read %d %s\n", r, r < 0 ? strerror(errno) : "");
    r = write(slave, "", 0);
    say("ignored SIGTTOU: write %d\n", r);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  // tcsetpgrp: a group of this session becomes the foreground; another session's is refused.
  pid = fork();
  if (pid == 0) { setpgid(0, 0); pause(); _exit(0); }
  setpgid(pid, pid);
  say("tcsetpgrp to a child's group: %d\n", tcsetpgrp(slave, pid));
  say("foreground now the child's: %d\n", tcgetpgrp(slave) == pid);
  say("tcsetpgrp to pid 1's group: %s\n", tcsetpgrp(slave, 1) < 0 ? strerror(errno) : "ok");
  say("tcsetpgrp back: %d\n", tcsetpgrp(slave, getpgrp()));
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  signal(SIGTTIN, SIG_DFL);
  signal(SIGTTOU, SIG_DFL);

  // Hangup: the parent closes the master.
  ready();
  say("got %s\n", strsignal(await_signal()));
  char c;
  int r = read(slave, &c, 1);
  say("read after hangup: %d\n", r);
  r = write(slave, "x", 1);
  say("write after hangup: %d %s\n", r, r < 0 ? strerror(errno) : "");
  _exit(0);
}

/** Reads the child's report up to and including "ready\n" (or its end), printing it. */
static void relay(void) {
  char line[256];
  int n = 0;
  char c;
  while (read(report[0], &c, 1) == 1) {
    line[n++] = c;
    if (c != '\n') continue;
    line[n] = 0;
    n = 0;
    if (!strcmp(line, "ready\n")) return;
    fputs(line, stdout);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(master);
  unlockpt(master);
  char *name = ptsname(master);
  pipe(report);
  pid_t child = fork();
  if (child == 0) { close(report[0]); close(master); session(name); }
  close(report[1]);
  // The keys are echoed as ^C ^\ ^Z. Linux moves pty output to the master side from a workqueue,
  // and a signal key flushes what has not reached the master's buffer yet: the echoes are read
  // after each key, until the master stays quiet, so none is in flight when the next key comes
  // (on a loaded machine the background child's "bg" may also arrive a moment later).
  char buf[64];
  int n = 0;
  struct pollfd pfd = { .fd = master, .events = POLLIN };
  const char *keys[] = { "\003", "\034", "\032" };
  for (int i = 0; i <= 4; i++) {
    relay();
    while (n < (int)sizeof buf && poll(&pfd, 1, 300) == 1) {
      int r = read(master, buf + n, sizeof buf - n);
      if (r <= 0) break;
      n += r;
    }
    if (i < 3) write(master, keys[i], 1);
    if (i == 3) {
      struct winsize ws = { .ws_row = 40, .ws_col = 120 };
      ioctl(master, TIOCSWINSZ, &ws);
    }
  }
  printf("echo of the keys: %.*s\n", n, buf);
  close(master);
  relay();
  int st;
  waitpid(child, &st, 0);
  printf("session leader exited %d\n", WEXITSTATUS(st));
  return 0;
}
