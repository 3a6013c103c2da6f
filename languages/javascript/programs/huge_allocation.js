// 3 GB at once, then filled: the memory watch stops it.
const region = Buffer.alloc(3 * 1024 * 1024 * 1024);
region.fill(1);
console.log(region.length);
