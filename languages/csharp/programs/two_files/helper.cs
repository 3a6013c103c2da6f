static class Helper {
    public static string Greeting() {
        return "hello from two files";
    }
}
