// What the socket guests share: errno names for their output (the numbers are the same natively and
// under wasl, but names make a mismatch readable), a result line, and a check that ends the guest.
#ifndef SOCK_COMMON_H
#define SOCK_COMMON_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *en(int e) {
  switch (e) {
#define E(x) case x: return #x;
    E(EAGAIN) E(EPIPE) E(EINVAL) E(ENOTCONN) E(ECONNRESET) E(ECONNREFUSED) E(EBADF) E(ENOTSOCK) E(EAFNOSUPPORT)
    E(ESOCKTNOSUPPORT) E(EPROTONOSUPPORT) E(EOPNOTSUPP) E(ENOPROTOOPT) E(ESPIPE) E(EADDRINUSE) E(EISCONN) E(ENOENT)
    E(EFAULT) E(EPROTOTYPE) E(EPERM) E(ENOTEMPTY) E(EMSGSIZE) E(EACCES) E(EINTR) E(EEXIST) E(ENOTDIR)
    E(EINPROGRESS) E(ENETUNREACH) E(EADDRNOTAVAIL) E(EDESTADDRREQ)
#undef E
    default: return "other";
  }
}
static void res(const char *what, long r) { printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? en(errno) : ""); }
#define CHECK(x) do { if (!(x)) { printf("FAIL line %d: %s (errno %s)\n", __LINE__, #x, en(errno)); exit(1); } } while (0)
#endif
