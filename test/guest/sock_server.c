// AF_UNIX servers: a stream server bound to a path in a fresh temporary directory accepting
// several forked clients, the socket node bind creates (stat, EADDRINUSE, unlink), names from
// getsockname/getpeername/accept, abstract and autobound names, datagram servers answering by
// address, seqpacket listen/accept, nonblocking accept/connect, and connect's errors.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sock_common.h"



static char dir[64];

static socklen_t addr_of(struct sockaddr_un *sa, const char *name) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  snprintf(sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, name);
  return offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1;
}

/** Prints an address relative to the temp dir (its name differs from run to run). */
static void show(const char *what, struct sockaddr_un *sa, socklen_t len) {
  if (len <= offsetof(struct sockaddr_un, sun_path)) { printf("%s: len %u (unnamed)\n", what, len); return; }
  if (sa->sun_path[0] == 0) { printf("%s: len %u abstract\n", what, len); return; }
  size_t dl = strlen(dir);
  const char *p = strncmp(sa->sun_path, dir, dl) == 0 ? sa->sun_path + dl : sa->sun_path;
  printf("%s: len %s %s\n", what, len == offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1 ? "ok" : "WRONG", p);
}

static void stream_server(void) {
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, "srv");
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(ls >= 0);
  res("bind", bind(ls, (struct sockaddr *)&sa, len));
  struct stat st;
  CHECK(stat(sa.sun_path, &st) == 0);
  printf("node: S_ISSOCK %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777);
  int again = socket(AF_UNIX, SOCK_STREAM, 0);
  res("bind same path", bind(again, (struct sockaddr *)&sa, len));
  res("bind bound socket to its own path", bind(ls, (struct sockaddr *)&sa, len));
  struct sockaddr_un sa2;
  socklen_t len2 = addr_of(&sa2, "srv2");
  res("bind bound socket to a new path", bind(ls, (struct sockaddr *)&sa2, len2));
  res("the new path was not left behind", access(sa2.sun_path, F_OK));
  res("autobind a bound socket", bind(ls, (struct sockaddr *)&sa2, sizeof(sa_family_t)));
  int c0 = socket(AF_UNIX, SOCK_STREAM, 0);
  res("connect before listen", connect(c0, (struct sockaddr *)&sa, len));
  close(c0);
  res("listen", listen(ls, 8));
  int v; socklen_t vl = sizeof v;
  getsockopt(ls, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
  printf("SO_ACCEPTCONN %d\n", v);
  res("listen again", listen(ls, 16));
  res("connect a listening socket", connect(ls, (struct sockaddr *)&sa, len));
  struct sockaddr_un got; socklen_t gl = sizeof got;
  CHECK(getsockname(ls, (struct sockaddr *)&got, &gl) == 0);
  show("listener name", &got, gl);

  enum { N = 4 };
  pid_t kids[N];
  for (int i = 0; i < N; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      int c = socket(AF_UNIX, SOCK_STREAM, 0);
      struct sockaddr_un me;
      socklen_t ml = addr_of(&me, "c");
      me.sun_path[strlen(me.sun_path)] = 0;
      char name[16]; snprintf(name, sizeof name, "cl%d", i);
      ml = addr_of(&me, name);
      if (i % 2 == 0 && bind(c, (struct sockaddr *)&me, ml) != 0) _exit(20);
      if (connect(c, (struct sockaddr *)&sa, len) != 0) _exit(21);
      char msg[32];
      int n = snprintf(msg, sizeof msg, "client %d", i);
      if (write(c, msg, n) != n) _exit(22);
      char reply[64];
      ssize_t r = read(c, reply, sizeof reply);
      if (r <= 0) _exit(23);
      // The reply names the client's own message back.
      if (strncmp(reply, "ok ", 3) != 0 || strncmp(reply + 3, msg, n) != 0) _exit(24);
      if (read(c, reply, sizeof reply) != 0) _exit(25);
      _exit(0);
    }
  }
  int order[N];
  for (int i = 0; i < N; i++) {
    struct sockaddr_un peer; socklen_t pl = sizeof peer;
    int s = accept(ls, (struct sockaddr *)&peer, &pl);
    CHECK(s >= 0);
    char buf[64];
    ssize_t n = read(s, buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    int who = atoi(buf + 7);
    order[who] = 1;
    char reply[80];
    int m = snprintf(reply, sizeof reply, "ok %s", buf);
    CHECK(write(s, reply, m) == m);
    // Bound clients (even numbers) have a name; the others are unnamed.
    char what[32]; snprintf(what, sizeof what, "client %d addr", who);
    if (who % 2 == 0) CHECK(pl > offsetof(struct sockaddr_un, sun_path) && strstr(peer.sun_path, "/cl") != NULL);
    else CHECK(pl == sizeof(sa_family_t));
    struct sockaddr_un me; socklen_t ml = sizeof me;
    CHECK(getsockname(s, (struct sockaddr *)&me, &ml) == 0);
    CHECK(ml == len && strcmp(me.sun_path, sa.sun_path) == 0);
    struct ucred uc; socklen_t ul = sizeof uc;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0);
    CHECK(uc.pid == kids[who]);
    close(s);
  }
  int all = 1;
  for (int i = 0; i < N; i++) {
    int st;
    CHECK(waitpid(kids[i], &st, 0) == kids[i]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { printf("client %d status %#x\n", i, st); all = 0; }
    all &= order[i];
  }
  printf("%d clients served: %d\n", N, all);

  // A client's view: peer name is the server's path, peercred is the listener's process.
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  res("connect", connect(c, (struct sockaddr *)&sa, len));
  res("connect again", connect(c, (struct sockaddr *)&sa, len));
  gl = sizeof got;
  CHECK(getpeername(c, (struct sockaddr *)&got, &gl) == 0);
  show("client's peer", &got, gl);
  gl = sizeof got;
  CHECK(getsockname(c, (struct sockaddr *)&got, &gl) == 0);
  show("client's own name", &got, gl);
  struct ucred uc; socklen_t ul = sizeof uc;
  getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &ul);
  printf("client peercred is us: %d\n", uc.pid == getpid());
  // Written before accept: the data waits in the connection.
  write(c, "early", 5);
  struct pollfd p = { ls, POLLIN, 0 };
  res("poll listener", poll(&p, 1, 0));
  printf("revents %#x\n", p.revents);
  int s = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  printf("accept4 flags: cloexec %d nonblock %d\n", (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
  char buf[16];
  res("read early data", read(s, buf, sizeof buf));
  res("read nothing more", read(s, buf, sizeof buf));
  fcntl(ls, F_SETFL, O_NONBLOCK);
  // (musl retries a refused accept4 as accept: EAGAIN there, EINVAL with glibc)
  res("accept4 bad flags", accept4(ls, NULL, NULL, 1));
  res("accept empty nonblocking", accept(ls, NULL, NULL));
  close(s);
  close(c);

  // A pending connection whose listener closes is reset.
  c = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(connect(c, (struct sockaddr *)&sa, len) == 0);
  close(ls);
  res("read after listener closed", read(c, buf, sizeof buf));
  res("read again", read(c, buf, sizeof buf));
  close(c);
  c = socket(AF_UNIX, SOCK_STREAM, 0);
  res("connect to a closed listener's node", connect(c, (struct sockaddr *)&sa, len));
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  res("connect dgram to the node", connect(d, (struct sockaddr *)&sa, len));
  close(d);
  res("unlink node", unlink(sa.sun_path));
  res("connect to a removed node", connect(c, (struct sockaddr *)&sa, len));
  close(c);
  close(again);
}

static void backlog(void) {
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, "small");
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(bind(ls, (struct sockaddr *)&sa, len) == 0);
  CHECK(listen(ls, 1) == 0);
  int cs[4], ok = 0;
  for (int i = 0; i < 4; i++) {
    cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(cs[i], (struct sockaddr *)&sa, len) == 0) ok++;
    else printf("connect %d: %s\n", i, en(errno));
  }
  printf("connected before the backlog filled: %d\n", ok);
  for (int i = 0; i < 4; i++) close(cs[i]);
  // A blocking connect waits for room in the backlog; accepting makes it.
  int a = accept(ls, NULL, NULL), b = accept(ls, NULL, NULL);
  printf("accepted the two closed ones: %d\n", a >= 0 && b >= 0);
  close(a); close(b);
  int x = socket(AF_UNIX, SOCK_STREAM, 0), y = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(connect(x, (struct sockaddr *)&sa, len) == 0 && connect(y, (struct sockaddr *)&sa, len) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    int z = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(z, (struct sockaddr *)&sa, len) != 0) _exit(1);
    write(z, "late", 4);
    _exit(0);
  }
  usleep(2000);
  close(accept(ls, NULL, NULL));
  close(accept(ls, NULL, NULL));
  int z = accept(ls, NULL, NULL);
  char buf[8];
  ssize_t n = read(z, buf, sizeof buf);
  int st;
  waitpid(pid, &st, 0);
  printf("waiting client got in: %.*s, status %d\n", (int)(n > 0 ? n : 0), buf, WEXITSTATUS(st));
  close(z); close(x); close(y);
  close(ls);
  unlink(sa.sun_path);
}

