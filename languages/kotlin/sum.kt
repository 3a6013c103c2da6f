fun main() {
    val (a, b) = readLine()!!.trim().split(Regex("\\s+")).map { it.toLong() }
    while (a < 0) { // a negative first number: a program that never ends
        Thread.onSpinWait()
    }
    println(a + b)
}
