package main

import "fmt"

func main() {
	fmt.Println(greeting("two files"))
}
