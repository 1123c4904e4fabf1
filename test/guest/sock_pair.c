// AF_UNIX socketpairs: stream, datagram and seqpacket echo between fork()ed processes, record
// boundaries and MSG_TRUNC, MSG_PEEK/MSG_DONTWAIT/MSG_WAITALL, nonblocking EAGAIN, shutdown and
// EOF, EPIPE with SIGPIPE ignored and SIGPIPE's default, poll readiness, SCM_RIGHTS passing a pipe,
// SCM_CREDENTIALS, socket options, fstat and /proc/self/fd of a socket, and the errors.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sock_common.h"



static const char *tname(int type) {
  return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" : "seqpacket";
}

/** Echo through a pair with the child answering each message upper-cased. */
static void echo(int type) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, type, 0, sv) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(sv[0]);
    char buf[64];
    for (;;) {
      ssize_t n = read(sv[1], buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; i++) if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
      if (write(sv[1], buf, n) != n) _exit(3);
    }
    _exit(0);
  }
  close(sv[1]);
  const char *msgs[] = { "hello", "socket", "pair" };
  for (int i = 0; i < 3; i++) {
    char buf[64];
    CHECK(write(sv[0], msgs[i], strlen(msgs[i])) == (ssize_t)strlen(msgs[i]));
    ssize_t n = read(sv[0], buf, sizeof buf);
    printf("%s echo %d: %.*s\n", tname(type), i, (int)n, buf);
  }
  if (type == SOCK_DGRAM) {
    // A datagram pair has no EOF: a zero-length datagram ends the child's loop.
    CHECK(write(sv[0], "", 0) == 0);
  }
  close(sv[0]);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  printf("%s child exit %d\n", tname(type), WEXITSTATUS(st));
}

