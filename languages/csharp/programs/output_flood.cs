using System;
using System.Linq;

class Program {
    static void Main() {
        var line = string.Concat(Enumerable.Repeat("flood ", 100));
        while (true) {
            Console.WriteLine(line);
        }
    }
}
