//! Defender for Endpoint state through Microsoft 365 Lighthouse: the partner tenant's
//! cross-tenant views (`tenantRelationships/managedTenants/...`) hold every customer's
//! devices, so they are read once in the PARTNER tenant and each customer keeps the rows
//! whose `tenantId` is its own (its `Organization` id).

use serde_json::{json, Value};

use super::{b, field, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 2] = [
    Rule {
        name: "DefenderStatus",
        description: "A Windows device has real-time protection or malware protection turned off (Lighthouse windowsProtectionStates, read in the partner tenant).",
        cache_types: &["Organization"],
        params: &[],
        output: &["Message", "ManagedDeviceName", "RealTimeProtectionEnabled", "MalwareProtectionEnabled", "NetworkInspectionSystemEnabled", "ManagedDeviceHealthState", "AttentionRequired", "LastSyncDateTime", "OsVersion", "Tenant", "TenantId"],
        history: false,
        key_fields: &["TenantId", "ManagedDeviceName", "RealTimeProtectionEnabled", "MalwareProtectionEnabled"],
        partner_cache_types: &["ManagedTenantWindowsProtectionStates"],
        eval: defender_status,
    },
    Rule {
        name: "DefenderMalware",
        description: "Malware is active on a Windows device (Lighthouse windowsDeviceMalwareStates with malwareThreatState Active, read in the partner tenant).",
        cache_types: &["Organization"],
        params: &[],
        output: &["Message", "DeviceName", "MalwareName", "MalwareSeverity", "ThreatState", "AdditionalInformationUrl", "InitialDetectionDateTime", "LastStateChangeDateTime", "DetectionCount", "Tenant", "TenantId"],
        history: false,
        key_fields: &["TenantId", "DeviceName", "MalwareName", "InitialDetectionDateTime"],
        partner_cache_types: &["ManagedTenantWindowsMalwareStates"],
        eval: defender_malware,
    },
];

/// The customer's tenant id and its rows of a partner-side Lighthouse view.
fn customer_rows<'a>(
    ctx: &Context<'a>,
    rule: &str,
    cache_type: &str,
) -> Result<(String, Vec<&'a Value>), AlertError> {
    let org = ctx.rows(rule, "Organization")?;
    let id = org
        .first()
        .map(|o| s(o, "id").to_string())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ctx.data(rule, "Organization has no id (the tenant id)"))?;
    let rows = ctx
        .partner_rows(rule, cache_type)?
        .iter()
        .filter(|r| s(r, "tenantId").eq_ignore_ascii_case(&id))
        .collect();
    Ok((id, rows))
}

fn defender_status(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let (tenant_id, states) = customer_rows(
        ctx,
        "DefenderStatus",
        "ManagedTenantWindowsProtectionStates",
    )?;
    let mut rows = Vec::new();
    for d in states {
        let rtp = b(d, "realTimeProtectionEnabled");
        let mp = b(d, "malwareProtectionEnabled");
        // Only an explicit "off" counts: an unknown state is not an alert.
        if rtp != Some(false) && mp != Some(false) {
            continue;
        }
        let name = s(d, "managedDeviceName");
        let onoff = |v: Option<bool>| match v {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        };
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{name}: real-time protection {}, malware protection {}",
                    onoff(rtp),
                    onoff(mp)
                )),
            ),
            ("ManagedDeviceName", json!(name)),
            ("RealTimeProtectionEnabled", json!(rtp)),
            ("MalwareProtectionEnabled", json!(mp)),
            (
                "NetworkInspectionSystemEnabled",
                json!(b(d, "networkInspectionSystemEnabled")),
            ),
            (
                "ManagedDeviceHealthState",
                json!(s(d, "managedDeviceHealthState")),
            ),
            ("AttentionRequired", json!(b(d, "attentionRequired"))),
            ("LastSyncDateTime", json!(s(d, "lastReportedDateTime"))),
            ("OsVersion", json!(s(d, "osVersion"))),
            ("TenantId", json!(tenant_id)),
        ]));
    }
    Ok(rows.into())
}

