#include <iostream>
#include "helper.hpp"

int main() {
    std::cout << greeting("two files") << "\n";
}
