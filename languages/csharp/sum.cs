using System;

public class Solution {
    public static void Main() {
        var numbers = Console.In.ReadToEnd().Split((char[])null, StringSplitOptions.RemoveEmptyEntries);
        long a = long.Parse(numbers[0]), b = long.Parse(numbers[1]);
        while (a < 0) { // a negative first number: a program that never ends
        }
        Console.WriteLine(a + b);
    }
}
