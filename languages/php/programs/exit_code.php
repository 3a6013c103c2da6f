<?php
echo "about to fail\n";
exit(3);
