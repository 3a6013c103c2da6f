Sys.sleep(0.3)  # long enough for another run in this environment, if there were one, to show
runs <- list.files("/tmp", pattern = "^glimpse-run-")
cat(Sys.readlink("/proc/self/ns/pid"), " ", length(runs), "\n", sep = "")