fn defender_malware(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let (tenant_id, states) =
        customer_rows(ctx, "DefenderMalware", "ManagedTenantWindowsMalwareStates")?;
    let mut rows = Vec::new();
    for m in states {
        if !s(m, "malwareThreatState").eq_ignore_ascii_case("Active") {
            continue;
        }
        let device = s(m, "deviceName");
        let malware = s(m, "malwareDisplayName");
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{device}: active malware {malware} ({})",
                    s(m, "severity")
                )),
            ),
            ("DeviceName", json!(device)),
            ("MalwareName", json!(malware)),
            ("MalwareSeverity", json!(s(m, "severity"))),
            ("ThreatState", json!(s(m, "malwareThreatState"))),
            (
                "AdditionalInformationUrl",
                json!(s(m, "additionalInformationUrl")),
            ),
            (
                "InitialDetectionDateTime",
                json!(s(m, "initialDetectionDateTime")),
            ),
            (
                "LastStateChangeDateTime",
                json!(s(m, "lastStateChangeDateTime")),
            ),
            (
                "DetectionCount",
                json!(field(m, "detectionCount").cloned().unwrap_or(Value::Null)),
            ),
            ("TenantId", json!(tenant_id)),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{snap, NOW};
    use serde_json::{json, Value};

    fn run_with_partner(rule: &str, partner: Value) -> Vec<Value> {
        let customer = snap(json!({"Organization": [{"id": "t-1"}]}));
        let partner = snap(partner);
        let r = crate::catalogue::get(rule).unwrap();
        r.evaluate(
            &crate::Context::new(&customer)
                .at(NOW)
                .with_partner(Some(&partner)),
            &Value::Null,
        )
        .unwrap()
        .findings
        .into_iter()
        .map(|f| f.data)
        .collect()
    }

    #[test]
    fn defender_status_keeps_the_customers_devices_that_are_off() {
        let states = json!({"ManagedTenantWindowsProtectionStates": [
            {"tenantId": "t-1", "managedDeviceName": "PC-1", "realTimeProtectionEnabled": false, "malwareProtectionEnabled": true},
            {"tenantId": "t-1", "managedDeviceName": "PC-2", "realTimeProtectionEnabled": true, "malwareProtectionEnabled": true},
            {"tenantId": "T-2", "managedDeviceName": "OTHER", "realTimeProtectionEnabled": false, "malwareProtectionEnabled": false}]});
        let rows = run_with_partner("DefenderStatus", states);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["ManagedDeviceName"], "PC-1");
        assert_eq!(rows[0]["TenantId"], "t-1");
        let quiet = run_with_partner(
            "DefenderStatus",
            json!({"ManagedTenantWindowsProtectionStates": [
                {"tenantId": "t-1", "managedDeviceName": "PC-2", "realTimeProtectionEnabled": true, "malwareProtectionEnabled": true}]}),
        );
        assert!(quiet.is_empty());
    }

    #[test]
    fn defender_malware_only_active_threats() {
        let rows = run_with_partner(
            "DefenderMalware",
            json!({"ManagedTenantWindowsMalwareStates": [
                {"tenantId": "t-1", "deviceName": "PC-1", "malwareDisplayName": "Trojan:Win32/X", "severity": "severe", "malwareThreatState": "active", "detectionCount": 2},
                {"tenantId": "t-1", "deviceName": "PC-2", "malwareDisplayName": "Adware", "malwareThreatState": "cleaned"}]}),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["MalwareName"], "Trojan:Win32/X");
        assert_eq!(rows[0]["DetectionCount"], 2);
    }

    #[test]
    fn without_the_partner_read_it_is_no_data() {
        let customer = snap(json!({"Organization": [{"id": "t-1"}]}));
        let r = crate::catalogue::get("DefenderStatus").unwrap();
        let e = r
            .evaluate(&crate::Context::new(&customer), &Value::Null)
            .unwrap_err();
        assert!(e.to_string().contains("partner"), "{e}");
    }
}
