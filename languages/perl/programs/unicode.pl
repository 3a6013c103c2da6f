print "héllo wörld 🌍 — 你好\n";
