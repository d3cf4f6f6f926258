//! A source's runs over the period as a small inline SVG: one bar per run, its height the entries
//! parsed, the new items in green over it, a failed run in red, an empty one as an orange tick, a
//! 304 (unchanged since the last run) as an outlined bar.

use maud::{Markup, html};

/// What one run did with one source.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPoint {
    /// For the tooltip: when, and the run's status for the source.
    pub label: String,
    pub parsed: usize,
    pub kept: usize,
    pub failed: bool,
    /// The server answered 304: same page as the run before.
    pub unchanged: bool,
}

const WIDTH: f64 = 180.0;
const HEIGHT: f64 = 34.0;
const MAX_BAR: f64 = 14.0;

pub fn runs_chart(points: &[RunPoint]) -> Markup {
    if points.is_empty() {
        return html! { span.muted { "no run in the period" } };
    }
    let top = points.iter().map(|p| p.parsed).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / points.len() as f64;
    let bar = (slot * 0.7).clamp(2.0, MAX_BAR);
    let scale = |n: usize| (n as f64 / top * (HEIGHT - 2.0)).max(if n > 0 { 2.0 } else { 0.0 });
    html! {
        svg.chart width=(WIDTH) height=(HEIGHT) viewBox={"0 0 " (WIDTH) " " (HEIGHT)}
            role="img" aria-label={"entries per run, " (points.len()) " runs"} {
            line.axis x1="0" y1=(HEIGHT - 0.5) x2=(WIDTH) y2=(HEIGHT - 0.5) {}
            @for (i, p) in points.iter().enumerate() {
                @let x = i as f64 * slot + (slot - bar) / 2.0;
                g {
                    title { (p.label) }
                    @if p.failed {
                        rect.fail x=(x) y=(HEIGHT * 0.35) width=(bar) height=(HEIGHT * 0.65) {}
                    } @else if p.unchanged {
                        rect.unchanged x=(x + 0.5) y=(HEIGHT * 0.5) width=(bar - 1.0) height=(HEIGHT * 0.5 - 1.0) {}
                    } @else if p.parsed == 0 {
                        rect.empty x=(x) y=(HEIGHT - 3.0) width=(bar) height="3" {}
                    } @else {
                        rect.parsed x=(x) y=(HEIGHT - scale(p.parsed)) width=(bar) height=(scale(p.parsed)) {}
                        @if p.kept > 0 {
                            rect.kept x=(x) y=(HEIGHT - scale(p.kept)) width=(bar) height=(scale(p.kept)) {}
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(parsed: usize, kept: usize, failed: bool) -> RunPoint {
        RunPoint {
            label: format!("run: {parsed} parsed"),
            parsed,
            kept,
            failed,
            unchanged: false,
        }
    }

    #[test]
    fn one_bar_per_run_scaled_to_the_busiest() {
        let svg = runs_chart(&[
            point(10, 4, false),
            point(0, 0, true),
            point(0, 0, false),
            point(5, 0, false),
            RunPoint {
                unchanged: true,
                ..point(0, 0, false)
            },
        ])
        .into_string();
        assert_eq!(svg.matches("<g>").count(), 5, "{svg}");
        assert_eq!(svg.matches(r#"class="unchanged""#).count(), 1);
        assert_eq!(svg.matches(r#"class="fail""#).count(), 1);
        assert_eq!(svg.matches(r#"class="empty""#).count(), 1);
        assert_eq!(svg.matches(r#"class="kept""#).count(), 1);
        // The busiest run fills the height (minus the axis), the other half of it.
        assert!(svg.contains(r#"height="32""#), "{svg}");
        assert!(svg.contains(r#"height="16""#), "{svg}");
        assert!(svg.contains("<title>run: 10 parsed</title>"));
        assert!(runs_chart(&[]).into_string().contains("no run"));
    }
}
