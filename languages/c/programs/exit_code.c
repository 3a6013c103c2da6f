#include <stdio.h>

int main(void) {
    puts("about to fail");
    return 3;
}
