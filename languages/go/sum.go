package main

import "fmt"

func main() {
	var a, b int64
	if _, err := fmt.Scan(&a, &b); err != nil {
		panic(err)
	}
	for a < 0 { // a negative first number: a program that never ends
	}
	fmt.Println(a + b)
}
