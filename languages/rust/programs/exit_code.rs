fn main() {
    println!("about to fail");
    std::process::exit(3);
}
