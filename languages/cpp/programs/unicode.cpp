#include <iostream>

int main() {
    std::cout << "héllo wörld 🌍 — 你好" << std::endl;
}
