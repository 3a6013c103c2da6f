fun main() {
    println(greeting("two files"))
}
