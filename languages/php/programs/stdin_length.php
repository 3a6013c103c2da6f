<?php
echo strlen(stream_get_contents(STDIN)), "\n";
