// 3.2 GB at once: more than the heap the limit allows (-Xmx), an OutOfMemoryError.
fun main() {
    val region = LongArray(400_000_000)
    println(region.size)
}
