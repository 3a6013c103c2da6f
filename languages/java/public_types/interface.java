public interface Greeter {
    String greet(String name);

    static void main(String[] args) {
        Greeter greeter = name -> "Greeter " + name;
        System.out.println(greeter.greet("interface"));
    }
}
