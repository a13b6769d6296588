//! Templates against the simulator, over HTTP: CIPP's own template files deploy, redeploy
//! without writing, compare, capture and travel between tenants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use cipp_core::Pipeline;
use cipp_graph::GraphClient;
use cipp_sim::{RequestRecord, Sim};
use cipp_templates::{
    CaTemplate, Comparison, DeployOptions, DeployOutcome, StateOverride, Template, TemplateBody,
    TemplateClient, TemplateError, TemplateKind, TemplateLibrary,
};
use serde_json::{json, Value};

/// CIPP's template files (AGPL data, read where they are, never copied into the repo).
fn cipp_templates_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CIPP_TEMPLATES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/cipp-data/templates"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: no CIPP template folder at {} (set CIPP_TEMPLATES_DIR)",
            dir.display()
        );
        None
    }
}

fn pipeline(sim: &Sim) -> Pipeline {
    cipp_testkit::pipeline(sim).unwrap()
}

/// Requests that change something: Graph writes (direct or inside `$batch`) and Exchange
/// cmdlets other than `Get-`.
fn writes(sim: &Sim) -> Vec<RequestRecord> {
    sim.requests()
        .into_iter()
        .filter(|r| matches!(r.kind.as_str(), "graph" | "batch_item") && r.method != "GET")
        .collect()
}

fn exchange_calls(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.contains("/adminapi/"))
        .count()
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                files_in(&e.path())
            } else {
                usize::from(
                    e.path()
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(TemplateKind::from_file_name)
                        .is_some(),
                )
            }
        })
        .sum()
}

#[tokio::test]
async fn every_cipp_template_deploys_once_and_then_is_unchanged() {
    let Some(dir) = cipp_templates_dir() else {
        return;
    };
    let library = TemplateLibrary::load(&dir).unwrap();
    assert_eq!(library.len(), files_in(&dir), "every template file loads");
    for kind in [
        TemplateKind::ConditionalAccess,
        TemplateKind::Intune,
        TemplateKind::TransportRule,
    ] {
        assert!(
            library.of_kind(kind).count() > 0,
            "{kind} templates present"
        );
    }
    let mfa = library
        .find("49a8069e-3b46-4680-a035-9250bc675446")
        .unwrap();
    assert_eq!(mfa.kind(), TemplateKind::ConditionalAccess);
    assert!(library
        .find("cipp: enforce multi factor authentication for each application")
        .is_ok());
    assert!(matches!(
        library.find("nope"),
        Err(TemplateError::NotInLibrary { .. })
    ));

    let sim = Sim::start().await.unwrap();
    let tenant = "charlie.onmicrosoft.com";
    let options = DeployOptions::new();
    let client = TemplateClient::new(pipeline(&sim), tenant);
    let before = client.compare_all(library.iter(), &options).await;
    for r in &before {
        assert!(
            matches!(r.result, Ok(Comparison::Missing)),
            "{}: {:?}",
            r.template,
            r.result
        );
    }
    let first = client.deploy_all(library.iter(), &options).await;
    for r in &first {
        assert!(
            matches!(r.result, Ok(DeployOutcome::Created { .. })),
            "{} ({}): {:?}",
            r.template,
            r.kind,
            r.result
        );
    }
    assert_eq!(first.len(), library.len());

    // The tenant now holds them all, under the templates' names.
    let graph = GraphClient::new(pipeline(&sim), tenant).beta();
    let policies = graph
        .list_json("identity/conditionalAccess/policies")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        policies.len(),
        library.of_kind(TemplateKind::ConditionalAccess).count()
    );
    let catalog = graph
        .list_json("deviceManagement/configurationPolicies")
        .collect_all()
        .await
        .unwrap();
    assert!(catalog.iter().any(|p| p["name"] == "CIPP: LAPS"));
    let admx = graph
        .list_json("deviceManagement/groupPolicyConfigurations")
        .collect_all()
        .await
        .unwrap();
    let onedrive = admx
        .iter()
        .find(|p| p["displayName"] == "CIPP: Enable Onedrive Silent Logon and Known Folder Move")
        .unwrap();
    let values = graph
        .list_json(format!(
            "deviceManagement/groupPolicyConfigurations/{}/definitionValues",
            onedrive["id"].as_str().unwrap()
        ))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(values.len(), 4);
    let guid = sim
        .tenants()
        .into_iter()
        .find(|t| t.initial_domain == tenant)
        .unwrap()
        .id;
    assert!(
        values
            .iter()
            .flat_map(|v| v["presentationValues"]
                .as_array()
                .cloned()
                .unwrap_or_default())
            .any(|p| p["value"] == json!(guid)),
        "%tenantid% was replaced by the tenant's GUID"
    );
    let rules = sim
        .exchange_objects(tenant, "TransportRule", false)
        .unwrap();
    assert_eq!(
        rules.len(),
        library.of_kind(TemplateKind::TransportRule).count()
    );

    // A second deploy, with a fresh client, reads and writes nothing.
    sim.clear_requests();
    let again = TemplateClient::new(pipeline(&sim), tenant);
    for r in again.deploy_all(library.iter(), &options).await {
        assert!(
            matches!(r.result, Ok(DeployOutcome::Unchanged { .. })),
            "{}: {:?}",
            r.template,
            r.result
        );
    }
    assert!(writes(&sim).is_empty(), "{:#?}", writes(&sim));
    assert_eq!(exchange_calls(&sim), 1, "one Get-TransportRule, no Set");
    assert_eq!(
        sim.exchange_objects(tenant, "TransportRule", false)
            .unwrap(),
        rules
    );

    // Comparing reads each collection once, in few round trips.
    sim.clear_requests();
    let fresh = TemplateClient::new(pipeline(&sim), tenant);
    for r in fresh.compare_all(library.iter(), &options).await {
        assert!(
            matches!(r.result, Ok(Comparison::Equal { .. })),
            "{}: {:?}",
            r.template,
            r.result
        );
    }
    let graph_reads: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.kind == "graph" || r.kind == "batch")
        .collect();
    assert!(graph_reads.len() <= 3, "{graph_reads:#?}");
}

