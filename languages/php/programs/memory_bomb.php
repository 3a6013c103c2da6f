<?php
$blocks = [];
while (true) {
    $blocks[] = str_repeat("x", 16 * 1024 * 1024);
}
