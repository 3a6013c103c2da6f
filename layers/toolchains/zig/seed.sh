#!/bin/sh
# Runs inside the build sandbox (the layer at /opt, a private /tmp): compiles hello world in C
# and C++ with EXACTLY the recipe commands (flags are part of Zig's cache keys: another -O level
# or -std would rebuild libc++), so that /tmp/zig-cache ends up holding everything a first
# compile needs. Modes:
#   seed    fill /tmp/zig-cache (bound to the build's seed directory)
#   probe   copy /tmp/seed to /tmp/zig-cache, compile other programs, write to /tmp/out/accessed the
#           seed files that compile read (their atime moved), so the rest can be pruned
#   precompile  write /tmp/out/iostream.pch.xz: <iostream> precompiled for the C++ command
#           (precompile.py, at /tmp/precompile.py)
#   verify  install /opt/zig-seed as /tmp/zig-cache as a runner does and prove a first compile
#           only adds the user's own objects: libc++, libc and compiler_rt come from the seed;
#           then install it as the C++ runner does and prove a compile with the PCH runs
set -eu
mode=$1
export ZIG_GLOBAL_CACHE_DIR=/tmp/zig-cache
CXX="/opt/zig/zig c++ -target x86_64-linux-gnu.2.34 -O2 -std=gnu++20 -Wall -Wextra"
mkdir -p /tmp/w && cd /tmp/w

programs() {  # $1 distinguishes the sources, so each mode compiles files the seed has not seen
    printf '#include <math.h>\n#include <stdio.h>\nint main(void) { printf("%s %%.3f\\n", sqrt(2.0)); return 0; }\n' "$1" > main.c
    printf '#include <iostream>\nint main() { std::cout << "%s" << std::endl; return 0; }\n' "$1" > main.cpp
}
compile() {
    /opt/zig/zig cc -target x86_64-linux-gnu.2.34 -O2 -std=gnu17 -Wall -Wextra -o main main.c -lm
    ./main
    $CXX -o main main.cpp
    ./main
}

case $mode in
seed)
    programs seeded
    compile ;;
probe)
    cp -a /tmp/seed /tmp/zig-cache
    find /tmp/zig-cache -exec touch -a -h -d @0 {} +
    programs probed
    compile
    (cd /tmp/zig-cache && find . -type f -newerat @1 | sed 's|^\./||' | sort) > /tmp/out/accessed ;;
verify)
    python3 /opt/zig-seed/install.py /tmp/zig-cache
    (cd /tmp/zig-cache && find o -mindepth 1 -maxdepth 1 | sort) > /tmp/before
    programs verified
    start=$(date +%s%N)
    compile
    echo "first C + C++ compile from the installed seed: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    (cd /tmp/zig-cache && find o -mindepth 1 -maxdepth 1 | sort) > /tmp/after
    for dir in $(comm -13 /tmp/before /tmp/after); do
        for file in /tmp/zig-cache/$dir/*; do
            case ${file##*/} in
            main.o) ;;
            *) echo "seed miss: the compile built ${file#/tmp/zig-cache/}"; exit 1 ;;
            esac
        done
    done
    rm -rf /tmp/zig-cache
    python3 /opt/zig-seed/install_cpp.py /tmp/zig-cache
    programs precompiled
    start=$(date +%s%N)
    $CXX -include-pch /tmp/zig-cache/pch/iostream.pch -o main main.cpp
    echo "C++ compile with the precompiled <iostream>: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    test "$(./main)" = precompiled ;;
precompile)
    python3 /opt/zig-seed/install.py /tmp/zig-cache
    python3 /tmp/precompile.py /opt/zig-seed/iostream.cpp /tmp/out/iostream.pch.xz $CXX ;;
*)
    echo "usage: seed.sh seed|probe|precompile|verify" >&2; exit 2 ;;
esac
