print("héllo wörld 🌍 — 你好")
