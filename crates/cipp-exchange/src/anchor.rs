//! The `X-AnchorMailbox` header: which mailbox's server runs the cmdlet.
//!
//! Exchange routes each InvokeCommand call by an anchor mailbox. Organisation-wide cmdlets run
//! on a system mailbox of the tenant; `Set-AdminAuditLogConfig` only works when anchored on the
//! audit-log system mailbox; mailbox-folder cmdlets run best anchored on the mailbox they touch.

/// The system mailbox organisation-wide cmdlets are anchored on.
pub const SYSTEM_MAILBOX: &str = "bb558c35-97f1-4cb9-8ff7-d53741dc928c";
/// The system mailbox `Set-AdminAuditLogConfig` must be anchored on.
pub const ADMIN_AUDIT_LOG_MAILBOX: &str = "8cc370d3-822a-4ab8-a926-bb94bd0641a9";

/// Where a cmdlet is anchored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Anchor {
    /// The rule of the cmdlet: the audit-log system mailbox for `Set-AdminAuditLogConfig`,
    /// the tenant's system mailbox otherwise.
    #[default]
    Auto,
    /// The tenant's system mailbox.
    SystemMailbox,
    /// A user's mailbox, by UPN or by Entra object id (looked up to its UPN once).
    Mailbox(String),
}

impl Anchor {
    /// Anchor on a user's mailbox (UPN or object id).
    pub fn mailbox(user: impl Into<String>) -> Self {
        Anchor::Mailbox(user.into())
    }

    /// The system mailbox GUID this anchor stands for with `cmdlet`, or `None` for a user.
    pub(crate) fn system_guid(&self, cmdlet: &str) -> Option<&'static str> {
        match self {
            Anchor::Auto if cmdlet.eq_ignore_ascii_case("Set-AdminAuditLogConfig") => {
                Some(ADMIN_AUDIT_LOG_MAILBOX)
            }
            Anchor::Auto | Anchor::SystemMailbox => Some(SYSTEM_MAILBOX),
            Anchor::Mailbox(_) => None,
        }
    }
}

/// The header value for a system mailbox: `APP:SystemMailbox{guid}@{tenant GUID}` for
/// Exchange, `UPN:SystemMailbox{guid}@{initial domain}` for Security & Compliance.
pub(crate) fn system_anchor(
    guid: &str,
    compliance: bool,
    tenant_guid: &str,
    initial: &str,
) -> String {
    if compliance {
        format!("UPN:SystemMailbox{{{guid}}}@{initial}")
    } else {
        format!("APP:SystemMailbox{{{guid}}}@{tenant_guid}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_log_config_has_its_own_anchor() {
        assert_eq!(
            Anchor::Auto.system_guid("set-adminauditlogconfig"),
            Some(ADMIN_AUDIT_LOG_MAILBOX)
        );
        assert_eq!(
            Anchor::Auto.system_guid("Get-Mailbox"),
            Some(SYSTEM_MAILBOX)
        );
        assert_eq!(
            Anchor::SystemMailbox.system_guid("Set-AdminAuditLogConfig"),
            Some(SYSTEM_MAILBOX)
        );
        assert_eq!(Anchor::mailbox("a@b").system_guid("Get-InboxRule"), None);
        assert_eq!(
            system_anchor(SYSTEM_MAILBOX, false, "t-guid", "x.onmicrosoft.com"),
            "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@t-guid"
        );
        assert_eq!(
            system_anchor(SYSTEM_MAILBOX, true, "t-guid", "x.onmicrosoft.com"),
            "UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@x.onmicrosoft.com"
        );
    }
}
