console.log("about to fail");
process.exit(3);
