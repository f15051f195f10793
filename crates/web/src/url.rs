//! URL query parameters: `?scenario=NAME&step=N&theme=dark&present=1`.
//!
//! Parsed into typed values; anything malformed becomes a message for the error
//! banner and is otherwise ignored, so a bad link still opens a working page.

/// Colour theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub fn class(self) -> &'static str {
        match self {
            Theme::Light => "theme-light",
            Theme::Dark => "theme-dark",
        }
    }
    pub fn toggled(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

/// What the URL asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlParams {
    pub scenario: Option<String>,
    pub step: Option<u64>,
    pub theme: Option<Theme>,
    pub present: bool,
}

/// Parses a query string (with or without the leading `?`). Returns the parameters
/// that were valid and one message per bad or unknown parameter.
pub fn parse(query: &str) -> (UrlParams, Vec<String>) {
    let mut params = UrlParams::default();
    let mut errors = Vec::new();
    let query = query.strip_prefix('?').unwrap_or(query);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key);
        let value = decode(value);
        match key.as_str() {
            "scenario" if !value.is_empty() => params.scenario = Some(value),
            "step" => match value.parse::<u64>() {
                Ok(n) => params.step = Some(n),
                Err(_) => errors.push(format!(
                    "URL parameter step={value:?} is not a step number (expected 0, 1, 2, ...)"
                )),
            },
            "theme" => match value.as_str() {
                "light" => params.theme = Some(Theme::Light),
                "dark" => params.theme = Some(Theme::Dark),
                _ => errors.push(format!(
                    "URL parameter theme={value:?} is not a theme (expected light or dark)"
                )),
            },
            "present" => match value.as_str() {
                "" | "1" | "true" => params.present = true,
                "0" | "false" => params.present = false,
                _ => errors.push(format!(
                    "URL parameter present={value:?} is not a switch (expected 1 or 0)"
                )),
            },
            _ => errors.push(format!(
                "Unknown URL parameter {key:?} (known: scenario, step, theme, present)"
            )),
        }
    }
    (params, errors)
}

/// Percent-decoding with `+` as space; malformed escapes are kept literally.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn scenario_and_step_are_read() {
        let (p, errors) = parse("?scenario=xfs_create&step=12");
        assert!(errors.is_empty());
        assert_eq!(p.scenario.as_deref(), Some("xfs_create"));
        assert_eq!(p.step, Some(12));
    }

    #[wasm_bindgen_test]
    fn bad_step_is_reported_and_ignored() {
        let (p, errors) = parse("step=-3&theme=dark");
        assert_eq!(p.step, None);
        assert_eq!(p.theme, Some(Theme::Dark));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("step=\"-3\""), "{}", errors[0]);
    }

    #[wasm_bindgen_test]
    fn unknown_parameters_are_named() {
        let (_, errors) = parse("stpe=3");
        assert!(errors[0].contains("\"stpe\""));
    }

    #[wasm_bindgen_test]
    fn percent_escapes_decode() {
        let (p, _) = parse("scenario=a%20b+c%zz");
        assert_eq!(p.scenario.as_deref(), Some("a b c%zz"));
    }
}