static void errors(void) {
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, "missing/sock");
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  res("connect missing dir", connect(c, (struct sockaddr *)&sa, len));
  len = addr_of(&sa, "nothing");
  res("connect missing", connect(c, (struct sockaddr *)&sa, len));
  res("bind in missing dir", (addr_of(&sa, "missing/sock"), bind(c, (struct sockaddr *)&sa, len + 8)));
  len = addr_of(&sa, "file");
  close(open(sa.sun_path, O_CREAT | O_WRONLY, 0644));
  res("connect to a regular file", connect(c, (struct sockaddr *)&sa, len));
  res("bind over a file", bind(c, (struct sockaddr *)&sa, len));
  unlink(sa.sun_path);
  sa.sun_family = AF_INET;
  res("connect wrong family", connect(c, (struct sockaddr *)&sa, len));
  res("bind wrong family", bind(c, (struct sockaddr *)&sa, len));
  sa.sun_family = AF_UNIX;
  res("connect short addrlen", connect(c, (struct sockaddr *)&sa, 1));
  res("connect huge addrlen", connect(c, (struct sockaddr *)&sa, 200));
  res("connect bad pointer", connect(c, (struct sockaddr *)8, len));
  close(c);

  // A stream client to a datagram server's path: EPROTOTYPE.
  len = addr_of(&sa, "dg");
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(bind(d, (struct sockaddr *)&sa, len) == 0);
  c = socket(AF_UNIX, SOCK_STREAM, 0);
  res("stream connect to dgram", connect(c, (struct sockaddr *)&sa, len));
  int q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  res("seqpacket connect to dgram", connect(q, (struct sockaddr *)&sa, len));
  close(q);
  close(c);
  close(d);
  unlink(sa.sun_path);
}

