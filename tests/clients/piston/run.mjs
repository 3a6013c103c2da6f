// piston-client used as its own README shows, against the server given; prints the client's answer
// as JSON. Usage: node run.mjs <server> <scenario>, with PISTON_CLIENT the file: URL of the
// installed package's index.js (`make clients` installs it under build/clients/piston).
const { default: piston } = await import(process.env.PISTON_CLIENT);

const [server, scenario] = process.argv.slice(2);
const client = piston({ server });
const scenarios = {
  runtimes: () => client.runtimes(),
  // The client's own defaults: args ["1", "2", "3"], run_timeout 3000, run_memory_limit -1.
  defaults: () => client.execute("python", "import sys\nprint(sys.argv[1:])"),
  stdin: () => client.execute("python", "print(input()[::-1])", { stdin: "olleh" }),
  "compile-error": () => client.execute("c", "int main(void) { return missing; }\n"),
};
console.log(JSON.stringify(await scenarios[scenario]()));
