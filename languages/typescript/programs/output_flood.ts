// writeSync: blocks on a full pipe, as a flood in any other language does
import { writeSync } from "node:fs";
const line: string = "flood ".repeat(100) + "\n";
for (;;) writeSync(1, line);
