#include <iostream>

int main() {
    std::cout << "unclosed" << std::endl
}
