//! Which vault an app running as CIPP uses, from its environment.

/// Suffixes of CIPP's offloaded worker apps, which share the main app's vault.
const WORKER_SUFFIXES: [&str; 4] = ["-proc", "-auditlog", "-standards", "-usertasks"];

/// The vault name CIPP's hosting would use: `CIPP_KV_NAME` as it is, else the Azure app's
/// `WEBSITE_SITE_NAME` (else `WEBSITE_DEPLOYMENT_ID`) without a worker suffix (`-proc`,
/// `-auditlog`, `-standards`, `-usertasks`). `None` when none is set.
///
/// ```
/// let env = |k: &str| (k == "WEBSITE_SITE_NAME").then(|| "cippabc12-proc".to_string());
/// assert_eq!(cipp_keyvault::vault_name_from(env).as_deref(), Some("cippabc12"));
/// ```
pub fn vault_name_from(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let set = |k: &str| {
        var(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(name) = set("CIPP_KV_NAME") {
        return Some(name);
    }
    let site = set("WEBSITE_SITE_NAME").or_else(|| set("WEBSITE_DEPLOYMENT_ID"))?;
    let base = WORKER_SUFFIXES
        .iter()
        .find_map(|s| site.strip_suffix(s))
        .unwrap_or(&site);
    Some(base.to_string())
}

/// [`vault_name_from`] over the process environment.
pub fn vault_name_from_env() -> Option<String> {
    vault_name_from(|k| std::env::var(k).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn cipp_rules() {
        assert_eq!(
            vault_name_from(env(&[
                ("CIPP_KV_NAME", "my-kv-proc"),
                ("WEBSITE_SITE_NAME", "x")
            ]))
            .as_deref(),
            Some("my-kv-proc")
        );
        assert_eq!(
            vault_name_from(env(&[("WEBSITE_SITE_NAME", "cipp-a1b2-standards")])).as_deref(),
            Some("cipp-a1b2")
        );
        assert_eq!(
            vault_name_from(env(&[("WEBSITE_DEPLOYMENT_ID", "cippxyz")])).as_deref(),
            Some("cippxyz")
        );
        assert_eq!(
            vault_name_from(env(&[("WEBSITE_SITE_NAME", "cipp-web")])).as_deref(),
            Some("cipp-web"),
            "never split on '-'"
        );
        assert_eq!(vault_name_from(env(&[("CIPP_KV_NAME", "  ")])), None);
    }
}
