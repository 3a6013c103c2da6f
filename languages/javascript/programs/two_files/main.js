const { greeting } = require("./helper.js");

console.log(greeting("two files"));
