/* 3 GB mapped at once: the address-space backstop refuses it, and the program says so. */
#include <stdio.h>
#include <sys/mman.h>

int main(void) {
    unsigned long size = 3UL << 30;
    char *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (unsigned long offset = 0; offset < size; offset += 4096) region[offset] = 1;
    puts("mapped");
}
