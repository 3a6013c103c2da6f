SELECT 'héllo wörld 🌍 — 你好';
