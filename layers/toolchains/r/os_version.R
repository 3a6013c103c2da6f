
## Glimpse (layers/toolchains/r/Makefile appends this to utils' namespace loader, after the
## lazy-load above): the operating system's name for sessionInfo() and utils::osVersion, as
## utils' own .osVersion finds it on Linux, but without running `which uname` and `uname -a`
## through /bin/sh on every start. Sys.info() makes the uname system call itself; the Lambda base
## need not have `which` (without it, the stock code fails and utils does not load).
local({
    ns <- .getNamespace(as.name("utils"))
    ns$.osVersion <- function() {
        os <- Sys.info()[["sysname"]]  # what `uname -a` starts with
        switch(os, Linux = if (file.exists("/etc/os-release")) {
            tmp <- readLines("/etc/os-release")
            t2 <- if (any(startsWith(tmp, "PRETTY_NAME=")))
                sub("^PRETTY_NAME=", "", grep("^PRETTY_NAME=", tmp, value = TRUE)[1L])
            else if (any(startsWith(tmp, "NAME")))
                sub("^NAME=", "", grep("^NAME=", tmp, value = TRUE)[1L])
            else "Linux (unknown distro)"
            sub("\"(.*)\"", "\\1", t2)
        } else if (file.exists("/etc/system-release")) {
            readLines("/etc/system-release")
        }, os)
    }
})