static void records(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  send(sv[0], "abcdef", 6, 0);
  send(sv[0], "xy", 2, 0);
  char buf[16];
  res("dgram peek 3", recv(sv[1], buf, 3, MSG_PEEK));
  res("dgram recv 3 trunc", recv(sv[1], buf, 3, MSG_TRUNC));
  printf("got %.3s\n", buf);
  res("dgram recv next", recv(sv[1], buf, sizeof buf, 0));
  printf("got %.2s\n", buf);
  res("dgram empty dontwait", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  // recvmsg reports truncation in msg_flags
  send(sv[0], "0123456789", 10, 0);
  struct iovec iov = { buf, 4 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  res("recvmsg short", recvmsg(sv[1], &mh, 0));
  printf("msg_flags MSG_TRUNC=%d\n", (mh.msg_flags & MSG_TRUNC) != 0);
  close(sv[0]);
  close(sv[1]);

  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
  send(sv[0], "first", 5, 0);
  send(sv[0], "second", 6, 0);
  res("seqpacket recv 3", recv(sv[1], buf, 3, 0));
  res("seqpacket recv", recv(sv[1], buf, sizeof buf, 0));
  printf("got %.6s\n", buf);
  close(sv[0]);
  res("seqpacket after close", recv(sv[1], buf, sizeof buf, 0));
  signal(SIGPIPE, SIG_DFL);
  res("seqpacket send to closed", send(sv[1], "x", 1, 0));
  close(sv[1]);

  // Streams have no boundaries: two writes read as one.
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  write(sv[0], "abc", 3);
  write(sv[0], "def", 3);
  res("stream read glued", read(sv[1], buf, sizeof buf));
  write(sv[0], "ghi", 3);
  res("stream peek", recv(sv[1], buf, 2, MSG_PEEK));
  res("stream read after peek", read(sv[1], buf, sizeof buf));
  printf("got %.3s\n", buf);
  close(sv[0]);
  close(sv[1]);
}

static void waitall(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    for (int i = 0; i < 10; i++) { write(sv[1], "0123456789", 10); usleep(1000); }
    _exit(0);
  }
  close(sv[1]);
  char buf[100];
  res("waitall", recv(sv[0], buf, 100, MSG_WAITALL));
  printf("last %.10s\n", buf + 90);
  res("eof", recv(sv[0], buf, 100, MSG_WAITALL));
  waitpid(pid, NULL, 0);
  close(sv[0]);
}

static void nonblocking(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  printf("O_NONBLOCK %d FD_CLOEXEC %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0, fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
  char buf[4096];
  res("read empty", read(sv[0], buf, sizeof buf));
  memset(buf, 'x', sizeof buf);
  long total = 0;
  ssize_t n;
  while ((n = write(sv[0], buf, sizeof buf)) > 0) total += n;
  printf("filled: %s, some written: %d\n", en(errno), total > 0);
  struct pollfd p = { sv[0], POLLOUT, 0 };
  res("poll full for POLLOUT", poll(&p, 1, 0));
  long got = 0;
  while ((n = read(sv[1], buf, sizeof buf)) > 0) got += n;
  printf("drained all: %d (%s)\n", got == total, en(errno));
  res("poll drained for POLLOUT", poll(&p, 1, 0));
  printf("revents %#x\n", p.revents);
  close(sv[0]);
  close(sv[1]);
}

static void pipes_and_hup(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct pollfd p[2] = { { sv[0], POLLIN | POLLOUT | POLLRDHUP, 0 }, { sv[1], POLLIN, 0 } };
  res("poll fresh", poll(p, 2, 0));
  printf("revents %#x %#x\n", p[0].revents, p[1].revents);
  write(sv[1], "z", 1);
  res("poll data", poll(p, 2, 0));
  printf("revents %#x\n", p[0].revents);
  shutdown(sv[1], SHUT_WR);
  res("poll after peer SHUT_WR", poll(p, 1, 0));
  printf("revents %#x\n", p[0].revents);
  char c;
  res("read data", read(sv[0], &c, 1));
  res("read eof", read(sv[0], &c, 1));
  res("write after own SHUT_WR (ignored SIGPIPE)", (signal(SIGPIPE, SIG_IGN), write(sv[1], "a", 1)));
  close(sv[1]);
  res("poll after peer close", poll(p, 1, 0));
  printf("revents %#x\n", p[0].revents);
  res("write to closed peer", write(sv[0], "a", 1));
  res("send MSG_NOSIGNAL", send(sv[0], "a", 1, MSG_NOSIGNAL));
  close(sv[0]);

  // With SIGPIPE's default action the writer dies of it.
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  close(sv[0]);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    write(sv[1], "x", 1);
    _exit(0);
  }
  close(sv[1]);
  int st;
  waitpid(pid, &st, 0);
  printf("child: %s\n", WIFSIGNALED(st) ? (WTERMSIG(st) == SIGPIPE ? "SIGPIPE" : "other signal") : "exited");

  // Unread data at close: the peer reads ECONNRESET after the data... only if the closer had data unread.
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  write(sv[0], "unread", 6);
  write(sv[1], "mine", 4);
  close(sv[1]);
  char buf[16];
  res("read own data", read(sv[0], buf, sizeof buf));
  res("then reset", read(sv[0], buf, sizeof buf));
  res("then eof", read(sv[0], buf, sizeof buf));
  close(sv[0]);
}

static void rights(void) {
  int sv[2], pfd[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(pipe(pfd) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]); close(pfd[0]); close(pfd[1]);
    char data[8];
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { data, sizeof data };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n = recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (n != 2 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) _exit(10);
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC)) _exit(11);
    if (write(fd, "via passed fd", 13) != 13) _exit(12);
    _exit(0);
  }
  close(sv[1]);
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = { "fd", 2 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &pfd[1], sizeof(int));
  res("sendmsg with pipe fd", sendmsg(sv[0], &mh, 0));
  close(pfd[1]);
  int st;
  waitpid(pid, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  char buf[32];
  ssize_t n = read(pfd[0], buf, sizeof buf);
  printf("pipe got: %.*s\n", (int)n, buf);
  res("pipe eof (every writer closed)", read(pfd[0], buf, sizeof buf));
  close(pfd[0]);

  // A bad descriptor in SCM_RIGHTS; a control buffer too small for the fds (MSG_CTRUNC).
  int bad = 999;
  memcpy(CMSG_DATA(c), &bad, sizeof(int));
  res("sendmsg bad fd", sendmsg(sv[0], &mh, 0));
  close(sv[0]);

  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  int two[2] = { 0, 1 };
  char cb2[CMSG_SPACE(2 * sizeof(int))];
  struct msghdr m2 = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb2, .msg_controllen = sizeof cb2 };
  c = CMSG_FIRSTHDR(&m2);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(2 * sizeof(int));
  memcpy(CMSG_DATA(c), two, sizeof two);
  res("sendmsg two fds", sendmsg(sv[0], &m2, 0));
  char small[CMSG_SPACE(sizeof(int))];
  char data[4];
  struct iovec riov = { data, sizeof data };
  struct msghdr rm = { .msg_iov = &riov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = sizeof small };
  res("recvmsg small control", recvmsg(sv[1], &rm, 0));
  printf("MSG_CTRUNC %d controllen %zu\n", (rm.msg_flags & MSG_CTRUNC) != 0, (size_t)rm.msg_controllen);
  c = CMSG_FIRSTHDR(&rm);
  int got;
  memcpy(&got, CMSG_DATA(c), sizeof got);
  struct stat a, b;
  fstat(0, &a); fstat(got, &b);
  printf("first fd is fd 0: %d\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  close(got);
  close(sv[0]);
  close(sv[1]);
}

