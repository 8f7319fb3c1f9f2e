//! `airbyte-agent`: run Airbyte connectors from the shell.

fn main() {
    println!("airbyte-agent {}", env!("CARGO_PKG_VERSION"));
}
