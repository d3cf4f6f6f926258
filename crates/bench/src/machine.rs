//! What machine a benchmark ran on, for the report: a figure without its machine, date and load means
//! little. Read from `/proc` (Linux) and the tools' own `--version`; anything unreadable is reported as
//! "unknown" rather than failing the benchmark.

use std::process::Command;

use serde::Serialize;

/// Facts about the machine at the time of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    /// Logical CPUs available to this process (what `nproc` prints).
    pub cpus: usize,
    pub memory_total: String,
    pub kernel: String,
    /// UTC, RFC 3339.
    pub date: String,
    pub rustc: String,
    pub python: String,
    /// `git describe` of the checkout, with `-dirty` when the working tree has uncommitted changes (the
    /// binaries measured are built from the working tree, which other engineers edit concurrently).
    pub commit: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cpu_model: cpu_model(&cpuinfo).unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_total: memory_total(&meminfo).unwrap_or_else(|| "unknown".into()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            rustc: version_of("rustc", &["--version"]),
            python: version_of("python3", &["--version"]),
            commit: version_of("git", &["describe", "--always", "--dirty", "--abbrev=12"]),
        }
    }

    /// A Markdown bullet list.
    pub fn to_markdown(&self) -> String {
        format!(
            "- CPU: {} ({} logical CPUs available)\n- Memory: {}\n- Kernel: Linux {}\n- Date: {}\n- Toolchain: {}; {}\n- Source: commit {}\n",
            self.cpu_model,
            self.cpus,
            self.memory_total,
            self.kernel,
            self.date,
            self.rustc,
            self.python,
            self.commit
        )
    }
}

/// The 1-, 5- and 15-minute load averages, the best single indicator of how much other work (other
/// engineers' builds) competed with a measurement.
pub fn load_average() -> Option<(f64, f64, f64)> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    parse_loadavg(&text)
}

fn parse_loadavg(text: &str) -> Option<(f64, f64, f64)> {
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some((
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ))
}

fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn memory_total(meminfo: &str) -> Option<String> {
    let kib: f64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
}

fn version_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            // python2 printed its version on stderr; take whichever stream has it.
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_string()
        })
        .unwrap_or_else(|| format!("{program}: unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_model_and_memory_from_proc_text() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)  CPU @ 2.20GHz\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(cpu_model("processor : 0\n"), None);
        let meminfo = "MemTotal:       24576000 kB\nMemFree:  100 kB\n";
        assert_eq!(memory_total(meminfo).as_deref(), Some("23.4 GiB"));
        assert_eq!(memory_total("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn parses_loadavg() {
        assert_eq!(
            parse_loadavg("6.15 6.27 5.18 3/812 16064\n"),
            Some((6.15, 6.27, 5.18))
        );
        assert_eq!(parse_loadavg("garbage"), None);
    }

    #[test]
    fn detects_this_machine() {
        let m = Machine::detect();
        assert!(m.cpus >= 1);
        assert!(m.to_markdown().contains("logical CPUs"));
    }
}
