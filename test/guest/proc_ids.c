// Process groups and sessions (setpgid/getpgid/setsid/getsid and their errors) and credentials
// (set*uid/set*gid as root, then as an ordinary user).
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *e(int r) {
  if (r >= 0) return "ok";
  switch (errno) {
    case EPERM: return "EPERM"; case ESRCH: return "ESRCH"; case EACCES: return "EACCES"; case EINVAL: return "EINVAL";
    default: return strerror(errno);
  }
}

int main(int argc, char **argv) {
  // "pause FD": the exec'd child says it is running (one byte on FD), then waits to be killed.
  if (argc > 2) { char b = 1; write(atoi(argv[2]), &b, 1); pause(); return 0; }
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t me = getpid();
  // A new session makes this process its leader (it must not lead a group first: fork one).
  pid_t c = fork();
  if (c == 0) {
    printf("child: setsid %s, sid==pid %d, pgid==pid %d\n", e(setsid()), getsid(0) == getpid(), getpgid(0) == getpid());
    printf("child: setsid again %s\n", e(setsid()));
    printf("child: setpgid as session leader %s\n", e(setpgid(0, 0)));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("getpgid(0)==getpgrp %d, getsid(0)==getsid(me) %d\n", getpgid(0) == getpgrp(), getsid(0) == getsid(me));
  printf("getpgid of a missing pid: %s\n", e(getpgid(999999)));
  printf("setpgid of a missing pid: %s\n", e(setpgid(999999, 0)));
  printf("setpgid negative: %s\n", e(setpgid(0, -1)));
  // A child in its own group, then one that joins it.
  int p[2];
  pipe(p);
  c = fork();
  if (c == 0) { char b; close(p[1]); read(p[0], &b, 1); _exit(0); }
  printf("setpgid(child, child): %s, getpgid(child)==child %d\n", e(setpgid(c, c)), getpgid(c) == c);
  printf("setpgid(child, missing group): %s\n", e(setpgid(c, 999998)));
  pid_t d = fork();
  if (d == 0) { char b; close(p[1]); read(p[0], &b, 1); _exit(0); }
  printf("setpgid(second, first's group): %s\n", e(setpgid(d, c)));
  close(p[1]);
  waitpid(c, NULL, 0);
  waitpid(d, NULL, 0);
  // A child that has exec'd may no longer be moved.
  int ready[2];
  pipe(ready);
  c = fork();
  if (c == 0) {
    char fd[16];
    snprintf(fd, sizeof fd, "%d", ready[1]);
    char *args[] = { argv[0], "pause", fd, NULL };
    execv(argv[0], args);
    _exit(127);
  }
  close(ready[1]);
  char b;
  read(ready[0], &b, 1);
  close(ready[0]);
  printf("setpgid on an exec'd child: %s\n", e(setpgid(c, c)));
  kill(c, 9);
  waitpid(c, NULL, 0);

  // Credentials: root can do anything; then as user 1000 only its own ids.
  gid_t groups[2] = { 5, 6 };
  printf("setgroups: %s, getgroups count %d\n", e(setgroups(2, groups)), getgroups(0, NULL));
  printf("setresgid(10,11,12): %s\n", e(setresgid(10, 11, 12)));
  gid_t rg, eg, sg;
  getresgid(&rg, &eg, &sg);
  printf("gids %u %u %u, getgid %u getegid %u\n", rg, eg, sg, getgid(), getegid());
  printf("setreuid(1000, 1001): %s\n", e(setreuid(1000, 1001)));
  uid_t r, ef, s;
  getresuid(&r, &ef, &s);
  printf("uids %u %u %u\n", r, ef, s);
  printf("setuid(0) as user: %s\n", e(setuid(0)));
  printf("seteuid(1000): %s, geteuid %u\n", e(seteuid(1000)), geteuid());
  printf("setuid(1001) back to saved: %s, geteuid %u\n", e(setuid(1001)), geteuid());
  printf("setgroups as user: %s\n", e(setgroups(0, NULL)));
  return 0;
}
