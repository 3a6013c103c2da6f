<?php
require __DIR__ . "/helper.php";

echo greeting("two files"), "\n";
