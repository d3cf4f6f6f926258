//! Running a program as a child process and measuring it: wall time, exit status, peak resident memory.
//!
//! Peak RSS comes from `wait4(2)`, which returns the reaped child's own `rusage`. That is exact for the
//! one process we care about, unlike `getrusage(RUSAGE_CHILDREN)` (a running maximum over every child
//! ever reaped) or sampling `/proc` (misses short peaks). stdout and stderr are drained on threads while
//! the child runs, so a large JSON report can never fill the pipe and deadlock it.
//!
//! One catch: Linux carries a process's peak across `exec` from the address space it replaces, and a
//! freshly forked child's address space is a copy of its parent's. A child of a large parent (this
//! benchmark holding a simulated web of 10,000 hosts) therefore reports at least its parent's size.
//! [`run_measured_via`] avoids it: the command is started by a small helper process (this
//! benchmark's own `measure-child` subcommand, a few MB), whose child starts from the helper's size.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use anyhow::{Context, Result, bail};

/// What one run of a child process measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// From just before `spawn` to the moment the child was reaped.
    pub wall: Duration,
    /// Peak resident set size of the child, in bytes.
    pub peak_rss_bytes: u64,
    /// Exit code; `None` when the child was killed by a signal.
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Measured {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Runs `command` to completion (stdin closed, stdout and stderr captured) and measures it.
#[cfg(unix)]
pub fn run_measured(command: &mut Command) -> Result<Measured> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = libc::pid_t::try_from(child.id()).context("child pid out of range")?;
    let (status, usage) = wait4(pid)?;
    let wall = started.elapsed();
    // The child is reaped: `child` must not be waited on again. Dropping a std Child neither waits nor
    // kills, so letting it go is safe.
    drop(child);
    let exit_code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    Ok(Measured {
        wall,
        // Linux reports ru_maxrss in kibibytes.
        peak_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        exit_code,
        stdout: join_drain(stdout),
        stderr: join_drain(stderr),
    })
}

#[cfg(not(unix))]
pub fn run_measured(_command: &mut Command) -> Result<Measured> {
    bail!("peak-memory measurement needs wait4(2), which this platform does not have")
}

/// What the helper measured of the command it ran, as it writes it for its parent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HelperReport {
    pub wall_nanos: u64,
    pub peak_rss_bytes: u64,
    pub exit_code: Option<i32>,
}

/// Runs `command` through `helper` (a binary whose `measure-child --out FILE -- PROGRAM ARGS…`
/// runs [`measure_child`]), capturing the command's stdout and stderr: its peak RSS is its own, not
/// this process's. The command's environment changes and working folder are passed on.
pub fn run_measured_via(helper: &Path, command: &Command) -> Result<Measured> {
    let report = tempfile::NamedTempFile::new()?;
    let mut outer = Command::new(helper);
    outer
        .arg("measure-child")
        .arg("--out")
        .arg(report.path())
        .arg("--")
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => outer.env(key, value),
            None => outer.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        outer.current_dir(dir);
    }
    let helper_run = run_measured(&mut outer)?;
    let text = std::fs::read_to_string(report.path())
        .with_context(|| format!("reading the helper's report {}", report.path().display()))?;
    let measured: HelperReport = serde_json::from_str(&text).with_context(|| {
        format!(
            "the helper {} wrote no report (exit {:?}; stderr: {})",
            helper.display(),
            helper_run.exit_code,
            helper_run.stderr.trim()
        )
    })?;
    Ok(Measured {
        wall: Duration::from_nanos(measured.wall_nanos),
        peak_rss_bytes: measured.peak_rss_bytes,
        exit_code: measured.exit_code,
        stdout: helper_run.stdout,
        stderr: helper_run.stderr,
    })
}

/// The helper's side: runs `program` with this process's stdio and environment, waits for it and
/// writes its [`HelperReport`] as JSON into `out`.
#[cfg(unix)]
pub fn measure_child(out: &Path, program: &OsString, args: &[OsString]) -> Result<()> {
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {program:?}"))?;
    let pid = libc::pid_t::try_from(child.id()).context("child pid out of range")?;
    let (status, usage) = wait4(pid)?;
    let wall = started.elapsed();
    drop(child);
    let report = HelperReport {
        wall_nanos: u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX),
        peak_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
    };
    std::fs::write(out, serde_json::to_vec(&report)?)
        .with_context(|| format!("writing {}", out.display()))
}

#[cfg(not(unix))]
pub fn measure_child(_out: &Path, _program: &OsString, _args: &[OsString]) -> Result<()> {
    bail!("peak-memory measurement needs wait4(2), which this platform does not have")
}

/// Waits for `pid`, retrying when a signal interrupts the wait.
#[cfg(unix)]
fn wait4(pid: libc::pid_t) -> Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to owned, initialised locals that outlive the call; wait4 only
        // writes through them.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            return Ok((status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            bail!("waiting for child {pid}: {error}");
        }
    }
}

type Drain = Option<std::thread::JoinHandle<String>>;

fn drain(pipe: Option<impl Read + Send + 'static>) -> Drain {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    })
}

fn join_drain(handle: Drain) -> String {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn measures_exit_code_output_and_time() {
        let m = run_measured(
            Command::new("sh").args(["-c", "echo out; echo err >&2; sleep 0.2; exit 3"]),
        )
        .unwrap();
        assert_eq!(m.exit_code, Some(3));
        assert!(!m.success());
        assert_eq!(m.stdout, "out\n");
        assert_eq!(m.stderr, "err\n");
        assert!(m.wall >= Duration::from_millis(200), "{:?}", m.wall);
        assert!(m.peak_rss_bytes > 0);
    }

    #[test]
    fn peak_rss_sees_a_child_that_touches_64_mib() {
        // python3 is a dependency of the benchmark anyway (feedparser, BeautifulSoup).
        let small = run_measured(Command::new("python3").args(["-c", "pass"])).unwrap();
        let big = run_measured(Command::new("python3").args([
            "-c",
            "b = bytearray(64 * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1",
        ]))
        .unwrap();
        assert!(big.success(), "{}", big.stderr);
        assert!(
            big.peak_rss_bytes >= small.peak_rss_bytes + 60 * 1024 * 1024,
            "small {} big {}",
            small.peak_rss_bytes,
            big.peak_rss_bytes
        );
    }

    #[test]
    fn large_output_does_not_deadlock() {
        // 1 MB on stdout: far beyond a pipe buffer, so the child would block if we did not drain.
        let m =
            run_measured(Command::new("sh").args(["-c", "head -c 1000000 /dev/zero | tr '\\0' x"]))
                .unwrap();
        assert!(m.success());
        assert_eq!(m.stdout.len(), 1_000_000);
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        assert!(run_measured(&mut Command::new("/nonexistent/program")).is_err());
    }
}
