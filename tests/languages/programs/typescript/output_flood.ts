const line: string = "flood ".repeat(100) + "\n";
for (;;) process.stdout.write(line);
