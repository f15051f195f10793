//! Kernel versions as they appear in logs (`5.15.0-91-generic`, `4.19.0-rc2+`,
//! `6.6.0-rc6-syzkaller-00011-g…`, `6.12`), parsed into a comparable [`KernelVersion`].
//!
//! The version decides which GFP bit layout and name table decode a mask (§1.5, §1.4)
//! and which `memalloc_*_restore` semantics apply (§3.2).

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A kernel release: `major.minor[.patch][-rcN]`, plus whether the string named a
/// `linux-next` tree (which already carries the *following* release's layout, §1.5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct KernelVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
    /// `Some(n)` for `-rcN` pre-releases of `major.minor`.
    pub rc: Option<u16>,
    /// The string contained `-next` (a linux-next snapshot).
    pub next: bool,
}

/// A version string that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown kernel version `{input}`: {reason}")]
pub struct VersionError {
    /// The offending text, verbatim.
    pub input: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl KernelVersion {
    /// The baseline every rule models: Linux 6.12 LTS.
    pub const V6_12: KernelVersion = KernelVersion::new(6, 12);

    /// A final release `major.minor`.
    #[must_use]
    pub const fn new(major: u16, minor: u16) -> KernelVersion {
        KernelVersion {
            major,
            minor,
            patch: 0,
            rc: None,
            next: false,
        }
    }

    /// Parse a version as printed by `uname -r`, in an oops header or a bug report.
    ///
    /// Accepted: an optional `v`/`Linux version ` prefix, then `MAJOR.MINOR[.PATCH]`,
    /// then any suffix. A suffix `-rcN` marks a pre-release; `-next` anywhere marks a
    /// linux-next tree. Everything else in the suffix (`-91-generic`, `+`,
    /// `-syzkaller-00011-g…`) is ignored.
    ///
    /// # Errors
    /// [`VersionError`] naming the whole input when it does not start with
    /// `MAJOR.MINOR` or the numbers are out of range.
    pub fn parse(input: &str) -> Result<KernelVersion, VersionError> {
        let err = |reason| VersionError {
            input: input.to_owned(),
            reason,
        };
        let mut s = input.trim();
        if let Some(rest) = s.strip_prefix("Linux version ") {
            s = rest.trim_start();
        }
        if let Some(rest) = s.strip_prefix('v') {
            s = rest;
        }
        let (numbers, suffix) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
            Some(i) => s.split_at(i),
            None => (s, ""),
        };
        let numbers = numbers.trim_end_matches('.');
        let mut parts = numbers.split('.');
        let parse_num = |p: Option<&str>| -> Result<Option<u16>, VersionError> {
            match p {
                None => Ok(None),
                Some("") => Err(err("expected MAJOR.MINOR[.PATCH]")),
                Some(text) => text
                    .parse::<u16>()
                    .map(Some)
                    .map_err(|_| err("version number out of range")),
            }
        };
        let major = parse_num(parts.next())?.ok_or_else(|| err("expected MAJOR.MINOR"))?;
        let minor = parse_num(parts.next())?.ok_or_else(|| err("expected MAJOR.MINOR"))?;
        let patch = parse_num(parts.next())?.unwrap_or(0);
        if major == 0 || major > 99 {
            return Err(err("major version out of range"));
        }
        if !suffix.is_empty() && !suffix.starts_with(['-', '+', '_', '~', ' ']) {
            return Err(err("expected `-`, `+` or end after MAJOR.MINOR[.PATCH]"));
        }
        let rc = suffix.strip_prefix("-rc").and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u16>().ok()
        });
        let next = suffix.contains("-next");
        Ok(KernelVersion {
            major,
            minor,
            patch,
            rc,
            next,
        })
    }

    /// True if this version is at least `major.minor` (an `-rc` of `major.minor` counts
    /// as `major.minor`; a `-next` tree counts as the following release).
    #[must_use]
    pub fn at_least(self, major: u16, minor: u16) -> bool {
        let (ma, mi) = self.effective_release();
        (ma, mi) >= (major, minor)
    }

    /// The `(major, minor)` whose code this tree carries: `-next` snapshots already
    /// contain the next merge window's changes.
    #[must_use]
    pub fn effective_release(self) -> (u16, u16) {
        if self.next {
            next_release(self.major, self.minor)
        } else {
            (self.major, self.minor)
        }
    }
}

