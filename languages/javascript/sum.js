const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
while (a < 0) {} // a negative first number: a program that never ends
console.log(a + b);
