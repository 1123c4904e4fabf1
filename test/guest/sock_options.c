// Socket options programs set on inet sockets and read back: TCP keepalive tuning (libuv, curl,
// node's fetch), TCP_CORK, TCP_DEFER_ACCEPT's rounding to retransmissions, TCP_CONGESTION's name,
// IP_TTL/IP_TOS/IPV6_UNICAST_HOPS with their defaults, and SOL_SOCKET flags such as SO_KEEPALIVE
// and SO_LINGER that must read back what was set. Out-of-range values give EINVAL, as on Linux.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sock_common.h"

static void get_int(int fd, int level, int name, const char *what) {
  int v = -12345;
  socklen_t l = sizeof v;
  int r = getsockopt(fd, level, name, &v, &l);
  if (r < 0) res(what, r);
  else printf("%s = %d (len %u)\n", what, v, (unsigned)l);
}

static void set_int(int fd, int level, int name, int v, const char *what) {
  char buf[64];
  snprintf(buf, sizeof buf, "set %s %d", what, v);
  res(buf, setsockopt(fd, level, name, &v, sizeof v));
}

#define GET(fd, l, n) get_int(fd, l, n, #n)
#define SET(fd, l, n, v) set_int(fd, l, n, v, #n)

int main(void) {
  int t = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(t >= 0);
  // Defaults, then values set and read back.
  GET(t, SOL_SOCKET, SO_KEEPALIVE); SET(t, SOL_SOCKET, SO_KEEPALIVE, 1); GET(t, SOL_SOCKET, SO_KEEPALIVE);
  SET(t, SOL_SOCKET, SO_KEEPALIVE, 7); GET(t, SOL_SOCKET, SO_KEEPALIVE);
  GET(t, SOL_SOCKET, SO_OOBINLINE); SET(t, SOL_SOCKET, SO_OOBINLINE, 1); GET(t, SOL_SOCKET, SO_OOBINLINE);
  GET(t, SOL_SOCKET, SO_BROADCAST); SET(t, SOL_SOCKET, SO_BROADCAST, 1); GET(t, SOL_SOCKET, SO_BROADCAST);
  SET(t, SOL_SOCKET, SO_SNDLOWAT, 1);
  GET(t, SOL_SOCKET, SO_PRIORITY); SET(t, SOL_SOCKET, SO_PRIORITY, 4); GET(t, SOL_SOCKET, SO_PRIORITY);
  struct linger lg = { 1, 5 }, lg2 = { 9, 9 };
  socklen_t ll = sizeof lg2;
  res("SO_LINGER get", getsockopt(t, SOL_SOCKET, SO_LINGER, &lg2, &ll));
  printf("linger %d %d\n", lg2.l_onoff, lg2.l_linger);
  res("SO_LINGER set", setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  res("SO_LINGER get", getsockopt(t, SOL_SOCKET, SO_LINGER, &lg2, &ll));
  printf("linger %d %d\n", lg2.l_onoff, lg2.l_linger);

  GET(t, IPPROTO_TCP, TCP_KEEPIDLE); GET(t, IPPROTO_TCP, TCP_KEEPINTVL); GET(t, IPPROTO_TCP, TCP_KEEPCNT);
  SET(t, IPPROTO_TCP, TCP_KEEPIDLE, 60); SET(t, IPPROTO_TCP, TCP_KEEPINTVL, 1); SET(t, IPPROTO_TCP, TCP_KEEPCNT, 5);
  GET(t, IPPROTO_TCP, TCP_KEEPIDLE); GET(t, IPPROTO_TCP, TCP_KEEPINTVL); GET(t, IPPROTO_TCP, TCP_KEEPCNT);
  SET(t, IPPROTO_TCP, TCP_KEEPIDLE, 0); SET(t, IPPROTO_TCP, TCP_KEEPIDLE, 32768); SET(t, IPPROTO_TCP, TCP_KEEPCNT, 128);
  SET(t, IPPROTO_TCP, TCP_KEEPINTVL, -1);
  GET(t, IPPROTO_TCP, TCP_SYNCNT); SET(t, IPPROTO_TCP, TCP_SYNCNT, 3); GET(t, IPPROTO_TCP, TCP_SYNCNT);
  SET(t, IPPROTO_TCP, TCP_SYNCNT, 0); SET(t, IPPROTO_TCP, TCP_SYNCNT, 128);
  GET(t, IPPROTO_TCP, TCP_CORK); SET(t, IPPROTO_TCP, TCP_CORK, 5); GET(t, IPPROTO_TCP, TCP_CORK);
  SET(t, IPPROTO_TCP, TCP_CORK, 0); GET(t, IPPROTO_TCP, TCP_CORK);
  GET(t, IPPROTO_TCP, TCP_LINGER2); SET(t, IPPROTO_TCP, TCP_LINGER2, 30); GET(t, IPPROTO_TCP, TCP_LINGER2);
  SET(t, IPPROTO_TCP, TCP_LINGER2, -5); GET(t, IPPROTO_TCP, TCP_LINGER2);
  SET(t, IPPROTO_TCP, TCP_LINGER2, 1000); GET(t, IPPROTO_TCP, TCP_LINGER2);
  int defer[] = { 0, 1, 2, 3, 5, 8, 30, 100, 1000, -4 };
  for (unsigned i = 0; i < sizeof defer / sizeof defer[0]; i++) {
    SET(t, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer[i]); GET(t, IPPROTO_TCP, TCP_DEFER_ACCEPT);
  }
  GET(t, IPPROTO_TCP, TCP_USER_TIMEOUT); SET(t, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000); GET(t, IPPROTO_TCP, TCP_USER_TIMEOUT);
  SET(t, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
  GET(t, IPPROTO_TCP, TCP_QUICKACK); SET(t, IPPROTO_TCP, TCP_QUICKACK, 0); GET(t, IPPROTO_TCP, TCP_QUICKACK);
  GET(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT); SET(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384); GET(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
  GET(t, IPPROTO_TCP, TCP_MAXSEG); SET(t, IPPROTO_TCP, TCP_MAXSEG, 10); SET(t, IPPROTO_TCP, TCP_MAXSEG, 1000);
  GET(t, IPPROTO_TCP, TCP_MAXSEG);
  GET(t, IPPROTO_TCP, TCP_FASTOPEN_CONNECT); SET(t, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 2);
  SET(t, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1); GET(t, IPPROTO_TCP, TCP_FASTOPEN_CONNECT);
  char cc[32] = "xxxxxxxxxxxxxxxxxxxxxxx";
  socklen_t cl = sizeof cc;
  res("TCP_CONGESTION get", getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &cl));
  printf("congestion name length %u\n", (unsigned)cl); // the name is the host's default (sysctl)
  res("TCP_CONGESTION set", setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "no-such-algorithm", 17));
  res("TCP_CONGESTION set", setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
  cl = sizeof cc;
  res("TCP_CONGESTION get", getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &cl));
  printf("congestion %s len %u\n", cc, (unsigned)cl);

  GET(t, IPPROTO_IP, IP_TTL); SET(t, IPPROTO_IP, IP_TTL, 12); GET(t, IPPROTO_IP, IP_TTL);
  SET(t, IPPROTO_IP, IP_TTL, 0); SET(t, IPPROTO_IP, IP_TTL, 256); SET(t, IPPROTO_IP, IP_TTL, -1); GET(t, IPPROTO_IP, IP_TTL);
  GET(t, IPPROTO_IP, IP_TOS); SET(t, IPPROTO_IP, IP_TOS, 0x10); GET(t, IPPROTO_IP, IP_TOS);
  GET(t, IPPROTO_IP, IP_RECVERR); SET(t, IPPROTO_IP, IP_RECVERR, 1); GET(t, IPPROTO_IP, IP_RECVERR);
  GET(t, IPPROTO_IP, IP_MTU_DISCOVER); SET(t, IPPROTO_IP, IP_MTU_DISCOVER, 2); GET(t, IPPROTO_IP, IP_MTU_DISCOVER);
  SET(t, IPPROTO_IP, IP_MTU_DISCOVER, 9);
  close(t);

  int u = socket(AF_INET6, SOCK_DGRAM, 0);
  CHECK(u >= 0);
  GET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS); SET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7); GET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
  SET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1); GET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
  SET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256); SET(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -2);
  GET(u, IPPROTO_IPV6, IPV6_TCLASS); SET(u, IPPROTO_IPV6, IPV6_TCLASS, 0x20); GET(u, IPPROTO_IPV6, IPV6_TCLASS);
  GET(u, IPPROTO_IPV6, IPV6_RECVERR); SET(u, IPPROTO_IPV6, IPV6_RECVERR, 1); GET(u, IPPROTO_IPV6, IPV6_RECVERR);
  GET(u, IPPROTO_IPV6, IPV6_MULTICAST_HOPS); GET(u, IPPROTO_IPV6, IPV6_MULTICAST_LOOP);
  SET(u, IPPROTO_TCP, TCP_KEEPIDLE, 60);
  close(u);

  // The options stay with the socket across connect and accept.
  int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof a;
  CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 && getsockname(l, (struct sockaddr *)&a, &al) == 0);
  int on = 1, idle = 42, intvl = 33;
  CHECK(setsockopt(l, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) == 0);
  CHECK(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0 && setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == 0);
  CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
  int s = accept(l, 0, 0);
  CHECK(s >= 0);
  GET(c, SOL_SOCKET, SO_KEEPALIVE); GET(c, IPPROTO_TCP, TCP_KEEPIDLE); GET(s, IPPROTO_TCP, TCP_KEEPIDLE);
  GET(s, IPPROTO_TCP, TCP_KEEPINTVL); GET(c, IPPROTO_TCP, TCP_KEEPINTVL);
  SET(c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1); SET(c, IPPROTO_TCP, TCP_FASTOPEN, 5);
  CHECK(write(c, "ok", 2) == 2);
  char b[4] = { 0 };
  CHECK(read(s, b, 2) == 2);
  printf("data %s\n", b);
  return 0;
}
