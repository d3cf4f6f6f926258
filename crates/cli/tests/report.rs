//! `demo`, `sources health` and `report`, run as the binary: the demo ingests the bundled fixture
//! sites twice on 127.0.0.1 (Camurus's newsroom breaking in between), which gives a real data
//! folder; `sources health` and `report` read it back from the folder and from S3 (moto); the
//! page is checked for its content and rendered by headless Chromium to a PNG whose pixels are
//! checked.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{cli, files_under, run};

const CLIENT: &str = "lai_weekly_v3";
const CAMURUS: &str = "press_corporate__camurus";

/// Runs the demo into `dir/demo` and returns that folder.
fn demo(dir: &Path) -> PathBuf {
    let out = dir.join("demo");
    let o = run(cli().args(["demo", "--out"]).arg(&out));
    assert!(
        o.status.success(),
        "demo failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("now answers 404"), "{stdout}");
    out
}

fn report_args(out: &Path, data: &str, page: &Path) -> Vec<String> {
    [
        "report",
        "--config",
        &out.join("config").to_string_lossy(),
        "--data",
        data,
        "--client",
        CLIENT,
        "--to",
        "2025-12-16",
        "--out",
        &page.to_string_lossy(),
    ]
    .map(String::from)
    .to_vec()
}

fn stored_items(out: &Path) -> Vec<Value> {
    let p = out
        .join("data/ingested")
        .join(CLIENT)
        .join("2025/12/15/items.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn demo_writes_only_its_folder_and_refuses_a_used_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path());
    let files = files_under(&out);
    assert!(files.iter().all(|f| {
        let top = f.components().next().unwrap().as_os_str();
        top == "config" || top == "data" || top == "report.html"
    }));
    assert!(
        out.join("data/state")
            .join(CLIENT)
            .join("health.json")
            .is_file()
    );
    assert!(stored_items(&out).len() >= 10);
    // Two run reports, the second one with Camurus failing.
    let runs: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.starts_with("data/runs"))
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(
        files_under(dir.path()).len(),
        files.len(),
        "nothing outside DIR"
    );

    let again = run(cli().args(["demo", "--out"]).arg(&out));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
}

#[test]
fn sources_health_lists_every_source_problems_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path());
    let o = run(cli()
        .args([
            "sources", "health", "--json", "--client", CLIENT, "--config",
        ])
        .arg(out.join("config"))
        .arg("--data")
        .arg(out.join("data")));
    // Some sources need a look: exit code 1.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let body: Value = serde_json::from_slice(&o.stdout).unwrap();
    let sources = body["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 8);
    let first = &sources[0];
    assert_eq!(first["source_key"], CAMURUS);
    assert_eq!(first["health"], "failing");
    assert_eq!(first["consecutive_failures"], 1);
    assert_eq!(first["consecutive_empty"], 0);
    assert_eq!(first["last_error"], "HTTP 404 Not Found");
    assert_eq!(first["last_success"], "2025-12-15T07:00:00Z");
    assert!(
        first["newest_item"]
            .as_str()
            .unwrap()
            .starts_with("2025-12")
    );
    // Today, a year after the fixtures' dates, every other source is stale.
    for s in &sources[1..] {
        assert_eq!(s["health"], "stale", "{s}");
        assert_eq!(s["last_error"], Value::Null, "{s}");
    }

    let table = run(cli()
        .args(["sources", "health", "--client", CLIENT, "--config"])
        .arg(out.join("config"))
        .arg("--data")
        .arg(out.join("data")));
    let text = String::from_utf8_lossy(&table.stdout);
    let camurus_line = text.lines().find(|l| l.starts_with(CAMURUS)).unwrap();
    assert!(
        camurus_line.contains("failing") && camurus_line.contains("HTTP 404 Not Found"),
        "{text}"
    );
}

