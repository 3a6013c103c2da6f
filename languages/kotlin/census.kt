import java.io.File
import java.nio.file.Files
import java.nio.file.Path

fun main() {
    Thread.sleep(300)
    val runs = File("/tmp").list()!!.count { it.startsWith("glimpse-run-") }
    println("${Files.readSymbolicLink(Path.of("/proc/self/ns/pid"))} $runs")
}
