#!/bin/sh
# Runs inside the build sandbox (the layer at /opt, a private /tmp), with the environment a
# recipe uses (see ../README.md). Modes:
#   seed    build the standard-library packages programs commonly import into /opt/go-cache,
#           with the recipe's command (`go build -trimpath`, CGO_ENABLED=0: both are cache keys)
#   verify  with /opt read-only, build hello world in a fresh module and in GOPATH mode, and
#           prove that only the user's own package is compiled: the standard library is a hit
set -eu
mode=$1
export HOME=/tmp/w GOROOT=/opt/go GOCACHE=/opt/go-cache XDG_CONFIG_HOME=/opt/go-config GODEBUG=goindex=0 \
    CGO_ENABLED=0 GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GOFLAGS=-mod=mod GOENV=off
mkdir -p /tmp/w && cd /tmp/w

case $mode in
seed)
    printf 'module main\n\ngo 1.27\n' > go.mod
    {
        echo 'package main'
        echo 'import ('
        for package in bufio bytes cmp container/heap container/list container/ring context encoding/base64 \
            encoding/binary encoding/csv encoding/hex encoding/json errors flag fmt hash/crc32 hash/fnv io io/fs \
            iter log maps math math/big math/bits math/cmplx math/rand math/rand/v2 os os/signal path \
            path/filepath reflect regexp slices sort strconv strings sync sync/atomic text/tabwriter \
            text/template time unicode unicode/utf16 unicode/utf8 crypto/md5 crypto/sha1 crypto/sha256 \
            runtime runtime/debug; do
            echo "    _ \"$package\""
        done
        echo ')'
        echo 'func main() {}'
    } > main.go
    /opt/go/bin/go build -trimpath -o main .
    ;;
verify)
    printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("verified") }\n' > main.go
    for layout in module gopath; do
        if [ $layout = module ]; then printf 'module main\n\ngo 1.27\n' > go.mod; unset GO111MODULE
        else rm -f go.mod; export GO111MODULE=off; fi
        start=$(date +%s%N)
        /opt/go/bin/go build -x -trimpath -o main . 2> build.log
        elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
        ./main
        compiled=$(grep -c '/compile -o' build.log || true)
        echo "go build ($layout) from the read-only seed: $elapsed ms, $compiled package(s) compiled"
        if [ "$compiled" != 1 ]; then
            echo "seed miss: more than the main package was compiled"; grep '/compile -o' build.log | head; exit 1
        fi
    done
    ;;
*)
    echo "usage: seed.sh seed|verify" >&2; exit 2 ;;
esac
