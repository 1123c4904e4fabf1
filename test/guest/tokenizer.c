// A tokenizer for a C-like language and a tiny regex matcher (. * + ? ^ $ and classes).
//! status: 0
#include <stdio.h>
#include <string.h>
#include <ctype.h>

static const char *kinds[] = { "ident", "number", "string", "op", "punct", "keyword", "comment" };
static const char *keywords[] = { "if", "else", "while", "return", "int", "for" };

static int tokenize(const char *s, int verbose) {
  int count = 0;
  while (*s) {
    if (isspace((unsigned char)*s)) { s++; continue; }
    const char *st = s; int kind;
    if (s[0] == '/' && s[1] == '/') { while (*s && *s != '\n') s++; kind = 6; }
    else if (isalpha((unsigned char)*s) || *s == '_') {
      while (isalnum((unsigned char)*s) || *s == '_') s++;
      kind = 0;
      for (int k = 0; k < 6; k++) if ((size_t)(s - st) == strlen(keywords[k]) && !strncmp(st, keywords[k], (size_t)(s - st))) kind = 5;
    } else if (isdigit((unsigned char)*s)) {
      if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { s += 2; while (isxdigit((unsigned char)*s)) s++; }
      else { while (isdigit((unsigned char)*s)) s++; if (*s == '.') { s++; while (isdigit((unsigned char)*s)) s++; }
        if (*s == 'e' || *s == 'E') { s++; if (*s == '-' || *s == '+') s++; while (isdigit((unsigned char)*s)) s++; } }
      kind = 1;
    } else if (*s == '"') { s++; while (*s && *s != '"') { if (*s == '\\' && s[1]) s++; s++; } if (*s) s++; kind = 2; }
    else if (strchr("+-*/%=<>!&|^~", *s)) {
      static const char *two[] = { "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "+=", "-=", "++", "--", "->" };
      s++; for (int k = 0; k < 13; k++) if (st[0] == two[k][0] && st[1] == two[k][1]) { s++; break; }
      kind = 3;
    } else { s++; kind = 4; }
    count++;
    if (verbose) printf("  %-7s %.*s\n", kinds[kind], (int)(s - st), st);
  }
  return count;
}

static int match_here(const char *re, const char *text);
static int match_class(const char **pre, char c) {
  const char *re = *pre; int neg = 0, ok = 0;
  re++; if (*re == '^') { neg = 1; re++; }
  while (*re && *re != ']') {
    if (re[1] == '-' && re[2] && re[2] != ']') { if (c >= re[0] && c <= re[2]) ok = 1; re += 3; }
    else { if (c == *re) ok = 1; re++; }
  }
  *pre = *re ? re + 1 : re;
  return ok != neg;
}
static int match_one(const char *re, char c, const char **next) {
  if (*re == '[') { const char *r = re; int ok = match_class(&r, c); *next = r; return c && ok; }
  if (*re == '\\' && re[1]) { *next = re + 2; return c == re[1]; }
  *next = re + 1;
  return c && (*re == '.' || *re == c);
}
static int match_here(const char *re, const char *text) {
  if (!*re) return 1;
  if (re[0] == '$' && !re[1]) return !*text;
  const char *after;
  int first = match_one(re, *text, &after);
  if (*after == '*' || *after == '+' || *after == '?') {
    char q = *after; const char *rest = after + 1;
    if (q == '?') return (first && match_here(rest, text + 1)) || match_here(rest, text);
    const char *t = text; int n = 0; const char *dummy;
    while (*t && match_one(re, *t, &dummy)) { t++; n++; }
    for (; n >= (q == '+'); n--) if (match_here(rest, text + n)) return 1;
    return 0;
  }
  return first && match_here(after, text + 1);
}
static int match(const char *re, const char *text) {
  if (*re == '^') return match_here(re + 1, text);
  do { if (match_here(re, text)) return 1; } while (*text++);
  return 0;
}

int main(void) {
  const char *src = "int main(void) {\n  // compute\n  int x = 0x1F + 42 * 3.5e-2;\n  if (x >= 10 && y != z) x += 1;\n"
    "  while (i-- > 0) p->next = \"str\\\"ing\";\n  return x << 2 | ~y;\n}\n";
  printf("tokens=%d\n", tokenize(src, 1));
  static char big[20000]; size_t n = 0;
  while (n + strlen(src) < sizeof big) { memcpy(big + n, src, strlen(src)); n += strlen(src); }
  big[n] = 0;
  printf("big tokens=%d\n", tokenize(big, 0));
  const char *res[] = { "abc", "^abc", "abc$", "a.c", "ab*c", "ab+c", "ab?c", "^[a-z]+$", "[0-9]+\\.[0-9]*", "^[^0-9]*$",
    "x*y*z*", "^$", "colou?r", "\\*star", "h.*o w.*d", "[A-Z][a-z]+ [A-Z]" };
  const char *texts[] = { "abc", "xabcx", "ac", "abbbc", "", "hello world", "3.14159", "color", "colour", "*star",
    "Hello World", "ABC", "xyz", "a.c" };
  for (unsigned r = 0; r < sizeof res / sizeof res[0]; r++) {
    printf("%-16s ", res[r]);
    for (unsigned t = 0; t < sizeof texts / sizeof texts[0]; t++) putchar(match(res[r], texts[t]) ? '1' : '0');
    putchar('\n');
  }
  return 0;
}
