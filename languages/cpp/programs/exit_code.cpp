#include <iostream>

int main() {
    std::cout << "about to fail" << std::endl;
    return 3;
}
