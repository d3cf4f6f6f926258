//! The provider parsers on real saved responses (crates/testweb/providers, see PROVENANCE.md).

use chrono::NaiveDate;
use serde_json::json;
use vectora_core::api::{SavedFormat, clinicaltrials, openfda, parse_saved, pubmed};
use vectora_core::config::ApiProvider;
use vectora_core::window::Window;
use vectora_parse::DateSource;

fn fixture(path: &str) -> Vec<u8> {
    let file = vectora_testweb::provider_fixtures_dir().join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn clinicaltrials_page_gives_one_dated_record_per_study_and_the_next_token() {
    let page = clinicaltrials::parse_page(&fixture("clinicaltrials/studies_page.json")).unwrap();
    assert_eq!(page.records.len(), 10);
    assert_eq!(page.next_page_token.as_deref(), Some("KV165pePlfg"));
    let first = &page.records[0];
    assert_eq!(
        first.entry.title,
        "Kinesiotape for Edema After Bilateral Total Knee Arthroplasty"
    );
    assert_eq!(
        first.entry.url,
        "https://clinicaltrials.gov/study/NCT05013879"
    );
    assert_eq!(first.entry.published, Some(date(2024, 2, 23)));
    assert_eq!(first.entry.date_source, Some(DateSource::Api));
    assert!(
        first
            .entry
            .content
            .starts_with("The purpose of this study is to determine if kinesiotaping")
    );
    for fact in [
        "Status: COMPLETED.",
        "Lead sponsor: Montefiore Medical Center.",
        "Conditions: Arthroplasty Complications; Arthroplasty, Replacement, Knee.",
        "Interventions: DEVICE: Kinesio(R)Tape for edema control.",
    ] {
        assert!(
            first.entry.content.contains(fact),
            "{fact} in {}",
            first.entry.content
        );
    }
    let m = &first.metadata;
    assert_eq!(m["nct_id"], "NCT05013879");
    assert_eq!(m["overall_status"], "COMPLETED");
    assert_eq!(m["phases"], json!(["NA"]));
    assert_eq!(m["sponsor"], "Montefiore Medical Center");
    assert_eq!(m["first_posted"], "2021-08-19");
    assert_eq!(m["last_update_posted"], "2024-02-23");
    assert_eq!(m["version"], "2024-02-23");
    // A partial date is kept as written, never completed.
    let vardenafil = &page.records[1];
    assert_eq!(vardenafil.metadata["start_date"], "2006-04");
    assert_eq!(vardenafil.entry.published, Some(date(2011, 6, 16)));
    let tap = &page.records[2];
    assert_eq!(
        tap.metadata["interventions"],
        json!([
            "DRUG: Tap Block - Bupivacaine",
            "DRUG: Intraperitoneal infiltration to liver"
        ])
    );
    assert_eq!(tap.metadata["phases"], json!(["PHASE1"]));
}

#[test]
fn clinicaltrials_single_study_answer_is_a_one_record_page() {
    let records = parse_saved(
        SavedFormat::Clinicaltrials,
        &fixture("clinicaltrials/NCT06323538.json"),
    )
    .unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(
        r.entry.title,
        "Cohort Study on Plant-based Diets (COPLANT Study)"
    );
    assert_eq!(r.entry.published, Some(date(2025, 2, 14)));
    assert_eq!(r.metadata["overall_status"], "RECRUITING");
    // An observational study has no phases.
    assert_eq!(r.metadata["phases"], json!([]));
    assert_eq!(r.metadata["conditions"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        r.entry.author.as_deref(),
        Some("German Federal Institute for Risk Assessment")
    );
}

#[test]
fn pubmed_articles_flatten_markup_keep_labelled_sections_and_date_by_entry() {
    let records = parse_saved(SavedFormat::Pubmed, &fixture("pubmed/pubmed4.xml")).unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    // `<i>TERT</i>` in the title is flattened into its text.
    assert_eq!(
        r.entry.title,
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    );
    assert_eq!(r.entry.url, "https://pubmed.ncbi.nlm.nih.gov/27797938/");
    // The entry date (edat), not the journal's issue date.
    assert_eq!(r.entry.published, Some(date(2016, 11, 1)));
    assert_eq!(r.metadata["publication_date"], "2017-06");
    assert_eq!(r.metadata["pmid"], "27797938");
    assert_eq!(r.metadata["doi"], "10.1136/gutjnl-2016-312510");
    assert_eq!(r.metadata["journal"], "Gut");
    let authors = r.metadata["authors"].as_array().unwrap();
    assert_eq!(authors[0], "Ying Bao");
    assert_eq!(authors[1], "Jennifer Prescott");
    assert_eq!(r.entry.author.as_deref(), Some("Ying Bao et al."));
    assert!(
        r.metadata["publication_types"]
            .as_array()
            .unwrap()
            .contains(&json!("Observational Study"))
    );
    let sections: Vec<&str> = r.entry.content.split("\n\n").collect();
    let labels: Vec<&str> = sections
        .iter()
        .map(|s| s.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(labels, ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]);
}

#[test]
fn pubmed_entities_and_several_articles_per_set() {
    let six = parse_saved(SavedFormat::Pubmed, &fixture("pubmed/pubmed6.xml")).unwrap();
    assert!(
        six[0]
            .entry
            .title
            .starts_with("A \"Blood Relationship\" Between the Overlooked"),
        "{}",
        six[0].entry.title
    );
    assert_eq!(six[0].metadata["publication_date"], "2018");
    let one = parse_saved(SavedFormat::Pubmed, &fixture("pubmed/pubmed1.xml")).unwrap();
    let pmids: Vec<&str> = one
        .iter()
        .map(|r| r.metadata["pmid"].as_str().unwrap())
        .collect();
    assert_eq!(pmids, ["12091962", "9997"]);
    assert_eq!(one[1].metadata["publication_date"], "1976-09-28");
    assert_eq!(one[1].entry.published, Some(date(1976, 9, 28)));
    assert_eq!(one[1].metadata["doi"], "10.1016/0005-2795(76)90109-4");
    // An article without a DOI says so.
    assert_eq!(one[0].metadata["doi"], serde_json::Value::Null);
    let total: usize = [
        "pubmed1.xml",
        "pubmed2.xml",
        "pubmed4.xml",
        "pubmed5.xml",
        "pubmed6.xml",
        "pubmed7.xml",
    ]
    .iter()
    .map(|f| {
        parse_saved(SavedFormat::Pubmed, &fixture(&format!("pubmed/{f}")))
            .unwrap()
            .len()
    })
    .sum();
    assert_eq!(total, 8);
}

#[test]
fn esearch_xml_answers_and_refusals() {
    let s = pubmed::parse_esearch(&fixture("pubmed/esearch2.xml")).unwrap();
    assert_eq!(s.count, 42249);
    assert_eq!(s.ids.len(), 100);
    assert_eq!(s.web_env.as_deref(), Some("MCID_6927d6e7fee3e90f880ec190"));
    assert_eq!(s.query_key.as_deref(), Some("1"));
    let plain = pubmed::parse_esearch(&fixture("pubmed/esearch1.xml")).unwrap();
    assert_eq!(
        (plain.count, plain.ids.len(), plain.web_env),
        (63, 20, None)
    );
    let refused =
        pubmed::parse_esearch(br#"{"esearchresult": {"ERROR": "Invalid query"}}"#).unwrap_err();
    assert!(refused.contains("Invalid query"), "{refused}");
    assert!(pubmed::parse_articles(b"<html><body>busy</body></html>").is_err());
}

#[test]
fn openfda_approvals_one_record_per_approved_submission_in_the_window() {
    let body = fixture("openfda/drugsfda/page_3_of_1644.json");
    let all = openfda::parse_any(&body, None).unwrap();
    assert_eq!((all.total, all.returned), (1644, 3));
    // Every AP submission of the three applications: 9 + 1 + 1.
    assert_eq!(all.records.len(), 11);
    let window = Window {
        from: date(2022, 10, 1),
        to: date(2022, 10, 31),
    };
    let page = openfda::parse_any(&body, Some((ApiProvider::OpenfdaDrugsfda, window))).unwrap();
    let versions: Vec<&str> = page
        .records
        .iter()
        .map(|r| r.metadata["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["SUPPL-10", "SUPPL-11"]);
    let r = &page.records[0];
    assert_eq!(r.entry.published, Some(date(2022, 10, 27)));
    assert_eq!(
        r.entry.url,
        "https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo=209824"
    );
    assert_eq!(
        r.entry.title,
        "FDA approval: VIGABATRIN, ANDA209824 (SUPPL 10, Labeling)"
    );
    assert_eq!(r.metadata["sponsor"], "TEVA PHARMS USA");
    assert_eq!(r.metadata["dosage_form"], "FOR SOLUTION");
    assert_eq!(r.metadata["route"], "ORAL");
    assert!(
        r.entry
            .content
            .contains("Products: VIGABATRIN VIGABATRIN 500MG/PACKET (FOR SOLUTION; ORAL)"),
        "{}",
        r.entry.content
    );
}

#[test]
fn openfda_label_without_its_top_level_ids_falls_back_and_stays_undated() {
    let records = parse_saved(
        SavedFormat::Openfda,
        &fixture("openfda/label/label-lipitor.json"),
    )
    .unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.metadata["set_id"], "a60cc18b-0631-4cf0-b021-9f52224ece65");
    assert_eq!(
        r.entry.url,
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=a60cc18b-0631-4cf0-b021-9f52224ece65"
    );
    assert_eq!(r.entry.title, "Label: Lipitor (ATORVASTATIN CALCIUM)");
    assert_eq!(r.entry.published, None);
    assert!(
        r.entry
            .content
            .starts_with("1 INDICATIONS AND USAGE LIPITOR is indicated")
    );
    assert!(
        r.entry
            .content
            .ends_with("Route: ORAL. Manufacturer: Viatris Specialty LLC.")
    );
}

#[test]
fn saved_answers_of_the_wrong_kind_are_refused_with_a_reason() {
    let study = fixture("clinicaltrials/NCT06323538.json");
    let err = parse_saved(SavedFormat::Openfda, &study).unwrap_err();
    assert!(err.contains("not an openFDA answer"), "{err}");
    let err = parse_saved(SavedFormat::Pubmed, &study).unwrap_err();
    assert!(err.contains("PubmedArticleSet"), "{err}");
    let err = parse_saved(SavedFormat::Clinicaltrials, &fixture("pubmed/pubmed1.xml")).unwrap_err();
    assert!(
        err.contains("not a ClinicalTrials.gov JSON answer"),
        "{err}"
    );
}
