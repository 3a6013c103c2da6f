// A share link: the language, code and stdin in the URL's fragment, as JSON compressed with
// deflate (raw) and written in base64url. The fragment never leaves the browser: nothing is stored
// or even sent to the server. tests/browser/test_playground.py writes such links too.
const PREFIX = "#s=";

function base64url(bytes) {
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function unbase64url(text) {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function through(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

/** The fragment of a link to this program: "#s=..." */
export async function shareFragment({ language, code, stdin }) {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, language, code, stdin }));
  return PREFIX + base64url(await through(json, new CompressionStream("deflate-raw")));
}

/** The program a fragment carries, or null when it carries none; throws when it is damaged. */
export async function sharedProgram(fragment) {
  if (!fragment.startsWith(PREFIX)) return null;
  const json = await through(unbase64url(fragment.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  const shared = JSON.parse(new TextDecoder().decode(json));
  if (shared.v !== 1 || typeof shared.language !== "string" || typeof shared.code !== "string") {
    throw new Error("not a program of this playground");
  }
  return { language: shared.language, code: shared.code, stdin: typeof shared.stdin === "string" ? shared.stdin : "" };
}
