#include "helper.hpp"

std::string greeting(const std::string &name) {
    return "hello from " + name;
}
