//! Sign-in charts drawn on the server as SVG: stacked bars (succeeded below, failed above),
//! no script, with a table of the same numbers for screen readers and for copying.

use domain::admin::Bucket;

/// The drawing's size in SVG units (the image scales to its box).
const WIDTH: u32 = 600;
const HEIGHT: u32 = 160;
/// Room under the bars for the labels.
const LABELS: u32 = 20;

/// One bar of the chart, in SVG units.
#[derive(Debug)]
pub(crate) struct Bar {
    pub(crate) x: u32,
    pub(crate) width: u32,
    /// Top and height of the succeeded part.
    pub(crate) ok_y: u32,
    pub(crate) ok_h: u32,
    /// Top and height of the failed part (on top of the other).
    pub(crate) fail_y: u32,
    pub(crate) fail_h: u32,
    /// The interval's label under the bar (empty when there is no room).
    pub(crate) label: String,
    /// The interval in full, for the tooltip and the table.
    pub(crate) when: String,
    pub(crate) succeeded: u64,
    pub(crate) failed: u64,
}

/// A chart of sign-ins.
#[derive(Debug)]
pub(crate) struct Chart {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Where the labels' baseline is.
    pub(crate) label_y: u32,
    pub(crate) bars: Vec<Bar>,
    /// The largest total, the top of the scale.
    pub(crate) max: u64,
    pub(crate) total_succeeded: u64,
    pub(crate) total_failed: u64,
}

/// How one interval is named: its label under the bar (on every `label_every`-th bar) and in
/// full.
pub(crate) struct Naming {
    pub(crate) short: fn(&Bucket) -> String,
    pub(crate) full: fn(&Bucket) -> String,
    pub(crate) label_every: usize,
}

/// Scales `n` of `max` to `span` units (rounded, at least 1 for a non-zero `n`).
fn scale(n: u64, max: u64, span: u32) -> u32 {
    if n == 0 || max == 0 {
        return 0;
    }
    let units = (u128::from(n) * u128::from(span) + u128::from(max) / 2) / u128::from(max);
    u32::try_from(units).unwrap_or(span).clamp(1, span)
}

impl Chart {
    /// The chart of `buckets`.
    pub(crate) fn new(
        id: &'static str,
        title: &'static str,
        buckets: &[Bucket],
        naming: &Naming,
    ) -> Self {
        let plot = HEIGHT - LABELS;
        let max = buckets
            .iter()
            .map(|b| b.succeeded + b.failed)
            .max()
            .unwrap_or(0);
        let count = u32::try_from(buckets.len().max(1)).unwrap_or(1);
        let slot = WIDTH / count;
        let width = (slot * 3 / 4).max(1);
        let bars = buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let total = b.succeeded + b.failed;
                let total_h = scale(total, max, plot);
                let fail_h = scale(b.failed, max, plot).min(total_h);
                let ok_h = total_h - fail_h;
                let x = u32::try_from(i).unwrap_or(0) * slot + (slot - width) / 2;
                Bar {
                    x,
                    width,
                    ok_y: plot - ok_h,
                    ok_h,
                    fail_y: plot - total_h,
                    fail_h,
                    label: if i % naming.label_every.max(1) == 0 {
                        (naming.short)(b)
                    } else {
                        String::new()
                    },
                    when: (naming.full)(b),
                    succeeded: b.succeeded,
                    failed: b.failed,
                }
            })
            .collect();
        Self {
            id,
            title,
            width: WIDTH,
            height: HEIGHT,
            label_y: HEIGHT - 5,
            bars,
            max,
            total_succeeded: buckets.iter().map(|b| b.succeeded).sum(),
            total_failed: buckets.iter().map(|b| b.failed).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(h: i64, succeeded: u64, failed: u64) -> Bucket {
        Bucket {
            start: time::OffsetDateTime::UNIX_EPOCH + time::Duration::hours(h),
            succeeded,
            failed,
        }
    }

    fn naming() -> Naming {
        Naming {
            short: |b| b.start.hour().to_string(),
            full: |b| b.start.to_string(),
            label_every: 2,
        }
    }

    #[test]
    fn the_tallest_bar_fills_the_plot_and_failures_sit_on_top() {
        let chart = Chart::new(
            "c",
            "t",
            &[bucket(0, 30, 10), bucket(1, 0, 0), bucket(2, 5, 0)],
            &naming(),
        );
        let plot = HEIGHT - LABELS;
        let first = &chart.bars[0];
        assert_eq!(
            first.ok_h + first.fail_h,
            plot,
            "the largest total is the full height"
        );
        assert_eq!(first.fail_h, plot / 4, "a quarter of it failed");
        assert_eq!(
            first.fail_y + first.fail_h,
            first.ok_y,
            "failures are stacked on the successes"
        );
        assert_eq!(
            chart.bars[1].ok_h + chart.bars[1].fail_h,
            0,
            "an empty hour has no bar"
        );
        assert!(chart.bars[2].ok_h > 0 && chart.bars[2].ok_h < plot);
        assert_eq!(chart.bars[1].label, "", "only every second bar is labelled");
        assert_eq!(
            (chart.total_succeeded, chart.total_failed, chart.max),
            (35, 10, 40)
        );
    }

    #[test]
    fn a_single_sign_in_among_many_is_still_visible() {
        let chart = Chart::new("c", "t", &[bucket(0, 100_000, 1)], &naming());
        assert_eq!(chart.bars[0].fail_h, 1);
    }

    #[test]
    fn nothing_at_all_draws_nothing() {
        let chart = Chart::new("c", "t", &[bucket(0, 0, 0), bucket(1, 0, 0)], &naming());
        assert!(chart.bars.iter().all(|b| b.ok_h == 0 && b.fail_h == 0));
    }
}
