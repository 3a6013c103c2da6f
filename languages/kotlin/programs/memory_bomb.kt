fun main() {
    val blocks = ArrayList<ByteArray>()
    while (true) {
        blocks.add(ByteArray(16 shl 20))
    }
}
