puts "héllo wörld 🌍 — 你好"
