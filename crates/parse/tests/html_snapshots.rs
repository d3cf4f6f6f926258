//! Snapshot of the full parse output (titles, URLs, dates, date sources, teasers, warnings) of
//! every fixture page, in every mode it is run in. A change in any field shows up in review.

#[path = "html/support.rs"]
mod html_support;

#[test]
fn parse_output_of_every_fixture() {
    let dir = html_support::fixtures_dir().join("snapshots");
    let fixtures = html_support::load_all();
    // An empty or misplaced fixture folder must not pass for "no change".
    assert!(
        fixtures.len() >= 24,
        "only {} fixture pages found",
        fixtures.len()
    );
    for f in fixtures {
        for mode in &f.modes {
            let parsed = html_support::run(&f, mode);
            let name = format!("{}__{}", f.name, mode.replace(':', "_"));
            insta::with_settings!({ snapshot_path => &dir, prepend_module_to_snapshot => false }, {
                insta::assert_json_snapshot!(name, parsed);
            });
        }
    }
}
