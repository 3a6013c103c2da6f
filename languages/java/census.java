import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

public class Main {
    public static void main(String[] args) throws Exception {
        Thread.sleep(300);
        long runs = 0;
        for (String name : new File("/tmp").list()) {
            if (name.startsWith("glimpse-run-")) runs++;
        }
        System.out.println(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")) + " " + runs);
    }
}
