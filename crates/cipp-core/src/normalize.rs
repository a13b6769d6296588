//! Plain-language hints for well-known Microsoft error messages.
//!
//! The table mirrors the translations CIPP shows its users (spec protocols.md 2.5), kept as data.
//! Unlike CIPP, one message yields at most one hint: the first matching rule wins, so a message
//! never turns into two contradictory sentences.

/// How a rule's pattern is compared with the message (always case-insensitive).
#[derive(Debug, Clone, Copy)]
enum Match {
    /// The whole message equals the pattern.
    Exact,
    /// The message contains the pattern.
    Contains,
    /// The message ends with the pattern.
    EndsWith,
}

struct Rule {
    how: Match,
    pattern: &'static str,
    hint: &'static str,
}

const fn rule(how: Match, pattern: &'static str, hint: &'static str) -> Rule {
    Rule { how, pattern, hint }
}

/// Ordered: more specific rules come before the general ones they overlap with.
const RULES: &[Rule] = &[
    rule(Match::Exact, "Request not applicable to target tenant.", "Required license not available for this tenant"),
    rule(Match::Exact, "Neither tenant is B2C or tenant doesn't have premium license", "This feature requires a P1 license or higher"),
    rule(Match::Contains, "Microsoft.Skype.Sync.Pstn.Tnm.Common.Http.HttpResponseException", "Could not connect to Teams Admin center - the tenant might be missing a Teams license"),
    rule(Match::Contains, "Provide valid credential.", "There is an issue with the Exchange token configuration; run an access check for this tenant"),
    rule(Match::Contains, "This indicate that a subscription within the tenant has lapsed", "There is no subscription for this service available; check licensing"),
    rule(Match::Contains, "User was not found.", "The relationship between this tenant and the partner has been dissolved from the tenant side"),
    rule(Match::Contains, "AADSTS50020", "The Secure Application Model user is a guest in this tenant, or GDAP does not map the user to the right group"),
    rule(Match::EndsWith, "AADSTS50177", "The Secure Application Model user is an external user in this tenant"),
    rule(Match::Contains, "invalid or malformed", "The request is malformed; has the setup (SAM) wizard been completed?"),
    rule(Match::Contains, "Windows Store repository apps feature is not supported for this tenant", "This tenant does not have WinGet support available"),
    rule(Match::Contains, "service principal name is already present", "The application service principal already exists in this tenant; this is expected"),
    rule(Match::Contains, "AADSTS650051", "The application does not exist yet; try again in 30 seconds"),
    rule(Match::Contains, "AppLifecycle_2210", "Failed to call Intune APIs: does the tenant have a licence for Intune?"),
    rule(Match::Contains, "One or more added object references already exist for the following modified properties:", "This user is already a member of this group"),
    rule(Match::Contains, "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException", "This user is already a member of this group"),
    rule(Match::Contains, "The property value exceeds the maximum allowed size (64KB)", "One of the values exceeds the maximum allowed size (64KB)"),
    rule(Match::Contains, "Unable to initialize the authorization context", "GDAP does not allow writing to this tenant; check the group mappings and tenant onboarding"),
    rule(Match::Contains, "Providers.Common.V1.CoreException", "403 (Access Denied): this tenant cannot be reached"),
    rule(Match::Contains, "Authentication failed. MFA required", "Authentication failed: MFA required"),
    rule(Match::Contains, "Your tenant is not licensed for this feature.", "Required license not available for this tenant"),
    rule(Match::Contains, "AADSTS65001", "Consent has not been given in this tenant; refresh the CPV permissions"),
    rule(Match::Contains, "AADSTS700082", "The partner refresh token has expired; sign in again (cipp auth login)"),
    rule(Match::EndsWith, "Account is not provisioned.", "The account is not provisioned: the tenant lacks the M365 licence needed for this information"),
    rule(Match::Contains, "AADSTS5000224", "This resource is not available; has this tenant been deleted?"),
    rule(Match::Contains, "AADSTS53003", "Access has been blocked by Conditional Access policies"),
    rule(Match::Contains, "AADSTS9002313", "The stored credentials are not valid; retry, and if it persists sign in again (cipp auth login)"),
    rule(Match::Contains, "AADSTS900023", "This tenant is not available for this operation; check the tenant name"),
    rule(Match::Contains, "AADSTS7000215", "The application secret is wrong or has expired"),
    rule(Match::Contains, "AADSTS90002", "No tenant with this name or id exists"),
    rule(Match::Contains, "is not present in the role definition of the current user", "Missing permissions for this resource; refresh the CPV permissions"),
];

/// The plain-language hint for `message`, if a rule knows it.
///
/// ```
/// assert_eq!(
///     cipp_core::friendly_hint("AADSTS53003: Access has been blocked"),
///     Some("Access has been blocked by Conditional Access policies")
/// );
/// assert_eq!(cipp_core::friendly_hint("something else"), None);
/// ```
pub fn friendly_hint(message: &str) -> Option<&'static str> {
    let msg = message.trim().to_lowercase();
    RULES.iter().find_map(|r| {
        let pat = r.pattern.to_lowercase();
        let hit = match r.how {
            Match::Exact => msg == pat,
            Match::Contains => msg.contains(&pat),
            Match::EndsWith => msg.ends_with(&pat),
        };
        hit.then_some(r.hint)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_wins_and_case_is_ignored() {
        assert_eq!(
            friendly_hint("ONE OR MORE ADDED OBJECT REFERENCES ALREADY EXIST FOR THE FOLLOWING MODIFIED PROPERTIES: 'members'."),
            Some("This user is already a member of this group")
        );
        assert_eq!(
            friendly_hint("AADSTS650051: service principal name is already present"),
            Some(
                "The application service principal already exists in this tenant; this is expected"
            )
        );
        assert_eq!(
            friendly_hint("Request not applicable to target tenant. more"),
            None
        );
    }
}