#[test]
fn the_report_shows_health_items_and_filter_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path());
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    let page = pages.join("week.html");
    let o = run(cli().args(report_args(
        &out,
        &out.join("data").to_string_lossy(),
        &page,
    )));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        files_under(&pages),
        [PathBuf::from("week.html")],
        "writes nothing else"
    );
    let html = std::fs::read_to_string(&page).unwrap();

    // Header: client and period.
    assert!(html.contains("<h1>LAI Intelligence Weekly v3 (Test Bench)</h1>"));
    assert!(html.contains("2025-12-10 → 2025-12-16"));
    // Health table: Camurus failing, in a problem row; the others ok; the toggle.
    let camurus_row = html
        .split("<tr class=")
        .find(|row| row.contains(&format!(r#"<td class="key">{CAMURUS}</td>"#)))
        .unwrap();
    assert!(camurus_row.starts_with(r#""problem""#), "{camurus_row}");
    assert!(camurus_row.contains(r#"<span class="badge failing">failing</span>"#));
    assert!(camurus_row.contains("HTTP 404 Not Found"));
    assert!(
        camurus_row.contains(r#"class="fail""#),
        "the failed run is in its chart"
    );
    assert_eq!(
        html.matches(r#"<span class="badge ok">ok</span>"#).count(),
        7
    );
    assert!(html.contains(r#"<input id="problems-only" type="checkbox">"#));
    assert!(html.contains("#problems-only:checked ~ table tr.fine { display: none; }"));
    assert_eq!(html.matches("<svg").count(), 8, "one chart per source");
    // Every stored item, linked, with its date and where the date came from.
    let items = stored_items(&out);
    let esc = |s: &Value| {
        s.as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    };
    for it in &items {
        let link = format!(r#"<a href="{}">{}</a>"#, esc(&it["url"]), esc(&it["title"]));
        assert!(html.contains(&link), "missing {link}");
    }
    assert!(html.contains(r#"<span class="date">2025-12-11</span><span class="origin" title="where the date came from">listing</span>"#));
    assert!(html.contains(r#"title="where the date came from">feed</span>"#));
    // Filtered entries, collapsed, with the filter's reason.
    let filtered = html.split("<section class=\"filtered\">").nth(1).unwrap();
    assert!(filtered.contains("<details><summary>press_corporate__medincell"));
    assert!(!filtered.contains("<details open"));
    assert!(filtered.contains("Medincell is hiring: Senior Formulation Scientist"));
    assert!(filtered.contains(
        r#"<div class="reason">excluded by exclusion_scopes.hr_recruitment_terms: &quot;hiring&quot;</div>"#
    ));
    // Self-contained: no script, no external style, font or image.
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
}

#[test]
fn the_report_reads_the_same_data_from_s3() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path());
    let moto = support::moto::Moto::start();
    moto.create_bucket("vectora-report");
    for f in files_under(&out.join("data")) {
        let bytes = std::fs::read(out.join("data").join(&f)).unwrap();
        moto.put(
            "vectora-report",
            &format!("data/{}", f.to_string_lossy()),
            &bytes,
        );
    }
    let local = dir.path().join("local.html");
    let remote = dir.path().join("s3.html");
    let o = run(cli().args(report_args(
        &out,
        &out.join("data").to_string_lossy(),
        &local,
    )));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(cli()
        .args(report_args(&out, "s3://vectora-report/data", &remote))
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Identical but for the footer's "from <location>" and the generation time.
    let body = |p: &Path| {
        let html = std::fs::read_to_string(p).unwrap();
        html.split("<footer>").next().unwrap().to_string()
    };
    assert_eq!(body(&local), body(&remote));
    assert!(
        std::fs::read_to_string(&remote)
            .unwrap()
            .contains("s3://vectora-report/data")
    );
}

/// A screenshot of `page` by headless Chromium (Debian's `chromium`, installed by
/// scripts/test.sh): width, height and RGB pixels.
fn screenshot(page: &Path, dir: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let png = dir.join(format!(
        "{}.png",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let profile = dir.join("chromium-profile");
    let shot = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2000")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium not found: run scripts/test.sh (it installs Debian's chromium)");
    assert!(
        png.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let channels = frame.color_type.samples();
    assert!(channels >= 3, "{:?}", frame.color_type);
    let pixels = buf[..frame.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (frame.width, frame.height, pixels)
}

/// The page as Chromium draws it: the requested size, mostly drawn, the failing badge's red in
/// it; and the "problems only" toggle, checked, hides the rows of the sources that are fine.
#[test]
fn chromium_renders_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path());
    let page = dir.path().join("report.html");
    let o = run(cli().args(report_args(
        &out,
        &out.join("data").to_string_lossy(),
        &page,
    )));
    assert!(o.status.success());
    let (width, height, pixels) = screenshot(&page, dir.path());
    assert_eq!((width, height), (1280, 2000));
    let count = |px: &[[u8; 3]], f: &dyn Fn(&[u8; 3]) -> bool| px.iter().filter(|p| f(p)).count();
    let total = pixels.len();
    let white = count(&pixels, &|p| *p == [255, 255, 255]);
    assert!(
        white < total * 9 / 10,
        "mostly blank: {white} of {total} white"
    );
    let header = count(&pixels, &|p| *p == [0x1d, 0x24, 0x33]);
    assert!(header > 1280 * 100, "the header band is drawn: {header}");
    let red = count(&pixels, &|p| p[0] > 180 && p[1] < 100 && p[2] < 100);
    assert!(red > 100, "the failing badge and bar are red: {red}");
    // The `ok` badges' pale green background (#e7f6ec), seven rows of it.
    let ok_badge = |p: &[u8; 3]| *p == [0xe7, 0xf6, 0xec];
    let ok_before = count(&pixels, &ok_badge);
    assert!(ok_before > 7 * 100, "ok badges drawn: {ok_before}");

    let html = std::fs::read_to_string(&page).unwrap();
    let toggled = dir.path().join("problems-only.html");
    let checked = html.replace(
        r#"<input id="problems-only" type="checkbox">"#,
        r#"<input id="problems-only" type="checkbox" checked>"#,
    );
    assert_ne!(checked, html);
    std::fs::write(&toggled, checked).unwrap();
    let (_, _, pixels) = screenshot(&toggled, dir.path());
    assert_eq!(
        count(&pixels, &ok_badge),
        0,
        "problems only: no ok row left"
    );
    let red = count(&pixels, &|p| p[0] > 180 && p[1] < 100 && p[2] < 100);
    assert!(red > 100, "the failing row stays: {red}");
}
