//! Medians over rounds, and the paired ratios of two rows.
//!
//! A figure is kept per round, `NaN` where a round has none (a cell that
//! was not run). A paired ratio divides two rows' figures of the same round
//! (measured a few seconds apart, under the same conditions) and takes the
//! median of those per-round ratios: a slow spell of the machine that hits
//! one round hits both sides of its ratio, and one odd round moves the
//! median little. The ratio of the two medians is given beside it.

/// The median of the finite values (the mean of the middle two for an even
/// count); `NaN` when there is none.
pub fn median(values: &[f64]) -> f64 {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return f64::NAN;
    }
    finite.sort_by(f64::total_cmp);
    let mid = finite.len() / 2;
    if finite.len() % 2 == 1 {
        finite[mid]
    } else {
        (finite[mid - 1] + finite[mid]) / 2.0
    }
}

/// The smallest and largest finite values; `(NaN, NaN)` when there is none.
pub fn range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold((f64::NAN, f64::NAN), |(low, high), v| {
            (low.min(v), high.max(v))
        })
}

/// Two rows compared: `ours / theirs`, both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// The median of the per-round ratios `ours[r] / theirs[r]` (the
    /// headline).
    pub median_of_ratios: f64,
    /// `median(ours) / median(theirs)`.
    pub ratio_of_medians: f64,
    /// How many rounds had a figure on both sides.
    pub rounds: usize,
}

/// Compares two rows round by round: `ours[r] / theirs[r]` for every round
/// `r` where both have a finite, non-zero figure.
pub fn paired(ours: &[f64], theirs: &[f64]) -> Paired {
    let ratios: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .map(|(&a, &b)| a / b)
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    Paired {
        median_of_ratios: median(&ratios),
        ratio_of_medians: median(ours) / median(theirs),
        rounds: ratios.len(),
    }
}

/// `1.23x`, or `-` for a ratio that could not be computed.
pub fn format_ratio(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{ratio:.2}x")
    } else {
        "-".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[f64::NAN, 5.0]), 5.0);
        assert!(median(&[]).is_nan());
        assert!(median(&[f64::NAN]).is_nan());
        assert_eq!(range(&[2.0, f64::NAN, 7.0, 1.0]), (1.0, 7.0));
    }

    #[test]
    fn paired_ratios_are_per_round() {
        // Round 2 is slow for both: the paired ratio does not see it, the
        // ratio of medians does.
        let ours = [100.0, 110.0, 20.0];
        let theirs = [50.0, 55.0, 10.0];
        let both = paired(&ours, &theirs);
        assert_eq!(both.median_of_ratios, 2.0);
        assert_eq!(both.ratio_of_medians, 2.0);
        assert_eq!(both.rounds, 3);

        let ours = [100.0, 300.0, 200.0];
        let theirs = [100.0, 100.0, 400.0];
        let both = paired(&ours, &theirs);
        assert_eq!(both.median_of_ratios, 1.0); // ratios 1, 3, 0.5
        assert_eq!(both.ratio_of_medians, 2.0); // 200 / 100
    }

    #[test]
    fn rounds_missing_on_one_side_are_left_out() {
        let both = paired(&[10.0, f64::NAN, 30.0], &[5.0, 5.0, 0.0]);
        assert_eq!(both.rounds, 1);
        assert_eq!(both.median_of_ratios, 2.0);
        assert_eq!(format_ratio(both.median_of_ratios), "2.00x");
        assert_eq!(format_ratio(f64::NAN), "-");
    }
}
