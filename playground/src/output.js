// What a run printed, shown as what it is: a stream the API could not send as UTF-8 text comes
// base64-encoded (stdout_encoding / stderr_encoding "base64"), and is shown here as a hex dump of
// its bytes, never decoded into garbage.
const SHOWN_BYTES = 4096;

function bytesOf(base64) {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function hexDump(bytes) {
  const lines = [];
  for (let offset = 0; offset < Math.min(bytes.length, SHOWN_BYTES); offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, "0")).join(" ");
    const text = Array.from(row, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".")).join("");
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${text}|`);
  }
  if (bytes.length > SHOWN_BYTES) lines.push(`… ${bytes.length - SHOWN_BYTES} more bytes`);
  return lines.join("\n");
}

/** The text to show for a stream, and a note on its encoding ("" for UTF-8 text). */
export function shown(content, encoding) {
  if (!content) return { text: "", note: "" };
  if (encoding !== "base64") return { text: content, note: "" };
  const bytes = bytesOf(content);
  return { text: hexDump(bytes), note: `not UTF-8: ${bytes.length} bytes, in hex` };
}
