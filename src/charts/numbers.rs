//! Number conversions and the way numbers are written on charts.

/// `n` as `f64`; chart counts are far below 2^52, so nothing is lost.
pub(crate) fn to_f64(n: usize) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "chart counts are small")]
    let v = n as f64;
    v
}

/// `n` as `f64`, for counts of seconds or messages (exact below 2^53).
pub(crate) fn u64_to_f64(n: u64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "exact below 2^53, plenty for counts"
    )]
    let v = n as f64;
    v
}

/// A pixel position from a computed coordinate, saturating at the `i32` range.
pub(crate) fn px(v: f64) -> i32 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "clamped to the i32 range first; NaN becomes 0"
    )]
    let p = v.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
    p
}

/// A non-negative pixel length.
pub(crate) fn upx(v: f64) -> u32 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to the u32 range first; NaN becomes 0"
    )]
    let p = v.round().clamp(0.0, f64::from(u32::MAX)) as u32;
    p
}

/// Hours as people read them: one decimal below 10, whole hours above, thousands grouped.
pub(crate) fn hours(h: f64) -> String {
    if !h.is_finite() {
        return "–".to_owned();
    }
    if h.abs() < 10.0 {
        format!("{h:.1}")
    } else {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "rounded hours of a chart fit in i64"
        )]
        let whole = h.round() as i64;
        grouped(whole)
    }
}

/// A tick on an axis of hours: no decimals on whole numbers ("0", "20"), as few as needed
/// otherwise ("2.5", "0.25").
pub(crate) fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        #[expect(clippy::cast_possible_truncation, reason = "axis ticks fit in i64")]
        let whole = v.round() as i64;
        grouped(whole)
    } else {
        let fixed = format!("{v:.2}");
        fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A tick on an axis of counts: whole numbers only; ticks between them stay blank.
pub(crate) fn count_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v >= 0.0 {
        count(upx(v).into())
    } else {
        String::new()
    }
}

/// An integer with thousands separated by commas: `12,345`.
pub(crate) fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separated by commas.
pub(crate) fn count(n: u64) -> String {
    grouped(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_keep_one_decimal_only_when_small() {
        assert_eq!(hours(2.345), "2.3");
        assert_eq!(hours(12.6), "13");
        assert_eq!(hours(12_345.0), "12,345");
    }

    #[test]
    fn ticks_drop_needless_decimals() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.05), "0.05");
        assert_eq!(count_tick(0.5), "");
        assert_eq!(count_tick(2.0), "2");
        assert_eq!(tick(1_000.0), "1,000");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(grouped(-4_200), "-4,200");
    }

    #[test]
    fn pixels_saturate_instead_of_wrapping() {
        assert_eq!(px(1e12), i32::MAX);
        assert_eq!(px(f64::NAN), 0);
        assert_eq!(upx(-3.0), 0);
    }
}
