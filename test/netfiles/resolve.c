// Name resolution as a program in a container does it: getaddrinfo for each name given (through
// glibc's nsswitch "files" backend, or musl's /etc/hosts reader), getnameinfo for each address
// after "-r", and with "-n" first the hostname (gethostname) and what it resolves to.
// Prints one line per lookup; the same files give the same lines natively and under wasl.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void forward(const char *name, int family) {
  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_CANONNAME;
  int e = getaddrinfo(name, NULL, &hints, &res);
  printf("getaddrinfo %s %s:", name, family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "unspec");
  if (e) { printf(" error %s\n", e == EAI_NONAME ? "EAI_NONAME" : e == EAI_AGAIN ? "EAI_AGAIN" : gai_strerror(e)); return; }
  if (res->ai_canonname) printf(" canon=%s", res->ai_canonname);
  for (ai = res; ai; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN];
    const void *a = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                             : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
    printf(" %s", inet_ntop(ai->ai_family, a, buf, sizeof buf));
  }
  printf("\n");
  freeaddrinfo(res);
}

static void reverse(const char *addr) {
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
    ss.ss_family = AF_INET;
    len = sizeof(struct sockaddr_in);
  } else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
    ss.ss_family = AF_INET6;
    len = sizeof(struct sockaddr_in6);
  } else {
    printf("getnameinfo %s: not an address\n", addr);
    return;
  }
  char host[NI_MAXHOST];
  int e = getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, NULL, 0, NI_NAMEREQD);
  printf("getnameinfo %s: %s\n", addr, e ? (e == EAI_NONAME ? "error EAI_NONAME" : "error") : host);
}

int main(int argc, char **argv) {
  int rev = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n")) {
      char h[256];
      if (gethostname(h, sizeof h)) { perror("gethostname"); return 1; }
      printf("gethostname: %s\n", h);
      forward(h, AF_INET);
      forward(h, AF_UNSPEC);
    } else if (!strcmp(argv[i], "-r")) rev = 1;
    else if (rev) reverse(argv[i]);
    else {
      forward(argv[i], AF_INET);
      forward(argv[i], AF_INET6);
      forward(argv[i], AF_UNSPEC);
    }
  }
  return 0;
}
