//! The article fallback: an undated listing entry gets its date (and, when configured, its text)
//! from its own page.

use super::Engine;
use super::source::SourceRunContext;
use crate::config::SourceDef;
use crate::fetch::{FetchErrorKind, FetchOptions, host_key};
use crate::model::SourceOutcome;
use crate::parse::{Document, DocumentKind, parse_as};

impl Engine {
    /// The article fallback: for undated entries (and, when configured, entries without a
    /// teaser) fetch the entry's own page and read its date (meta tags, JSON-LD, `<time>`,
    /// text) and main text. Bounded per source, and by the source's budget (`opts` carries its
    /// start); the first article that times out ends the fallback (the host is hanging: the
    /// others would too). PDFs and other non-HTML links are skipped.
    pub(super) async fn complete_from_articles(
        &self,
        source: &SourceDef,
        entries: &mut [vectora_parse::Entry],
        opts: &FetchOptions,
        ctx: &SourceRunContext<'_>,
        outcome: &mut SourceOutcome,
    ) {
        let wanted = article_targets(source, entries);
        let today = ctx.now.date_naive();
        let mut failures = 0usize;
        for (n, (index, url)) in wanted.iter().enumerate() {
            let article_opts = FetchOptions {
                etag: None,
                last_modified: None,
                // The connection is kept when the next article is on the same host (after the
                // last one: when the next source of the host follows, as `opts` says).
                keep_alive: match wanted.get(n + 1) {
                    Some((_, next)) => host_key(next) == host_key(url),
                    None => {
                        opts.keep_alive
                            && source
                                .url
                                .as_ref()
                                .is_some_and(|u| host_key(u) == host_key(url))
                    }
                },
                ..opts.clone()
            };
            outcome.articles_fetched += 1;
            let fetched = match self.fetcher.fetch(url, &article_opts).await {
                Ok(f) if !f.not_modified() => f,
                Ok(_) => continue,
                Err(e) if e.kind == FetchErrorKind::Timeout => {
                    failures += 1;
                    outcome.warnings.push(format!(
                        "article pages: stopped after {} of {}: {}",
                        n + 1,
                        wanted.len(),
                        e.message
                    ));
                    break;
                }
                Err(e) => {
                    failures += 1;
                    tracing::debug!(source_key = %source.key, url = %url, error = %e, "article fetch failed");
                    continue;
                }
            };
            let is_html = fetched
                .content_type
                .as_deref()
                .is_none_or(|c| c.contains("html"));
            if !is_html {
                continue;
            }
            let entry = &mut entries[*index];
            let needs_date = entry.published.is_none();
            let needs_text = source.article_content && entry.content.trim().is_empty();
            let page = Document {
                body: &fetched.body,
                content_type: fetched.content_type.as_deref(),
                url: &fetched.final_url,
            };
            let parsed = parse_as(
                &self.config,
                Some(source),
                DocumentKind::Article,
                page,
                today,
            );
            if let Some(article) = parsed.ok().and_then(|p| p.entries.into_iter().next()) {
                if needs_date && article.published.is_some() {
                    entry.published = article.published;
                    entry.date_source = article.date_source;
                }
                if needs_text && !article.content.trim().is_empty() {
                    entry.content = article.content;
                }
            }
        }
        if failures > 0 {
            outcome
                .warnings
                .push(format!("{failures} article page(s) could not be fetched"));
        }
    }
}

/// The entries whose page is fetched, in listing order, at most `article_fallback` of them:
/// undated ones (and, with `article_content`, those without a teaser) with a usable, non-PDF link.
fn article_targets(source: &SourceDef, entries: &[vectora_parse::Entry]) -> Vec<(usize, url::Url)> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| {
            entry.published.is_none() || (source.article_content && entry.content.trim().is_empty())
        })
        .filter_map(|(i, entry)| url::Url::parse(&entry.url).ok().map(|u| (i, u)))
        .filter(|(_, url)| !url.path().to_ascii_lowercase().ends_with(".pdf"))
        .take(source.article_fallback)
        .collect()
}
