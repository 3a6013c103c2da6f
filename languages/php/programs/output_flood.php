<?php
while (true) {
    echo str_repeat("flood ", 100), "\n";
}
