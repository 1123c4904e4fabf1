// Process file descriptors, the way Go's os/exec (1.23+) and Python's asyncio use them:
// pidfd_open on itself (waitid(P_PIDFD) gives ECHILD, signal 0 works), on a child that is then
// signalled through the pidfd, polled until it exits and reaped with waitid(P_PIDFD);
// clone(CLONE_PIDFD) and clone3's pidfd field; a nonblocking pidfd's EAGAIN; pidfd_getfd.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
/** clone3's argument, version 0 (musl has no linux/sched.h). */
struct clone_args_v0 { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; };
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static const char *en(long r) {
  if (r >= 0) return "ok";
  switch (errno) {
    case EINVAL: return "EINVAL"; case EBADF: return "EBADF"; case ESRCH: return "ESRCH"; case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN"; case EFAULT: return "EFAULT"; default: return "other";
  }
}

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, info, flags); }

static int pollfd(int fd, int timeout) {
  struct pollfd p = { fd, POLLIN, 0 };
  int r = poll(&p, 1, timeout);
  return r < 0 ? -1 : (p.revents & POLLIN);
}

static void report(const char *what, int fd, int options) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  long r = syscall(SYS_waitid, P_PIDFD, fd, &si, options, NULL);
  const char *code = si.si_code == CLD_EXITED ? "exited" : si.si_code == CLD_KILLED ? "killed" : si.si_code == 0 ? "none" : "other";
  printf("%s: %s signo %d code %s status %d\n", what, en(r), si.si_signo, code, si.si_status);
}

int main(void) {
  // On itself, made a process group leader (PIDFD_SIGNAL_PROCESS_GROUP treats the pid as a pgid).
  setpgid(0, 0);
  int self = pidfd_open(getpid(), 0);
  printf("pidfd_open self: %s, cloexec %d\n", en(self), (fcntl(self, F_GETFD) & FD_CLOEXEC) != 0);
  char link[64] = { 0 }, path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", self);
  if (readlink(path, link, sizeof link - 1) > 0) printf("link %s\n", link);
  long r = syscall(SYS_waitid, P_PIDFD, self, NULL, WEXITED, NULL); printf("waitid self: %s\n", en(r));
  r = pidfd_send_signal(self, 0, NULL, 0); printf("signal 0 self: %s\n", en(r));
  printf("poll self: %d\n", pollfd(self, 0));
  char b[8];
  r = read(self, b, sizeof b); printf("read: %s\n", en(r));
  r = pidfd_open(getpid(), 1); printf("bad flags: %s\n", en(r));
  r = pidfd_open(0, 0); printf("pid 0: %s\n", en(r));
  r = pidfd_open(0x3fffffff, 0); printf("no such pid: %s\n", en(r));
  r = pidfd_send_signal(0, 0, NULL, 0); printf("signal on stdin: %s\n", en(r));
  r = pidfd_send_signal(self, 0, NULL, 1); printf("signal PIDFD_SIGNAL_THREAD: %s\n", en(r));
  r = pidfd_send_signal(self, 0, NULL, 4); printf("signal PIDFD_SIGNAL_PROCESS_GROUP: %s\n", en(r));
  r = pidfd_send_signal(self, 0, NULL, 3); printf("signal two scopes: %s\n", en(r));
  r = pidfd_send_signal(self, 0, NULL, 8); printf("signal flags 8: %s\n", en(r));
  r = syscall(SYS_waitid, P_PIDFD, 0, NULL, WEXITED, NULL); printf("waitid stdin: %s\n", en(r));

  // A child killed through its pidfd.
  int p[2];
  if (pipe(p)) return 1;
  pid_t c = fork();
  if (c == 0) { close(p[1]); read(p[0], b, 1); _exit(0); }
  close(p[0]);
  int fd = pidfd_open(c, 0);
  printf("pidfd_open child: %s\n", en(fd));
  printf("poll running: %d\n", pollfd(fd, 0));
  r = pidfd_send_signal(fd, 0, NULL, 4); printf("signal group of a non-leader: %s\n", en(r));
  int nb = pidfd_open(c, PIDFD_NONBLOCK);
  report("waitid nonblocking running", nb, WEXITED);
  report("waitid WNOHANG running", fd, WEXITED | WNOHANG);
  r = pidfd_send_signal(fd, SIGTERM, NULL, 0); printf("SIGTERM: %s\n", en(r));
  printf("poll until exit: %d\n", pollfd(fd, -1));
  report("waitid WNOWAIT", fd, WEXITED | WNOWAIT);
  report("waitid", fd, WEXITED);
  printf("poll reaped: %d\n", pollfd(fd, 0));
  r = pidfd_send_signal(fd, SIGTERM, NULL, 0); printf("signal reaped: %s\n", en(r));
  report("waitid reaped", fd, WEXITED);
  close(fd); close(nb);

  // clone(CLONE_PIDFD) as a fork: the pidfd is written to the parent's memory only.
  int pidfd = -1;
  long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
  if (pid == 0) _exit(pidfd == -1 ? 7 : 8);
  printf("clone: %s, pidfd set %d, cloexec %d\n", en(pid), pidfd >= 0, (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
  report("waitid clone child", pidfd, WEXITED);
  close(pidfd);
  r = syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0); printf("clone PIDFD|PARENT_SETTID: %s\n", en(r));

  // clone3 with a pidfd; the child has no pidfd in its own table.
  int pidfd3 = -1;
  struct clone_args_v0 ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_PIDFD;
  ca.pidfd = (uint64_t)(uintptr_t)&pidfd3;
  ca.exit_signal = SIGCHLD;
  pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) _exit(40 + (pidfd3 == -1));
  printf("clone3: %s, pidfd set %d\n", en(pid), pidfd3 >= 0);
  report("waitid clone3 child", pidfd3, WEXITED);

  // pidfd_getfd: a copy of one of our own descriptors.
  int dup = syscall(SYS_pidfd_getfd, self, p[1], 0);
  printf("pidfd_getfd: %s, cloexec %d\n", en(dup), (fcntl(dup, F_GETFD) & FD_CLOEXEC) != 0);
  r = syscall(SYS_pidfd_getfd, self, 999, 0); printf("pidfd_getfd bad fd: %s\n", en(r));
  r = syscall(SYS_pidfd_getfd, self, p[1], 1); printf("pidfd_getfd flags: %s\n", en(r));
  return 0;
}
