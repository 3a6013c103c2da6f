source("helper.r")

cat(greeting("two files"), "\n", sep = "")
