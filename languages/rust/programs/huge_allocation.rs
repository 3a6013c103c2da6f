// 3 GB at once: the address-space backstop refuses it, and Rust's allocator says so
// ("memory allocation of 3221225472 bytes failed") before it aborts.
fn main() {
    let region = vec![1u8; std::hint::black_box(3 << 30)];
    println!("{}", region.len());
}
