// /proc/self: exe, cwd, fd, cmdline, environ, stat, status and maps agree with what the process
// knows about itself.
//! args: ["first", "second arg"]
//! env: {"WASL_PROC_TEST": "yes"}
//! status: 0
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>

static long slurp(const char *path, char *buf, long size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  long n = 0, r;
  while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0) n += r;
  buf[n] = 0;
  close(fd);
  return n;
}

int main(int argc, char **argv) {
  static char buf[1 << 16], link[PATH_MAX], real[PATH_MAX];
  long n = readlink("/proc/self/exe", link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  realpath(argv[0], real);
  printf("exe matches: %d\n", strcmp(link, real) == 0);
  char cwd[PATH_MAX];
  getcwd(cwd, sizeof cwd);
  n = readlink("/proc/self/cwd", link, sizeof link - 1); link[n > 0 ? n : 0] = 0;
  printf("cwd matches: %d\n", strcmp(link, cwd) == 0);
  chdir("/tmp");
  n = readlink("/proc/self/cwd", link, sizeof link - 1); link[n > 0 ? n : 0] = 0;
  printf("cwd after chdir: %s\n", link);
  n = slurp("/proc/self/cmdline", buf, sizeof buf);
  printf("cmdline bytes %ld:", n - (long)strlen(argv[0]) - 1);
  for (char *p = buf + strlen(buf) + 1; p < buf + n; p += strlen(p) + 1) printf(" [%s]", p);
  printf("\n");
  n = slurp("/proc/self/environ", buf, sizeof buf);
  int found = 0;
  for (char *p = buf; p < buf + n; p += strlen(p) + 1) if (strcmp(p, "WASL_PROC_TEST=yes") == 0) found = 1;
  printf("environ has var: %d\n", found);
  slurp("/proc/self/stat", buf, sizeof buf);
  int pid; char comm[64]; char state;
  sscanf(buf, "%d (%63[^)]) %c", &pid, comm, &state);
  printf("stat pid ok %d comm %s\n", pid == getpid(), comm);
  slurp("/proc/self/status", buf, sizeof buf);
  char *name = strstr(buf, "Name:\t"), *pidl = strstr(buf, "\nPid:\t");
  printf("status name %.*s pid ok %d\n", (int)strcspn(name + 6, "\n"), name + 6, pidl && atoi(pidl + 6) == getpid());
  printf("status has PPid %d Uid %d\n", strstr(buf, "\nPPid:\t") != NULL, strstr(buf, "\nUid:\t") != NULL);
  slurp("/proc/self/maps", buf, sizeof buf);
  realpath(argv[0], real);
  printf("maps has exe %d stack %d\n", strstr(buf, real) != NULL, strstr(buf, "[stack]") != NULL);
  int fd = open("/proc/self/exe", O_RDONLY);
  char fdpath[64]; snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
  n = readlink(fdpath, link, sizeof link - 1); link[n > 0 ? n : 0] = 0;
  printf("fd link is exe %d\n", strcmp(link, real) == 0);
  DIR *d = opendir("/proc/self/fd");
  // Which descriptors a test harness leaves open beyond stdio differs: look for ours only.
  int std = 0, has = 0, dfd = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    int n = atoi(e->d_name);
    if (n <= 2) std++;
    if (n == fd || n == dfd) has++;
  }
  closedir(d);
  printf("fd dir: stdio %d, ours %d\n", std, has);
  n = readlink("/proc/self/fd/0", link, sizeof link - 1); link[n > 0 ? n : 0] = 0;
  printf("stdin is a pipe: %d\n", strncmp(link, "pipe:[", 6) == 0);
  char self[32]; n = readlink("/proc/self", self, sizeof self - 1); self[n > 0 ? n : 0] = 0;
  printf("/proc/self is pid %d\n", atoi(self) == getpid());
  snprintf(fdpath, sizeof fdpath, "/proc/%d/cmdline", getpid());
  n = slurp(fdpath, buf, sizeof buf);
  printf("pid dir cmdline ok %d\n", n > 0 && strcmp(buf, argv[0]) == 0);
  slurp("/proc/self/mounts", buf, sizeof buf);
  printf("mounts has proc %d\n", strstr(buf, " /proc proc ") != NULL);
  printf("meminfo %d cpuinfo %d uptime %d\n", slurp("/proc/meminfo", buf, sizeof buf) > 0 && strstr(buf, "MemTotal:") != NULL,
    slurp("/proc/cpuinfo", buf, sizeof buf) > 0 && strstr(buf, "processor") != NULL, slurp("/proc/uptime", buf, sizeof buf) > 0);
  // A child's directory: there while it lives (looked up again, the same), gone once it is reaped;
  // a pid written with a leading zero names no process.
  int ready[2], go[2];
  pipe(ready); pipe(go);
  pid_t child = fork();
  if (child == 0) { char c; write(ready[1], "r", 1); read(go[0], &c, 1); _exit(0); }
  char c; read(ready[0], &c, 1);
  char cdir[64], ccomm[64]; struct stat st1, st2;
  snprintf(cdir, sizeof cdir, "/proc/%d", child);
  int a = stat(cdir, &st1) == 0, b2 = stat(cdir, &st2) == 0;
  snprintf(fdpath, sizeof fdpath, "/proc/%d/comm", child);
  slurp(fdpath, ccomm, sizeof ccomm);
  printf("child dir %d %d same ino %d comm %s", a, b2, st1.st_ino == st2.st_ino, ccomm);
  snprintf(fdpath, sizeof fdpath, "/proc/0%d", child);
  printf("leading zero: %d\n", stat(fdpath, &st1) == 0);
  write(go[1], "g", 1);
  waitpid(child, NULL, 0);
  printf("reaped child dir: %d\n", stat(cdir, &st1) == 0);
  return 0;
}
