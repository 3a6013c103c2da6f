# 3 GB asked for at once: the address-space backstop refuses it ("cannot allocate vector of size 3.0 Gb").
region <- raw(3 * 1024^3)
cat("allocated\n")
