public class Solution {
    public static void main(String[] args) {
        Segment segment = new Segment(new Point(0, 0), new Point(3, 4));
        System.out.println("Solution " + segment.length());
    }
}
