// NETLINK_ROUTE as getifaddrs(3), if_nameindex(3) and `ip` use it, checked on the loopback
// device only (the host has other devices; wasl has just lo): getifaddrs' lo entries, the name
// and index calls, and a raw RTM_GETLINK dump / single-link request with its NLMSG_DONE and
// NLMSG_ERROR, and the socket's autobound nl_pid.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

// The netlink ABI (musl has no linux/ headers): nlmsghdr, ifinfomsg, rtattr, nlmsgerr, sockaddr_nl.
struct nlhdr { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct ifinfo { unsigned char family, pad; unsigned short type; int index; unsigned flags, change; };
struct rta { unsigned short len, type; };
struct nlerr { int error; struct nlhdr msg; };
struct sockaddr_netlink { unsigned short family, pad; uint32_t pid, groups; };
enum { NL_ROUTE = 0, MSG_ERROR = 2, MSG_DONE = 3, F_REQUEST = 1, F_DUMP = 0x300, NEWLINK = 16, GETLINK = 18, LA_MTU = 4 };
#define ALIGN4(x) (((x) + 3u) & ~3u)

static char buf[1 << 16];

int main(void) {
  struct ifaddrs *list;
  if (getifaddrs(&list) != 0) { printf("getifaddrs failed: %s\n", strerror(errno)); return 1; }
  int v4 = 0, v6 = 0, packet = 0;
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    if (strcmp(i->ifa_name, "lo") != 0 || !i->ifa_addr) continue;
    unsigned need = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    if ((i->ifa_flags & need) != need) printf("lo flags %#x\n", i->ifa_flags);
    char a[64] = "", m[64] = "";
    if (i->ifa_addr->sa_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
      inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr, m, sizeof m);
      printf("lo inet %s netmask %s\n", a, m);
      v4++;
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, sizeof a);
      printf("lo inet6 %s\n", a);
      v6++;
    } else if (i->ifa_addr->sa_family == AF_PACKET) packet++;
  }
  freeifaddrs(list);
  printf("lo entries: inet %d inet6 %d packet %d\n", v4, v6, packet);
  printf("if_nametoindex(lo) = %u, if_indextoname(1) = %s\n", if_nametoindex("lo"), if_indextoname(1, buf) ? buf : "?");
  struct if_nameindex *ni = if_nameindex();
  int lo_listed = 0;
  for (struct if_nameindex *p = ni; p && p->if_index; p++) if (p->if_index == 1 && !strcmp(p->if_name, "lo")) lo_listed = 1;
  if_freenameindex(ni);
  printf("if_nameindex lists lo: %d\n", lo_listed);

  // netdevice(7) ioctls about lo on an inet socket.
  int in = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
  if (ioctl(in, SIOCGIFFLAGS, &ifr) == 0) printf("SIOCGIFFLAGS up|loopback|running: %#x\n", ifr.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
  memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
  if (ioctl(in, SIOCGIFMTU, &ifr) == 0) printf("SIOCGIFMTU %d\n", ifr.ifr_mtu);
  memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
  if (ioctl(in, SIOCGIFADDR, &ifr) == 0) printf("SIOCGIFADDR %s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
  memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
  if (ioctl(in, SIOCGIFNETMASK, &ifr) == 0) printf("SIOCGIFNETMASK %s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr));
  memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
  if (ioctl(in, SIOCGIFHWADDR, &ifr) == 0) printf("SIOCGIFHWADDR family %d\n", ifr.ifr_hwaddr.sa_family);
  memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "nosuchdev0");
  printf("unknown device: %s\n", ioctl(in, SIOCGIFFLAGS, &ifr) < 0 && errno == ENODEV ? "ENODEV" : "?");
  close(in);

  // A raw socket: autobind gives nl_pid = our pid.
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NL_ROUTE);
  struct sockaddr_netlink me = { .family = AF_NETLINK };
  printf("bind: %d\n", bind(fd, (struct sockaddr *)&me, sizeof me));
  socklen_t ml = sizeof me;
  getsockname(fd, (struct sockaddr *)&me, &ml);
  printf("sockname family %d len %u pid is ours %d\n", me.family, (unsigned)ml, me.pid == (unsigned)getpid());
  printf("other protocol: %d\n", socket(AF_NETLINK, SOCK_STREAM, NL_ROUTE) < 0 ? -errno : 0);

  struct { struct nlhdr h; struct ifinfo i; } req;
  memset(&req, 0, sizeof req);
  req.h.len = sizeof req;
  req.h.type = GETLINK;
  req.h.flags = F_REQUEST | F_DUMP;
  req.h.seq = 42;
  struct sockaddr_netlink kernel = { .family = AF_NETLINK };
  if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) != sizeof req) return 1;
  int done = 0, lo = 0, mtu = 0, seq_ok = 1;
  while (!done) {
    struct sockaddr_netlink from;
    socklen_t fl = sizeof from;
    int n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (n <= 0) break;
    if (from.pid != 0) printf("not from the kernel\n");
    for (unsigned at = 0; at + sizeof(struct nlhdr) <= (unsigned)n;) {
      struct nlhdr *h = (struct nlhdr *)(buf + at);
      if (h->len < sizeof *h || at + h->len > (unsigned)n) break;
      at += ALIGN4(h->len);
      if (h->seq != 42) seq_ok = 0;
      if (h->type == MSG_DONE) { done = 1; break; }
      if (h->type != NEWLINK) continue;
      struct ifinfo *ifi = (struct ifinfo *)(h + 1);
      if (ifi->index != 1) continue;
      lo = 1;
      for (unsigned o = sizeof *h + sizeof *ifi; o + sizeof(struct rta) <= h->len;) {
        struct rta *a = (struct rta *)((char *)h + o);
        if (a->len < sizeof *a) break;
        if (a->type == LA_MTU) mtu = *(int *)(a + 1);
        o += ALIGN4(a->len);
      }
      printf("link 1 type %d flags&UP|LOOPBACK %#x\n", ifi->type, ifi->flags & (IFF_UP | IFF_LOOPBACK));
    }
  }
  printf("dump: done %d lo %d mtu %d seq %d\n", done, lo, mtu, seq_ok);

  // One link that does not exist: an NLMSG_ERROR carrying ENODEV and our header.
  req.h.flags = F_REQUEST;
  req.h.seq = 43;
  req.i.index = 99999;
  send(fd, &req, sizeof req, 0);
  int n = recv(fd, buf, sizeof buf, 0);
  struct nlhdr *h = (struct nlhdr *)buf;
  if (n > 0 && h->type == MSG_ERROR) {
    struct nlerr *e = (struct nlerr *)(h + 1);
    printf("missing link: error %d (%s), echoes seq %u type %d\n", e->error, e->error == -ENODEV ? "ENODEV" : "?", e->msg.seq, e->msg.type);
  } else printf("missing link: no error (%d)\n", n);
  close(fd);
  return 0;
}
