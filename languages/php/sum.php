<?php
[$a, $b] = array_map("intval", preg_split('/\s+/', trim(fgets(STDIN))));
while ($a < 0) { // a negative first number: a program that never ends
}
echo $a + $b, "\n";
