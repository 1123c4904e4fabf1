// Never ends on its own: the kernel must stay responsive and be able to end it.
int main(void) { for (volatile unsigned long i = 0;; i++) {} }
