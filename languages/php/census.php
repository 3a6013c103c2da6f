<?php
usleep(300000); // long enough for another run in this environment, if there were one, to show
$runs = array_filter(scandir("/tmp"), fn ($name) => str_starts_with($name, "glimpse-run-"));
echo readlink("/proc/self/ns/pid"), " ", count($runs), "\n";
