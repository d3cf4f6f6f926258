//! The CLI's peak RSS is its own: a child started by a large parent reports the parent's size
//! through `wait4` (Linux carries the peak across `exec`), while one started through the
//! benchmark's `measure-child` helper reports its own.

use std::path::Path;
use std::process::Command;

use vectora_bench::child::{run_measured, run_measured_via};

fn small_child() -> Command {
    // python3 is a dependency of the benchmark anyway (feedparser, BeautifulSoup).
    let mut c = Command::new("python3");
    c.args(["-c", "import sys; print('hello'); sys.exit(3)"]);
    c
}

#[cfg(target_os = "linux")]
#[test]
fn a_child_of_a_large_parent_reports_its_own_peak_through_the_helper() {
    // This process touches 256 MiB, then starts a small child both ways.
    let mut ballast = vec![0u8; 256 * 1024 * 1024];
    for i in (0..ballast.len()).step_by(4096) {
        ballast[i] = 1;
    }
    let direct = run_measured(&mut small_child()).unwrap();
    let helper = Path::new(env!("CARGO_BIN_EXE_vectora-bench"));
    let via = run_measured_via(helper, &small_child()).unwrap();
    assert!(
        direct.peak_rss_bytes >= 200 * 1024 * 1024,
        "the direct figure carries the parent's size: {}",
        direct.peak_rss_bytes
    );
    assert!(
        via.peak_rss_bytes < 100 * 1024 * 1024,
        "through the helper, the child's own: {}",
        via.peak_rss_bytes
    );
    assert_eq!((via.exit_code, via.stdout.as_str()), (Some(3), "hello\n"));
    assert!(ballast.iter().step_by(4096).all(|b| *b == 1));
}

#[test]
fn the_helper_passes_environment_changes_on() {
    let helper = Path::new(env!("CARGO_BIN_EXE_vectora-bench"));
    let mut c = Command::new("sh");
    c.args(["-c", "echo \"${MEASURED_SET:-unset} ${HOME:-no home}\""])
        .env("MEASURED_SET", "set")
        .env_remove("HOME");
    let m = run_measured_via(helper, &c).unwrap();
    assert_eq!(m.stdout, "set no home\n");
    assert!(m.success());
}
