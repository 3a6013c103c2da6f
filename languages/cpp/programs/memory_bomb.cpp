#include <vector>

std::vector<char> *volatile last;  // every block escapes here, so the compiler keeps them

int main() {
    for (;;) {
        last = new std::vector<char>(16 << 20, 1);
    }
}
