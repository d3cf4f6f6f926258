//! The provider API parsers (ClinicalTrials.gov v2 studies, PubMed efetch XML and esearch,
//! openFDA drugsfda/label answers) on arbitrary bytes: never panic, never loop, and every record
//! they return is usable (an absolute URL, a one-line title, a date only when one was read).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vectora_core::api::{SavedFormat, parse_saved, pubmed};

/// Which parser reads the input depends on its length, so that seed files (real saved answers)
/// need no prefix.
const FORMATS: [SavedFormat; 3] = [
    SavedFormat::Clinicaltrials,
    SavedFormat::Pubmed,
    SavedFormat::Openfda,
];

fuzz_target!(|data: &[u8]| {
    let _ = pubmed::parse_esearch(data);
    let format = FORMATS[data.len() % FORMATS.len()];
    let Ok(records) = parse_saved(format, data) else {
        return;
    };
    for r in &records {
        assert!(
            url::Url::parse(&r.entry.url).is_ok(),
            "record URL is not absolute: {:?}",
            r.entry.url
        );
        assert_eq!(r.entry.title, r.entry.title.trim(), "title not trimmed");
        assert!(!r.entry.title.contains('\n'), "title spans lines: {:?}", r.entry.title);
        assert_eq!(r.entry.published.is_some(), r.entry.date_source.is_some());
    }
});
