using System;

// 1.6 GB at once: more than the heap the limit allows (MONO_GC_PARAMS max-heap-size), an
// OutOfMemoryException. (Mono refuses an array over 2 GB with an OverflowException instead. No
// digit separators: mcs 6.8 reads 200_000_000 as 20000000000.)
class Program {
    static void Main() {
        var region = new long[200000000];
        Console.WriteLine(region.Length);
    }
}
