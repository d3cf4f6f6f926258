//! How much work in flight the machine takes. Politeness bounds each host (one request at a time);
//! what bounds the whole run is the machine: every source in progress holds a socket (and may keep
//! a second one for its next request), so the open-file limit caps them; and it holds its page
//! (and its parsed entries), so memory caps them too. The default global bound is the smaller of
//! the two, and at most [`MAX_DEFAULT_CONCURRENCY`].

/// The default bound never goes above this: past it, a 2-core machine is busy parsing anyway.
pub const MAX_DEFAULT_CONCURRENCY: usize = 1024;
/// File descriptors left for everything but sockets: config and data files, stdio, the runtime.
pub const RESERVED_FILES: u64 = 128;
/// Sockets one source in progress may hold: its request's, and one kept for its next request.
pub const SOCKETS_PER_SOURCE: u64 = 2;
/// Memory set aside per source in progress: a typical newsroom page (100–500 KB) with its entries,
/// with room to spare (pages are parsed a few at a time, see the engine's parse slots).
pub const MEMORY_PER_SOURCE: u64 = 4 * 1024 * 1024;

/// What bounds the work in flight on this machine (`None`: unknown, not a bound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Machine {
    /// The soft `RLIMIT_NOFILE` in force.
    pub open_files: Option<u64>,
    /// Memory the process may use: the Lambda function's size, else what the kernel says is
    /// available (and the cgroup's limit when lower).
    pub memory_bytes: Option<u64>,
}

impl Machine {
    /// Reads the limits of the running process.
    pub fn detect() -> Machine {
        Machine {
            open_files: open_file_limit().ok().map(|(soft, _)| soft),
            memory_bytes: memory_bytes(),
        }
    }

    /// Sources in progress at once by default: within the open files and the memory, at most
    /// [`MAX_DEFAULT_CONCURRENCY`], at least 1.
    pub fn default_concurrency(&self) -> usize {
        let by_files = self
            .open_files
            .map(|n| n.saturating_sub(RESERVED_FILES) / SOCKETS_PER_SOURCE);
        let by_memory = self.memory_bytes.map(|m| m / MEMORY_PER_SOURCE);
        let bound = [by_files, by_memory]
            .into_iter()
            .flatten()
            .min()
            .map_or(MAX_DEFAULT_CONCURRENCY, |b| {
                usize::try_from(b).unwrap_or(usize::MAX)
            });
        bound.clamp(1, MAX_DEFAULT_CONCURRENCY)
    }
}

/// The soft and hard `RLIMIT_NOFILE`.
#[cfg(unix)]
// rlim_t is u64 on Linux and macOS but not on every Unix; the casts keep this portable.
#[allow(clippy::unnecessary_cast)]
pub fn open_file_limit() -> std::io::Result<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the struct we pass, which is a valid, owned rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((limit.rlim_cur as u64, limit.rlim_max as u64))
}

#[cfg(not(unix))]
pub fn open_file_limit() -> std::io::Result<(u64, u64)> {
    Err(std::io::Error::other("no open-file limit on this platform"))
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (a run over thousands of hosts needs more
/// than the usual 1024) and returns the soft limit in force afterwards. Never lowers it.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    let (soft, hard) = open_file_limit()?;
    if soft >= hard {
        return Ok(soft);
    }
    let limit = libc::rlimit {
        rlim_cur: hard as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct we pass; the soft value is the hard limit itself.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(hard)
}

#[cfg(not(unix))]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    Err(std::io::Error::other("no open-file limit on this platform"))
}

/// The Lambda function's memory, else the available memory (bounded by the cgroup's limit).
fn memory_bytes() -> Option<u64> {
    if let Some(mb) = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(mb.saturating_mul(1024 * 1024));
    }
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_available(&text));
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    [available, cgroup].into_iter().flatten().min()
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        let kb = line
            .strip_prefix("MemAvailable:")?
            .trim()
            .strip_suffix("kB")?;
        kb.trim().parse::<u64>().ok().map(|kb| kb * 1024)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smaller_bound_wins() {
        let m = |files, mb: Option<u64>| Machine {
            open_files: files,
            memory_bytes: mb.map(|mb| mb * 1024 * 1024),
        };
        // A Lambda: 1024 files, 512 MB → memory bounds it (512 / 4 = 128).
        assert_eq!(m(Some(1024), Some(512)).default_concurrency(), 128);
        // The same with 10 GB: the files do ((1024 - 128) / 2 = 448).
        assert_eq!(m(Some(1024), Some(10_240)).default_concurrency(), 448);
        // A large machine: the ceiling.
        assert_eq!(
            m(Some(1_048_576), Some(65_536)).default_concurrency(),
            MAX_DEFAULT_CONCURRENCY
        );
        // Unknown limits: the ceiling; absurdly low ones: still one source at a time.
        assert_eq!(m(None, None).default_concurrency(), MAX_DEFAULT_CONCURRENCY);
        assert_eq!(m(Some(100), Some(1)).default_concurrency(), 1);
    }

    #[test]
    fn reads_mem_available() {
        let text = "MemTotal:       24683976 kB\nMemFree:        23058012 kB\nMemAvailable:   23851120 kB\n";
        assert_eq!(mem_available(text), Some(23_851_120 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
    }

    #[cfg(unix)]
    #[test]
    fn raising_the_open_file_limit_reaches_the_hard_limit() {
        let (_, hard) = open_file_limit().unwrap();
        assert_eq!(raise_open_file_limit().unwrap(), hard);
        assert_eq!(open_file_limit().unwrap(), (hard, hard));
        assert!(Machine::detect().open_files == Some(hard));
    }
}
