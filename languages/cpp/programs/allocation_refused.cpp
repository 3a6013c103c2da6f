// Blocks allocated with malloc and never checked, until one is refused (the address-space
// backstop) and the write through its null pointer crashes: still the memory limit's doing.
#include <cstdlib>

char *volatile last;  // every block escapes here, so the compiler cannot drop the allocation

int main() {
    for (;;) {
        char *block = static_cast<char *>(std::malloc(1 << 20));
        block[0] = 1;
        last = block;
    }
}
