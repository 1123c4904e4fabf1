// argv, envp and getenv(): prints every argument and environment entry, and the auxv-independent view.
//! args: ["alpha", "two words", "", "--flag=x", "ünïcödé", "last"]
//! env: {"WASL_TEST_A": "apple", "WASL_TEST_EMPTY": "", "WASL_TEST_EQ": "a=b=c"}
//! status: 6
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv, char **envp) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d]=[%s] len=%zu\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "not NULL");
  // argv[0] is the path the caller passed; print only its base name.
  const char *slash = strrchr(argv[0], '/');
  printf("argv[0] base=[%s]\n", slash ? slash + 1 : argv[0]);
  int n = 0;
  for (char **e = envp; *e; e++) n++;
  printf("envp entries=%d same-as-environ=%d\n", n, envp == environ);
  for (char **e = envp; *e; e++) if (!strncmp(*e, "WASL_TEST_", 10)) printf("env: %s\n", *e);
  const char *names[] = { "WASL_TEST_A", "WASL_TEST_EMPTY", "WASL_TEST_EQ", "WASL_TEST_MISSING", "LANG" };
  for (int i = 0; i < 5; i++) { const char *v = getenv(names[i]); printf("getenv(%s)=%s%s%s\n", names[i], v ? "[" : "", v ? v : "NULL", v ? "]" : ""); }
  setenv("WASL_TEST_NEW", "fresh", 1);
  setenv("WASL_TEST_A", "not-replaced", 0);
  setenv("WASL_TEST_EQ", "replaced", 1);
  unsetenv("WASL_TEST_EMPTY");
  printf("after: NEW=%s A=%s EQ=%s EMPTY=%s\n", getenv("WASL_TEST_NEW"), getenv("WASL_TEST_A"), getenv("WASL_TEST_EQ"),
    getenv("WASL_TEST_EMPTY") ? "set" : "unset");
  // The argument strings sit one after another, NUL-separated, as the kernel lays them out.
  int contiguous = 1;
  for (int i = 1; i < argc; i++) if (argv[i] != argv[i - 1] + strlen(argv[i - 1]) + 1) contiguous = 0;
  printf("argv strings contiguous=%d\n", contiguous);
  return argc - 1;
}
