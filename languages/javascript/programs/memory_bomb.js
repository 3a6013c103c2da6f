const blocks = [];
for (;;) blocks.push(Buffer.alloc(16 * 1024 * 1024, 1));
