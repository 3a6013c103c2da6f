using System;

class Program {
    static int Main() {
        Console.WriteLine("about to fail");
        return 3;
    }
}
