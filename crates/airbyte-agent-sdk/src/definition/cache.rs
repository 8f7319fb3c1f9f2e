//! An on-disk cache of parsed definition documents, for short-lived
//! processes (the CLI) that load the same large definition again and again.
//!
//! Parsing YAML is most of the cost of loading a large definition (about
//! 10 ms for Stripe's 7,600 lines); reading the same document back from
//! JSON costs under 1 ms. Only the YAML → JSON value step is cached: the
//! model is still built and validated from the value on every load, so a
//! cached definition is checked exactly like a fresh one.
//!
//! One entry per definition file, named after a hash of its path. An entry
//! holds the full source text it was parsed from and is used only when that
//! text equals the file's current content byte for byte, so an edited file
//! is never served stale, whatever the hash. Entries are written to a
//! temporary file and renamed into place, so concurrent writers never leave
//! a torn entry. Anything wrong with the cache (unreadable, foreign format,
//! not writable) is ignored: the definition is parsed as if there were no
//! cache. Failed parses are never cached; their errors always come from the
//! parser.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// First line of an entry: the format and the crate version, so entries
/// written by another version (whose parser may differ) are ignored.
const HEADER: &str = concat!(
    "airbyte-agent-sdk parsed definition v1 ",
    env!("CARGO_PKG_VERSION"),
    "\n"
);

/// The entry for the definition file `file` inside `dir`.
fn entry_path(dir: &Path, file: &Path) -> PathBuf {
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let mut hasher = DefaultHasher::new();
    absolute.hash(&mut hasher);
    dir.join(format!("{:016x}.json", hasher.finish()))
}

/// The cached document of `file` when the entry was made from exactly
/// `text`.
pub(crate) fn read(dir: &Path, file: &Path, text: &str) -> Option<Value> {
    let entry = std::fs::read(entry_path(dir, file)).ok()?;
    let rest = entry.strip_prefix(HEADER.as_bytes())?;
    let newline = rest.iter().position(|b| *b == b'\n')?;
    let source_len: usize = std::str::from_utf8(&rest[..newline]).ok()?.parse().ok()?;
    let rest = &rest[newline + 1..];
    if rest.len() < source_len || &rest[..source_len] != text.as_bytes() {
        return None;
    }
    serde_json::from_slice(&rest[source_len..]).ok()
}

/// Stores the document parsed from `text` as the entry of `file`, ignoring
/// every failure (the cache is an optimisation only).
pub(crate) fn write(dir: &Path, file: &Path, text: &str, doc: &Value) {
    if let Err(e) = try_write(dir, file, text, doc) {
        tracing::debug!(dir = %dir.display(), error = %e, "definition cache not written");
    }
}

fn try_write(dir: &Path, file: &Path, text: &str, doc: &Value) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let target = entry_path(dir, file);
    // Unique per process and call, so concurrent writers never share one.
    let tmp = target.with_extension(format!(
        "tmp.{}.{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        out.write_all(HEADER.as_bytes())?;
        writeln!(out, "{}", text.len())?;
        out.write_all(text.as_bytes())?;
        serde_json::to_writer(&mut out, doc)?;
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates `dir` readable by its owner only (entries are trusted as the
/// parsed form of the user's files).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
