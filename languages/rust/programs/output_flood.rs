use std::io::Write;

fn main() {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        out.write_all(b"flood flood flood flood flood flood flood flood flood flood\n").unwrap();
    }
}