fn ca_template(value: Value) -> Template {
    Template::new(TemplateBody::ConditionalAccess(
        serde_json::from_value::<CaTemplate>(value).unwrap(),
    ))
}

#[tokio::test]
async fn a_missing_group_fails_typed_and_sends_nothing_unless_groups_may_be_created() {
    let sim = Sim::start().await.unwrap();
    let tenant = "charlie.onmicrosoft.com";
    let template = ca_template(json!({
        "displayName": "CIPP test: finance MFA",
        "state": "enabled",
        "conditions": {
            "users": {"includeGroups": ["SG-Finance", "Project Zeta"], "excludeGroups": ["CA-Exclude-BreakGlass"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"]
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
    }));
    sim.clear_requests();
    let client = TemplateClient::new(pipeline(&sim), tenant);
    let err = client
        .deploy(&template, &DeployOptions::new())
        .await
        .unwrap_err();
    match &err {
        TemplateError::MissingReference {
            kind,
            name,
            path,
            tenant: t,
            ..
        } => {
            assert_eq!((*kind, name.as_str()), ("group", "Project Zeta"));
            assert_eq!(path, "conditions.users.includeGroups");
            assert_eq!(t, tenant);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_missing_reference());
    assert!(err.to_string().contains("Project Zeta"), "{err}");
    assert!(writes(&sim).is_empty(), "{:#?}", writes(&sim));

    // A missing user is refused the same way.
    let with_user = ca_template(json!({
        "displayName": "CIPP test: user",
        "state": "enabled",
        "conditions": {"users": {"includeUsers": ["Nobody Here"]}, "applications": {"includeApplications": ["All"]}}
    }));
    let err = client
        .deploy(&with_user, &DeployOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TemplateError::MissingReference { kind: "user", .. }),
        "{err:?}"
    );
    assert!(writes(&sim).is_empty());

    // Allowed to create groups: the group is made, then the policy refers to its id.
    let out = client
        .deploy(&template, &DeployOptions::new().create_groups(true))
        .await
        .unwrap();
    let DeployOutcome::Created { id } = out else {
        panic!("{out:?}")
    };
    let graph = GraphClient::new(pipeline(&sim), tenant).beta();
    let groups = graph.list_json("groups").collect_all().await.unwrap();
    let zeta = groups
        .iter()
        .find(|g| g["displayName"] == "Project Zeta")
        .expect("group created");
    assert_eq!(zeta["securityEnabled"], true);
    assert_eq!(zeta["mailNickname"], "ProjectZeta");
    let policy = graph
        .get(&format!("identity/conditionalAccess/policies/{id}"))
        .await
        .unwrap();
    let included = policy["conditions"]["users"]["includeGroups"]
        .as_array()
        .unwrap();
    assert!(included.contains(&zeta["id"]));
    assert_eq!(included.len(), 2);
    assert!(client
        .compare(&template, &DeployOptions::new())
        .await
        .unwrap()
        .is_equal());
}

#[tokio::test]
async fn compare_missing_equal_then_different_after_an_edit_and_redeploy_repairs() {
    let sim = Sim::start().await.unwrap();
    let tenant = "bravo.onmicrosoft.com";
    let template = ca_template(json!({
        "displayName": "CIPP test: block countries",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"], "excludeGroups": ["CA-Exclude-BreakGlass"]},
            "applications": {"includeApplications": ["All"]},
            "locations": {"includeLocations": ["Blocked countries"], "excludeLocations": ["AllTrusted"]},
            "clientAppTypes": ["all"]
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
        "LocationInfo": [{"displayName": "Blocked countries", "@odata.type": "#microsoft.graph.countryNamedLocation",
            "countriesAndRegions": ["KP", "IR"], "includeUnknownCountriesAndRegions": false}]
    }));
    let report_only = DeployOptions::new().state(StateOverride::ReportOnly);
    let client = TemplateClient::new(pipeline(&sim), tenant);
    assert_eq!(
        client.compare(&template, &report_only).await.unwrap(),
        Comparison::Missing
    );
    let created = client.deploy(&template, &report_only).await.unwrap();
    let id = created.id().to_string();
    assert!(matches!(created, DeployOutcome::Created { .. }));
    let graph = GraphClient::new(pipeline(&sim), tenant).beta();
    let live = graph
        .get(&format!("identity/conditionalAccess/policies/{id}"))
        .await
        .unwrap();
    assert_eq!(live["state"], "enabledForReportingButNotEnforced");
    let locations = graph
        .list_json("identity/conditionalAccess/namedLocations")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(locations.len(), 1, "the named location was created once");
    assert_eq!(
        live["conditions"]["locations"]["includeLocations"],
        json!([locations[0]["id"]])
    );
    assert_eq!(
        client.compare(&template, &report_only).await.unwrap(),
        Comparison::Equal { id: id.clone() }
    );
    // Held to a different state, the same policy differs only in state.
    let enforced = client
        .compare(&template, &DeployOptions::new())
        .await
        .unwrap();
    let paths: Vec<&str> = enforced
        .differences()
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(paths, ["state"]);

    // Someone edits the live policy.
    graph
        .patch(
            &format!("identity/conditionalAccess/policies/{id}"),
            &json!({"state": "disabled", "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}),
        )
        .await
        .unwrap();
    let fresh = TemplateClient::new(pipeline(&sim), tenant);
    let cmp = fresh.compare(&template, &report_only).await.unwrap();
    let Comparison::Different { differences, .. } = &cmp else {
        panic!("{cmp:?}")
    };
    let paths: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["state", "grantControls.builtInControls"]);
    assert_eq!(
        differences[0].expected,
        Some(json!("enabledForReportingButNotEnforced"))
    );
    assert_eq!(differences[0].found, Some(json!("disabled")));

    // Keeping the live state, only the grant differs; a deploy repairs exactly that.
    let keep = DeployOptions::new().state(StateOverride::KeepLive);
    sim.clear_requests();
    let out = fresh.deploy(&template, &keep).await.unwrap();
    assert_eq!(
        out,
        DeployOutcome::Updated {
            id: id.clone(),
            changed: vec!["grantControls".into()]
        }
    );
    let w = writes(&sim);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].method, "PATCH");
    let live = graph
        .get(&format!("identity/conditionalAccess/policies/{id}"))
        .await
        .unwrap();
    assert_eq!(live["state"], "disabled", "state kept");
    assert_eq!(live["grantControls"]["builtInControls"], json!(["block"]));
    let after = TemplateClient::new(pipeline(&sim), tenant);
    assert!(after.compare(&template, &keep).await.unwrap().is_equal());

    // A vacation-mode exclusion group added to the live policy is not a difference, and an
    // overwrite keeps it.
    let vacation = graph
        .post(
            "groups",
            &json!({"displayName": "Vacation Exclusion - Amara", "mailEnabled": false,
                "securityEnabled": true, "mailNickname": "vacationamara"}),
        )
        .await
        .unwrap();
    let path = format!("identity/conditionalAccess/policies/{id}");
    let mut conditions = graph.get(&path).await.unwrap()["conditions"].clone();
    // Someone also dropped the break-glass exclusion: the conditions must be rewritten.
    conditions["users"]["excludeGroups"] = json!([vacation["id"]]);
    graph
        .patch(
            &path,
            &json!({"conditions": conditions, "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}),
        )
        .await
        .unwrap();
    let fresh = TemplateClient::new(pipeline(&sim), tenant);
    let cmp = fresh.compare(&template, &keep).await.unwrap();
    let paths: Vec<&str> = cmp.differences().iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "conditions.users.excludeGroups",
            "grantControls.builtInControls"
        ],
        "{cmp:?}"
    );
    let out = fresh.deploy(&template, &keep).await.unwrap();
    assert!(
        matches!(&out, DeployOutcome::Updated { changed, .. } if changed == &["conditions", "grantControls"]),
        "{out:?}"
    );
    let excluded = graph.get(&path).await.unwrap()["conditions"]["users"]["excludeGroups"].clone();
    assert_eq!(excluded.as_array().unwrap().len(), 2, "{excluded}");
    assert!(excluded.as_array().unwrap().contains(&vacation["id"]));
}

#[tokio::test]
async fn captured_templates_deploy_to_another_tenant() {
    let sim = Sim::start().await.unwrap();
    let (alpha, charlie) = ("alpha.onmicrosoft.com", "charlie.onmicrosoft.com");
    let graph = GraphClient::new(pipeline(&sim), alpha).beta();

    // A Conditional Access policy in Alpha with groups and a named location of Alpha's.
    let groups = graph.list_json("groups").collect_all().await.unwrap();
    let group_id =
        |name: &str| groups.iter().find(|g| g["displayName"] == name).unwrap()["id"].clone();
    let office = graph
        .post(
            "identity/conditionalAccess/namedLocations",
            &json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Alpha office",
                "isTrusted": true, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}]}),
        )
        .await
        .unwrap();
    let policy = graph
        .post(
            "identity/conditionalAccess/policies",
            &json!({"displayName": "Finance outside the office", "state": "enabled",
                "conditions": {"users": {"includeGroups": [group_id("SG-Finance")], "excludeGroups": [group_id("CA-Exclude-BreakGlass")]},
                    "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"],
                    "locations": {"includeLocations": ["All"], "excludeLocations": [office["id"]]}},
                "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}),
        )
        .await
        .unwrap();
    let source = TemplateClient::new(pipeline(&sim), alpha);
    let captured = source
        .capture(
            TemplateKind::ConditionalAccess,
            policy["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
    let TemplateBody::ConditionalAccess(ca) = &captured.body else {
        panic!()
    };
    let users = ca.conditions.as_ref().unwrap().users.as_ref().unwrap();
    assert_eq!(users.include_groups, ["SG-Finance"]);
    assert_eq!(users.exclude_groups, ["CA-Exclude-BreakGlass"]);
    assert_eq!(
        ca.conditions
            .as_ref()
            .unwrap()
            .locations
            .as_ref()
            .unwrap()
            .exclude_locations,
        ["Alpha office"]
    );
    assert_eq!(ca.location_info.len(), 1);
    assert_eq!(ca.location_info[0].display_name, "Alpha office");
    let json = captured.to_json();
    for server_field in ["id", "createdDateTime", "@odata.context"] {
        assert!(json.get(server_field).is_none(), "{server_field} in {json}");
    }
    assert!(json["LocationInfo"][0].get("id").is_none());
    // It survives a trip through a file.
    let reread =
        Template::from_json(&json.to_string(), Some(TemplateKind::ConditionalAccess)).unwrap();
    assert!(source
        .compare(&reread, &DeployOptions::new())
        .await
        .unwrap()
        .is_equal());

    // ... and deploys to Charlie with Charlie's ids.
    let target = TemplateClient::new(pipeline(&sim), charlie);
    let out = target.deploy(&reread, &DeployOptions::new()).await.unwrap();
    assert!(matches!(out, DeployOutcome::Created { .. }), "{out:?}");
    let cgraph = GraphClient::new(pipeline(&sim), charlie).beta();
    let deployed = cgraph
        .get(&format!("identity/conditionalAccess/policies/{}", out.id()))
        .await
        .unwrap();
    let cgroups = cgraph.list_json("groups").collect_all().await.unwrap();
    let finance = cgroups
        .iter()
        .find(|g| g["displayName"] == "SG-Finance")
        .unwrap();
    assert_eq!(
        deployed["conditions"]["users"]["includeGroups"],
        json!([finance["id"]])
    );
    assert_ne!(finance["id"], group_id("SG-Finance"));
    let clocations = cgraph
        .list_json("identity/conditionalAccess/namedLocations")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(clocations.len(), 1);
    assert_eq!(
        clocations[0]["ipRanges"][0]["cidrAddress"],
        "203.0.113.0/24"
    );
    assert_eq!(
        deployed["conditions"]["locations"]["excludeLocations"],
        json!([clocations[0]["id"]])
    );
    assert!(matches!(
        target.deploy(&reread, &DeployOptions::new()).await.unwrap(),
        DeployOutcome::Unchanged { .. }
    ));

    // Intune: a device configuration and an administrative template made in Alpha.
    let device = graph
        .post(
            "deviceManagement/deviceConfigurations",
            &json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "Alpha: no camera",
                "description": "cameras off", "cameraBlocked": true, "roleScopeTagIds": ["0"], "version": 3}),
        )
        .await
        .unwrap();
    let shell = graph
        .post(
            "deviceManagement/groupPolicyConfigurations",
            &json!({"displayName": "Alpha: ADMX", "description": ""}),
        )
        .await
        .unwrap();
    let shell_id = shell["id"].as_str().unwrap();
    graph
        .post(
            &format!("deviceManagement/groupPolicyConfigurations/{shell_id}/updateDefinitionValues"),
            &json!({"added": [{"enabled": true, "definition@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('d-1')",
                "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "7",
                    "presentation@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('d-1')/presentations('p-1')"}]}],
                "updated": [], "deletedIds": []}),
        )
        .await
        .unwrap();
    for id in [device["id"].as_str().unwrap(), shell_id] {
        let t = source.capture(TemplateKind::Intune, id).await.unwrap();
        let TemplateBody::Intune(it) = &t.body else {
            panic!()
        };
        assert!(!it.raw_json.contains("\"version\""), "{}", it.raw_json);
        assert!(
            source
                .compare(&t, &DeployOptions::new())
                .await
                .unwrap()
                .is_equal(),
            "{t:?}"
        );
        let out = target.deploy(&t, &DeployOptions::new()).await.unwrap();
        assert!(matches!(out, DeployOutcome::Created { .. }), "{out:?}");
        assert!(
            target
                .compare(&t, &DeployOptions::new())
                .await
                .unwrap()
                .is_equal(),
            "{:?}",
            target.compare(&t, &DeployOptions::new()).await
        );
    }

    // Someone changes the ADMX value in Charlie: a deploy replaces the definition values.
    let cadmx = cgraph
        .list_json("deviceManagement/groupPolicyConfigurations")
        .collect_all()
        .await
        .unwrap();
    let cadmx_id = cadmx[0]["id"].as_str().unwrap().to_string();
    let values_path =
        format!("deviceManagement/groupPolicyConfigurations/{cadmx_id}/definitionValues");
    let values = cgraph
        .list_json(values_path.clone())
        .collect_all()
        .await
        .unwrap();
    cgraph
        .post(
            &format!("deviceManagement/groupPolicyConfigurations/{cadmx_id}/updateDefinitionValues"),
            &json!({"added": [], "updated": [{"id": values[0]["id"], "enabled": false}], "deletedIds": []}),
        )
        .await
        .unwrap();
    let admx_template = source
        .capture(TemplateKind::Intune, shell_id)
        .await
        .unwrap();
    let fresh = TemplateClient::new(pipeline(&sim), charlie);
    let cmp = fresh
        .compare(&admx_template, &DeployOptions::new())
        .await
        .unwrap();
    assert!(!cmp.differences().is_empty(), "{cmp:?}");
    let out = fresh
        .deploy(&admx_template, &DeployOptions::new())
        .await
        .unwrap();
    assert_eq!(
        out,
        DeployOutcome::Updated {
            id: cadmx_id.clone(),
            changed: vec!["definitionValues".into()]
        }
    );
    let values = cgraph.list_json(values_path).collect_all().await.unwrap();
    assert_eq!(values.len(), 1);
    assert_eq!(values[0]["enabled"], true);

    // A group and a transport rule.
    let litigation = cgraph
        .list_json("groups")
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g["displayName"] == "Litigation")
        .unwrap();
    let group = target
        .capture(TemplateKind::Group, litigation["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(group.display_name(), "Litigation");
    assert!(matches!(
        source.deploy(&group, &DeployOptions::new()).await.unwrap(),
        DeployOutcome::Created { .. }
    ));
    assert!(matches!(
        source.deploy(&group, &DeployOptions::new()).await.unwrap(),
        DeployOutcome::Unchanged { .. }
    ));

    let rule = Template::from_json(
        r#"{"name": "Tag external mail", "comments": "x", "FromScope": "NotInOrganization",
            "PrependSubject": "[EXT] ", "Mode": "Enforce", "UseLegacyRegex": false}"#,
        None,
    )
    .unwrap();
    assert_eq!(rule.kind(), TemplateKind::TransportRule);
    assert!(matches!(
        source.deploy(&rule, &DeployOptions::new()).await.unwrap(),
        DeployOutcome::Created { .. }
    ));
    let stored = sim.exchange_objects(alpha, "TransportRule", false).unwrap();
    assert!(
        stored[0].get("UseLegacyRegex").is_none(),
        "excluded on write"
    );
    let captured_rule = source
        .capture(TemplateKind::TransportRule, "Tag external mail")
        .await
        .unwrap();
    let TemplateBody::TransportRule(r) = &captured_rule.body else {
        panic!()
    };
    assert!(r.get("Guid").is_none() && r.get("Identity").is_none());
    assert!(matches!(
        target
            .deploy(&captured_rule, &DeployOptions::new())
            .await
            .unwrap(),
        DeployOutcome::Created { .. }
    ));
    // Edited in Charlie: only the changed parameter is set back.
    let exo = cipp_exchange::ExchangeClient::new(pipeline(&sim), charlie);
    exo.cmdlet("Set-TransportRule")
        .param("Identity", "Tag external mail")
        .param("Mode", "Audit")
        .rows()
        .await
        .unwrap();
    let fresh = TemplateClient::new(pipeline(&sim), charlie);
    let cmp = fresh
        .compare(&captured_rule, &DeployOptions::new())
        .await
        .unwrap();
    assert_eq!(cmp.differences().len(), 1, "{cmp:?}");
    let out = fresh
        .deploy(&captured_rule, &DeployOptions::new())
        .await
        .unwrap();
    let DeployOutcome::Updated { changed, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(changed, ["Mode"]);
    let rules = sim
        .exchange_objects(charlie, "TransportRule", false)
        .unwrap();
    assert_eq!(rules[0]["Mode"], "Enforce");
}

#[tokio::test]
async fn intune_edits_show_as_differences_and_are_patched_back() {
    let sim = Sim::start().await.unwrap();
    let tenant = "alpha.onmicrosoft.com";
    let template = Template::from_json(
        &json!({"Displayname": "CIPP test: compliance", "Description": "pin", "Type": "deviceCompliancePolicies",
            "RAWJson": json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "displayName": "x",
                "passwordRequired": true, "passwordMinimumLength": 8, "id": "00000000-0000-0000-0000-000000000000"}).to_string()})
        .to_string(),
        None,
    )
    .unwrap();
    let client = TemplateClient::new(pipeline(&sim), tenant);
    let out = client
        .deploy(&template, &DeployOptions::new())
        .await
        .unwrap();
    let id = out.id().to_string();
    let graph = GraphClient::new(pipeline(&sim), tenant).beta();
    let path = format!("deviceManagement/deviceCompliancePolicies/{id}");
    let live = graph.get(&path).await.unwrap();
    assert_eq!(live["displayName"], "CIPP test: compliance");
    assert_eq!(live["description"], "pin");
    assert_eq!(
        live["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["actionType"],
        "block",
        "compliance policies are created with an action"
    );
    assert_ne!(live["id"], "00000000-0000-0000-0000-000000000000");
    graph
        .patch(&path, &json!({"passwordMinimumLength": 4}))
        .await
        .unwrap();
    let fresh = TemplateClient::new(pipeline(&sim), tenant);
    let cmp = fresh
        .compare(&template, &DeployOptions::new())
        .await
        .unwrap();
    assert_eq!(cmp.differences().len(), 1);
    assert_eq!(cmp.differences()[0].path, "passwordMinimumLength");
    assert_eq!(cmp.differences()[0].found, Some(json!(4)));
    sim.clear_requests();
    let out = fresh
        .deploy(&template, &DeployOptions::new())
        .await
        .unwrap();
    assert_eq!(
        out,
        DeployOutcome::Updated {
            id: id.clone(),
            changed: vec!["passwordMinimumLength".into()]
        }
    );
    let w = writes(&sim);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].method, "PATCH");
    assert_eq!(graph.get(&path).await.unwrap()["passwordMinimumLength"], 8);

    // An unknown type loads but does not deploy, and says why.
    let odd = Template::from_json(
        r#"{"Displayname": "odd", "Type": "Mystery", "RAWJson": "{}"}"#,
        None,
    )
    .unwrap();
    let err = client
        .deploy(&odd, &DeployOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TemplateError::Invalid { path, .. } if path == "Type"),
        "{err:?}"
    );
    // A payload that is not JSON names the template and the path.
    let broken = Template::from_json(
        r#"{"Displayname": "broken", "Type": "Device", "RAWJson": "{\"a\": [1,}"}"#,
        None,
    )
    .unwrap();
    let err = client
        .deploy(&broken, &DeployOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TemplateError::Parse { template, path, .. } if template == "broken" && path.starts_with("RAWJson")),
        "{err:?}"
    );
}

