//! The catalogue of rules, by CIPP's names.

use std::sync::OnceLock;

use crate::rule::Rule;

/// Every rule this crate implements, sorted by name.
///
/// ```
/// let names: Vec<_> = cipp_alerts::catalogue::all().iter().map(|r| r.name).collect();
/// assert!(names.contains(&"AppSecretExpiry"));
/// ```
pub fn all() -> &'static [Rule] {
    static ALL: OnceLock<Vec<Rule>> = OnceLock::new();
    ALL.get_or_init(crate::rules::all)
}

/// A rule by name, in any case, with or without CIPP's `Get-CIPPAlert` prefix.
pub fn get(name: &str) -> Option<&'static Rule> {
    let name = name.trim();
    let bare = name
        .get(..13)
        .filter(|p| p.eq_ignore_ascii_case("Get-CIPPAlert"))
        .map_or(name, |_| &name[13..]);
    all().iter().find(|r| r.name.eq_ignore_ascii_case(bare))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique_and_findable() {
        let all = super::all();
        assert!(all.len() >= 29, "{}", all.len());
        for r in all {
            assert_eq!(super::get(&r.name.to_lowercase()).unwrap().name, r.name);
            for t in r.cache_types {
                assert!(
                    cipp_snapshot::Registry::builtin().get(t).is_some(),
                    "{}: unknown cache type {t}",
                    r.name
                );
            }
        }
        assert_eq!(
            super::get("Get-CIPPAlertApnCertExpiry").unwrap().name,
            "ApnCertExpiry"
        );
        assert!(super::get("NoSuchAlert").is_none());
    }
}
