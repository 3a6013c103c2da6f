#include <cstdio>

int main() {
    volatile int *nowhere = nullptr;
    *nowhere = 42;
    std::puts("unreachable");
}
