local helper = require("helper")
print(helper.greeting("two files"))
