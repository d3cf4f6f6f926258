//! Validation of a Lambda zip before it is uploaded: every way the function would fail to start (or
//! fail to deploy) that can be seen from the zip alone is a distinct, explained error here.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::arch::{Arch, elf_machine_name};
use crate::bundle::{BOOTSTRAP, sha256_file};
use crate::elf::{self, ElfInfo, GlibcVersion, VersionedSymbol};

/// Lambda's limits (and the runtime's glibc) the package is checked against.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Lambda rejects a directly uploaded zip above 50 MB.
    pub max_zipped_bytes: u64,
    /// Lambda rejects code above 250 MB unzipped.
    pub max_unzipped_bytes: u64,
    /// Newest glibc symbol version the runtime provides.
    pub max_glibc: GlibcVersion,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_zipped_bytes: 50 * 1024 * 1024,
            max_unzipped_bytes: 250 * 1024 * 1024,
            max_glibc: GlibcVersion::AL2023,
        }
    }
}

/// A zip that passed every check.
#[derive(Clone, Debug)]
pub struct ValidatedPackage {
    pub path: PathBuf,
    pub arch: Arch,
    pub zipped_bytes: u64,
    pub unzipped_bytes: u64,
    /// Hex sha256 of the zip file (used in the S3 key).
    pub sha256: String,
    pub max_glibc: Option<GlibcVersion>,
}

/// Everything that makes a package unusable, each with the fix in its message.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid zip: {reason}")]
    NotAZip { path: PathBuf, reason: String },
    #[error(
        "{path} has no `bootstrap` at its root (entries: {entries:?}); a provided.al2023 function starts by executing /var/task/bootstrap"
    )]
    MissingBootstrap { path: PathBuf, entries: Vec<String> },
    #[error(
        "`bootstrap` in {path} is not executable (mode {mode}); Lambda runs it as an unprivileged user, so it needs mode 0755"
    )]
    NotExecutable { path: PathBuf, mode: String },
    #[error("`bootstrap` in {path} is not a Linux executable: {reason}")]
    NotAnExecutable { path: PathBuf, reason: String },
    #[error(
        "`bootstrap` in {path} is built for {found}, but the package is for {expected}: rebuild it for Rust target {target}, or choose the --arch that matches the binary"
    )]
    WrongArchitecture {
        path: PathBuf,
        expected: Arch,
        found: String,
        target: &'static str,
    },
    #[error(
        "`bootstrap` in {path} needs glibc {newest} but provided.al2023 has {limit}: it would fail at start-up with \"version `GLIBC_{newest}' not found\". Symbols: {symbols}. Build with cargo-zigbuild for target {target}.{limit} (the default builder when cargo-zigbuild is installed: pip install cargo-zigbuild)"
    )]
    GlibcTooNew {
        path: PathBuf,
        newest: GlibcVersion,
        limit: GlibcVersion,
        symbols: String,
        target: &'static str,
    },
    #[error(
        "{path} is {size} bytes zipped; Lambda accepts at most {limit} bytes for a zip deployment"
    )]
    ZipTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "{path} is {size} bytes unzipped; Lambda accepts at most {limit} bytes of unzipped code"
    )]
    UnzippedTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
}

/// Checks a zip against `arch` and `limits`: size limits first (cheap), then the `bootstrap` entry
/// (present, executable, ELF for the right machine, glibc not newer than the runtime's).
pub fn validate_zip(
    path: &Path,
    arch: Arch,
    limits: &Limits,
) -> Result<ValidatedPackage, ValidationError> {
    let io_err = |source| ValidationError::Io {
        path: path.to_owned(),
        source,
    };
    let zipped_bytes = std::fs::metadata(path).map_err(io_err)?.len();
    if zipped_bytes > limits.max_zipped_bytes {
        return Err(ValidationError::ZipTooLarge {
            path: path.to_owned(),
            size: zipped_bytes,
            limit: limits.max_zipped_bytes,
        });
    }
    let file = File::open(path).map_err(io_err)?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| not_a_zip(path, e.to_string()))?;
    let listing = list_entries(path, &mut archive)?;
    if listing.unzipped_bytes > limits.max_unzipped_bytes {
        return Err(ValidationError::UnzippedTooLarge {
            path: path.to_owned(),
            size: listing.unzipped_bytes,
            limit: limits.max_unzipped_bytes,
        });
    }
    let Some(index) = listing.bootstrap_index else {
        return Err(ValidationError::MissingBootstrap {
            path: path.to_owned(),
            entries: listing.entries,
        });
    };
    let bytes = read_bootstrap(path, &mut archive, index, limits)?;
    let info = check_executable(path, &bytes, arch, limits)?;
    let sha256 = sha256_file(path).map_err(io_err)?;
    Ok(ValidatedPackage {
        path: path.to_owned(),
        arch,
        zipped_bytes,
        unzipped_bytes: listing.unzipped_bytes,
        sha256,
        max_glibc: info.max_glibc(),
    })
}

