import { readFileSync } from "node:fs";
const data: Buffer = readFileSync(0);
console.log(data.length);
