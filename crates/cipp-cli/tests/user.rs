//! `cipp user ...` and `cipp offboard` end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;

mod common;
use common::{json_ok, run};

const ALPHA: &str = "alphadental.com";
const ELIF: &str = "elif.ortiz@alphadental.com";

#[tokio::test(flavor = "multi_thread")]
async fn user_commands_change_the_tenant() {
    let sim = Sim::start().await.unwrap();
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "user",
                "edit",
                "-t",
                ALPHA,
                "-u",
                ELIF,
                "-p",
                "jobTitle=Dentist",
                "--clear",
                "city",
            ],
        )
        .await,
    );
    assert!(v["changed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "jobTitle"));
    let v = json_ok(&run(&sim, &["--json", "user", "show", "-t", ALPHA, "-u", ELIF]).await);
    assert_eq!(v["jobTitle"], "Dentist");
    let v = json_ok(&run(&sim, &["--json", "user", "block", "-t", ALPHA, "-u", ELIF]).await);
    assert_eq!(v["state"], "success");
    let v = json_ok(&run(&sim, &["--json", "user", "show", "-t", ALPHA, "-u", ELIF]).await);
    assert_eq!(v["accountEnabled"], false);
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "user",
                "tap",
                "-t",
                ALPHA,
                "-u",
                ELIF,
                "--lifetime",
                "60",
            ],
        )
        .await,
    );
    assert!(v["temporaryAccessPass"]
        .as_str()
        .is_some_and(|p| p.len() >= 8));
    // Delete without --yes is refused with the input exit code.
    let out = run(&sim, &["user", "delete", "-t", ALPHA, "-u", ELIF]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("confirmation"));
    json_ok(
        &run(
            &sim,
            &["--json", "user", "delete", "-t", ALPHA, "-u", ELIF, "--yes"],
        )
        .await,
    );
    let v = json_ok(&run(&sim, &["--json", "user", "deleted", "-t", ALPHA]).await);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["userPrincipalName"] == ELIF));
}

#[tokio::test(flavor = "multi_thread")]
async fn offboard_dry_run_then_run() {
    let sim = Sim::start().await.unwrap();
    let args = [
        "--json",
        "offboard",
        "-t",
        ALPHA,
        "-u",
        ELIF,
        "--step",
        "DisableSignIn",
        "--step",
        "ConvertToShared",
        "--ooo",
        "Gone",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let v = json_ok(&run(&sim, &dry).await);
    assert_eq!(v["dryRun"], true);
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["DisableSignIn", "OOO", "ConvertToShared"]);
    // Conversion is destructive: refused without --yes.
    let out = run(&sim, &args).await;
    assert_eq!(out.status.code(), Some(2));
    let mut yes = args.to_vec();
    yes.push("--yes");
    let v = json_ok(&run(&sim, &yes).await);
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "success"),
        "{v:#}"
    );
    let mailbox = sim.exchange_objects(ALPHA, "Mailbox", false).unwrap();
    let elif = mailbox
        .iter()
        .find(|m| m["UserPrincipalName"] == ELIF)
        .unwrap();
    assert_eq!(elif["RecipientTypeDetails"], "SharedMailbox");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_groups_and_onedrive_access_commands() {
    let sim = Sim::start().await.unwrap();
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "user",
                "groups",
                "-t",
                ALPHA,
                "-u",
                ELIF,
                "--add",
                "SG-Finance",
                "--remove",
                "Sales Team",
            ],
        )
        .await,
    );
    let states: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["step"].as_str().unwrap(), o["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [("addToGroup", "success"), ("removeFromGroup", "success")]
    );
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "user",
                "onedrive-access",
                "-t",
                ALPHA,
                "-u",
                ELIF,
                "--to",
                "miriam.gu@alphadental.com",
            ],
        )
        .await,
    );
    assert_eq!(v["state"], "success");
    let site = sim
        .sharepoint_site(
            ALPHA,
            "https://alpha-my.sharepoint.com/personal/elif_ortiz_alphadental_com",
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        site["admins"],
        serde_json::json!([ELIF, "miriam.gu@alphadental.com"])
    );
}
