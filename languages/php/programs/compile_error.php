<?php
echo "unclosed"
