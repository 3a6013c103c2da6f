import java.util.*;

public class Solution {
    public static void main(String[] args) {
        List<Integer> squares = new ArrayList<>();
        for (int i = 1; i <= 3; i++) squares.add(i * i);
        System.out.println("Solution " + squares);
    }
}
