#include <stdio.h>

int main(void) {
    puts("unclosed")
    return 0;
}
