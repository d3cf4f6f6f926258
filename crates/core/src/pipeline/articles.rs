//! The article fallback: an undated listing entry gets its date (and, when configured, its text)
//! from its own page.

use super::Engine;
use super::source::SourceRunContext;
use crate::config::SourceDef;
use crate::fetch::FetchOptions;
use crate::model::SourceOutcome;

impl Engine {
    /// The article fallback: for undated entries (and, when configured, entries without a
    /// teaser) fetch the entry's own page and read its date (meta tags, JSON-LD, `<time>`,
    /// text) and main text. Bounded per source; PDFs and other non-HTML links are skipped.
    pub(super) async fn complete_from_articles(
        &self,
        source: &SourceDef,
        entries: &mut [vectora_parse::Entry],
        opts: &FetchOptions,
        ctx: &SourceRunContext<'_>,
        outcome: &mut SourceOutcome,
    ) {
        let mut budget = source.article_fallback;
        let article_opts = FetchOptions {
            etag: None,
            last_modified: None,
            ..opts.clone()
        };
        let parse_ctx = vectora_parse::dates::ParseContext::new(ctx.now.date_naive());
        let mut failures = 0usize;
        for entry in entries.iter_mut() {
            let needs_date = entry.published.is_none();
            let needs_text = source.article_content && entry.content.trim().is_empty();
            if !(needs_date || needs_text) {
                continue;
            }
            if budget == 0 {
                break;
            }
            let Ok(url) = url::Url::parse(&entry.url) else {
                continue;
            };
            if url.path().to_ascii_lowercase().ends_with(".pdf") {
                continue;
            }
            budget -= 1;
            outcome.articles_fetched += 1;
            let fetched = match self.fetcher.fetch(&url, &article_opts).await {
                Ok(f) if !f.not_modified() => f,
                Ok(_) => continue,
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
            let (html, _, _) =
                vectora_parse::encoding::decode(&fetched.body, fetched.content_type.as_deref());
            if let Ok(Some(article)) =
                vectora_parse::html::parse_article_with(&html, &fetched.final_url, &parse_ctx)
            {
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
