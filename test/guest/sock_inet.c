// TCP and UDP over loopback (127.0.0.1 and ::1) inside one machine: a TCP echo server with
// forked clients, names from getsockname/getpeername/accept, EOF after the peer closes and EPIPE
// after its reset, nonblocking connect, UDP by address and connected, and the errors of a
// network with only a loopback device (ENETUNREACH, EADDRNOTAVAIL, ECONNREFUSED, EADDRINUSE).
// Ports are ephemeral (bind to port 0), so the output never names one.
//! status: 0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sock_common.h"


static void show4(const char *what, struct sockaddr_in *a, socklen_t len) {
  char ip[32];
  inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
  printf("%s: len %u family %d ip %s port %s\n", what, len, a->sin_family, ip, ntohs(a->sin_port) ? "set" : "0");
}

static int tcp_listener(struct sockaddr_in *sa) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(ls >= 0);
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(ls, (struct sockaddr *)sa, sizeof *sa) == 0);
  socklen_t l = sizeof *sa;
  CHECK(getsockname(ls, (struct sockaddr *)sa, &l) == 0);
  CHECK(listen(ls, 8) == 0);
  return ls;
}

static void tcp_echo(void) {
  struct sockaddr_in sa;
  int ls = tcp_listener(&sa);
  show4("listener", &sa, sizeof sa);
  enum { N = 3 };
  pid_t kids[N];
  for (int i = 0; i < N; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      int c = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(c, (struct sockaddr *)&sa, sizeof sa) != 0) _exit(20);
      char msg[16]; int n = snprintf(msg, sizeof msg, "tcp %d", i);
      if (write(c, msg, n) != n) _exit(21);
      shutdown(c, SHUT_WR);
      char buf[32]; ssize_t r, got = 0;
      while ((r = read(c, buf + got, sizeof buf - got)) > 0) got += r;
      if (got != n || memcmp(buf, msg, n) != 0) _exit(22);
      _exit(0);
    }
  }
  for (int i = 0; i < N; i++) {
    struct sockaddr_in peer; socklen_t pl = sizeof peer;
    int s = accept(ls, (struct sockaddr *)&peer, &pl);
    CHECK(s >= 0);
    if (i == 0) show4("accepted peer", &peer, pl);
    char buf[32]; ssize_t r, got = 0;
    while ((r = read(s, buf + got, sizeof buf - got)) > 0) got += r;  // until the client's FIN
    CHECK(write(s, buf, got) == got);
    close(s);
  }
  int ok = 1;
  for (int i = 0; i < N; i++) { int st; waitpid(kids[i], &st, 0); ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0; }
  printf("%d echo clients ok: %d\n", N, ok);

  // One connection seen from both ends.
  int c = socket(AF_INET, SOCK_STREAM, 0);
  res("connect", connect(c, (struct sockaddr *)&sa, sizeof sa));
  res("connect again", connect(c, (struct sockaddr *)&sa, sizeof sa));
  int s = accept(ls, NULL, NULL);
  struct sockaddr_in a, b; socklen_t al = sizeof a, bl = sizeof b;
  getsockname(c, (struct sockaddr *)&a, &al);
  getpeername(s, (struct sockaddr *)&b, &bl);
  show4("client name", &a, al);
  printf("server's peer is the client: %d\n", a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr);
  getpeername(c, (struct sockaddr *)&a, &al);
  printf("client's peer is the listener: %d\n", a.sin_port == sa.sin_port);
  int v = 1;
  res("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
  socklen_t vl = sizeof v; v = 0;
  getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
  printf("TCP_NODELAY back %d\n", v);
  getsockopt(c, SOL_SOCKET, SO_PROTOCOL, &v, &vl); printf("SO_PROTOCOL %d\n", v);
  getsockopt(c, SOL_SOCKET, SO_DOMAIN, &v, &vl); printf("SO_DOMAIN %d\n", v);
  getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl); printf("SO_TYPE %d\n", v);
  write(c, "ab", 2);
  char buf[8];
  int n = 0;
  usleep(1000);
  ioctl(s, FIONREAD, &n);
  printf("FIONREAD %d\n", n);
  read(s, buf, 2);
  write(s, "z", 1);
  // The peer's close is a FIN: data, then EOF; POLLRDHUP but no POLLHUP.
  close(s);
  struct pollfd p = { c, POLLIN | POLLOUT | POLLRDHUP, 0 };
  res("poll after peer close", poll(&p, 1, 0));
  printf("revents %#x\n", p.revents);
  res("read data", read(c, buf, sizeof buf));
  res("read eof", read(c, buf, sizeof buf));
  // A write to the closed peer is answered by a reset: it succeeds, the next fails.
  signal(SIGPIPE, SIG_IGN);
  res("first write to closed peer", write(c, "x", 1));
  usleep(10000);
  res("second write", write(c, "x", 1));
  close(c);

  // Unread data at close resets the connection.
  c = socket(AF_INET, SOCK_STREAM, 0);
  connect(c, (struct sockaddr *)&sa, sizeof sa);
  s = accept(ls, NULL, NULL);
  write(c, "unread", 6);
  usleep(1000);
  close(s);
  usleep(10000);
  res("read after reset", read(c, buf, sizeof buf));
  res("read again", read(c, buf, sizeof buf));
  close(c);

  // Nonblocking connect: EINPROGRESS, then writable with SO_ERROR 0.
  c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  res("nonblocking connect", connect(c, (struct sockaddr *)&sa, sizeof sa));
  p.fd = c; p.events = POLLOUT;
  res("poll for POLLOUT", poll(&p, 1, 1000));
  int err = -1; socklen_t el = sizeof err;
  getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
  printf("SO_ERROR %d\n", err);
  res("read nothing yet", read(c, buf, sizeof buf));
  close(c);
  close(accept(ls, NULL, NULL));

  // Errors.
  c = socket(AF_INET, SOCK_STREAM, 0);
  res("write unconnected", send(c, "x", 1, MSG_NOSIGNAL));
  res("read unconnected", read(c, buf, sizeof buf));
  res("getpeername unconnected", getpeername(c, (struct sockaddr *)&a, &al));
  struct sockaddr_in far = { .sin_family = AF_INET, .sin_port = htons(80) };
  inet_pton(AF_INET, "192.0.2.1", &far.sin_addr);
  // (connecting anywhere else depends on the host's network: not compared)
  res("bind 192.0.2.1", bind(c, (struct sockaddr *)&far, sizeof far));
  res("bind in use", bind(c, (struct sockaddr *)&sa, sizeof sa));
  res("connect short addrlen", connect(c, (struct sockaddr *)&sa, 8));
  struct sockaddr_in wrong = sa; wrong.sin_family = AF_INET6;
  res("connect wrong family", connect(c, (struct sockaddr *)&wrong, sizeof wrong));
  close(ls);
  res("connect after listener closed", connect(c, (struct sockaddr *)&sa, sizeof sa));
  close(c);
  res("socket SOCK_SEQPACKET", socket(AF_INET, SOCK_SEQPACKET, 0));
  res("socket TCP protocol on dgram", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
}

