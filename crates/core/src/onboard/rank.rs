//! Ranking discovery candidates: readable ones with dated entries first, then by entries found,
//! share dated and newest date; a feed goes before an HTML page that lists the same releases.

use super::discover::Candidate;
use super::verdict::Verdict;
use std::cmp::Ordering;

/// Share of the smaller candidate's releases (URLs or titles) the other must list for the two
/// to count as "the same releases".
const SAME_RELEASES: f64 = 0.5;

/// Sorts candidates best first.
pub fn rank(candidates: &mut Vec<Candidate>) {
    candidates.sort_by(compare);
    // A feed listing the same releases as a better-placed HTML page takes its place: feeds
    // carry their dates and survive redesigns.
    let mut i = 0;
    while i < candidates.len() {
        if !candidates[i].kind.is_feed()
            && let Some(j) = (i + 1..candidates.len()).find(|&j| {
                candidates[j].kind.is_feed()
                    && candidates[j].stats.entries > 0
                    && same_releases(&candidates[i], &candidates[j])
            })
        {
            let feed = candidates.remove(j);
            candidates.insert(i, feed);
        }
        i += 1;
    }
}

fn class(v: Verdict) -> u8 {
    match v {
        Verdict::Ok => 0,
        Verdict::Undated => 1,
        Verdict::Empty => 2,
        _ => 3,
    }
}

fn compare(a: &Candidate, b: &Candidate) -> Ordering {
    class(a.verdict)
        .cmp(&class(b.verdict))
        .then(b.stats.entries.cmp(&a.stats.entries))
        .then(b.stats.dated_share().total_cmp(&a.stats.dated_share()))
        .then(b.stats.newest.cmp(&a.stats.newest))
        .then(b.kind.is_feed().cmp(&a.kind.is_feed()))
}

fn same_releases(a: &Candidate, b: &Candidate) -> bool {
    let (small, large) = if a.releases.len() <= b.releases.len() {
        (a, b)
    } else {
        (b, a)
    };
    if small.releases.is_empty() {
        return false;
    }
    let shared = small
        .releases
        .iter()
        .filter(|r| large.releases.contains(r))
        .count();
    shared as f64 >= SAME_RELEASES * small.releases.len() as f64
}
