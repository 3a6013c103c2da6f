// Rosetta Code's "100 doors", as pasted: a public class named after the task.
public class Doors {
    public static void main(String[] args) {
        boolean[] open = new boolean[101];
        for (int pass = 1; pass <= 100; pass++)
            for (int door = pass; door <= 100; door += pass)
                open[door] = !open[door];
        StringBuilder line = new StringBuilder("open:");
        for (int door = 1; door <= 100; door++)
            if (open[door]) line.append(' ').append(door);
        System.out.println(line);
    }
}
