using System.Collections.Generic;

class Program {
    static void Main() {
        var blocks = new List<byte[]>();
        while (true) {
            blocks.Add(new byte[16 << 20]);
        }
    }
}
