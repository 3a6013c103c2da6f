// Builds the playground page into OUT (the Makefile's `playground` target, for the router's
// artifact): OUT/index.html, the page the router fills in (base path, limits, development key,
// the assets' names); OUT/manifest.json, the entry script and style sheet; OUT/assets/, every
// script and style sheet, named by their content's hash (served as immutable).
//
// Usage: node build.mjs OUT LANGUAGES_DIR
// The starting code of each language is its LANGUAGES_DIR/<id>/programs/hello.* and echo.*, the
// same programs the tests run, bundled into the script.
import { readdirSync, readFileSync, mkdirSync, rmSync, writeFileSync, copyFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const [out, languagesDir] = process.argv.slice(2);
if (!out || !languagesDir) {
  console.error("usage: node build.mjs OUT LANGUAGES_DIR");
  process.exit(2);
}

function starters() {
  const found = {};
  for (const id of readdirSync(languagesDir).sort()) {
    const programs = join(languagesDir, id, "programs");
    let names;
    try { names = readdirSync(programs); } catch { continue; }
    const entry = {};
    for (const kind of ["hello", "echo"]) {
      const name = names.filter((file) => file.startsWith(`${kind}.`) && statSync(join(programs, file)).isFile()).sort()[0];
      if (name) entry[kind] = readFileSync(join(programs, name), "utf8");
    }
    if (Object.keys(entry).length) found[id] = entry;
  }
  return found;
}

const startersPlugin = {
  name: "glimpse-starters",
  setup(build) {
    build.onResolve({ filter: /^glimpse:starters$/ }, () => ({ path: "starters", namespace: "glimpse" }));
    build.onLoad({ filter: /.*/, namespace: "glimpse" }, () => ({ contents: JSON.stringify(starters()), loader: "json" }));
  },
};

const assets = join(out, "assets");
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await esbuild.build({
  entryPoints: { playground: join(here, "src", "main.js") },
  bundle: true,
  format: "esm",
  splitting: true, // each language's support is a chunk of its own, loaded when chosen
  minify: true,
  target: ["chrome105", "firefox110", "safari16"],
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  outdir: assets,
  metafile: true,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  plugins: [startersPlugin],
});

const outputs = Object.entries(result.metafile.outputs);
const [entryPath, entry] = outputs.find(([, output]) => output.entryPoint?.endsWith("src/main.js"));
const name = (path) => basename(path);
const manifest = {
  script: name(entryPath),
  style: name(entry.cssBundle),
  // What the first load fetches: the entry and the chunks it imports statically.
  preload: entry.imports.filter((item) => item.kind === "import-statement").map((item) => name(item.path)),
  files: outputs.map(([path]) => name(path)).sort(),
};
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const [path, output] of outputs) console.log(`${relative(out, path)}\t${output.bytes} bytes`);
