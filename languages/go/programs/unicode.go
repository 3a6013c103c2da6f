package main

import "fmt"

func main() {
	fmt.Println("héllo wörld 🌍 — 你好")
}
