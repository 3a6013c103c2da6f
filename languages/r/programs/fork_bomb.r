# parallel's fork: parent and child both go on forking; a refused fork is an error, and is tried again.
repeat try(parallel:::mcfork(), silent = TRUE)
