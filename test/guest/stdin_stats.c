// Reads all of stdin with read(2) in small pieces and with stdio; prints counts, words and a checksum.
//! stdin: "The quick brown fox\njumps over the lazy dog.\n\n  spaces   and\ttabs\t\nlast line without newline"
//! status: 0
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ctype.h>

int main(void) {
  static char buf[65536];
  size_t n = 0; int reads = 0;
  for (;;) {
    ssize_t r = read(0, buf + n, 7);
    if (r < 0) { printf("read error\n"); return 2; }
    if (r == 0) break;
    n += (size_t)r; reads++;
    if (n + 7 > sizeof buf) break;
  }
  unsigned lines = 0, words = 0, upper = 0, digits = 0; int inword = 0; unsigned h = 5381;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)buf[i];
    h = h * 33 + c;
    if (c == '\n') lines++;
    if (isupper(c)) upper++;
    if (isdigit(c)) digits++;
    if (isspace(c)) inword = 0; else if (!inword) { inword = 1; words++; }
  }
  printf("bytes=%zu lines=%u words=%u upper=%u digits=%u hash=%08x reads>0=%d\n", n, lines, words, upper, digits, h, reads > 0);
  // Echo lines reversed, numbered.
  char *save = NULL; int ln = 0;
  buf[n] = 0;
  for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    size_t len = strlen(line);
    printf("%2d: ", ++ln);
    for (size_t i = len; i > 0; i--) putchar(line[i - 1]);
    putchar('\n');
  }
  // A second read at EOF returns 0 again.
  printf("eof read=%zd\n", read(0, buf, 10));
  return 0;
}
