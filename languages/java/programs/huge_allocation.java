// 3.2 GB at once: more than the heap the limit allows (-Xmx), an OutOfMemoryError.
public class Main {
    public static void main(String[] args) {
        long[] region = new long[400_000_000];
        System.out.println(region.length);
    }
}
