import java.util.Scanner;

public class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        while (a < 0) { // a negative first number: a program that never ends
            Thread.onSpinWait();
        }
        System.out.println(a + b);
    }
}
