<?php
function greeting(string $name): string
{
    return "hello from $name";
}
