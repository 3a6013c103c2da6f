fun greeting(name: String): String = "hello from $name"
