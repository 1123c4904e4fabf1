// Standard input and output redirected to regular files are seekable, as on Linux: lseek, pread
// and pwrite work on descriptors 0 and 1 (Java's FileInputStream.available() seeks stdin when
// fstat calls it a regular file, and fails on ESPIPE). Reports go to stdout, which is a file too.
// It leaves stdin at offset 7, where whoever shares the descriptor reads on.
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char report[4096];
static int len;
#define say(...) (len += snprintf(report + len, sizeof report - len, __VA_ARGS__))

int main(void) {
  struct stat st;
  char buf[64];
  fstat(0, &st);
  say("stdin regular=%d size=%lld\n", S_ISREG(st.st_mode), (long long)st.st_size);
  long start = lseek(0, 0, SEEK_CUR);
  say("start=%ld\n", start);
  ssize_t n = read(0, buf, 5);
  say("read=%zd \"%.*s\" cur=%ld\n", n, (int)n, buf, (long)lseek(0, 0, SEEK_CUR));
  // available(): the offset, the end, and back.
  long cur = lseek(0, 0, SEEK_CUR), end = lseek(0, 0, SEEK_END);
  say("available=%ld back=%ld\n", end - cur, (long)lseek(0, cur, SEEK_SET));
  n = read(0, buf, 4);
  say("read=%zd \"%.*s\"\n", n, (int)n, buf);
  n = pread(0, buf, 6, 1);
  say("pread@1=%zd \"%.*s\" cur=%ld\n", n, (int)n, buf, (long)lseek(0, 0, SEEK_CUR));
  say("seek_set=%ld ", (long)lseek(0, 2, SEEK_SET));
  n = read(0, buf, 3);
  say("read=%zd \"%.*s\"\n", n, (int)n, buf);
  say("seek_end=%ld ", (long)lseek(0, -3, SEEK_END));
  n = read(0, buf, sizeof buf);
  say("read=%zd \"%.*s\" ", n, (int)n, buf);
  say("then=%zd\n", read(0, buf, sizeof buf));
  say("negative=%ld\n", (long)lseek(0, -100, SEEK_SET));

  // Standard output: write, look where it is, rewrite the start by position and by seeking.
  write(1, "hello world\n", 12);
  say("out cur=%ld ", (long)lseek(1, 0, SEEK_CUR));
  say("pwrite=%zd ", pwrite(1, "H", 1, 0));
  say("seek=%ld ", (long)lseek(1, 6, SEEK_SET));
  write(1, "W", 1);
  say("cur=%ld ", (long)lseek(1, 0, SEEK_CUR));
  say("end=%ld\n", (long)lseek(1, 0, SEEK_END));
  write(1, report, len);
  // What the shell's next command reads from here on.
  lseek(0, 7, SEEK_SET);
  return 0;
}