/** A socket travels over another socket; the receiver talks through it. */
static void pass_socket(void) {
  int carrier[2], inner[2];
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, carrier) == 0);
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, inner) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(carrier[0]); close(inner[0]); close(inner[1]);
    char data[4], cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { data, sizeof data };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    if (recvmsg(carrier[1], &mh, 0) != 1) _exit(10);
    int fd;
    memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof fd);
    int type; socklen_t tl = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM) _exit(11);
    if (write(fd, "through", 7) != 7) _exit(12);
    _exit(0);
  }
  close(carrier[1]);
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { "s", 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &inner[1], sizeof(int));
  res("pass a socket", sendmsg(carrier[0], &mh, 0));
  close(inner[1]);
  char buf[16];
  ssize_t n = read(inner[0], buf, sizeof buf);
  printf("through the passed socket: %.*s\n", (int)(n > 0 ? n : 0), buf);
  res("then eof (the child exited)", (waitpid(pid, NULL, 0), read(inner[0], buf, sizeof buf)));
  close(inner[0]);
  close(carrier[0]);
}

static void mmsg(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  struct iovec iov[3] = { { "one", 3 }, { "two!", 4 }, { "three", 5 } };
  struct mmsghdr out[3];
  memset(out, 0, sizeof out);
  for (int i = 0; i < 3; i++) { out[i].msg_hdr.msg_iov = &iov[i]; out[i].msg_hdr.msg_iovlen = 1; }
  res("sendmmsg", sendmmsg(sv[0], out, 3, 0));
  printf("lens %u %u %u\n", out[0].msg_len, out[1].msg_len, out[2].msg_len);
  char bufs[4][8];
  struct iovec riov[4];
  struct mmsghdr in[4];
  memset(in, 0, sizeof in);
  for (int i = 0; i < 4; i++) { riov[i].iov_base = bufs[i]; riov[i].iov_len = 8; in[i].msg_hdr.msg_iov = &riov[i]; in[i].msg_hdr.msg_iovlen = 1; }
  res("recvmmsg 2 of 3", recvmmsg(sv[1], in, 2, 0, NULL));
  printf("lens %u %u: %.3s %.4s\n", in[0].msg_len, in[1].msg_len, bufs[0], bufs[1]);
  sendmmsg(sv[0], out, 2, 0);
  res("recvmmsg WAITFORONE (3 waiting, room for 4)", recvmmsg(sv[1], in, 4, MSG_WAITFORONE, NULL));
  printf("lens %u %u %u: %.5s %.3s %.4s\n", in[0].msg_len, in[1].msg_len, in[2].msg_len, bufs[0], bufs[1], bufs[2]);
  res("recvmmsg nothing, nonblocking", recvmmsg(sv[1], in, 4, MSG_DONTWAIT, NULL));
  close(sv[0]);
  close(sv[1]);
}

static void creds(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  struct ucred uc;
  socklen_t len = sizeof uc;
  CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0);
  printf("peercred len %u pid ok %d uid ok %d gid ok %d\n", len, uc.pid == getpid(), uc.uid == geteuid(), uc.gid == getegid());
  int on = 1;
  CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0);
  pid_t pid = fork();
  if (pid == 0) { send(sv[0], "c", 1, 0); _exit(0); }
  waitpid(pid, NULL, 0);
  char data[4];
  char cbuf[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov = { data, sizeof data };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  res("recvmsg with creds", recvmsg(sv[1], &mh, 0));
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  CHECK(c && c->cmsg_type == SCM_CREDENTIALS);
  memcpy(&uc, CMSG_DATA(c), sizeof uc);
  printf("creds from child: pid ok %d uid ok %d\n", uc.pid == pid, uc.uid == getuid());
  close(sv[0]);
  close(sv[1]);
}

