package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	time.Sleep(300 * time.Millisecond)
	ns, _ := os.Readlink("/proc/self/ns/pid")
	entries, _ := os.ReadDir("/tmp")
	runs := 0
	for _, entry := range entries {
		if strings.HasPrefix(entry.Name(), "glimpse-run-") {
			runs++
		}
	}
	fmt.Println(ns, runs)
}