fn not_a_zip(path: &Path, reason: String) -> ValidationError {
    ValidationError::NotAZip {
        path: path.to_owned(),
        reason,
    }
}

/// What the zip's central directory says: every entry's name, their declared total size, and
/// where `bootstrap` is.
struct Listing {
    entries: Vec<String>,
    unzipped_bytes: u64,
    bootstrap_index: Option<usize>,
}

fn list_entries(
    path: &Path,
    archive: &mut zip::ZipArchive<File>,
) -> Result<Listing, ValidationError> {
    let mut listing = Listing {
        entries: Vec::new(),
        unzipped_bytes: 0,
        bootstrap_index: None,
    };
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| not_a_zip(path, e.to_string()))?;
        listing.unzipped_bytes = listing.unzipped_bytes.saturating_add(entry.size());
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if name == BOOTSTRAP && !entry.is_dir() {
            listing.bootstrap_index = Some(i);
        }
        listing.entries.push(name);
    }
    Ok(listing)
}

/// The `bootstrap` entry's bytes, after its mode is checked. Reads at most the unzipped limit
/// (already checked against the declared sizes): a lying header cannot exhaust memory.
fn read_bootstrap(
    path: &Path,
    archive: &mut zip::ZipArchive<File>,
    index: usize,
    limits: &Limits,
) -> Result<Vec<u8>, ValidationError> {
    let mut entry = archive
        .by_index(index)
        .map_err(|e| not_a_zip(path, e.to_string()))?;
    check_mode(path, entry.unix_mode())?;
    let mut bytes = Vec::new();
    (&mut entry)
        .take(limits.max_unzipped_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| not_a_zip(path, format!("cannot decompress bootstrap: {e}")))?;
    Ok(bytes)
}

/// Checks the unix mode of the `bootstrap` entry: readable and executable by everyone.
fn check_mode(path: &Path, mode: Option<u32>) -> Result<(), ValidationError> {
    match mode {
        Some(mode) if mode & 0o555 == 0o555 => Ok(()),
        Some(mode) => Err(ValidationError::NotExecutable {
            path: path.to_owned(),
            mode: format!("{:04o}", mode & 0o7777),
        }),
        None => Err(ValidationError::NotExecutable {
            path: path.to_owned(),
            mode: "unset (zip written without unix permissions)".to_owned(),
        }),
    }
}

/// Checks the `bootstrap` bytes: a 64-bit Linux executable for `arch` within the runtime's glibc.
pub fn check_executable(
    path: &Path,
    bytes: &[u8],
    arch: Arch,
    limits: &Limits,
) -> Result<ElfInfo, ValidationError> {
    let info = elf::inspect(bytes).map_err(|e| ValidationError::NotAnExecutable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if !info.is_executable_type {
        return Err(ValidationError::NotAnExecutable {
            path: path.to_owned(),
            reason: "ELF file is not an executable (relocatable object or core file)".to_owned(),
        });
    }
    if info.machine != arch.elf_machine() || !info.is_64 {
        let mut found = elf_machine_name(info.machine);
        if !info.is_64 {
            found.push_str(" 32-bit");
        }
        return Err(ValidationError::WrongArchitecture {
            path: path.to_owned(),
            expected: arch,
            found,
            target: arch.rust_target(),
        });
    }
    let (too_new, symbols) = info.requirements_newer_than(limits.max_glibc);
    if let Some(newest) = too_new.iter().max().copied() {
        return Err(ValidationError::GlibcTooNew {
            path: path.to_owned(),
            newest,
            limit: limits.max_glibc,
            symbols: describe_symbols(&symbols),
            target: arch.rust_target(),
        });
    }
    Ok(info)
}

fn describe_symbols(symbols: &[VersionedSymbol]) -> String {
    if symbols.is_empty() {
        return "(none named in .dynsym)".to_owned();
    }
    let mut shown: Vec<String> = symbols
        .iter()
        .take(10)
        .map(|s| format!("{}@GLIBC_{}", s.name, s.version))
        .collect();
    if symbols.len() > 10 {
        shown.push(format!("and {} more", symbols.len() - 10));
    }
    shown.join(", ")
}
