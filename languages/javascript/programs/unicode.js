console.log("héllo wörld 🌍 — 你好");
