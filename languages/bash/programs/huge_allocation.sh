# dd allocates its 3 GB buffer at once: the address-space backstop refuses it ("memory exhausted").
dd if=/dev/zero of=/dev/null bs=3G count=1
