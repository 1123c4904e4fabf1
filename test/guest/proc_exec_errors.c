// execve's errors as Linux returns them, and `#!` scripts: an interpreter with one argument,
// a script run by a script, and interpreter loops.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT"; case EACCES: return "EACCES"; case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR"; case ELOOP: return "ELOOP"; case EFAULT: return "EFAULT";
    default: return strerror(e);
  }
}

static void try_exec(const char *what, const char *path) {
  char *args[] = { (char *)path, NULL };
  execv(path, args);
  printf("%s: %s\n", what, name(errno));
}

static void write_file(const char *path, const char *text, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  write(fd, text, strlen(text));
  close(fd);
  chmod(path, mode);
}

static void run(const char *what, const char *path) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) { char *args[] = { (char *)path, "x1", NULL }; execv(path, args); printf("%s: exec failed: %s\n", what, name(errno)); _exit(126); }
  int st;
  waitpid(c, &st, 0);
  printf("%s: exited %d\n", what, WEXITSTATUS(st));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "interp") == 0) {
    // Run as a script's interpreter: show the argument vector the kernel built.
    printf("  interpreter got %d args:", argc - 2);
    for (int i = 2; i < argc; i++) printf(" [%s]", strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]);
    printf("\n");
    return 0;
  }
  char dir[] = "/tmp/wasl-exec-XXXXXX";
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  char p[4][256], q[512];
  try_exec("missing file", "/nonexistent/file");
  try_exec("path through a file", "/etc/passwd/x");
  try_exec("a directory", "/tmp");
  snprintf(p[0], 256, "%s/noexec", dir);
  write_file(p[0], "#!/bin/sh\n", 0644);
  try_exec("no execute permission", p[0]);
  snprintf(p[1], 256, "%s/garbage", dir);
  write_file(p[1], "this is not a program\n", 0755);
  try_exec("not a program", p[1]);
  snprintf(p[2], 256, "%s/script", dir);
  snprintf(q, sizeof q, "#!%s interp\n", argv[0]);
  write_file(p[2], q, 0755);
  run("script with an argument", p[2]);
  snprintf(p[3], 256, "%s/nested", dir);
  snprintf(q, sizeof q, "#! %s\n", p[2]);
  write_file(p[3], q, 0755);
  run("script run by a script", p[3]);
  char loop[256];
  snprintf(loop, 256, "%s/loop", dir);
  snprintf(q, sizeof q, "#!%s\n", loop);
  write_file(loop, q, 0755);
  try_exec("a script that is its own interpreter", loop);
  char missing[256];
  snprintf(missing, 256, "%s/missing-interp", dir);
  write_file(missing, "#!/nonexistent/interpreter\n", 0755);
  try_exec("a missing interpreter", missing);
  unlink(p[0]); unlink(p[1]); unlink(p[2]); unlink(p[3]); unlink(loop); unlink(missing);
  rmdir(dir);
  return 0;
}
