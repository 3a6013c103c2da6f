import kotlin.system.exitProcess

fun main() {
    println("about to fail")
    exitProcess(3)
}
