fn main() {
    let nowhere = std::hint::black_box(std::ptr::null_mut::<i32>());
    unsafe { nowhere.write_volatile(42) };
    println!("unreachable");
}
