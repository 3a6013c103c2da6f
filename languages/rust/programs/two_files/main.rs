mod helper;

fn main() {
    println!("{}", helper::greeting("two files"));
}
