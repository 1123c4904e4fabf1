// A dynamically linked program: libc from the shared object, then libm through dlopen/dlsym.
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("hello from a dynamic program, argc %d\n", argc);
  void *h = dlopen(argc > 1 ? argv[1] : "libm.so.6", RTLD_NOW);
  if (!h) { printf("dlopen failed\n"); return 1; }
  double (*f)(double) = (double (*)(double))dlsym(h, "sqrt");
  printf("sqrt(2) through dlsym: %.6f\n", f ? f(2.0) : -1.0);
  printf("dlclose: %d\n", dlclose(h));
  return 3;
}
