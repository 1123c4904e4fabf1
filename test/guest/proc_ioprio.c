// ioprio_get/ioprio_set (what ionice uses): the default (class none), each class and the checks
// on them (not levels of 8 and up: Linux 6.1 made those bits hints), values inherited by fork,
// IOPRIO_WHO_PGRP, a pid that does not exist, and a bad `which`. Run as root (the differential
// tests are), so the real-time class is allowed.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define PRIO(cls, data) (((cls) << 13) | (data))

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: class %ld data %ld\n", what, r >> 13, r & 0x1fff);
}
static long get(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long set(int which, int who, int prio) { return syscall(SYS_ioprio_set, which, who, prio); }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  show("default", get(WHO_PROCESS, 0));
  show("set idle", set(WHO_PROCESS, 0, PRIO(3, 0)));
  show("get", get(WHO_PROCESS, getpid()));
  show("set best-effort 7", set(WHO_PROCESS, 0, PRIO(2, 7)));
  show("get", get(WHO_PROCESS, 0));
  show("set real-time 0", set(WHO_PROCESS, 0, PRIO(1, 0)));
  show("get", get(WHO_PROCESS, 0));
  show("set none 1", set(WHO_PROCESS, 0, PRIO(0, 1)));
  show("set class 5", set(WHO_PROCESS, 0, PRIO(5, 0)));
  show("set best-effort 3", set(WHO_PROCESS, 0, PRIO(2, 3)));
  pid_t c = fork();
  if (c == 0) {
    show("child inherits", get(WHO_PROCESS, 0));
    set(WHO_PROCESS, 0, PRIO(3, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  show("parent unchanged", get(WHO_PROCESS, 0));
  show("pgrp", get(WHO_PGRP, 0));
  show("no such pid", get(WHO_PROCESS, 999999));
  show("bad which", get(9, 0));
  show("set none", set(WHO_PROCESS, 0, 0));
  show("get", get(WHO_PROCESS, 0));
  return 0;
}
