//! Which sources run when. Politeness allows one request at a time per host, so a client's sources
//! are grouped by host and each group runs one source after another; groups run side by side, at
//! most `EngineOptions::concurrency` at once (the machine's bound: each running source holds a
//! socket, maybe a second one kept for its next request, and its page). A host with a hundred
//! sources therefore takes one slot, never a hundred, while a run over a thousand hosts fetches
//! them all at once when the bound allows. Each group is a task of its own, so the work between
//! requests (decoding bodies, filtering, building items) spreads over the runtime's threads.

use super::gather::Gathered;
use super::source::{SourceResult, SourceRunContext};
use super::{Engine, RunObserver, log_outcome};
use crate::config::SourceDef;
use crate::fetch::{group_by_host, host_key};
use crate::model::TemporalMode;
use crate::state::IngestIndex;
use crate::window::Window;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use vectora_filter::IngestionMode;

/// What a host's task needs of the run's context, owned (tasks outlive no borrow).
#[derive(Debug, Clone)]
struct TaskContext {
    client_id: Arc<str>,
    use_state: bool,
    now: DateTime<Utc>,
    window: Window,
    ingestion_mode: IngestionMode,
    temporal_mode: TemporalMode,
    deadline: Option<Instant>,
}

impl TaskContext {
    fn of(ctx: &SourceRunContext<'_>) -> Self {
        TaskContext {
            client_id: Arc::from(ctx.client_id),
            use_state: ctx.use_state,
            now: ctx.now,
            window: ctx.window,
            ingestion_mode: ctx.ingestion_mode,
            temporal_mode: ctx.temporal_mode,
            deadline: ctx.deadline,
        }
    }

    fn context(&self) -> SourceRunContext<'_> {
        SourceRunContext {
            client_id: &self.client_id,
            use_state: self.use_state,
            now: self.now,
            window: self.window,
            ingestion_mode: self.ingestion_mode,
            temporal_mode: self.temporal_mode,
            deadline: self.deadline,
        }
    }
}

type Sent = (usize, SourceResult);

impl Engine {
    /// Runs `sources` (a client's, in catalog order) host by host and folds their results in
    /// source order as they complete. Dropping the future stops every host's task.
    pub(super) async fn run_sources<'a>(
        &self,
        sources: &[&SourceDef],
        ctx: &SourceRunContext<'_>,
        index: &'a IngestIndex,
        observer: &dyn RunObserver,
    ) -> Gathered<'a> {
        let positions: Vec<(usize, &SourceDef)> = sources.iter().copied().enumerate().collect();
        let mut groups = group_by_host(positions, |(_, s)| {
            s.url.as_ref().map(host_key).unwrap_or_default()
        })
        .into_iter();
        let task_ctx = TaskContext::of(ctx);
        let slots = self.options.concurrency.max(1);
        let (tx, mut rx) = mpsc::unbounded_channel::<Sent>();
        let mut running = JoinSet::new();
        let mut gathered = Gathered::new(index);
        let fold = |(position, result): Sent, gathered: &mut Gathered<'a>| {
            log_outcome(ctx.client_id, &result.outcome);
            observer.source_finished(ctx.client_id, &result.outcome);
            gathered.add(position, result);
        };
        loop {
            while running.len() < slots
                && let Some(group) = groups.next()
            {
                // Cloned when their host starts: a task owns what it works on.
                let owned = group.into_iter().map(|(p, s)| (p, s.clone())).collect();
                running.spawn(self.clone().run_host(owned, task_ctx.clone(), tx.clone()));
            }
            if running.is_empty() {
                // Every group was started and has ended.
                break;
            }
            tokio::select! {
                Some(sent) = rx.recv() => fold(sent, &mut gathered),
                Some(joined) = running.join_next() => {
                    if let Err(e) = joined
                        && e.is_panic()
                    {
                        std::panic::resume_unwind(e.into_panic());
                    }
                }
                else => break,
            }
        }
        // Every task has ended, so everything it sent is in the channel.
        while let Ok(sent) = rx.try_recv() {
            fold(sent, &mut gathered);
        }
        debug_assert_eq!(gathered.pending(), 0, "every source's result was folded");
        gathered
    }

    /// One host's sources, one after another, each result sent as it comes; each source knows
    /// whether another of the host follows (its connection is then kept for it).
    async fn run_host(
        self,
        group: Vec<(usize, SourceDef)>,
        ctx: TaskContext,
        tx: mpsc::UnboundedSender<Sent>,
    ) {
        let ctx = ctx.context();
        let last = group.len().saturating_sub(1);
        for (n, (position, source)) in group.into_iter().enumerate() {
            let result = self.run_source(&source, &ctx, n < last).await;
            if tx.send((position, result)).is_err() {
                return;
            }
        }
    }
}
