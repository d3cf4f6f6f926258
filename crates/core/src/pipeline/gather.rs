//! The results of a client's sources, folded in source order as they arrive: deduplicated within
//! the run (the first source in catalog order keeps an item) and against what earlier runs
//! ingested, counted, their outcomes and validators kept. A result that arrives before those of
//! earlier sources waits for them; once folded, only the items kept remain in memory.

use super::source::SourceResult;
use crate::dedup::Deduper;
use crate::model::{Item, SourceOutcome};
use crate::state::{IngestIndex, Validators};
use std::collections::BTreeMap;

/// What a client's sources came to, so far.
pub(super) struct Gathered<'a> {
    index: &'a IngestIndex,
    /// Results of sources whose predecessors are not all folded yet, by source position.
    waiting: BTreeMap<usize, SourceResult>,
    /// The position of the next source to fold.
    next: usize,
    deduper: Deduper,
    /// Items new to this run and to earlier runs, in source order.
    pub(super) items: Vec<Item>,
    outcomes: Vec<SourceOutcome>,
    /// Validators to store once the items are written, by source key.
    pub(super) validators: Vec<(String, Validators)>,
    /// Entries parsed.
    ingested: usize,
    /// Entries the window or the profiles left out.
    filtered: usize,
    /// Items already seen, in this run or an earlier one.
    deduplicated: usize,
}

/// What a client's sources came to, once written: what its report counts.
pub(super) struct Ran {
    /// Every source's line: those run, in source order, then those the plan left out.
    pub(super) outcomes: Vec<SourceOutcome>,
    pub(super) ingested: usize,
    pub(super) filtered: usize,
    pub(super) deduplicated: usize,
}

impl<'a> Gathered<'a> {
    pub(super) fn new(index: &'a IngestIndex) -> Self {
        Gathered {
            index,
            waiting: BTreeMap::new(),
            next: 0,
            deduper: Deduper::default(),
            items: Vec::new(),
            outcomes: Vec::new(),
            validators: Vec::new(),
            ingested: 0,
            filtered: 0,
            deduplicated: 0,
        }
    }

    /// Takes the result of the source at `position` (0-based, every position exactly once).
    pub(super) fn add(&mut self, position: usize, result: SourceResult) {
        self.waiting.insert(position, result);
        while let Some(result) = self.waiting.remove(&self.next) {
            self.fold(result);
            self.next += 1;
        }
    }

    /// Results still waiting for an earlier source's (none once every source was added).
    pub(super) fn pending(&self) -> usize {
        self.waiting.len()
    }

    /// The counts and lines of the report, once the items are written: `already_present` items
    /// the day's file had count as duplicates, the sources the plan left out come last.
    pub(super) fn finish(self, already_present: usize, mut skipped: Vec<SourceOutcome>) -> Ran {
        let mut outcomes = self.outcomes;
        outcomes.append(&mut skipped);
        Ran {
            outcomes,
            ingested: self.ingested,
            filtered: self.filtered,
            deduplicated: self.deduplicated + already_present,
        }
    }

    fn fold(&mut self, r: SourceResult) {
        self.ingested += r.outcome.items_parsed;
        self.filtered += r.filtered_out;
        let mut outcome = r.outcome;
        let mut kept = 0;
        for it in r.items {
            if self.deduper.insert(&it) && !self.index.contains(&it) {
                self.items.push(it);
                kept += 1;
            } else {
                self.deduplicated += 1;
            }
        }
        // The one place items_kept is set: what is left of the source's items after dedup.
        outcome.items_kept = kept;
        self.outcomes.push(outcome);
        if let Some(v) = r.validators {
            self.validators.push((r.source_key, v));
        }
    }
}
