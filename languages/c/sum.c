#include <stdio.h>

int main(void) {
    long a, b;
    if (scanf("%ld %ld", &a, &b) != 2) return 1;
    while (a < 0) {  /* a negative first number: a program that never ends */
        __asm__ volatile("");
    }
    printf("%ld\n", a + b);
    return 0;
}
