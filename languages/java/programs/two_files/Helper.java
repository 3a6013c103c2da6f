class Helper {
    static String greeting(String name) {
        return "hello from " + name;
    }
}
