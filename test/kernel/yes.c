// Writes forever; killed by SIGPIPE when the reader goes away.
#include <stdio.h>
int main(){ for(;;) puts("y"); }
