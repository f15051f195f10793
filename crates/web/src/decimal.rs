//! Fixed-point text for CSS lengths and percentages without Rust's float formatting.
//!
//! `format!("{x:.1}")` pulls `<f64 as Display>` and its Grisu/Dragon4 machinery (about
//! 12 KB of wasm) into the bundle; the UI only needs a few decimals of a value in a
//! small range, which integer formatting does exactly.

/// `x` with exactly `decimals` digits after the point ("12.5", "0.00", "-3.2"), rounded
/// half away from zero. Not finite or beyond `u64` after scaling: "0" (a CSS value that
/// cannot break the layout).
pub fn fixed(x: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let scaled = (x.abs() * scale as f64).round();
    if !scaled.is_finite() || scaled >= u64::MAX as f64 {
        return "0".to_string();
    }
    let scaled = scaled as u64;
    let sign = if x < 0.0 && scaled != 0 { "-" } else { "" };
    let (int, frac) = (scaled / scale, scaled % scale);
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = decimals as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::fixed;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn matches_std_formatting_away_from_ties() {
        for x in [
            0.0,
            1.0,
            100.0,
            12.345_678,
            99.99,
            0.04,
            0.006,
            33.333_333,
            66.666_667,
            7.0 / 3.0,
            -3.21,
            -0.4,
            1e-9,
            123_456.789,
        ] {
            for d in 0..4 {
                let want = format!("{x:.prec$}", prec = d as usize);
                // std keeps the sign of a negative value that rounds to zero ("-0.0").
                let want = want
                    .strip_prefix('-')
                    .filter(|w| w.trim_matches(['0', '.']).is_empty())
                    .map_or(want.clone(), str::to_string);
                assert_eq!(fixed(x, d), want, "{x} with {d} decimals");
            }
        }
    }

    #[wasm_bindgen_test]
    fn rounds_half_away_from_zero_and_never_fails() {
        assert_eq!(fixed(0.5, 0), "1");
        assert_eq!(fixed(2.5, 0), "3");
        assert_eq!(fixed(-2.5, 0), "-3");
        assert_eq!(fixed(f64::NAN, 2), "0");
        assert_eq!(fixed(f64::INFINITY, 1), "0");
        assert_eq!(fixed(1e300, 3), "0");
        assert_eq!(fixed(100.0, 3), "100.000");
    }
}
