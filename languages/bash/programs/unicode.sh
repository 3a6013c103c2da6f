echo "héllo wörld 🌍 — 你好"