/// The release after `major.minor` (2.6 → 3.0, 3.19 → 4.0, 4.20 → 5.0, 5.19 → 6.0).
fn next_release(major: u16, minor: u16) -> (u16, u16) {
    let last_minor = match major {
        2 => 6,
        3 | 5 => 19,
        4 => 20,
        _ => u16::MAX,
    };
    if minor >= last_minor {
        (major + 1, 0)
    } else {
        (major, minor + 1)
    }
}

impl Default for KernelVersion {
    fn default() -> Self {
        KernelVersion::V6_12
    }
}

impl PartialOrd for KernelVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KernelVersion {
    /// Releases order by number; `X.Y-rcN` sorts before `X.Y`; a `-next` tree sorts
    /// after its base.
    fn cmp(&self, other: &Self) -> Ordering {
        let key = |v: &KernelVersion| {
            (
                v.major,
                v.minor,
                v.patch,
                v.rc.map_or(u32::MAX, u32::from),
                v.next,
            )
        };
        key(self).cmp(&key(other))
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch != 0 {
            write!(f, ".{}", self.patch)?;
        }
        if let Some(rc) = self.rc {
            write!(f, "-rc{rc}")?;
        }
        if self.next {
            f.write_str("-next")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for KernelVersion {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KernelVersion::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, major: u16, minor: u16, patch: u16, rc: Option<u16>, next: bool) {
        let v = KernelVersion::parse(input).unwrap();
        assert_eq!(
            v,
            KernelVersion {
                major,
                minor,
                patch,
                rc,
                next
            },
            "{input}"
        );
    }

    #[test]
    fn parses_log_version_strings() {
        check("5.15.0-91-generic", 5, 15, 0, None, false);
        check("4.19.0-rc2+", 4, 19, 0, Some(2), false);
        check(
            "6.6.0-rc6-syzkaller-00011-g94f6f0550c62",
            6,
            6,
            0,
            Some(6),
            false,
        );
        check("6.12", 6, 12, 0, None, false);
        check("6.12.117", 6, 12, 117, None, false);
        check("v4.9", 4, 9, 0, None, false);
        check("4.10.0-rc6-next-20170201", 4, 10, 0, Some(6), true);
        check("3.10.0-957.el7.x86_64", 3, 10, 0, None, false);
        check("Linux version 6.8.0-31-generic", 6, 8, 0, None, false);
    }

    #[test]
    fn rejects_garbage_naming_the_input() {
        for bad in ["", "six", "6", "6.", "6.x", "0.1", "6.12abc", "99999.1"] {
            let e = KernelVersion::parse(bad).unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("`{bad}`")));
        }
    }

    #[test]
    fn rc_sorts_before_release_and_next_counts_as_following() {
        let rc = KernelVersion::parse("4.16.0-rc1").unwrap();
        assert!(rc < KernelVersion::new(4, 16));
        assert!(rc > KernelVersion::new(4, 15));
        assert!(rc.at_least(4, 16));
        let next = KernelVersion::parse("4.10.0-rc6-next-20170201").unwrap();
        assert!(next.at_least(4, 11));
        assert!(!KernelVersion::new(4, 10).at_least(4, 11));
        assert_eq!(
            KernelVersion::parse("4.20-next")
                .unwrap()
                .effective_release(),
            (5, 0)
        );
    }

    #[test]
    fn display_round_trips() {
        for s in ["6.12", "4.19-rc2", "6.12.117", "4.10-rc6-next"] {
            assert_eq!(KernelVersion::parse(s).unwrap().to_string(), s);
        }
    }
}
