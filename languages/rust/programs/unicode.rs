fn main() {
    println!("héllo wörld 🌍 — 你好");
}
