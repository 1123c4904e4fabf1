/* Prints WORD (a -D define): two builds that differ only in a word of the same length are files of
 * the same size, for the exec-after-rewrite test. */
#include <stdio.h>
int main(void) { puts(WORD); return 0; }
