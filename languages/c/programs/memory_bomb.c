#include <stdlib.h>
#include <string.h>

char *volatile last;  /* every block escapes here, so the compiler cannot drop the allocation */

int main(void) {
    for (;;) {
        char *block = malloc(16 << 20);
        if (!block) return 1;
        memset(block, 1, 16 << 20);
        last = block;
    }
}