static void udp(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK(bind(s, (struct sockaddr *)&sa, sizeof sa) == 0);
  socklen_t l = sizeof sa;
  getsockname(s, (struct sockaddr *)&sa, &l);
  res("sendto", sendto(c, "ping", 4, 0, (struct sockaddr *)&sa, sizeof sa));
  char buf[16];
  struct sockaddr_in from; socklen_t fl = sizeof from;
  res("recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  show4("from", &from, fl);
  res("reply", sendto(s, "pong", 4, 0, (struct sockaddr *)&from, fl));
  res("client recv", recv(c, buf, sizeof buf, 0));
  struct sockaddr_in cn; socklen_t cl = sizeof cn;
  getsockname(c, (struct sockaddr *)&cn, &cl);
  show4("client autobound", &cn, cl);
  res("send unconnected without address", send(c, "x", 1, 0));
  res("truncating recv", (sendto(c, "abcdef", 6, 0, (struct sockaddr *)&sa, sizeof sa), recv(s, buf, 3, MSG_TRUNC)));
  // A connected UDP socket learns of a closed port from the next call.
  int d = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in gone = sa;
  close(s);
  res("connect to the closed port", connect(d, (struct sockaddr *)&gone, sizeof gone));
  res("first send", send(d, "x", 1, 0));
  usleep(10000);
  res("recv reports the refusal", recv(d, buf, sizeof buf, MSG_DONTWAIT));
  res("then nothing", recv(d, buf, sizeof buf, MSG_DONTWAIT));
  struct pollfd p = { d, POLLIN | POLLOUT, 0 };
  res("poll udp", poll(&p, 1, 0));
  printf("revents %#x\n", p.revents);
  close(c); close(d);
}

static void ipv6(void) {
  int ls = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
  res("bind [::]:0", bind(ls, (struct sockaddr *)&sa, sizeof sa));
  socklen_t l = sizeof sa;
  getsockname(ls, (struct sockaddr *)&sa, &l);
  printf("name len %u family %d\n", l, sa.sin6_family);
  listen(ls, 4);
  // An IPv4 client reaches a dual-stack listener; the server sees it v4-mapped.
  int c4 = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = sa.sin6_port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  res("v4 connect to [::]", connect(c4, (struct sockaddr *)&a4, sizeof a4));
  struct sockaddr_in6 peer; socklen_t pl = sizeof peer;
  int s = accept(ls, (struct sockaddr *)&peer, &pl);
  char ip[64];
  inet_ntop(AF_INET6, &peer.sin6_addr, ip, sizeof ip);
  printf("peer len %u %s\n", pl, ip);
  close(s); close(c4);
  int c6 = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 lo = { .sin6_family = AF_INET6, .sin6_port = sa.sin6_port, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  res("connect [::1]", connect(c6, (struct sockaddr *)&lo, sizeof lo));
  s = accept(ls, (struct sockaddr *)&peer, &pl);
  inet_ntop(AF_INET6, &peer.sin6_addr, ip, sizeof ip);
  printf("peer %s\n", ip);
  close(s); close(c6);
  int v = 1;
  int only = socket(AF_INET6, SOCK_STREAM, 0);
  res("IPV6_V6ONLY", setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v));
  // The port is taken by the dual-stack listener for IPv4 too.
  int b4 = socket(AF_INET, SOCK_STREAM, 0);
  res("v4 bind to the dual-stack port", bind(b4, (struct sockaddr *)&a4, sizeof a4));
  close(b4); close(only); close(ls);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  tcp_echo();
  udp();
  ipv6();
  return 0;
}
