// 3 GB at once, then touched: the memory watch stops it.
package main

import "fmt"

func main() {
	region := make([]byte, 3<<30)
	for offset := 0; offset < len(region); offset += 4096 {
		region[offset] = 1
	}
	fmt.Println(len(region))
}
