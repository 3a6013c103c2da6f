package main

func greeting(name string) string {
	return "hello from " + name
}
