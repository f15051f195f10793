//! `gfpscope`: the native command-line front end.

fn main() {
    std::process::exit(0);
}
