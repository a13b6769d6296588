//! `cipp-bench`: figures for BENCHMARKS.md.
//!
//! The simulator runs in a child process and every measured job in a fresh child of its own,
//! so peak memory (VmHWM) is the client's alone and one job cannot inflate the next.
//!
//! ```text
//! cargo run --release -p cipp-bench            # all jobs, prints a Markdown table
//! cargo run --release -p cipp-bench -- --users 100000 --latency-ms 50 --gets 1000
//! cargo run --release -p cipp-bench -- standards --tenants 50 --latency-ms 50
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cipp::{Cipp, Service};
use cipp_graph::BatchRequest;
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

/// Mailboxes added for the Exchange figures.
const MAILBOXES: usize = 200;
const TENANT: &str = "alpha.onmicrosoft.com";

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn arg_str<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Peak resident memory of this process in KiB (Linux), 0 elsewhere.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Runtime::new()?;
    match args.get(1).map(String::as_str) {
        Some("serve") => runtime.block_on(serve(
            arg(&args, "--users", 100_000) as usize,
            arg(&args, "--extra-tenants", 0) as usize,
        )),
        Some("standards") => standards(&args),
        Some("job") => {
            let job = arg_str(&args, "--job").unwrap_or_default().to_string();
            let env: Value = serde_json::from_str(arg_str(&args, "--env").unwrap_or("{}"))?;
            let figures = runtime.block_on(run_job(&job, &env, &args))?;
            println!("{figures}");
            Ok(())
        }
        _ => orchestrate(&args),
    }
}

/// The demo seed with `extra` more customers, each a copy of the first one under its own id
/// and domains, with an active GDAP relationship like the original's.
fn seed_with_copies(extra: usize) -> cipp_sim::Seed {
    let mut seed = cipp_sim::Seed::demo();
    let (Some(model), Some(rels)) = (
        seed.customers.first().cloned(),
        seed.partner.graph["tenantRelationships"]["delegatedAdminRelationships"]
            .as_array()
            .cloned(),
    ) else {
        return seed;
    };
    let rel = rels.first().cloned().unwrap_or(Value::Null);
    let mut added = Vec::new();
    let (model_default, model_initial) = (model.default_domain(), model.initial_domain());
    let model_graph = model.graph.to_string();
    for i in 0..extra {
        let mut t = model.clone();
        let (default, initial) = (
            format!("bench{}.example", i + 1),
            format!("bench{}.onmicrosoft.com", i + 1),
        );
        t.id = format!("b0000000-0000-4000-8000-{:012x}", i + 1);
        t.display_name = format!("Bench Tenant {}", i + 1);
        // The copy's own domains everywhere (domain objects, UPNs, mail), so the directory
        // and every request name the copy, never the model.
        t.graph = serde_json::from_str(
            &model_graph
                .replace(&model_initial, &initial)
                .replace(&model_default, &default),
        )
        .unwrap_or(Value::Null);
        t.domains = vec![default, initial];
        t.default_domain = None;
        let mut r = rel.clone();
        r["id"] = json!(format!("bench-relationship-{}", i + 1));
        r["customer"] = json!({"tenantId": t.id, "displayName": t.display_name});
        added.push(r);
        seed.customers.push(t);
    }
    if let Some(list) =
        seed.partner.graph["tenantRelationships"]["delegatedAdminRelationships"].as_array_mut()
    {
        list.extend(added);
    }
    seed
}

/// Child: serve the simulator and print its settings as one JSON line.
async fn serve(users: usize, extra_tenants: usize) -> BenchResult<()> {
    let sim = cipp_sim::Sim::builder()
        .seed(seed_with_copies(extra_tenants))
        .generated_users(TENANT, users)
        .start()
        .await?;
    sim.generate_mailboxes(TENANT, MAILBOXES)?;
    let c = sim.credentials();
    println!(
        "{}",
        json!({
            "base": sim.base_url(),
            "endpoints": sim.endpoints().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
            "app": c.application_id, "secret": c.application_secret,
            "refresh": c.refresh_token, "tenant": c.partner_tenant_id,
        })
    );
    sim.wait().await;
    Ok(())
}

fn client(env: &Value) -> BenchResult<Cipp> {
    let s = |k: &str| env[k].as_str().unwrap_or_default().to_string();
    let mut b = Cipp::builder()
        .application_id(s("app"))
        .application_secret(s("secret"))
        .refresh_token(s("refresh"))
        .tenant_id(s("tenant"));
    for (name, url) in env["endpoints"].as_object().into_iter().flatten() {
        b = b.endpoint(name.parse::<Service>()?, url.as_str().unwrap_or_default());
    }
    Ok(b.build()?)
}

