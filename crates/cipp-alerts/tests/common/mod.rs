//! What the tests and the generated docs share.
#![allow(dead_code)]

pub const ALPHA: &str = "alphadental.com";
pub const BRAVO: &str = "bravologistics.com";
pub const CHARLIE: &str = "charlie.onmicrosoft.com";

/// Which seeded tenant each rule fires in, judged at 2026-11-01 (the parameters the sim test
/// uses: `GlobalAdminAllowList` approves `admin`, `LongLivedAppCredentials` allows 24 months,
/// `LowTenantAlignment` gets Alpha 80 and Bravo 100, `GroupMembershipChange` monitors
/// `*Admins*` and `Finance`).
pub const SIM_TRIGGERS: &[(&str, &[&str])] = &[
    ("AdminPassword", &[ALPHA]),
    ("DefenderAlerts", &[ALPHA]),
    ("DefenderIncidents", &[ALPHA]),
    ("NewRiskyUsers", &[]),
    ("QuarantineReleaseRequests", &[ALPHA]),
    ("RestrictedUsers", &[ALPHA]),
    ("ApnCertExpiry", &[ALPHA]),
    ("AppCertificateExpiry", &[ALPHA]),
    ("AppleTerms", &[BRAVO]),
    ("AppSecretExpiry", &[ALPHA]),
    ("DepTokenExpiry", &[ALPHA]),
    ("DeviceCompliance", &[ALPHA]),
    ("EntraConnectSyncStatus", &[BRAVO]),
    ("ExpiringLicenses", &[ALPHA]),
    ("GlobalAdminAllowList", &[ALPHA, CHARLIE]),
    ("GlobalAdminNoAltEmail", &[ALPHA, CHARLIE]),
    ("InactiveGuestUsers", &[ALPHA]),
    ("InactiveLicensedUsers", &[ALPHA]),
    ("InactiveUsers", &[ALPHA]),
    ("IntuneApprovalRequests", &[ALPHA]),
    ("LicenseAssignmentErrors", &[ALPHA]),
    ("LicensedUsersWithRoles", &[ALPHA, BRAVO, CHARLIE]),
    ("LongLivedAppCredentials", &[BRAVO]),
    ("LowTenantAlignment", &[ALPHA]),
    ("MFAAdmins", &[ALPHA]),
    ("MFAAlertUsers", &[ALPHA]),
    ("MXRecordChanged", &[]),
    ("NewRole", &[]),
    ("NoCAConfig", &[CHARLIE]),
    ("OverusedLicenses", &[ALPHA]),
    ("ReportOnlyCA", &[ALPHA]),
    ("SecDefaultsDisabled", &[]),
    ("SecDefaultsUpsell", &[ALPHA]),
    ("SecureScore", &[ALPHA]),
    ("SharepointQuota", &[]),
    ("SoftDeletedMailboxes", &[]),
    ("StaleEntraDevices", &[ALPHA]),
    ("StandardsAlerts", &[]),
    ("UnusedLicenses", &[ALPHA]),
    ("VppTokenExpiry", &[ALPHA]),
    ("QuotaUsed", &[ALPHA]),
    ("OnedriveQuota", &[ALPHA]),
    ("NewAppApproval", &[ALPHA]),
    ("NewMFADevice", &[ALPHA]),
    ("IntunePolicyConflicts", &[ALPHA]),
    ("DefenderStatus", &[ALPHA]),
    ("DefenderMalware", &[ALPHA]),
    ("TenantAccess", &[ALPHA, CHARLIE]),
    ("GroupMembershipChange", &[ALPHA]),
];

/// Why a rule fires in no seeded tenant on a first run.
pub const SIM_QUIET: &[(&str, &str)] = &[
    ("StandardsAlerts", "reads a standards run's flagged results, given to the alert run (the facade's sim test feeds a real alert-mode run)"),
    ("MXRecordChanged", "history: the first run records; the sim test moves Bravo's MX record and the second run reports it"),
    ("NewRiskyUsers", "history, and the seeded tenants have no Entra ID P2 (unit-tested)"),
    ("NewRole", "history: the first run records; the sim test adds an Exchange Administrator in Bravo and the second run reports it"),
    ("SecDefaultsDisabled", "no seeded tenant has Security Defaults off without Conditional Access (unit-tested)"),
    ("SharepointQuota", "the simulator's SPOTenant has no GeoUsedStorageMB (unit-tested)"),
    ("SoftDeletedMailboxes", "the simulator does not model soft-deleted mailboxes (unit-tested)"),
];
