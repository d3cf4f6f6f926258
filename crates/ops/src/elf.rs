//! Reads what matters about the `bootstrap` executable before Lambda ever sees it: its machine and the
//! glibc symbol versions it needs. provided.al2023 ships glibc 2.34; a binary that needs a newer
//! symbol fails at start-up with "version `GLIBC_2.xx' not found", which only shows in the logs.

use std::fmt;

use object::elf;
use object::read::elf::{FileHeader, Sym};
use object::{Endianness, FileKind, SymbolIndex};

/// A glibc symbol version such as `GLIBC_2.34`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlibcVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl GlibcVersion {
    /// The glibc of the provided.al2023 Lambda runtime.
    pub const AL2023: GlibcVersion = GlibcVersion::new(2, 34);

    pub const fn new(major: u32, minor: u32) -> Self {
        GlibcVersion {
            major,
            minor,
            patch: 0,
        }
    }

    /// Parses a version-requirement name like `GLIBC_2.2.5`; other names (`GLIBC_PRIVATE`,
    /// `GCC_3.0`) give `None`.
    pub fn parse_requirement(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("GLIBC_")?;
        let mut parts = rest.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(GlibcVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

/// An imported symbol bound to a glibc version, e.g. `arc4random@GLIBC_2.36`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionedSymbol {
    pub name: String,
    pub version: GlibcVersion,
}

/// What the validation needs to know about an executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfInfo {
    /// ELF `e_machine`.
    pub machine: u16,
    /// True for 64-bit ELF.
    pub is_64: bool,
    /// True for an executable or position-independent executable (not a relocatable object).
    pub is_executable_type: bool,
    /// Every glibc version the binary requires (from `.gnu.version_r`), sorted, deduplicated.
    pub glibc_requirements: Vec<GlibcVersion>,
    /// Imported symbols with their glibc version (from `.dynsym` + `.gnu.version`), to name the culprits.
    pub glibc_symbols: Vec<VersionedSymbol>,
}

impl ElfInfo {
    /// The newest glibc version required, if the binary links glibc at all.
    pub fn max_glibc(&self) -> Option<GlibcVersion> {
        self.glibc_requirements.iter().max().copied()
    }

    /// Required versions newer than `limit`, with the symbols that need them.
    pub fn requirements_newer_than(
        &self,
        limit: GlibcVersion,
    ) -> (Vec<GlibcVersion>, Vec<VersionedSymbol>) {
        let versions = self
            .glibc_requirements
            .iter()
            .copied()
            .filter(|v| *v > limit)
            .collect();
        let symbols = self
            .glibc_symbols
            .iter()
            .filter(|s| s.version > limit)
            .cloned()
            .collect();
        (versions, symbols)
    }
}

/// Why a file could not be read as an ELF executable.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file (the first bytes are not \\x7fELF)")]
    NotElf,
    #[error("malformed ELF file: {0}")]
    Malformed(String),
}

impl From<object::read::Error> for ElfError {
    fn from(e: object::read::Error) -> Self {
        ElfError::Malformed(e.to_string())
    }
}

/// Inspects an ELF file held in memory.
pub fn inspect(data: &[u8]) -> Result<ElfInfo, ElfError> {
    if !data.starts_with(b"\x7fELF") {
        return Err(ElfError::NotElf);
    }
    match FileKind::parse(data)? {
        FileKind::Elf64 => inspect_as::<elf::FileHeader64<Endianness>>(data, true),
        FileKind::Elf32 => inspect_as::<elf::FileHeader32<Endianness>>(data, false),
        _ => Err(ElfError::NotElf),
    }
}

fn inspect_as<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    is_64: bool,
) -> Result<ElfInfo, ElfError> {
    let header = Elf::parse(data)?;
    let endian = header.endian()?;
    let e_type = header.e_type(endian);
    let sections = header.sections(endian, data)?;

    let mut requirements = Vec::new();
    if let Some((mut verneeds, link)) = sections.gnu_verneed(endian, data)? {
        let strings = sections.strings(endian, data, link)?;
        while let Some((_, mut vernauxs)) = verneeds.next()? {
            while let Some(vernaux) = vernauxs.next()? {
                let name = vernaux.name(endian, strings)?;
                if let Some(v) = std::str::from_utf8(name)
                    .ok()
                    .and_then(GlibcVersion::parse_requirement)
                {
                    requirements.push(v);
                }
            }
        }
    }
    requirements.sort();
    requirements.dedup();

    let mut symbols = Vec::new();
    if let Some(versions) = sections.versions(endian, data)? {
        let dynsyms = sections.symbols(endian, data, elf::SHT_DYNSYM)?;
        for (i, sym) in dynsyms.symbols().iter().enumerate() {
            if !sym.is_undefined(endian) {
                continue;
            }
            let index = versions.version_index(endian, SymbolIndex(i));
            let Ok(Some(version)) = versions.version(index.index()) else {
                continue;
            };
            let Some(v) = std::str::from_utf8(version.name())
                .ok()
                .and_then(GlibcVersion::parse_requirement)
            else {
                continue;
            };
            let name = String::from_utf8_lossy(sym.name(endian, dynsyms.strings())?).into_owned();
            symbols.push(VersionedSymbol { name, version: v });
        }
    }
    symbols.sort_by(|a, b| b.version.cmp(&a.version).then(a.name.cmp(&b.name)));

    Ok(ElfInfo {
        machine: header.e_machine(endian).0,
        is_64,
        is_executable_type: e_type == elf::ET_EXEC || e_type == elf::ET_DYN,
        glibc_requirements: requirements,
        glibc_symbols: symbols,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_glibc_requirement_names() {
        assert_eq!(
            GlibcVersion::parse_requirement("GLIBC_2.2.5"),
            Some(GlibcVersion {
                major: 2,
                minor: 2,
                patch: 5
            })
        );
        assert_eq!(
            GlibcVersion::parse_requirement("GLIBC_2.34"),
            Some(GlibcVersion::AL2023)
        );
        assert_eq!(GlibcVersion::parse_requirement("GLIBC_PRIVATE"), None);
        assert_eq!(GlibcVersion::parse_requirement("GCC_3.0"), None);
        assert!(GlibcVersion::new(2, 36) > GlibcVersion::AL2023);
        assert!(
            GlibcVersion {
                major: 2,
                minor: 2,
                patch: 5
            } < GlibcVersion::new(2, 17)
        );
    }

    #[test]
    fn rejects_non_elf_and_truncated_input() {
        assert!(matches!(
            inspect(b"#!/bin/sh\necho hi\n"),
            Err(ElfError::NotElf)
        ));
        assert!(matches!(inspect(b""), Err(ElfError::NotElf)));
        assert!(matches!(
            inspect(b"\x7fELF\x02\x01\x01"),
            Err(ElfError::Malformed(_) | ElfError::NotElf)
        ));
    }
}
