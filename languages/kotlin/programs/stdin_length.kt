fun main() {
    println(System.`in`.readBytes().size)
}
