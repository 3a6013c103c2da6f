// writeSync: blocks on a full pipe, as a flood in any other language does
const { writeSync } = require("fs");
const line = "flood ".repeat(100) + "\n";
for (;;) writeSync(1, line);
