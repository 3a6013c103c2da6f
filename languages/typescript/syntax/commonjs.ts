// A program as Judge0's TypeScript (tsc to CommonJS, then node) took it: require, import-equals,
// a Buffer, and stdin read whole.
declare var require: any;
import os = require("os");
const fs = require("fs");
const numbers: number[] = fs.readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
const sum: number = numbers.reduce((a, b) => a + b, 0);
console.log(sum, Buffer.from(String(sum)).length, typeof os.EOL);
