public record Point(int x, int y) {
    public static void main(String[] args) {
        System.out.println("Point " + new Point(3, 4));
    }
}
