cat("héllo wörld 🌍 — 你好\n")
