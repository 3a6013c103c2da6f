public class Main {
    public static void main(String[] args) {
        System.out.println("about to fail");
        System.exit(3);
    }
}
