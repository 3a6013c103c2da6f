import * as fs from "node:fs";
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
const runs: string[] = fs.readdirSync("/tmp").filter((name: string) => name.startsWith("glimpse-run-"));
console.log(fs.readlinkSync("/proc/self/ns/pid"), runs.length);
