//! Writes the Lambda zip: the `bootstrap` executable alone, mode 0755, with a fixed timestamp so the
//! same binary always gives the same zip (and so the same content-addressed S3 key: a rebuild with no
//! code change deploys as a no-op).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// The entry name Lambda's custom runtimes execute.
pub const BOOTSTRAP: &str = "bootstrap";

/// Zips `binary` as `bootstrap` (mode 0755) into `zip_path`, replacing any previous file.
pub fn write_bootstrap_zip(binary: &Path, zip_path: &Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let mut bytes = Vec::new();
    File::open(binary)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("cannot read the bootstrap binary {}", binary.display()))?;
    if let Some(parent) = zip_path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    write_zip_entries(zip_path, &[(BOOTSTRAP, &bytes, 0o755)])
        .with_context(|| format!("cannot write {}", zip_path.display()))
}

/// Writes a deterministic zip with the given `(name, bytes, unix mode)` entries. Public so tests can
/// build deliberately wrong packages (missing bootstrap, wrong mode).
pub fn write_zip_entries(zip_path: &Path, entries: &[(&str, &[u8], u32)]) -> io::Result<()> {
    let file = File::create(zip_path)?;
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes, mode) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(*mode);
        zip.start_file(*name, options).map_err(io::Error::other)?;
        zip.write_all(bytes)?;
    }
    zip.finish().map_err(io::Error::other)?.sync_all()
}

/// Hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
