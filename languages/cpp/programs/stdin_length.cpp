#include <iostream>
#include <iterator>
#include <string>

int main() {
    std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::cout << data.size() << "\n";
}
