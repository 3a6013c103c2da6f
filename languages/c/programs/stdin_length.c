#include <stdio.h>

int main(void) {
    char buffer[65536];
    size_t n, total = 0;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0)
        total += n;
    printf("%zu\n", total);
    return 0;
}
