//! The two instruction sets Lambda runs, and what each means for Rust, ELF and CloudFormation.

use std::fmt;

/// ELF `e_machine` of x86-64 binaries.
pub const EM_X86_64: u16 = 62;
/// ELF `e_machine` of AArch64 binaries.
pub const EM_AARCH64: u16 = 183;

/// A Lambda architecture. The names are Lambda's (`x86_64`, `arm64`), which is also what the
/// `Architecture` parameter of `infra/s1-ingest-v2.yaml` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// Every architecture, in the order fronts list them.
    pub const ALL: [Arch; 2] = [Arch::X86_64, Arch::Arm64];

    /// Lambda's name of the architecture.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The Rust target that produces binaries for provided.al2023 on this architecture.
    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The ELF `e_machine` a bootstrap for this architecture must carry.
    pub fn elf_machine(self) -> u16 {
        match self {
            Arch::X86_64 => EM_X86_64,
            Arch::Arm64 => EM_AARCH64,
        }
    }

    /// The architecture of the machine this program was compiled for, if Lambda has it.
    pub fn host() -> Option<Arch> {
        if cfg!(target_arch = "x86_64") {
            Some(Arch::X86_64)
        } else if cfg!(target_arch = "aarch64") {
            Some(Arch::Arm64)
        } else {
            None
        }
    }
}

/// Parses Lambda's name of an architecture (`x86_64`, `arm64`).
impl std::str::FromStr for Arch {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Arch::ALL
            .into_iter()
            .find(|a| a.lambda_name() == name)
            .ok_or_else(|| format!("unknown architecture {name:?} (x86_64 or arm64)"))
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.lambda_name())
    }
}

/// A human name for an ELF machine number, for error messages.
pub fn elf_machine_name(machine: u16) -> String {
    match machine {
        EM_X86_64 => "x86_64".to_owned(),
        EM_AARCH64 => "arm64 (aarch64)".to_owned(),
        3 => "x86 (32-bit)".to_owned(),
        40 => "arm (32-bit)".to_owned(),
        243 => "riscv".to_owned(),
        other => format!("ELF machine {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_lambda_and_rust() {
        assert_eq!(Arch::Arm64.lambda_name(), "arm64");
        assert_eq!(Arch::Arm64.rust_target(), "aarch64-unknown-linux-gnu");
        assert_eq!(Arch::X86_64.elf_machine(), 62);
        assert_eq!(elf_machine_name(183), "arm64 (aarch64)");
    }
}