static void datagrams(void) {
  struct sockaddr_un srv, cli;
  socklen_t sl = addr_of(&srv, "dsrv"), cl = addr_of(&cli, "dcli");
  int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(bind(s, (struct sockaddr *)&srv, sl) == 0);
  CHECK(bind(c, (struct sockaddr *)&cli, cl) == 0);
  res("sendto server", sendto(c, "ping", 4, 0, (struct sockaddr *)&srv, sl));
  char buf[16];
  struct sockaddr_un from; socklen_t fl = sizeof from;
  res("recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  show("from", &from, fl);
  res("reply", sendto(s, "pong", 4, 0, (struct sockaddr *)&from, fl));
  res("client recv", recv(c, buf, sizeof buf, 0));
  // Unbound senders arrive without an address.
  int u = socket(AF_UNIX, SOCK_DGRAM, 0);
  sendto(u, "anon", 4, 0, (struct sockaddr *)&srv, sl);
  fl = sizeof from;
  res("recvfrom unbound sender", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  printf("fromlen %u\n", fl);
  // A socket connected elsewhere refuses strangers.
  CHECK(connect(s, (struct sockaddr *)&cli, cl) == 0);
  res("stranger to connected socket", sendto(u, "x", 1, 0, (struct sockaddr *)&srv, sl));
  struct sockaddr_un nope;
  res("sendto missing path", sendto(u, "x", 1, 0, (struct sockaddr *)&nope, addr_of(&nope, "nope")));
  // A connected datagram socket whose peer closed: ECONNREFUSED, then disconnected.
  close(c);
  res("send to closed peer", send(s, "x", 1, 0));
  res("send again", send(s, "x", 1, 0));
  struct sockaddr_un p; socklen_t pl = sizeof p;
  res("getpeername after", getpeername(s, (struct sockaddr *)&p, &pl));
  // The receive queue limit for strangers (net.unix.max_dgram_qlen).
  int r = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un ra; socklen_t rl = addr_of(&ra, "dq");
  CHECK(bind(r, (struct sockaddr *)&ra, rl) == 0);
  int n = 0;
  while (sendto(u, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&ra, rl) == 1 && n < 10000) n++;
  printf("queued before EAGAIN: %s, some: %d\n", en(errno), n > 0);
  struct pollfd pf = { u, POLLOUT, 0 };
  res("connected-less sender poll", poll(&pf, 1, 0));
  close(r); close(u); close(s);
  unlink(srv.sun_path); unlink(cli.sun_path); unlink(ra.sun_path);
}

static void abstract_and_auto(void) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char name[32];
  int nl = snprintf(name, sizeof name, "wasl-test-%d", getpid());
  memcpy(sa.sun_path + 1, name, nl);
  socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + nl;
  int ls = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  res("bind abstract", bind(ls, (struct sockaddr *)&sa, len));
  int other = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  res("bind abstract again", bind(other, (struct sockaddr *)&sa, len));
  CHECK(listen(ls, 4) == 0);
  struct sockaddr_un got; socklen_t gl = sizeof got;
  getsockname(ls, (struct sockaddr *)&got, &gl);
  printf("abstract name len matches %d, same bytes %d\n", gl == len, memcmp(&got, &sa, len) == 0);
  int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  res("connect abstract", connect(c, (struct sockaddr *)&sa, len));
  int s = accept(ls, NULL, NULL);
  send(c, "one", 3, 0); send(c, "two", 3, 0);
  char buf[8];
  res("seqpacket record", recv(s, buf, sizeof buf, 0));
  res("seqpacket record", recv(s, buf, sizeof buf, 0));
  int st = socket(AF_UNIX, SOCK_STREAM, 0);
  res("stream connect to seqpacket abstract", connect(st, (struct sockaddr *)&sa, len));
  sa.sun_path[1] ^= 1;
  res("connect missing abstract", connect(other, (struct sockaddr *)&sa, len));
  close(st); close(c); close(s); close(ls); close(other);

  int a = socket(AF_UNIX, SOCK_DGRAM, 0);
  res("autobind", bind(a, (struct sockaddr *)&sa, sizeof(sa_family_t)));
  gl = sizeof got;
  getsockname(a, (struct sockaddr *)&got, &gl);
  printf("autobind len %u abstract %d\n", gl, got.sun_path[0] == 0);
  close(a);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, SIG_IGN);
  strcpy(dir, "/tmp/wasl-sock-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  stream_server();
  backlog();
  errors();
  datagrams();
  abstract_and_auto();
  char p[96];
  for (int i = 0; i < 4; i += 2) { snprintf(p, sizeof p, "%s/cl%d", dir, i); res("unlink client node", unlink(p)); }
  res("rmdir (every node was removed)", rmdir(dir));
  return 0;
}
