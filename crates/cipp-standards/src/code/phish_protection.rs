//! `PhishProtection`: the sign-in page's custom CSS loads a check image that tells the
//! tenant's admins when the page is shown from somewhere else (a cloned phishing page).

use serde_json::{json, Value};

use super::util::{single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::plan::Step;

/// Company branding's default localization (`branding/localizations/0/customCSS`) holds a
/// rule giving `.ext-sign-in-box` a background image served by the check service
/// (`CheckUrl`, CIPP's `https://clone.cipp.app/api/PublicPhishingCheck`), with the tenant and
/// the CIPP instance's address (`CIPPUrl`) in its query; the service compares where the image
/// was requested from. Compliant when the CSS contains the rule as text (CIPP's check).
/// Remediation keeps the rest of the CSS, removes broken copies of the rule written with an
/// empty instance address, appends the rule when it is missing, and writes the whole sheet
/// back (`PUT`, `text/css`), nothing else.
///
/// A tenant whose branding has no default localization yet reads as no data (Graph answers
/// 404); CIPP creates a default localization first, which is not done here.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhishProtection;

const DEFAULT_CHECK_URL: &str = "https://clone.cipp.app/api/PublicPhishingCheck";
const SELECTOR: &str = ".ext-sign-in-box";

fn bad(setting: &str, message: impl Into<String>) -> StandardsError {
    StandardsError::Setting {
        standard: "PhishProtection".into(),
        setting: setting.into(),
        message: message.into(),
    }
}

/// Text that goes inside a CSS `url(...)` unquoted: no blanks, quotes, brackets, braces or
/// semicolons, so it cannot end the rule.
fn css_safe(setting: &str, value: &str) -> Result<(), StandardsError> {
    let bad_char = value
        .chars()
        .find(|c| c.is_whitespace() || "\"'(){};\\<>".contains(*c));
    match bad_char {
        Some(c) => Err(bad(
            setting,
            format!("'{value}' holds '{c}', which cannot stand in a CSS url()"),
        )),
        None => Ok(()),
    }
}

/// The rule CIPP writes (its exact text, so sheets it wrote are recognised).
fn rule(check_url: &str, tenant: &str, cipp_host: &str) -> String {
    format!(
        "\n{SELECTOR} {{\n    background-image: url({check_url}?Tenantid={tenant}&URL=https://{cipp_host});\n}}\n"
    )
}

/// Skip CSS blanks from `at`.
fn blanks(css: &str, at: usize) -> usize {
    at + css[at..].len() - css[at..].trim_start().len()
}

/// `css` without the rules CIPP wrote when its own address was unset (`&URL=)`): each
/// `.ext-sign-in-box { background-image: url(<check>?Tenantid=<anything but &>&URL=); }`,
/// blanks allowed where CSS allows them. Returns the sheet and how many were removed.
fn without_broken_rules(css: &str, check_url: &str) -> (String, usize) {
    let mut out = String::with_capacity(css.len());
    let mut removed = 0;
    let mut rest = css;
    while let Some(start) = rest.find(SELECTOR) {
        let end = (|| {
            let s = rest;
            let mut i = blanks(s, start + SELECTOR.len());
            i = s[i..].starts_with('{').then_some(i + 1)?;
            i = blanks(s, i);
            i = s[i..]
                .starts_with("background-image:")
                .then_some(i + "background-image:".len())?;
            i = blanks(s, i);
            let head = format!("url({check_url}?Tenantid=");
            i = s[i..].starts_with(&head).then_some(i + head.len())?;
            i += s[i..].find('&')?;
            i = s[i..]
                .starts_with("&URL=);")
                .then_some(i + "&URL=);".len())?;
            i = blanks(s, i);
            s[i..].starts_with('}').then_some(i + 1)
        })();
        match end {
            Some(end) => {
                out.push_str(&rest[..start]);
                rest = &rest[end..];
                removed += 1;
            }
            None => {
                out.push_str(&rest[..start + SELECTOR.len()]);
                rest = &rest[start + SELECTOR.len()..];
            }
        }
    }
    out.push_str(rest);
    (out, removed)
}

impl Standard for PhishProtection {
    fn name(&self) -> &'static str {
        "PhishProtection"
    }
    fn label(&self) -> &'static str {
        "Sign-in page phishing protection"
    }
    fn category(&self) -> &'static str {
        "Global Standards"
    }
    fn description(&self) -> &'static str {
        "Adds a rule to the sign-in page's custom CSS that loads a check image, so a copy of \
         the page served from elsewhere is noticed; the rest of the CSS is kept."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["BrandingCustomCss"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &["AAD_PREMIUM", "AAD_PREMIUM_P2"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("CIPPUrl", ""), ("CheckUrl", DEFAULT_CHECK_URL)]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let host = text(input.settings, "CIPPUrl").ok_or_else(|| {
            bad(
                "CIPPUrl",
                "is required: the address of your CIPP instance (cipp.example.com), which the \
                 check image names",
            )
        })?;
        let host = host
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        if host.is_empty() {
            return Err(bad("CIPPUrl", "names no host"));
        }
        css_safe("CIPPUrl", &host)?;
        let check_url =
            text(input.settings, "CheckUrl").unwrap_or_else(|| DEFAULT_CHECK_URL.to_string());
        if !check_url.starts_with("https://") {
            return Err(bad(
                "CheckUrl",
                format!("'{check_url}' is not an https:// address"),
            ));
        }
        css_safe("CheckUrl", &check_url)?;
        let tenant = input
            .tenant
            .default_domain
            .as_deref()
            .or(input.tenant.initial_domain.as_deref())
            .or(input.tenant.tenant_id.as_deref())
            .ok_or_else(|| StandardsError::Unresolved {
                standard: self.name().into(),
                tokens: "the tenant's domain (the check image names it); the tenant context \
                         has none"
                    .into(),
            })?;
        css_safe("tenant", tenant)?;
        let css = match input.rows("BrandingCustomCss").first() {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let wanted = rule(&check_url, tenant, &host);
        let (mut repaired, broken) = without_broken_rules(&css, &check_url);
        let present = css.contains(wanted.trim());
        if !present {
            repaired.push_str(&wanted);
        }
        let steps = match &input.tenant.tenant_id {
            Some(id) => vec![Step::GraphText {
                method: "PUT".into(),
                uri: format!("organization/{id}/branding/localizations/0/customCSS"),
                content_type: "text/css".into(),
                body: repaired,
            }],
            None if present && broken == 0 => Vec::new(),
            None => {
                return Err(StandardsError::Unresolved {
                    standard: self.name().into(),
                    tokens: "{tenantId} (the branding object is named by the tenant's GUID; \
                             the tenant context has none)"
                        .into(),
                })
            }
        };
        Ok(single(
            json!({"PhishingCSSEnabled": present, "brokenRules": broken}),
            json!({"PhishingCSSEnabled": true, "brokenRules": 0}),
            steps,
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::evaluate::Outcome;
    use crate::render::TenantContext;
    use cipp_snapshot::Snapshot;
    use serde_json::Map;

    fn judge(settings: Value, css: Option<&str>) -> Result<Assessment, StandardsError> {
        let rows = css.map(|c| vec![json!(c)]).unwrap_or_default();
        let snap: Snapshot = serde_json::from_value(json!({"tenant": "t", "collected_at": 0,
            "round_trips": 0, "types": {
                "BrandingCustomCss": {"status": "complete", "collected_at": 0, "rows": rows}}}))
        .unwrap();
        let settings: Map<String, Value> = settings.as_object().cloned().unwrap();
        let mut ctx = TenantContext::for_domain("contoso.com");
        ctx.tenant_id = Some("tid".into());
        PhishProtection.assess(&Input::new(&settings, &snap, &ctx))
    }

    fn body(a: &Assessment) -> &str {
        match &a.steps[..] {
            [Step::GraphText { body, uri, .. }] => {
                assert_eq!(uri, "organization/tid/branding/localizations/0/customCSS");
                body
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_rule_is_appended_and_the_rest_kept() {
        let css = ".ext-footer { color: red; }";
        let a = judge(json!({"CIPPUrl": "https://cipp.example.com/"}), Some(css)).unwrap();
        assert!(matches!(a.outcome, Outcome::Drifted { .. }));
        let b = body(&a);
        assert!(b.starts_with(css), "{b}");
        assert!(b.contains("url(https://clone.cipp.app/api/PublicPhishingCheck?Tenantid=contoso.com&URL=https://cipp.example.com);"), "{b}");
        // Written back, it is compliant.
        let again = judge(json!({"CIPPUrl": "cipp.example.com"}), Some(b)).unwrap();
        assert!(
            matches!(again.outcome, Outcome::Compliant { .. }),
            "{again:?}"
        );
        // No CSS at all: the rule alone.
        let a = judge(json!({"CIPPUrl": "cipp.example.com"}), None).unwrap();
        assert!(body(&a).trim_start().starts_with(".ext-sign-in-box {"));
    }

    #[test]
    fn broken_rules_are_removed_others_stay() {
        let css = ".a{}\n.ext-sign-in-box {\n  background-image: url(https://clone.cipp.app/api/PublicPhishingCheck?Tenantid=contoso.com&URL=);\n}\n.ext-sign-in-box { border: 0; }";
        let a = judge(json!({"CIPPUrl": "cipp.example.com"}), Some(css)).unwrap();
        let Outcome::Drifted { current, .. } = &a.outcome else {
            panic!("{a:?}")
        };
        assert_eq!(current["brokenRules"], 1);
        let b = body(&a);
        assert!(!b.contains("&URL=)"), "{b}");
        assert!(
            b.starts_with(".a{}\n\n.ext-sign-in-box { border: 0; }"),
            "{b}"
        );
    }

    #[test]
    fn settings_are_required_and_checked() {
        let e = judge(json!({}), Some("")).unwrap_err().to_string();
        assert!(e.contains("CIPPUrl") && e.contains("required"), "{e}");
        let e = judge(json!({"CIPPUrl": "x); } body { y"}), Some(""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("CIPPUrl"), "{e}");
        let e = judge(json!({"CIPPUrl": "x", "CheckUrl": "http://a"}), Some(""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("CheckUrl"), "{e}");
    }
}
