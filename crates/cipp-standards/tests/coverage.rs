//! `docs/standards-coverage.md`: every standard of CIPP's `standards.json` (from the spec's
//! `standards.csv`), whether CIPP ships a declarative definition for it, whether our catalogue
//! implements it, and why not where it does not. Run with `CIPP_UPDATE_DOCS=1` to rewrite the
//! file; otherwise the test fails when the committed file differs from what it would write.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fmt::Write as _;

use cipp_standards::{code, Catalogue, Definition};

const DOC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/standards-coverage.md"
);

/// Why a standard the spec does not call declarative needs code, by a phrase of its spec note.
/// The first phrase found wins; the order goes from the most telling to the most general.
const WHY_CODE: &[(&str, &str)] = &[
    ("Stub", "not a setting: CIPP only logs a message"),
    (
        "Deprecated",
        "deprecated: calls a service outside Microsoft",
    ),
    (
        "no remediate",
        "a report only: CIPP has no remediation for it",
    ),
    ("Template", "code: deploys stored templates"),
    (
        "JSON string",
        "code: the setting is JSON text inside the object",
    ),
    ("resol", "code: names are looked up as ids first"),
    ("CSS", "code: edits a CSS text rather than properties"),
    ("Deploys", "code: deploys apps and their settings"),
    ("Per-language", "code: values computed per language"),
    ("erge", "code: merges lists rather than setting values"),
    ("union", "code: merges lists rather than setting values"),
    (
        "Per-",
        "code: one write per object (user, mailbox, domain...)",
    ),
    (
        "Per ",
        "code: one write per object (user, mailbox, domain...)",
    ),
    (
        "per-",
        "code: one write per object (user, mailbox, domain...)",
    ),
    (
        "loop",
        "code: one write per object (user, mailbox, domain...)",
    ),
    (
        "Loops",
        "code: one write per object (user, mailbox, domain...)",
    ),
    (
        "Iterates",
        "code: one write per object (user, mailbox, domain...)",
    ),
    (
        "olicy+rule",
        "code: a policy and its rule, written together",
    ),
    ("Policy+", "code: a policy and its rule, written together"),
    ("List", "code: merges lists rather than setting values"),
    ("lists", "code: merges lists rather than setting values"),
    ("Multi-instance", "code: several named instances"),
    ("Removes", "code: removes objects"),
];
const WHY_CODE_ELSE: &str = "code: several objects or services together";

/// Why a code standard is not implemented yet, when more is known than its spec note says.
const WHY_CODE_SPECIFIC: &[(&str, &str)] = &[
    (
        "DisableSelfServiceLicenses",
        "code: the self-service purchase API (licensing.m365.microsoft.com) has no client or simulator yet",
    ),
    (
        "IntuneAppTemplateDeploy",
        "code: deploys stored Intune app templates (app packages and assignments); not a template kind yet",
    ),
];

/// One row of `standards.csv`.
struct Row {
    name: String,
    category: String,
    api: String,
    declarative: bool,
    notes: String,
}

/// The fields of one CSV record (RFC 4180: quotes, doubled quotes; no newlines in fields).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(support::shared("spec/standards.csv")).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (name, category, api, decl, notes) = (
        col("name"),
        col("category"),
        col("api"),
        col("declarative_yes_no"),
        col("notes"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f = fields(l);
            Row {
                name: f[name].trim_start_matches("standards.").to_string(),
                category: f[category].clone(),
                api: f[api].clone(),
                declarative: f[decl] == "yes",
                notes: f[notes].clone(),
            }
        })
        .collect()
}

/// How a definition file stands: declarative, or the reason it is code.
fn kind(def: Option<&Definition>) -> &'static str {
    match def {
        None => "-",
        Some(d) if d.is_declarative() => "declarative",
        Some(d) => d.unsupported_reason().unwrap_or("no generic executor"),
    }
}

/// Why our catalogue does not implement `row`.
fn why_not(row: &Row, ours: Option<&Definition>) -> &'static str {
    if row.declarative {
        return if ours.is_some() {
            "declarative, but the file is not"
        } else {
            "declarative: not in the catalogue yet"
        };
    }
    if let Some((_, why)) = WHY_CODE_SPECIFIC.iter().find(|(n, _)| *n == row.name) {
        return why;
    }
    WHY_CODE
        .iter()
        .find(|(phrase, _)| row.notes.contains(phrase))
        .map_or(WHY_CODE_ELSE, |(_, why)| why)
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn render(ours: &Catalogue, cipp: &Catalogue) -> String {
    let rows = rows();
    let implemented = rows
        .iter()
        .filter(|r| {
            ours.get(&r.name).is_some_and(Definition::runs_from_data)
                || code::find(&r.name).is_some()
        })
        .count();
    let mut out = String::from("# Standards coverage\n\n");
    out.push_str(
        "Generated by `cargo test -p cipp-standards --test coverage`; rewrite it with \
         `CIPP_UPDATE_DOCS=1` set. Do not edit by hand.\n\n\
         Every standard of CIPP's `standards.json` (the rows of `shared/spec/standards.csv`). \
         *CIPP definition*: what CIPP's `BaselineStandards` folder holds for it. *Ours*: `yes` \
         when `crates/cipp-standards/catalogue` has a file the engine reads and remediates from \
         data alone, or (template standards) from the stored templates it is \
         given (`--templates DIR`), or when `crates/cipp-standards/src/code` implements it as a code standard \
         (a Rust type implementing the `Standard` trait; *destructive* ones disable objects \
         and write only when the runner allows it).\n\n",
    );
    let _ = writeln!(out, "**Implemented: {implemented} of {}.**\n", rows.len());
    out.push_str("| # | standard | category | api | CIPP definition | ours | why not |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for (i, row) in rows.iter().enumerate() {
        let mine = ours.get(&row.name);
        let (done, why) = if mine.is_some_and(Definition::is_declarative) {
            ("yes", "")
        } else if mine.is_some_and(Definition::runs_from_data) {
            ("yes", "with a template library (`--templates DIR`)")
        } else if let Some(c) = code::find(&row.name) {
            if c.destructive() {
                ("yes", "code standard (destructive: `allow_destructive`)")
            } else {
                ("yes", "code standard")
            }
        } else {
            ("no", why_not(row, mine))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {done} | {why} |",
            i + 1,
            row.name,
            cell(&row.category),
            cell(&row.api),
            kind(cipp.get(&row.name)),
        );
    }
    out.push_str("\nIn the catalogue but not in `standards.json` (baseline-only standards):\n\n");
    for def in ours.definitions() {
        if !rows.iter().any(|r| r.name.eq_ignore_ascii_case(&def.name)) {
            let _ = writeln!(out, "- `{}`: {}", def.name, kind(Some(def)));
        }
    }
    out
}

#[test]
fn the_coverage_table_is_current() {
    let cipp = Catalogue::from_dir(support::cipp_definitions_dir()).unwrap();
    let text = render(Catalogue::builtin(), &cipp);
    if std::env::var_os("CIPP_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(std::path::Path::new(DOC).parent().unwrap()).unwrap();
        std::fs::write(DOC, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        committed == text,
        "docs/standards-coverage.md is stale: run `CIPP_UPDATE_DOCS=1 cargo test -p \
         cipp-standards --test coverage` and commit the result"
    );
}

#[test]
fn csv_fields_follow_rfc_4180() {
    assert_eq!(fields(r#"a,"b, ""c""",,d"#), ["a", r#"b, "c""#, "", "d"]);
}
