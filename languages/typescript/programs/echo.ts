import { readFileSync } from "node:fs";
process.stdout.write(readFileSync(0));
