#include <stdio.h>

int main(void) {
    volatile int *nowhere = NULL;
    *nowhere = 42;
    puts("unreachable");
    return 0;
}
