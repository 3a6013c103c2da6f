public class Main {
    public static void main(String[] args) {
        String line = "flood ".repeat(100);
        while (true) {
            System.out.println(line);
        }
    }
}
