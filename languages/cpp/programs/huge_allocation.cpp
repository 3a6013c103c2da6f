// 3 GB at once: the address-space backstop refuses it, and new throws std::bad_alloc.
#include <cstdio>
#include <memory>

int main() {
    std::size_t size = std::size_t{3} << 30;
    auto region = std::make_unique<char[]>(size);
    unsigned long touched = 0;
    for (std::size_t offset = 0; offset < size; offset += 4096) touched += ++region[offset];
    std::printf("%lu pages\n", touched);
}
