//! Raising the open-file limit, so that a benchmark can hold 1,000 listeners plus their connections.

/// Raises the soft `RLIMIT_NOFILE` to `wanted` (capped at the hard limit) if it is lower, and returns the
/// soft limit in force afterwards. Never lowers it.
#[cfg(unix)]
// rlim_t is u64 on Linux and macOS but not on every Unix; the casts keep this portable.
#[allow(clippy::unnecessary_cast)]
pub fn raise_fd_limit(wanted: u64) -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the struct we pass, which is a valid, owned rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let current = limit.rlim_cur as u64;
    let hard = limit.rlim_max as u64;
    let target = wanted.min(hard);
    if target <= current {
        return Ok(current);
    }
    limit.rlim_cur = target as libc::rlim_t;
    // SAFETY: setrlimit reads the struct we pass; the soft value is within the hard limit.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(target)
}

/// On platforms without rlimits there is nothing to raise.
#[cfg(not(unix))]
pub fn raise_fd_limit(wanted: u64) -> std::io::Result<u64> {
    Ok(wanted)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn never_lowers_the_limit() {
        let before = raise_fd_limit(0).unwrap();
        assert!(before > 0);
        let after = raise_fd_limit(before + 16).unwrap();
        assert!(after >= before);
        assert_eq!(raise_fd_limit(1).unwrap(), after);
    }
}
