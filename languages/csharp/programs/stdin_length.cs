using System;
using System.IO;

class Program {
    static void Main() {
        var input = new MemoryStream();
        Console.OpenStandardInput().CopyTo(input);
        Console.WriteLine(input.Length);
    }
}
