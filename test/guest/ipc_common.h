// Helpers for the System V IPC guests. The native run of these guests happens on the host's
// own IPC namespace, next to other tests running in parallel: every object is IPC_PRIVATE or
// keyed by ftok on a file of the guest's own, and every object made is removed at exit, also
// when a check fails.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *e(long r) {
  if (r >= 0) return "ok";
  switch (errno) {
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case EINTR: return "EINTR"; case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES"; case EFAULT: return "EFAULT"; case EEXIST: return "EEXIST"; case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC"; case ERANGE: return "ERANGE"; case E2BIG: return "E2BIG"; case EFBIG: return "EFBIG";
    case EIDRM: return "EIDRM"; case ENOMSG: return "ENOMSG"; case ENOMEM: return "ENOMEM"; case ENOSYS: return "ENOSYS";
    default: return strerror(errno);
  }
}

enum { SHM, SEM, MSG };
static struct { int kind, id; } made[64];
static int nmade;
static pid_t owner;
static char keyfile[64];

/** Remembers an object for removal at exit; returns id. */
static int track(int kind, int id) {
  if (id >= 0 && nmade < 64) { made[nmade].kind = kind; made[nmade].id = id; nmade++; }
  return id;
}

static void cleanup(void) {
  if (getpid() != owner) return;
  for (int i = 0; i < nmade; i++) {
    if (made[i].kind == SHM) shmctl(made[i].id, IPC_RMID, NULL);
    else if (made[i].kind == SEM) semctl(made[i].id, 0, IPC_RMID);
    else msgctl(made[i].id, IPC_RMID, NULL);
  }
  nmade = 0;
  if (keyfile[0]) unlink(keyfile);
}

static void on_fatal(int sig) { cleanup(); signal(sig, SIG_DFL); raise(sig); }

/** Call first: removal at exit and on the fatal signals; a file of our own for ftok keys. */
static void ipc_setup(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  owner = getpid();
  atexit(cleanup);
  signal(SIGSEGV, on_fatal); signal(SIGABRT, on_fatal); signal(SIGALRM, on_fatal);
  strcpy(keyfile, "/tmp/wasl-ipc-key-XXXXXX");
  int fd = mkstemp(keyfile);
  if (fd < 0) { keyfile[0] = 0; return; }
  close(fd);
  alarm(30); // a wait that never ends fails the run rather than hanging it
}

/** A key nothing else uses now: ftok on our file, with the first project id whose key is free. */
static __attribute__((unused)) key_t fresh_key(int (*probe)(key_t)) {
  for (int proj = 1; proj < 256; proj++) {
    key_t k = ftok(keyfile, proj);
    if (k != -1 && probe(k)) return k;
  }
  return IPC_PRIVATE;
}

/** Waits (polling) until process pid sleeps ('S' in /proc/pid/stat), at most ~10 s. */
static __attribute__((unused)) int wait_sleeping(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (int i = 0; i < 10000; i++) {
    FILE *f = fopen(path, "r");
    if (f) {
      size_t n = fread(buf, 1, sizeof buf - 1, f);
      fclose(f);
      buf[n] = 0;
      char *p = strrchr(buf, ')');
      if (p && p[1] == ' ' && p[2] == 'S') return 1;
    }
    usleep(1000);
  }
  return 0;
}

/** The child's exit status as a shell prints it. */
static int reap(pid_t pid) {
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/** The fields of id's line in /proc/sysvipc/<kind> (NULL when absent): the line after the id. */
static __attribute__((unused)) int sysvipc_line(const char *kind, int id, char *out, size_t len) {
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    int key, lid, n = 0;
    if (sscanf(line, "%d %d %n", &key, &lid, &n) >= 2 && lid == id) {
      snprintf(out, len, "%s", line + n);
      found = 1;
      break;
    }
  }
  fclose(f);
  return found;
}

/** Prints /proc/sys/kernel/<name> as it reads. */
static __attribute__((unused)) void print_sysctl(const char *name) {
  char path[64], buf[128] = "";
  snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
  FILE *f = fopen(path, "r");
  if (!f) { printf("%s: cannot open\n", path); return; }
  if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
  fclose(f);
  printf("%s: %s", path, buf);
}
