// Nice values (getpriority/setpriority: per thread, inherited by fork and pthread_create, EACCES
// for an ordinary user lowering them, EPERM on another user's process), membarrier's registration
// rules, capget's version handshake and an ordinary user's empty sets, and mlock's checks.
// Absolute nice values and root's capabilities depend on how the test is launched, so only
// relative values and the ordinary user's view are printed.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The kernel ABI, spelled out (musl ships no linux/ headers). */
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522
#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static const char *e(long r) {
  if (r >= 0) return "ok";
  switch (errno) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ESRCH: return "ESRCH";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    default: return strerror(errno);
  }
}

static int base;

static void *thread_nice(void *arg) {
  (void)arg;
  int inherited = getpriority(PRIO_PROCESS, syscall(SYS_gettid)) - base;
  setpriority(PRIO_PROCESS, syscall(SYS_gettid), base + 7);
  int mine = getpriority(PRIO_PROCESS, syscall(SYS_gettid)) - base;
  printf("thread: inherited +%d, own now +%d\n", inherited, mine);
  return NULL;
}

int main(void) {
  errno = 0;
  base = getpriority(PRIO_PROCESS, 0);
  printf("getpriority self: %s\n", errno ? e(-1) : "ok");
  if (base > 14) base = 14; /* room for +5 */
  printf("set +2: %s\n", e(setpriority(PRIO_PROCESS, 0, base + 2)));
  printf("now +%d\n", getpriority(PRIO_PROCESS, 0) - base);
  setpgid(0, 0); /* a group of its own: the launcher's processes have other nice values */
  printf("pgrp view +%d\n", getpriority(PRIO_PGRP, 0) - base);
  const char *r = e(setpriority(PRIO_PROCESS, 0, 100));
  printf("clamped to 19: %s %d\n", r, getpriority(PRIO_PROCESS, 0));
  setpriority(PRIO_PROCESS, 0, base + 2);
  errno = 0;
  printf("bad which: %s\n", e(getpriority(7, 0)));
  printf("no such pid: %s\n", e(setpriority(PRIO_PROCESS, 999999, 1)));

  pthread_t th;
  pthread_create(&th, NULL, thread_nice, NULL);
  pthread_join(th, NULL);
  printf("main thread still +%d\n", getpriority(PRIO_PROCESS, 0) - base);

  fflush(stdout);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    printf("child inherited +%d\n", getpriority(PRIO_PROCESS, 0) - base);
    if (setuid(65534) != 0) { perror("setuid"); _exit(1); }
    printf("user: raise to +4: %s\n", e(setpriority(PRIO_PROCESS, 0, base + 4)));
    printf("user: lower to +3: %s\n", e(setpriority(PRIO_PROCESS, 0, base + 3)));
    printf("user: root's process: %s\n", e(setpriority(PRIO_PROCESS, parent, base + 5)));
    struct cap_header h = { CAP_VERSION_3, 0 };
    struct cap_data d[2];
    memset(d, 0xff, sizeof d);
    const char *c = e(syscall(SYS_capget, &h, d));
    printf("user: capget %s eff %x/%x perm %x/%x\n", c, d[0].effective, d[1].effective, d[0].permitted, d[1].permitted);
    printf("user: capset same %s\n", e(syscall(SYS_capset, &h, d)));
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_MEMLOCK, &rl);
    char *p = malloc(100);
    printf("user: mlock with RLIMIT_MEMLOCK 0: %s\n", e(mlock(p, 100)));
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);

  /* capget: an unknown version gets the preferred one written back; with NULL data that is the
   * probe libcap uses and succeeds, with data it is EINVAL */
  struct cap_data d[2];
  struct cap_header h = { 0x12345678, 0 };
  const char *c = e(syscall(SYS_capget, &h, NULL));
  printf("capget probe: %s, version now %#x\n", c, h.version);
  h.version = 0x12345678;
  c = e(syscall(SYS_capget, &h, d));
  printf("capget bad version: %s, version now %#x\n", c, h.version);
  h.version = CAP_VERSION_3;
  h.pid = 999999;
  printf("capget NULL data, no such pid: %s\n", e(syscall(SYS_capget, &h, NULL)));
  printf("capget no such pid: %s\n", e(syscall(SYS_capget, &h, d)));
  printf("capget bad header: %s\n", e(syscall(SYS_capget, (void *)8, NULL)));

  /* membarrier */
  long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  printf("membarrier query has private expedited: %d\n", q >= 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0);
  printf("private expedited unregistered: %s\n", e(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)));
  printf("register: %s\n", e(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)));
  printf("private expedited: %s\n", e(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)));
  printf("bad flags: %s\n", e(syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0)));
  printf("bad command: %s\n", e(syscall(SYS_membarrier, 1 << 20, 0, 0)));

  /* mlock */
  char *buf = malloc(10000);
  printf("mlock heap: %s\n", e(mlock(buf, 10000)));
  printf("munlock heap: %s\n", e(munlock(buf, 10000)));
  printf("mlock length 0: %s\n", e(mlock(buf, 0)));
  char *hole = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole + 4096, 4096);
  printf("mlock across a hole: %s\n", e(mlock(hole, 3 * 4096)));
  printf("mlock2 bad flags: %s\n", e(syscall(SYS_mlock2, buf, 100, 2)));
  printf("mlock2 onfault: %s\n", e(syscall(SYS_mlock2, buf, 100, 1)));
  printf("mlockall 0: %s\n", e(mlockall(0)));
  printf("mlockall onfault alone: %s\n", e(mlockall(MCL_ONFAULT)));
  printf("munlockall: %s\n", e(munlockall()));
  return 0;
}