async fn sim_stats(http: &reqwest::Client, env: &Value) -> BenchResult<Value> {
    let base = env["base"].as_str().unwrap_or_default();
    Ok(http
        .get(format!("{base}/_sim/stats"))
        .send()
        .await?
        .json()
        .await?)
}

fn delta(after: &Value, before: &Value, key: &str) -> u64 {
    after[key].as_u64().unwrap_or(0) - before[key].as_u64().unwrap_or(0)
}

/// Child: run one measured job against the simulator described by `env`.
async fn run_job(job: &str, env: &Value, args: &[String]) -> BenchResult<Value> {
    let http = reqwest::Client::new();
    let cipp = client(env)?;
    let graph = cipp.tenant(TENANT).graph();
    // Sign in before measuring, as a long-running service would have.
    graph.organization().await?;
    let before = sim_stats(&http, env).await?;
    let started = Instant::now();
    let mut figures = match job {
        "list" => {
            let page = arg(args, "--page", 999) as u32;
            let count = graph
                .users()
                .list()
                .select(["id", "displayName", "userPrincipalName", "accountEnabled"])
                .top(page)
                .stream()
                .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await?;
            json!({"items": count, "page_size": page})
        }
        "gets-batch" | "gets-single" | "gets-concurrent" => {
            let n = arg(args, "--gets", 1000) as usize;
            let ids: Vec<String> = graph
                .users()
                .list()
                .select(["id"])
                .top(999)
                .stream()
                .take(n)
                .map_ok(|u| u.id.unwrap_or_default())
                .try_collect()
                .await?;
            let before_inner = sim_stats(&http, env).await?;
            let t = Instant::now();
            let ok = match job {
                "gets-batch" => {
                    let results = graph
                        .batch(ids.iter().enumerate().map(|(i, id)| {
                            BatchRequest::get(
                                i.to_string(),
                                format!("/users/{id}?$select=id,displayName"),
                            )
                        }))
                        .await?;
                    results.iter().filter(|r| r.is_success()).count()
                }
                "gets-single" => {
                    let mut ok = 0;
                    for id in &ids {
                        graph
                            .get(&format!("users/{id}?$select=id,displayName"))
                            .await?;
                        ok += 1;
                    }
                    ok
                }
                _ => futures::stream::iter(ids.iter())
                    .map(|id| {
                        let g = graph.clone();
                        async move { g.get(&format!("users/{id}?$select=id,displayName")).await }
                    })
                    .buffer_unordered(8)
                    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                    .await?,
            };
            let after = sim_stats(&http, env).await?;
            return Ok(json!({
                "job": job, "gets": ok,
                "round_trips": delta(&after, &before_inner, "http_requests"),
                "seconds": t.elapsed().as_secs_f64(),
                "peak_rss_mib": peak_rss_kib() as f64 / 1024.0,
            }));
        }
        "exo-bulk" | "exo-single" | "exo-concurrent" => {
            let exo = cipp.tenant(TENANT).exchange();
            let upns: Vec<String> = exo
                .cmdlet("Get-Mailbox")
                .param("ResultSize", "Unlimited")
                .select(["UserPrincipalName"])
                .rows()
                .await?
                .iter()
                .filter_map(|r| r["UserPrincipalName"].as_str().map(str::to_string))
                .take(MAILBOXES)
                .collect();
            let set = |upn: &str| {
                exo.cmdlet("Set-Mailbox")
                    .id(upn)
                    .param("Identity", upn)
                    .param("AuditEnabled", false)
            };
            let before_inner = sim_stats(&http, env).await?;
            let t = Instant::now();
            let ok = match job {
                "exo-bulk" => {
                    let result = exo.bulk(upns.iter().map(|u| set(u))).await?;
                    result.operations.iter().filter(|o| o.is_success()).count()
                }
                "exo-single" => {
                    let mut ok = 0;
                    for u in &upns {
                        set(u).invoke().await?;
                        ok += 1;
                    }
                    ok
                }
                _ => {
                    futures::stream::iter(upns.iter())
                        .map(|u| {
                            let call = set(u);
                            async move { call.invoke().await }
                        })
                        .buffer_unordered(8)
                        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                        .await?
                }
            };
            let after = sim_stats(&http, env).await?;
            return Ok(json!({
                "job": job, "cmdlets": ok,
                "round_trips": delta(&after, &before_inner, "http_requests"),
                "seconds": t.elapsed().as_secs_f64(),
            }));
        }
        "standards" => return standards_job(&cipp, &http, env, args).await,
        other => return Err(format!("unknown job {other}").into()),
    };
    let secs = started.elapsed().as_secs_f64();
    let after = sim_stats(&http, env).await?;
    let items = figures["items"].as_u64().unwrap_or(0) as f64;
    figures["job"] = json!(job);
    figures["seconds"] = json!(secs);
    figures["items_per_second"] = json!(items / secs);
    figures["http_requests"] = json!(delta(&after, &before, "http_requests"));
    figures["peak_rss_mib"] = json!(peak_rss_kib() as f64 / 1024.0);
    Ok(figures)
}