#[tokio::test]
async fn distribution_and_mail_enabled_security_groups_deploy_through_exchange() {
    let sim = Sim::start().await.unwrap();
    let client = TemplateClient::new(pipeline(&sim), "alphadental.com");
    let graph = GraphClient::new(pipeline(&sim), "alphadental.com");
    let list = Template::from_json(
        r#"{"displayName": "Front Desk", "description": "Reception staff", "groupType": "distribution",
            "allowExternal": true, "username": "frontdesk@%tenantfilter%"}"#,
        Some(TemplateKind::Group),
    )
    .unwrap();
    let secure = Template::from_json(
        r#"{"displayName": "Payroll Approvers", "groupType": "mailEnabledSecurity", "username": "payroll"}"#,
        Some(TemplateKind::Group),
    )
    .unwrap();
    sim.clear_requests();
    for t in [&list, &secure] {
        assert!(matches!(
            client.deploy(t, &DeployOptions::new()).await.unwrap(),
            DeployOutcome::Created { .. }
        ));
    }
    // Made through Exchange, never by a Graph write (Graph cannot make them).
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert!(exchange_calls(&sim) >= 3, "a read, then one New- per group");
    // Graph sees both, with the mail flags Exchange gave them.
    let groups = graph.list_json("groups").collect_all().await.unwrap();
    let find = |name: &str| {
        groups
            .iter()
            .find(|g| g["displayName"] == name)
            .unwrap()
            .clone()
    };
    let front = find("Front Desk");
    assert_eq!(
        (
            &front["mailEnabled"],
            &front["securityEnabled"],
            &front["mail"]
        ),
        (
            &json!(true),
            &json!(false),
            &json!("frontdesk@alphadental.com")
        )
    );
    assert_eq!(find("Payroll Approvers")["securityEnabled"], true);

    // A second deploy (fresh client, no cache) writes nothing.
    let again = TemplateClient::new(pipeline(&sim), "alphadental.com");
    sim.clear_requests();
    for t in [&list, &secure] {
        assert!(matches!(
            again.deploy(t, &DeployOptions::new()).await.unwrap(),
            DeployOutcome::Unchanged { .. }
        ));
    }
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    // Edited in the tenant: the next deploy sets back only what drifted.
    cipp_exchange::ExchangeClient::new(pipeline(&sim), "alphadental.com")
        .invoke(
            "Set-DistributionGroup",
            json!({"Identity": "Front Desk", "Description": "Someone changed this"}),
        )
        .await
        .unwrap();
    let fresh = TemplateClient::new(pipeline(&sim), "alphadental.com");
    match fresh.deploy(&list, &DeployOptions::new()).await.unwrap() {
        DeployOutcome::Updated { changed, .. } => assert_eq!(changed, ["Description"]),
        other => panic!("{other:?}"),
    }
    let rows = cipp_exchange::ExchangeClient::new(pipeline(&sim), "alphadental.com")
        .invoke("Get-DistributionGroup", json!({"Identity": "Front Desk"}))
        .await
        .unwrap();
    assert_eq!(rows[0]["Description"], json!(["Reception staff"]));
    assert_eq!(rows[0]["RequireSenderAuthenticationEnabled"], false);
    let groups = graph.list_json("groups").collect_all().await.unwrap();
    assert_eq!(
        groups
            .iter()
            .filter(|g| g["displayName"] == "Front Desk")
            .count(),
        1
    );
    let captured = fresh
        .capture(
            TemplateKind::Group,
            find("Payroll Approvers")["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
    let TemplateBody::Group(g) = &captured.body else {
        panic!()
    };
    assert_eq!(g.group_type, "mailEnabledSecurity");
}

#[tokio::test]
async fn intune_policies_are_assigned_by_group_name_once() {
    use cipp_templates::Assignment;
    let sim = Sim::start().await.unwrap();
    let tenant = "alpha.onmicrosoft.com";
    let template = Template::from_json(
        &json!({"Displayname": "CIPP test: assigned", "Description": "", "Type": "deviceCompliancePolicies",
            "RAWJson": json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "displayName": "x",
                "passwordRequired": true}).to_string()})
        .to_string(),
        None,
    )
    .unwrap();
    let client = TemplateClient::new(pipeline(&sim), tenant);
    let to = Assignment {
        all_devices: true,
        groups: vec!["sg-finance".into()],
        exclude_groups: vec!["CA-Exclude-BreakGlass".into()],
        ..Assignment::default()
    };
    // Not deployed yet: nothing to assign.
    assert!(matches!(
        client.assign(&template, &to, &DeployOptions::new()).await,
        Err(TemplateError::NotFound { .. })
    ));
    let id = client
        .deploy(&template, &DeployOptions::new())
        .await
        .unwrap()
        .id()
        .to_string();
    match client
        .assign(&template, &to, &DeployOptions::new())
        .await
        .unwrap()
    {
        DeployOutcome::Updated { changed, .. } => assert_eq!(changed, ["assignments"]),
        other => panic!("{other:?}"),
    }
    let graph = GraphClient::new(pipeline(&sim), tenant).beta();
    let assigned = graph
        .list_json(format!(
            "deviceManagement/deviceCompliancePolicies/{id}/assignments"
        ))
        .collect_all()
        .await
        .unwrap();
    let mut targets: Vec<(String, String)> = assigned
        .iter()
        .map(|a| {
            (
                a["target"]["@odata.type"].as_str().unwrap().to_string(),
                a["target"]["groupId"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            (
                "#microsoft.graph.allDevicesAssignmentTarget".to_string(),
                String::new()
            ),
            (
                "#microsoft.graph.exclusionGroupAssignmentTarget".to_string(),
                "24061f8a-1fff-57f1-ae1f-84634dbdb41c".to_string()
            ),
            (
                "#microsoft.graph.groupAssignmentTarget".to_string(),
                "2fcaceb5-18fb-5af2-aa18-53169f6cd1ae".to_string()
            ),
        ]
    );
    // Again: read, equal, nothing written.
    sim.clear_requests();
    assert!(matches!(
        TemplateClient::new(pipeline(&sim), tenant)
            .assign(&template, &to, &DeployOptions::new())
            .await
            .unwrap(),
        DeployOutcome::Unchanged { .. }
    ));
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    // An unknown group is named and nothing is sent.
    let bad = Assignment {
        groups: vec!["No Such Group".into()],
        ..Assignment::default()
    };
    match client.assign(&template, &bad, &DeployOptions::new()).await {
        Err(TemplateError::MissingReference { name, path, .. }) => {
            assert_eq!(
                (name.as_str(), path.as_str()),
                ("No Such Group", "groups[0]")
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(writes(&sim).is_empty());
}
