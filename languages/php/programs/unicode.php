<?php
echo "héllo wörld 🌍 — 你好\n";
