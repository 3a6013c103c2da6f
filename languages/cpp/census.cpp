#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <unistd.h>

int main() {
    timespec pause{0, 300000000};
    nanosleep(&pause, nullptr);
    char ns[64] = {};
    readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    int runs = 0;
    DIR *tmp = opendir("/tmp");
    for (dirent *entry; tmp && (entry = readdir(tmp));)
        runs += std::strncmp(entry->d_name, "glimpse-run-", 12) == 0;
    std::printf("%s %d\n", ns, runs);
}
