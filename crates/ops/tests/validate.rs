//! Validation of Lambda zips built from real ELF files (see fixtures/elf/make-fixtures.sh): each
//! failure the issue lists has its own test, plus the passing case.

use std::path::{Path, PathBuf};

use vectora_ops::arch::Arch;
use vectora_ops::bundle::{sha256_file, write_bootstrap_zip, write_zip_entries};
use vectora_ops::elf::{self, GlibcVersion};
use vectora_ops::validate::{Limits, ValidationError, validate_zip};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/elf")
        .join(name)
}

fn zip_of(dir: &Path, binary: &str) -> PathBuf {
    let out = dir.join(format!("{binary}.zip"));
    write_bootstrap_zip(&fixture(binary), &out).unwrap();
    out
}

#[test]
fn valid_x86_64_package_passes_and_reports_size_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_of(dir.path(), "hello-x86_64");
    let ok = validate_zip(&zip, Arch::X86_64, &Limits::default()).unwrap();
    assert_eq!(ok.zipped_bytes, std::fs::metadata(&zip).unwrap().len());
    assert_eq!(
        ok.unzipped_bytes,
        std::fs::metadata(fixture("hello-x86_64")).unwrap().len()
    );
    assert_eq!(ok.sha256, sha256_file(&zip).unwrap());
    assert_eq!(ok.sha256.len(), 64);
    assert_eq!(ok.max_glibc, Some(GlibcVersion::new(2, 34)));
}

#[test]
fn valid_arm64_package_passes_as_arm64() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_of(dir.path(), "hello-aarch64");
    let ok = validate_zip(&zip, Arch::Arm64, &Limits::default()).unwrap();
    assert_eq!(ok.max_glibc, Some(GlibcVersion::new(2, 17)));
}

#[test]
fn same_binary_gives_byte_identical_zip() {
    // The S3 key is the zip's sha256: a rebuild without change must not create a new key.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.zip");
    let b = dir.path().join("b.zip");
    write_bootstrap_zip(&fixture("hello-x86_64"), &a).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_bootstrap_zip(&fixture("hello-x86_64"), &b).unwrap();
    assert_eq!(sha256_file(&a).unwrap(), sha256_file(&b).unwrap());
}

#[test]
fn missing_bootstrap_is_rejected_with_the_entries_found() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("nobootstrap.zip");
    let bytes = std::fs::read(fixture("hello-x86_64")).unwrap();
    write_zip_entries(&zip, &[("target/release/bootstrap", &bytes, 0o755)]).unwrap();
    let err = validate_zip(&zip, Arch::X86_64, &Limits::default()).unwrap_err();
    match &err {
        ValidationError::MissingBootstrap { entries, .. } => {
            assert_eq!(entries, &vec!["target/release/bootstrap".to_owned()])
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("no `bootstrap` at its root"));
}

#[test]
fn non_executable_bootstrap_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("mode.zip");
    let bytes = std::fs::read(fixture("hello-x86_64")).unwrap();
    write_zip_entries(&zip, &[("bootstrap", &bytes, 0o644)]).unwrap();
    let err = validate_zip(&zip, Arch::X86_64, &Limits::default()).unwrap_err();
    assert!(
        matches!(&err, ValidationError::NotExecutable { mode, .. } if mode == "0644"),
        "{err:?}"
    );
    assert!(err.to_string().contains("0755"));
}

#[test]
fn wrong_architecture_is_rejected_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let arm = zip_of(dir.path(), "hello-aarch64");
    let err = validate_zip(&arm, Arch::X86_64, &Limits::default()).unwrap_err();
    assert!(
        matches!(&err, ValidationError::WrongArchitecture { expected: Arch::X86_64, found, .. } if found.contains("aarch64")),
        "{err:?}"
    );
    let x86 = zip_of(dir.path(), "hello-x86_64");
    let err = validate_zip(&x86, Arch::Arm64, &Limits::default()).unwrap_err();
    assert!(
        matches!(&err, ValidationError::WrongArchitecture { expected: Arch::Arm64, found, .. } if found == "x86_64")
    );
    assert!(err.to_string().contains("aarch64-unknown-linux-gnu"));
}

#[test]
fn glibc_newer_than_the_runtime_is_rejected_naming_the_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_of(dir.path(), "glibc236-x86_64");
    let err = validate_zip(&zip, Arch::X86_64, &Limits::default()).unwrap_err();
    match &err {
        ValidationError::GlibcTooNew {
            newest,
            limit,
            symbols,
            ..
        } => {
            assert_eq!(*newest, GlibcVersion::new(2, 36));
            assert_eq!(*limit, GlibcVersion::AL2023);
            assert!(symbols.contains("arc4random@GLIBC_2.36"), "{symbols}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // The same binary passes against a runtime that has glibc 2.36.
    let newer = Limits {
        max_glibc: GlibcVersion::new(2, 36),
        ..Limits::default()
    };
    assert!(validate_zip(&zip, Arch::X86_64, &newer).is_ok());
}

#[test]
fn not_an_elf_bootstrap_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("script.zip");
    write_zip_entries(&zip, &[("bootstrap", b"#!/bin/sh\necho hi\n", 0o755)]).unwrap();
    let err = validate_zip(&zip, Arch::X86_64, &Limits::default()).unwrap_err();
    assert!(
        matches!(err, ValidationError::NotAnExecutable { .. }),
        "{err:?}"
    );
}

#[test]
fn size_limits_are_enforced_zipped_and_unzipped() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_of(dir.path(), "hello-x86_64");
    let zipped = std::fs::metadata(&zip).unwrap().len();
    let tight = Limits {
        max_zipped_bytes: zipped - 1,
        ..Limits::default()
    };
    let err = validate_zip(&zip, Arch::X86_64, &tight).unwrap_err();
    assert!(matches!(err, ValidationError::ZipTooLarge { size, .. } if size == zipped));

    let unzipped = std::fs::metadata(fixture("hello-x86_64")).unwrap().len();
    let tight = Limits {
        max_unzipped_bytes: unzipped - 1,
        ..Limits::default()
    };
    let err = validate_zip(&zip, Arch::X86_64, &tight).unwrap_err();
    assert!(matches!(err, ValidationError::UnzippedTooLarge { size, .. } if size == unzipped));
}

#[test]
fn a_file_that_is_not_a_zip_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake.zip");
    std::fs::write(&path, b"not a zip at all").unwrap();
    let err = validate_zip(&path, Arch::X86_64, &Limits::default()).unwrap_err();
    assert!(matches!(err, ValidationError::NotAZip { .. }), "{err:?}");
    let missing = dir.path().join("absent.zip");
    let err = validate_zip(&missing, Arch::X86_64, &Limits::default()).unwrap_err();
    assert!(matches!(err, ValidationError::Io { .. }), "{err:?}");
}

#[test]
fn elf_inspection_reads_machine_and_glibc_of_real_binaries() {
    let x86 = elf::inspect(&std::fs::read(fixture("hello-x86_64")).unwrap()).unwrap();
    assert_eq!(x86.machine, 62);
    assert!(x86.is_64 && x86.is_executable_type);
    assert_eq!(
        x86.glibc_requirements,
        vec![
            GlibcVersion {
                major: 2,
                minor: 2,
                patch: 5
            },
            GlibcVersion::new(2, 34)
        ]
    );
    assert!(x86.glibc_symbols.iter().any(|s| s.name == "puts"));
    let arm = elf::inspect(&std::fs::read(fixture("hello-aarch64")).unwrap()).unwrap();
    assert_eq!(arm.machine, 183);
}
