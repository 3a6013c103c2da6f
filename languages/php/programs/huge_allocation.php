<?php
// 3 GB at once: beyond memory_limit, PHP refuses it ("Allowed memory size ... exhausted").
$region = str_repeat("x", 3 << 30);
echo strlen($region), "\n";
