// Opening /dev/stdout, /dev/stdin or /proc/self/fd/N opens again what the descriptor refers to, as
// Linux does: a file gets a new description (its own offset from 0; O_TRUNC truncates, O_APPEND
// appends, and the access is the new open's), a pipe is the same pipe. `tool -o /dev/stdout` and `echo x > /dev/stderr` in scripts
// depend on it. Run with stdin and stdout on files or on pipes; everything it finds goes to stdout.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char report[4096];
static int len;
#define say(...) (len += snprintf(report + len, sizeof report - len, __VA_ARGS__))

int main(void) {
  char buf[64];
  write(1, "AAAAAAAAAA\n", 11);
  int out = open("/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0666);
  say("open /dev/stdout: %s\n", out < 0 ? strerror(errno) : "ok");
  say("write: %zd\n", write(out, "b\n", 2));
  errno = 0;
  say("offsets: new %ld ", (long)lseek(out, 0, SEEK_CUR));
  say("old %ld (%s)\n", (long)lseek(1, 0, SEEK_CUR), strerror(errno));
  int app = open("/proc/self/fd/1", O_WRONLY | O_APPEND);
  say("open /proc/self/fd/1: %s, ", app < 0 ? strerror(errno) : "ok");
  say("append %zd\n", write(app, "app\n", 4));
  errno = 0;
  say("ftruncate new: %d (%s)\n", ftruncate(out, 30), strerror(errno));
  // A new open may ask for more access than the descriptor had (ffmpeg reads back its mp4).
  int rw = open("/dev/stdout", O_RDWR);
  errno = 0;
  ssize_t back = pread(rw, buf, 6, 0);
  say("read back through O_RDWR: %zd \"%.*s\" (%s)\n", back, (int)(back > 0 ? back : 0), buf, strerror(errno));
  close(rw);

  int in = open("/dev/stdin", O_RDONLY);
  say("open /dev/stdin: %s, ", in < 0 ? strerror(errno) : "ok");
  ssize_t n = read(in, buf, 4);
  say("read %zd \"%.*s\", ", n, (int)(n > 0 ? n : 0), buf);
  n = read(0, buf, 2);
  say("then fd 0 reads %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
  close(out);
  close(app);
  close(in);
  write(1, report, len);
  return 0;
}
