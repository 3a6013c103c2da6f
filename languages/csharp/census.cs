using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

class Program {
    [DllImport("libc", SetLastError = true)]
    static extern long readlink(string path, byte[] buffer, long size);

    static void Main() {
        Thread.Sleep(300); // long enough for another run in this environment, if there were one, to show
        var runs = Directory.GetFileSystemEntries("/tmp").Count(path => Path.GetFileName(path).StartsWith("glimpse-run-"));
        var target = new byte[256];
        var length = readlink("/proc/self/ns/pid", target, target.Length);
        Console.WriteLine(Encoding.UTF8.GetString(target, 0, (int)length) + " " + runs);
    }
}