struct SimChild {
    child: Child,
    env: Value,
}

impl Drop for SimChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_sim(users: u64, extra_tenants: u64) -> BenchResult<SimChild> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["serve", "--users", &users.to_string()])
        .args(["--extra-tenants", &extra_tenants.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or("no stdout from the simulator child")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let env: Value = serde_json::from_str(&line)?;
    Ok(SimChild { child, env })
}

fn job(env: &Value, name: &str, extra: &[String]) -> BenchResult<Value> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .args(["job", "--job", name, "--env", &env.to_string()])
        .args(extra)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "job {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn set_latency(env: &Value, ms: u64) -> BenchResult<()> {
    let base = env["base"].as_str().unwrap_or_default().to_string();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        reqwest::Client::new()
            .put(format!("{base}/_sim/latency"))
            .json(&json!({"ms": ms}))
            .send()
            .await?
            .error_for_status()?;
        Ok::<_, reqwest::Error>(())
    })?;
    Ok(())
}

fn orchestrate(args: &[String]) -> BenchResult<()> {
    let users = arg(args, "--users", 100_000);
    let latency = arg(args, "--latency-ms", 50);
    let gets = arg(args, "--gets", 1000).to_string();
    let t = Instant::now();
    let sim = spawn_sim(users, 0)?;
    eprintln!(
        "simulator with {users} extra users ready in {:.1?}",
        t.elapsed()
    );

    println!("## Listing {users} users (no injected latency)\n");
    println!(
        "| page size | users | wall time (s) | users/s | HTTP requests | client peak RSS (MiB) |"
    );
    println!("|---|---|---|---|---|---|");
    for page in ["999", "100"] {
        let f = job(&sim.env, "list", &["--page".into(), page.into()])?;
        println!(
            "| {page} | {} | {:.2} | {:.0} | {} | {:.1} |",
            f["items"],
            f["seconds"].as_f64().unwrap_or(0.0),
            f["items_per_second"].as_f64().unwrap_or(0.0),
            f["http_requests"],
            f["peak_rss_mib"].as_f64().unwrap_or(0.0)
        );
    }

    set_latency(&sim.env, latency)?;
    std::thread::sleep(Duration::from_millis(50));
    println!("\n## {gets} GETs at {latency} ms injected latency\n");
    println!("| method | GETs | HTTP round trips | wall time (s) |");
    println!("|---|---|---|---|");
    for (name, label) in [
        ("gets-batch", "$batch (20 per request, 4 in flight)"),
        ("gets-concurrent", "one by one, 8 in flight"),
        ("gets-single", "one by one, sequential"),
    ] {
        let f = job(&sim.env, name, &["--gets".into(), gets.clone()])?;
        println!(
            "| {label} | {} | {} | {:.2} |",
            f["gets"],
            f["round_trips"],
            f["seconds"].as_f64().unwrap_or(0.0)
        );
    }

    println!("\n## {MAILBOXES} Exchange cmdlets (Set-Mailbox) at {latency} ms injected latency\n");
    println!("| method | cmdlets | HTTP round trips | wall time (s) |");
    println!("|---|---|---|---|");
    for (name, label) in [
        ("exo-bulk", "bulk `$batch` (10 per request, 3 in flight)"),
        ("exo-concurrent", "InvokeCommand one by one, 8 in flight"),
        ("exo-single", "InvokeCommand one by one, sequential"),
    ] {
        let f = job(&sim.env, name, &[])?;
        println!(
            "| {label} | {} | {} | {:.2} |",
            f["cmdlets"],
            f["round_trips"],
            f["seconds"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(())
}

/// Settings for the standards that have no default and refuse to run without a choice, as a
/// technician would fill them in; every other standard runs with its defaults.
const BENCH_SETTINGS: &[(&str, &str)] = &[
    ("sharingCapability", r#"{"sharingCapability": 1}"#),
    (
        "CustomBannedPasswordList",
        r#"{"BannedWords": "contoso,summer2026,welcome1"}"#,
    ),
    ("UserPreferredLanguage", r#"{"preferredLanguage": "en-GB"}"#),
    ("ExcludedfileExt", r#"{"ext": "exe,bat,ps1"}"#),
    (
        "AppManagementPolicy",
        r#"{"passwordCredentialsPasswordAddition": {"value": "enabled"}, "passwordCredentialsMaxLifetime": 180}"#,
    ),
    (
        "AuthenticationMethods",
        r#"{"SMSEnabled": false, "VoiceEnabled": false, "MicrosoftAuthenticatorEnabled": true}"#,
    ),
    (
        "CollaborationDomainRestriction",
        r#"{"allowedDomains": "partner.example"}"#,
    ),
    (
        "OMEBranding",
        r#"{"PortalText": "Secure mail from your IT partner"}"#,
    ),
    (
        "PhishSimSpoofIntelligence",
        r#"{"AllowedDomains": [{"value": "phishsim.example"}]}"#,
    ),
    ("intuneDeviceRetirementDays", r#"{"days": 120}"#),
    (
        "AutopilotProfile",
        r#"{"DisplayName": "Bench Autopilot", "DeviceNameTemplate": "BN%SERIAL%", "Languages": {"value": "en-GB"}, "CollectHash": true, "HidePrivacy": true, "HideTerms": true, "AutoKeyboard": true, "NotLocalAdmin": true}"#,
    ),
    (
        "ColleagueImpersonationAlert",
        r#"{"disclaimerHtml": "<p>This sender uses a colleague's name but is outside the company.</p>"}"#,
    ),
    (
        "DeployMailContact",
        r#"{"DisplayName": "Bench Supplier Support", "ExternalEmailAddress": "support@supplier.example"}"#,
    ),
    (
        "DevicePrepProfile",
        r#"{"ProfileName": "Bench device preparation", "DeploymentType": {"value": "0"}, "JoinType": "0", "Timeout": 90, "DeviceGroupName": "CA-Exclude"}"#,
    ),
    (
        "GlobalQuarantineSettings",
        r#"{"SenderName": "IT partner", "CustomSubject": "Mail held for you"}"#,
    ),
    (
        "PhishingSimulations",
        r#"{"Domains": [{"value": "phishvendor.example"}], "SenderIpRanges": "203.0.113.0/24", "PhishingSimUrls": [{"value": "training.phishvendor.example"}]}"#,
    ),
    ("ProfilePhotos", r#"{"state": {"value": "disabled"}}"#),
    (
        "QuarantineRequestAlert",
        r#"{"NotifyUser": "secops@partner.example"}"#,
    ),
    (
        "QuarantineTemplate",
        r#"{"displayName": {"value": "Bench Quarantine"}, "ReleaseAction": {"value": "PermissionToRequestRelease"}, "PermissionToDelete": true}"#,
    ),
    ("RetentionPolicyTag", r#"{"AgeLimitForRetention": 30}"#),
    (
        "SetDefaultMailboxFont",
        r##"{"DefaultFontName": {"value": "Aptos"}, "DefaultFontColor": "#000000"}"##,
    ),
    (
        "SharePointMassDeletionAlert",
        r#"{"NotifyUser": [{"value": "secops@partner.example"}], "Threshold": 25, "TimeWindow": 30}"#,
    ),
    (
        "calDefault",
        r#"{"permissionLevel": {"value": "AvailabilityOnly"}}"#,
    ),
    ("PhishProtection", r#"{"CIPPUrl": "cipp.partner.example"}"#),
];

/// Child: the whole catalogue as one template over every managed tenant, in `--mode`.
async fn standards_job(
    cipp: &Cipp,
    http: &reqwest::Client,
    env: &Value,
    args: &[String],
) -> BenchResult<Value> {
    use cipp::standards::{Mode, StandardsTemplate};
    let mode: Mode = arg_str(args, "--mode").unwrap_or("report").parse()?;
    let action = if mode == Mode::Remediate {
        "Remediate"
    } else {
        "Report"
    };
    let options = match arg_str(args, "--definitions") {
        Some(dir) => cipp::StandardsOptions::default().definitions(dir),
        None => cipp::StandardsOptions::default(),
    };
    let definitions = options.load_definitions()?;
    // Every standard of the catalogue, code standards included, except the destructive ones
    // (they disable users, guests and devices and only write with `allow_destructive`).
    let catalogue: Vec<_> = options
        .catalogue()?
        .into_iter()
        .filter(|entry| !entry.destructive)
        .collect();
    let standards: serde_json::Map<String, Value> = catalogue
        .iter()
        .map(|entry| {
            let mut settings = BENCH_SETTINGS
                .iter()
                .find(|(name, _)| *name == entry.name)
                .and_then(|(_, settings)| serde_json::from_str::<Value>(settings).ok())
                .unwrap_or_else(|| json!({}));
            settings["action"] = json!([action]);
            (entry.name.clone(), settings)
        })
        .collect();
    let template = StandardsTemplate::from_value(
        &json!({"GUID": "bench", "tenantFilter": [{"value": "AllTenants"}], "standards": standards}),
        "bench",
    )?;
    // The directory is read once beforehand, as a long-running service would have it.
    let targets = cipp.standards_targets().await?;
    let before = sim_stats(http, env).await?;
    let t = Instant::now();
    let report = cipp
        .standards()
        .definitions(definitions.clone())
        .concurrency(arg(args, "--concurrency", 8) as usize)
        .build()
        .run(&[template], &targets, mode)
        .await;
    let seconds = t.elapsed().as_secs_f64();
    let after = sim_stats(http, env).await?;
    let reading = catalogue.iter().filter(|e| !e.reads.is_empty()).count();
    // Failed, unconfirmed and erroring standards (how many tenants, the first message), so a
    // figure in BENCHMARKS.md can say which standard failed and why.
    let mut problems: std::collections::BTreeMap<(String, String), (usize, Value)> =
        std::collections::BTreeMap::new();
    for r in report.tenants.iter().flat_map(|t| &t.results) {
        use cipp::standards::State;
        if matches!(
            r.state,
            State::RemediationFailed | State::Error | State::Unconfirmed
        ) {
            let entry = problems
                .entry((r.state.as_str().to_string(), r.standard.clone()))
                .or_insert_with(|| (0, json!(r.error)));
            entry.0 += 1;
        }
    }
    let problems: Vec<Value> = problems
        .into_iter()
        .map(|((state, standard), (tenants, error))| {
            json!({"state": state, "standard": standard, "tenants": tenants, "error": error})
        })
        .collect();
    let code = catalogue.iter().filter(|e| e.kind == "code").count();
    Ok(json!({
        "mode": mode.as_str(),
        "tenants": report.tenants.len(),
        "standards": catalogue.len(),
        "code_standards": code,
        "reading_standards": reading,
        "results": report.summary.total,
        "states": report.summary.states,
        "round_trips": delta(&after, &before, "http_requests"),
        "writes": report.tenants.iter().map(|t| t.writes).sum::<usize>(),
        "seconds": seconds,
        "peak_rss_mib": peak_rss_kib() as f64 / 1024.0,
        "problems": problems,
    }))
}

/// `cipp-bench standards`: the catalogue over many simulated tenants at injected latency.
fn standards(args: &[String]) -> BenchResult<()> {
    let tenants = arg(args, "--tenants", 50).max(3);
    let latency = arg(args, "--latency-ms", 50);
    let concurrency = arg(args, "--concurrency", 8).to_string();
    let sim = spawn_sim(0, tenants - 3)?;
    set_latency(&sim.env, latency)?;
    println!(
        "## The standards catalogue over {tenants} tenants at {latency} ms injected latency, {concurrency} tenants in flight\n"
    );
    println!("| mode | tenants | results | HTTP round trips | per tenant | naive reads per tenant | writes | wall time (s) | client peak RSS (MiB) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for mode in ["report", "remediate", "report"] {
        let mut extra: Vec<String> = vec![
            "--mode".into(),
            mode.into(),
            "--concurrency".into(),
            concurrency.clone(),
        ];
        if let Some(dir) = arg_str(args, "--definitions") {
            extra.extend(["--definitions".into(), dir.into()]);
        }
        let f = job(&sim.env, "standards", &extra)?;
        let n = f["tenants"].as_u64().unwrap_or(1).max(1);
        let trips = f["round_trips"].as_u64().unwrap_or(0);
        println!(
            "| {mode} | {n} | {} | {trips} | {:.1} | {} | {} | {:.2} | {:.1} |",
            f["results"],
            trips as f64 / n as f64,
            f["reading_standards"].as_u64().unwrap_or(0) + 1,
            f["writes"],
            f["seconds"].as_f64().unwrap_or(0.0),
            f["peak_rss_mib"].as_f64().unwrap_or(0.0),
        );
        eprintln!(
            "{mode}: {} standards ({} code): {}",
            f["standards"], f["code_standards"], f["states"]
        );
        for problem in f["problems"].as_array().into_iter().flatten() {
            eprintln!("  {problem}");
        }
    }
    Ok(())
}
