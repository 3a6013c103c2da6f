package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("about to fail")
	os.Exit(3)
}
