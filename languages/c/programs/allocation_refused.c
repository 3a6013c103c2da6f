/* Blocks allocated and never touched, until malloc refuses one (the address-space backstop): the
 * program reports it in its own words and exits 1, yet the run is the memory limit's doing. */
#include <stdio.h>
#include <stdlib.h>

void *volatile last;  /* every block escapes here, so the compiler cannot drop the allocation */

int main(void) {
    for (long megabytes = 0;; megabytes++) {
        void *block = malloc(1 << 20);
        if (!block) {
            fprintf(stderr, "no memory after %ld MB\n", megabytes);
            return 1;
        }
        last = block;
    }
}
