//! The `cipp` binary end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use cipp_sim::Sim;
use serde_json::Value;

mod common;
use common::{json_ok, run, SimEnv};

#[tokio::test(flavor = "multi_thread")]
async fn tenants_health_prints_the_report_and_fails_on_errors() {
    let sim = Sim::start().await.unwrap();
    let out = run(&sim, &["tenants", "health", "alpha.onmicrosoft.com"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "Alpha lacks a required role");
    assert!(text.contains("Application Administrator"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("exchange") && l.contains("ok")),
        "{text}"
    );
    let out = run(
        &sim,
        &["tenants", "health", "alpha.onmicrosoft.com", "--json"],
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["services"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_list_shows_the_gdap_customers() {
    let sim = Sim::start().await.unwrap();
    let v = json_ok(&run(&sim, &["tenants", "list", "--json"]).await);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), sim.tenants().len(), "{names:?}");
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["default_domain_name"].is_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_get_all_with_select() {
    let sim = Sim::builder()
        .generated_users("alpha.onmicrosoft.com", 300)
        .start()
        .await
        .unwrap();
    let v = json_ok(
        &run(
            &sim,
            &[
                "graph",
                "get",
                "users",
                "--tenant",
                "alpha.onmicrosoft.com",
                "--all",
                "--select",
                "id,userPrincipalName",
                "--top",
                "100",
                "--json",
            ],
        )
        .await,
    );
    let users = v.as_array().unwrap();
    assert!(users.len() >= 300);
    assert!(users.iter().all(|u| u.get("displayName").is_none()));
    // People get a table.
    let out = run(
        &sim,
        &[
            "graph",
            "get",
            "organization",
            "--tenant",
            "alpha.onmicrosoft.com",
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("displayName") && text.contains("(1 items)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_writes_and_errors() {
    let sim = Sim::start().await.unwrap();
    let t = "bravo.onmicrosoft.com";
    let created = json_ok(
        &run(&sim, &["graph", "post", "groups", "--tenant", t, "--json", "--body", r#"{"displayName":"CLI group","mailEnabled":false,"securityEnabled":true,"mailNickname":"cli"}"#]).await,
    );
    let id = created["id"].as_str().unwrap().to_string();
    json_ok(
        &run(
            &sim,
            &[
                "graph",
                "patch",
                &format!("groups/{id}"),
                "--tenant",
                t,
                "--json",
                "--body",
                r#"{"description":"x"}"#,
            ],
        )
        .await,
    );
    let out = run(
        &sim,
        &["graph", "delete", &format!("groups/{id}"), "--tenant", t],
    )
    .await;
    assert!(out.status.success());
    let out = run(
        &sim,
        &["graph", "get", &format!("groups/{id}"), "--tenant", t],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("404") && err.contains("Request_ResourceNotFound") && err.contains(t),
        "{err}"
    );
    let out = run(
        &sim,
        &[
            "graph",
            "post",
            "groups",
            "--tenant",
            t,
            "--body",
            "{not json",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--body"));
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_batch_from_a_file() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batch.json");
    let reqs: Vec<Value> = (0..25)
        .map(|i| serde_json::json!({"id": format!("{i}"), "method": "GET", "url": "/organization"}))
        .collect();
    std::fs::write(&file, serde_json::to_string(&reqs).unwrap()).unwrap();
    let v = json_ok(
        &run(
            &sim,
            &[
                "graph",
                "batch",
                "--file",
                file.to_str().unwrap(),
                "--tenant",
                "charlie.onmicrosoft.com",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(v.as_array().unwrap().len(), 25);
    assert!(v.as_array().unwrap().iter().all(|r| r["status"] == 200));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_status_describes_the_token_without_printing_it() {
    let sim = Sim::start().await.unwrap();
    let out = run(&sim, &["auth", "status", "--json"]).await;
    let v = json_ok(&out);
    assert_eq!(
        v["tenant_id"].as_str(),
        Some(sim.credentials().partner_tenant_id.as_str())
    );
    assert!(v["user"].as_str().unwrap().contains('@'));
    assert_eq!(v["mfa"], true);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(&sim.credentials().refresh_token));
    assert!(!all.contains(&sim.credentials().application_secret));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_login_with_device_code_saves_a_working_refresh_token() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("creds.env");
    let args = ["auth", "login", "--save", file.to_str().unwrap(), "--json"];
    let out = run(&sim, &args).await;
    let v = json_ok(&out);
    assert_eq!(
        v["tenant_id"].as_str(),
        Some(sim.credentials().partner_tenant_id.as_str())
    );
    let saved = std::fs::read_to_string(&file).unwrap();
    let token = saved
        .lines()
        .find_map(|l| l.strip_prefix("CIPP_REFRESH_TOKEN="))
        .unwrap()
        .to_string();
    assert!(!token.is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&token));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_exits_3_with_the_aadsts_code() {
    let sim = Sim::start().await.unwrap();
    let mut env = SimEnv::of(&sim);
    env.creds.application_secret = "wrong".into();
    let out = tokio::task::spawn_blocking(move || env.cipp(&["tenants".into(), "list".into()]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AADSTS7000215"));
}

#[test]
fn demo_runs_on_the_embedded_simulator() {
    let out = Command::new(env!("CARGO_BIN_EXE_cipp"))
        .args(["demo", "--json"])
        .env_clear()
        .output()
        .unwrap();
    let v = json_ok(&out);
    let tenants = v["tenants"].as_array().unwrap();
    assert!(tenants.len() >= 3);
    assert!(tenants
        .iter()
        .all(|t| !t["users"].as_array().unwrap().is_empty()));
    // The human version reads well too.
    let out = Command::new(env!("CARGO_BIN_EXE_cipp"))
        .arg("demo")
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Managed tenants"));
}

#[test]
fn sim_serve_prints_settings_a_client_can_use() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_cipp"))
        .args(["sim", "serve", "--port", "0", "--json", "--users", "50"])
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let settings: Value = serde_json::from_str(&line).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cipp"));
    cmd.args([
        "graph",
        "get",
        "users",
        "--tenant",
        "alpha.onmicrosoft.com",
        "--all",
        "--json",
    ])
    .env_clear()
    .env("HOME", home.path());
    for (k, v) in settings["env"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    let out = cmd.output().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let users = json_ok(&out);
    assert!(users.as_array().unwrap().len() >= 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn gdap_invite_extend_remove_ga_and_check() {
    let sim = Sim::start().await.unwrap();
    let out = run(&sim, &["gdap", "invite", "--name", "CIPP_cli", "--json"]).await;
    let invite = json_ok(&out);
    assert_eq!(invite["status"], "approvalPending");
    assert_eq!(invite["auto_extend"], "P180D");
    assert!(invite["link"]
        .as_str()
        .unwrap()
        .contains("granularAdminRelationships"));

    let rels = json_ok(&run(&sim, &["gdap", "relationships", "--json"]).await);
    let id_of = |name: &str| {
        rels.as_array()
            .unwrap()
            .iter()
            .find(|r| r["display_name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (alpha, bravo) = (id_of("CIPP_Alpha_Dental"), id_of("CIPP_Bravo_Logistics"));
    // Alpha holds Global Administrator: extending it is refused with exit code 2.
    let out = run(&sim, &["gdap", "extend", &alpha]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = json_ok(&run(&sim, &["gdap", "extend", &bravo, "--json"]).await);
    assert_eq!(out[0]["result"], "auto-extend enabled");
    let out = json_ok(&run(&sim, &["gdap", "remove-ga", &alpha, "--json"]).await);
    assert_eq!(out["global_admin"], false);

    let health = json_ok(&run(&sim, &["gdap", "check", "--json"]).await);
    assert_eq!(health["service_account"], "cipp@northwindmsp.com");
    let access = json_ok(
        &run(
            &sim,
            &[
                "gdap",
                "check",
                "--tenant",
                "bravo.onmicrosoft.com",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(access["graph_ok"], true);
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cipp-data/SAMManifest.json"
    );
    let sam = json_ok(
        &run(
            &sim,
            &[
                "gdap",
                "check",
                "--manifest",
                manifest,
                "--repair",
                "--json",
            ],
        )
        .await,
    );
    assert!(sam["missing_count"].as_u64().unwrap() > 0);
    assert_eq!(sam["added"], sam["missing_count"]);
    let cpv = json_ok(
        &run(
            &sim,
            &[
                "gdap",
                "cpv",
                "--tenant",
                "bravo.onmicrosoft.com",
                "--manifest",
                manifest,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(cpv["consented"], true);
    assert_eq!(cpv["app_roles_added"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_get_accepts_guid_default_or_initial_domain() {
    let sim = Sim::start().await.unwrap();
    let t = &sim.tenants()[0];
    for name in [&t.id, &t.default_domain, &t.initial_domain] {
        let v = json_ok(&run(&sim, &["tenants", "get", name, "--json"]).await);
        assert_eq!(v[0]["customer_id"], t.id.as_str());
    }
    let out = run(&sim, &["tenants", "get", "nope.onmicrosoft.com"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.onmicrosoft.com"));
}

#[tokio::test(flavor = "multi_thread")]
async fn exo_run_bulk_and_cmdlet_errors() {
    let sim = Sim::start().await.unwrap();
    let t = "bravologistics.com";
    let rows = json_ok(
        &run(
            &sim,
            &[
                "exo",
                "run",
                "Get-Mailbox",
                "-t",
                t,
                "-p",
                "ResultSize=Unlimited",
                "--select",
                "UserPrincipalName,AuditEnabled",
                "--json",
            ],
        )
        .await,
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(
        rows.len(),
        sim.exchange_objects(t, "Mailbox", false).unwrap().len()
    );
    let upn = rows[0]["UserPrincipalName"].as_str().unwrap().to_string();

    // `cipp exo <Cmdlet>` is `cipp exo run <Cmdlet>`.
    let short = json_ok(&run(&sim, &["exo", "Get-AcceptedDomain", "-t", t, "--json"]).await);
    assert_eq!(
        short.as_array().unwrap().len(),
        sim.exchange_objects(t, "AcceptedDomain", false)
            .unwrap()
            .len()
    );
    let out = run(&sim, &["exo", "Get-Mailbox", "--bogus"]).await;
    assert_eq!(out.status.code(), Some(2));

    // A parameter given as JSON (false) reaches Exchange as a boolean.
    let out = run(
        &sim,
        &[
            "exo",
            "run",
            "Set-Mailbox",
            "-t",
            t,
            "-p",
            &format!("Identity={upn}"),
            "-p",
            "AuditEnabled=false",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mailbox = sim
        .exchange_objects(t, "Mailbox", false)
        .unwrap()
        .into_iter()
        .find(|m| m["UserPrincipalName"] == upn.as_str())
        .unwrap();
    assert_eq!(mailbox["AuditEnabled"], false);

    // Exchange's error: exit 1, the cmdlet, the tenant and the exception type on stderr.
    let out = run(
        &sim,
        &["exo", "run", "Get-Mailbox", "-t", t, "-p", "Identity=ghost"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Get-Mailbox")
            && err.contains(t)
            && err.contains("ManagementObjectNotFoundException"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ops.json");
    std::fs::write(
        &file,
        serde_json::json!([
            {"cmdlet": "Get-OrganizationConfig", "id": "org"},
            {"cmdlet": "Set-Mailbox", "id": "ghost", "parameters": {"Identity": "ghost", "AuditEnabled": true}},
        ])
        .to_string(),
    )
    .unwrap();
    let out = run(
        &sim,
        &["exo", "bulk", file.to_str().unwrap(), "-t", t, "--json"],
    )
    .await;
    // One operation failed: the whole result is printed, and the exit code says so.
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ops = v["operations"].as_array().unwrap();
    assert_eq!(ops[0]["success"], true);
    assert_eq!(ops[1]["success"], false);
    assert_eq!(
        ops[1]["error"]["exception_type"],
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    );
    assert_eq!(v["round_trips"], 1);

    let labels = json_ok(
        &run(
            &sim,
            &["exo", "run", "Get-Label", "-t", t, "--compliance", "--json"],
        )
        .await,
    );
    assert_eq!(labels[0]["Name"], "General");
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_policies_and_sharepoint_settings() {
    let sim = Sim::start().await.unwrap();
    let t = "charlie.onmicrosoft.com";
    let global = json_ok(
        &run(
            &sim,
            &[
                "teams",
                "policy",
                "get",
                "Get-CsTeamsMeetingPolicy",
                "-t",
                t,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(global["AllowAnonymousUsersToJoinMeeting"], true);
    // The same change twice: written once, then found already set.
    let set = [
        "teams",
        "policy",
        "set",
        "TeamsMeetingPolicy",
        "-t",
        t,
        "-p",
        "AllowAnonymousUsersToJoinMeeting=false",
        "--json",
    ];
    for expected in [true, false] {
        let out = json_ok(&run(&sim, &set).await);
        assert_eq!(out["changed"], expected);
    }
    let out = run(
        &sim,
        &[
            "teams",
            "policy",
            "set",
            "TeamsMeetingPolicy",
            "-t",
            t,
            "-p",
            "Nope=1",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nope"));

    let settings = json_ok(&run(&sim, &["spo", "settings", "-t", t, "--json"]).await);
    assert_eq!(settings["SharingCapability"], 2);
    json_ok(
        &run(
            &sim,
            &["spo", "set", "-t", t, "-p", "SharingCapability=0", "--json"],
        )
        .await,
    );
    assert_eq!(sim.sharepoint_settings(t).unwrap()["SharingCapability"], 0);
    let quota = json_ok(&run(&sim, &["spo", "quota", "-t", t, "--json"]).await);
    assert!(quota["used_percent"].as_f64().unwrap() > 0.0);
    let out = run(&sim, &["spo", "set", "-t", t, "-p", "Bogus=1"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Bogus"));
}

#[tokio::test(flavor = "multi_thread")]
async fn collect_one_tenant_or_all_into_files() {
    let sim = Sim::start().await.unwrap();
    let snaps = json_ok(
        &run(
            &sim,
            &[
                "collect",
                "-t",
                "alphadental.com",
                "--types",
                "Organization,ExoOrganizationConfig,SPOTenant",
                "--json",
            ],
        )
        .await,
    );
    let snap = &snaps[0];
    assert_eq!(snap["tenant"], "alphadental.com");
    for t in ["Organization", "ExoOrganizationConfig", "SPOTenant"] {
        assert_eq!(snap["types"][t]["status"], "complete", "{t}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &sim,
        &[
            "collect",
            "--all",
            "--types",
            "Organization,SPOTenant",
            "--out",
            dir.path().to_str().unwrap(),
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 3, "one snapshot per managed tenant");
    let charlie: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("charlie.onmicrosoft.com.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(charlie["types"]["SPOTenant"]["status"], "not_licensed");

    let db = dir.path().join("store.db");
    for _ in 0..2 {
        let out = run(
            &sim,
            &[
                "collect",
                "-t",
                "alphadental.com",
                "--types",
                "Organization",
                "--store",
                db.to_str().unwrap(),
            ],
        )
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = cipp::snapshot::Store::open(&db).unwrap();
    assert_eq!(store.history("alphadental.com", 10).unwrap().len(), 2);

    let out = run(
        &sim,
        &["collect", "-t", "alphadental.com", "--types", "Nope"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nope"));
    let listed = json_ok(&run(&sim, &["collect", "--list-types", "--json"]).await);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "SPOTenant"));
}

/// `cipp` with the simulator's environment plus `extra` variables and `stdin` piped in.
async fn run_kv(sim: &Sim, args: &[&str], extra: &[(&str, String)], stdin: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let env = SimEnv::of(sim);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = env.command(&args, home.path());
        cmd.env("CIPP_KEY_VAULT", "cipp-kv");
        for (k, v) in &extra {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_set_get_list_delete_recover() {
    let sim = Sim::start().await.unwrap();
    let set = json_ok(
        &run_kv(
            &sim,
            &["kv", "set", "HIBP", "--value-stdin", "--json"],
            &[],
            "s3cr+t/value\n",
        )
        .await,
    );
    assert_eq!(set["name"], "HIBP");
    assert!(set.get("value").is_none(), "set never echoes the value");
    let first_version = set["version"].as_str().unwrap().to_string();
    json_ok(&run_kv(&sim, &["kv", "set", "HIBP", "second", "--json"], &[], "").await);
    json_ok(&run_kv(&sim, &["kv", "set", "Other", "x", "--json"], &[], "").await);
    json_ok(&run_kv(&sim, &["kv", "set", "Third", "y", "--json"], &[], "").await);

    // Plain `get` prints just the value, for scripts.
    let out = run_kv(&sim, &["kv", "get", "HIBP"], &[], "").await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "second\n");
    let old = json_ok(
        &run_kv(
            &sim,
            &["kv", "get", "HIBP", "--version", &first_version, "--json"],
            &[],
            "",
        )
        .await,
    );
    assert_eq!(old["value"], "s3cr+t/value");

    // Three secrets over two pages.
    let list = json_ok(&run_kv(&sim, &["kv", "list", "--json"], &[], "").await);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        !list.to_string().contains("second"),
        "list never shows values"
    );

    json_ok(&run_kv(&sim, &["kv", "delete", "HIBP", "--json"], &[], "").await);
    let missing = run_kv(&sim, &["kv", "get", "HIBP"], &[], "").await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("HIBP"));
    json_ok(&run_kv(&sim, &["kv", "recover", "HIBP", "--json"], &[], "").await);

    // Setting a soft-deleted name recovers it first.
    json_ok(&run_kv(&sim, &["kv", "delete", "Other", "--json"], &[], "").await);
    json_ok(&run_kv(&sim, &["kv", "set", "Other", "z", "--json"], &[], "").await);
    let out = run_kv(&sim, &["kv", "get", "Other"], &[], "").await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "z\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_with_managed_identity_and_bad_input() {
    let sim = Sim::start().await.unwrap();
    let msi = [
        ("IDENTITY_ENDPOINT", sim.identity_endpoint()),
        ("IDENTITY_HEADER", sim.identity_header()),
    ];
    json_ok(
        &run_kv(
            &sim,
            &["kv", "--managed-identity", "set", "TenantID", "t", "--json"],
            &msi,
            "",
        )
        .await,
    );
    let out = run_kv(
        &sim,
        &["kv", "get", "TenantID", "--managed-identity"],
        &msi,
        "",
    )
    .await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "t\n");
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.path.starts_with("/login/"))
            .count(),
        0,
        "no Entra tokens with a managed identity"
    );

    let out = run_kv(&sim, &["kv", "get", "bad/name"], &[], "").await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad/name"));
    // Without a vault name, CIPP's hosting rule finds it: the site name less its worker suffix.
    let hosted = json_ok(
        &run_kv(
            &sim,
            &["kv", "list", "--json"],
            &[
                ("CIPP_KEY_VAULT", String::new()),
                ("WEBSITE_SITE_NAME", "cipp-kv-proc".into()),
            ],
            "",
        )
        .await,
    );
    let named = json_ok(&run_kv(&sim, &["kv", "list", "--json"], &[], "").await);
    assert!(!named.as_array().unwrap().is_empty());
    assert_eq!(hosted, named);
    let out = run_kv(&sim, &["kv", "list", "--vault", "x"], &[], "").await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("vault"));
}

#[tokio::test]
async fn standards_plan_then_remediate_then_report_with_a_store() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("baseline.json");
    std::fs::write(
        &template,
        serde_json::json!([{
            "GUID": "baseline", "templateName": "Baseline",
            "tenantFilter": [{"label": "All tenants", "value": "AllTenants"}],
            "standards": {
                "DisableSMS": {"action": [{"label": "Remediate", "value": "Remediate"}]},
                "AuditLog": {"action": ["Report"]}
            }
        }])
        .to_string(),
    )
    .unwrap();
    let definitions = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cipp-data/BaselineStandards"
    );
    let (t, store, html) = (
        template.to_str().unwrap(),
        dir.path().join("cipp.db"),
        dir.path().join("run.html"),
    );
    let (store, html) = (store.to_str().unwrap(), html.to_str().unwrap());
    let common = ["--template", t, "--definitions", definitions];

    let listed = json_ok(
        &run(
            &sim,
            &["standards", "list", "--definitions", definitions, "--json"],
        )
        .await,
    );
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["name"] == "DisableSMS"));
    let builtin = json_ok(&run(&sim, &["standards", "list", "--json"]).await);
    assert!(builtin.as_array().unwrap().len() >= 120);
    // Code standards are listed beside the definitions, destructive ones marked.
    let guests = builtin
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "DisableGuests")
        .unwrap();
    assert_eq!(guests["kind"], "code");
    assert_eq!(guests["destructive"], true);
    let shown = json_ok(&run(&sim, &["standards", "show", "DisableGuests"]).await);
    assert_eq!(shown["kind"], "code");
    let shown = json_ok(&run(&sim, &["standards", "show", "disablesms"]).await);
    assert_eq!(shown["read"]["cacheType"], "AuthenticationMethodsPolicy");
    assert!(!run(&sim, &["standards", "show", "NoSuchStandard"])
        .await
        .status
        .success());

    let mut args = vec!["standards", "plan", "--tenant", "alphadental.com", "--json"];
    args.extend(common);
    let plan = json_ok(&run(&sim, &args).await);
    let drifted = plan[0]["drifted"].as_array().unwrap();
    let sms = drifted
        .iter()
        .find(|d| d["standard"] == "DisableSMS")
        .unwrap();
    assert_eq!(sms["steps"][0]["kind"], "graph");
    assert_eq!(sms["remediate"], true);

    // Remediation needs --yes.
    let mut args = vec!["standards", "run", "--all", "--mode", "remediate"];
    args.extend(common);
    let refused = run(&sim, &args).await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));

    args.extend(["--yes", "--store", store, "--html", html, "--json"]);
    let fixed = json_ok(&run(&sim, &args).await);
    let alpha = &fixed["tenants"][0];
    let state = |t: &Value, s: &str| {
        t["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["standard"] == s)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(alpha["tenant"], "alphadental.com");
    assert_eq!(state(alpha, "DisableSMS"), "remediated");
    assert_eq!(state(alpha, "AuditLog"), "drifted");
    assert!(std::fs::read_to_string(html)
        .unwrap()
        .contains("alphadental.com"));

    let mut args = vec!["standards", "run", "--all", "--store", store];
    args.extend(common);
    let out = run(&sim, &args).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("alphadental.com") && table.contains("alignment"),
        "{table}"
    );
}