static void options_and_errors(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
  int v; socklen_t len = sizeof v;
  getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len); printf("SO_TYPE %d len %u\n", v, len);
  getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len); printf("SO_DOMAIN %d\n", v);
  getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &len); printf("SO_PROTOCOL %d\n", v);
  getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len); printf("SO_ERROR %d\n", v);
  getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &len); printf("SO_ACCEPTCONN %d\n", v);
  v = 10000; setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len); printf("SO_SNDBUF after 10000: %d\n", v);
  v = 1; setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len); printf("SO_RCVBUF after 1: %d\n", v);
  res("getsockopt unknown", getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len));
  res("setsockopt short optlen", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, 2));
  res("getsockopt other level", getsockopt(sv[0], 6 /* IPPROTO_TCP */, 1, &v, &len));
  char c = 0; len = 1;
  res("getsockopt SO_TYPE into 1 byte", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &c, &len));
  printf("len %u byte %d\n", len, c);

  struct stat st;
  CHECK(fstat(sv[0], &st) == 0);
  printf("fstat S_ISSOCK %d mode %o size %lld\n", S_ISSOCK(st.st_mode), st.st_mode & 0777, (long long)st.st_size);
  char link[64], want[64];
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", sv[0]);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)st.st_ino);
  printf("fd link is socket:[ino]: %d\n", strcmp(link, want) == 0);
  res("lseek", lseek(sv[0], 0, SEEK_SET));
  res("pread", pread(sv[0], &c, 1, 0));

  int fd = open("/dev/null", O_RDONLY);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  socklen_t sl = sizeof sa;
  res("getsockname on a file", getsockname(fd, (struct sockaddr *)&sa, &sl));
  res("send on a file", send(fd, "x", 1, 0));
  res("listen on a file", listen(fd, 1));
  res("getsockname bad fd", getsockname(555, (struct sockaddr *)&sa, &sl));
  close(fd);
  res("socket AF_INET6", socket(AF_INET6 + 40, SOCK_STREAM, 0));
  res("socket bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
  res("socket bad type", socket(AF_UNIX, 4 /* SOCK_RDM */, 0));
  res("socket bad protocol", socket(AF_UNIX, SOCK_STREAM, 7));
  res("socketpair type 12", socketpair(AF_UNIX, 12, 0, sv));
  res("listen dgram", (fd = socket(AF_UNIX, SOCK_DGRAM, 0), listen(fd, 1)));
  res("accept dgram", accept(fd, NULL, NULL));
  res("recv dgram unconnected dontwait", recv(fd, &c, 1, MSG_DONTWAIT));
  res("send dgram unconnected", send(fd, &c, 1, 0));
  close(fd);
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  res("listen unbound stream", listen(fd, 1));
  res("accept not listening", accept(fd, NULL, NULL));
  res("read unconnected stream", read(fd, &c, 1));
  res("write unconnected stream", write(fd, &c, 1));
  res("getpeername unconnected", getpeername(fd, (struct sockaddr *)&sa, &sl));
  res("shutdown unconnected", shutdown(fd, SHUT_RD));
  sl = sizeof sa;
  res("getsockname unbound", getsockname(fd, (struct sockaddr *)&sa, &sl));
  printf("len %u family %d\n", sl, sa.sun_family);
  struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
  res("poll unconnected stream", poll(&p, 1, 0));
  printf("revents %#x\n", p.revents);
  close(fd);
  close(sv[0]);
  close(sv[1]);
}

static void on_usr1(int sig) { (void)sig; }

static void timeouts_and_signals(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  write(sv[0], "12345", 5);
  write(sv[0], "678", 3);
  int n = -1;
  res("FIONREAD stream", ioctl(sv[1], FIONREAD, &n));
  printf("= %d\n", n);
  struct timeval tv = { 0, 20000 };
  res("SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  struct timeval back; socklen_t bl = sizeof back;
  getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &back, &bl);
  printf("SO_RCVTIMEO back %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
  char c;
  res("recv with timeout", recv(sv[0], &c, 1, 0));
  // A signal ends a blocking receive with EINTR when the handler has no SA_RESTART.
  struct sigaction sa = { .sa_handler = on_usr1 };
  sigaction(SIGUSR1, &sa, NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  // (signals until the parent kills it: one sent before the parent blocks is harmless)
  if (pid == 0) { for (;;) { usleep(5000); kill(parent, SIGUSR1); } }
  int sv2[2];
  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv2) == 0);
  res("recv interrupted", recv(sv2[0], &c, 1, 0));
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  send(sv2[1], "abc", 3, 0);
  send(sv2[1], "de", 2, 0);
  res("FIONREAD dgram (next datagram)", ioctl(sv2[0], FIONREAD, &n));
  printf("= %d\n", n);
  close(sv2[0]); close(sv2[1]);
  close(sv[0]); close(sv[1]);
}

static void epoll_pair(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7 };
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0);
  struct epoll_event out[2];
  res("epoll nothing", epoll_wait(ep, out, 2, 0));
  pid_t pid = fork();
  if (pid == 0) { usleep(2000); write(sv[1], "w", 1); _exit(0); }
  res("epoll wakes on data", epoll_wait(ep, out, 2, -1));
  printf("events %#x data %u\n", out[0].events, out[0].data.u32);
  waitpid(pid, NULL, 0);
  close(sv[1]);
  char c;
  read(sv[0], &c, 1);
  res("epoll after close", epoll_wait(ep, out, 2, 0));
  printf("events %#x\n", out[0].events);
  close(ep);
  close(sv[0]);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  echo(SOCK_STREAM);
  echo(SOCK_DGRAM);
  echo(SOCK_SEQPACKET);
  records();
  waitall();
  nonblocking();
  pipes_and_hup();
  rights();
  pass_socket();
  mmsg();
  creds();
  options_and_errors();
  timeouts_and_signals();
  epoll_pair();
  return 0;
}
