const text: string = "héllo wörld 🌍 — 你好";
console.log(text);
