//! A run's report for people and programs: JSON (the serde shape of [`RunReport`], versioned
//! by `schema`), Markdown, and one self-contained HTML page (no scripts or links to fetch: a
//! tenant x standard grid coloured by state, each cell opening onto what was expected, what was
//! found and what remediation sent).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::evaluate::Outcome;
use crate::run::{RunReport, StandardResult, State, Summary, TenantReport};

fn when(secs: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

fn counts(s: &Summary) -> String {
    let parts: Vec<String> = State::ALL
        .iter()
        .filter(|st| s.count(**st) > 0)
        .map(|st| format!("{} {}", s.count(*st), st.as_str().replace('_', " ")))
        .collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}

fn alignment(s: &Summary) -> String {
    s.alignment
        .map(|a| format!("{a}%"))
        .unwrap_or_else(|| "-".into())
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a person needs to know about one result, in one line.
fn detail(r: &StandardResult) -> String {
    let mut parts = Vec::new();
    if let Some(e) = &r.error {
        parts.push(e.clone());
    }
    let outcome = r
        .remediation
        .as_ref()
        .filter(|_| r.state != State::Remediated)
        .map(|x| &x.before)
        .or(r.outcome.as_ref());
    match outcome {
        Some(Outcome::Drifted { diff, .. }) => parts.extend(diff.iter().map(|d| {
            format!(
                "{}: {} (wanted {})",
                d.property,
                compact(&d.current),
                compact(&d.expected)
            )
        })),
        Some(Outcome::NotApplicable { needs }) => {
            parts.push(format!("needs one of {}", needs.join(", ")))
        }
        Some(Outcome::NoData { cache_type, reason }) => {
            parts.push(format!("{cache_type}: {reason}"))
        }
        Some(Outcome::Unsupported { reason }) if r.error.is_none() => parts.push(reason.clone()),
        _ => {}
    }
    if let Some(rem) = &r.remediation {
        let ran = rem.steps.iter().filter(|s| !s.skipped).count();
        parts.push(format!("{ran} write(s) sent"));
    }
    if r.since_last.as_ref().is_some_and(|s| s.changed) {
        if let Some(s) = &r.since_last {
            parts.push(format!("was {} at run {}", s.state.as_str(), s.run_id));
        }
    }
    parts.join("; ")
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f4f4f4;text-align:left}td.c{text-align:center}
.compliant,.remediated{background:#d9f2d9}.drifted,.unconfirmed{background:#fde8c8}
.remediation_failed,.error{background:#f8d0d0}.no_data{background:#e4e4f4}
.not_applicable,.unsupported{background:#eee;color:#666}
details{margin:.3em 0}summary{cursor:pointer}pre{background:#f8f8f8;padding:6px;overflow:auto;max-width:60em}
.legend span{padding:2px 8px;margin-right:4px;border:1px solid #ccc}";

impl RunReport {
    /// The report as JSON (the documented, versioned shape).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The report as Markdown: a line of totals, a table per tenant, details for everything not
    /// compliant.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Standards run ({} mode)\n\nStarted {}, finished {}. {} tenant(s), {} standard result(s): {}. Alignment {}.",
            self.mode.as_str(),
            when(self.started_at),
            when(self.finished_at),
            self.tenants.len(),
            self.summary.total,
            counts(&self.summary),
            alignment(&self.summary),
        );
        if self.summary.changed_since_last > 0 {
            let _ = writeln!(
                out,
                "\n{} result(s) changed since the previous run.",
                self.summary.changed_since_last
            );
        }
        if let Some(e) = &self.store_error {
            let _ = writeln!(out, "\n**Not stored:** {}", md_cell(e));
        }
        let _ = writeln!(
            out,
            "\n| Tenant | Alignment | Results | Reads | Writes |\n|---|---|---|---|---|"
        );
        for t in &self.tenants {
            let results = match &t.error {
                Some(e) => format!("failed: {}", md_cell(e)),
                None => counts(&t.summary),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                t.tenant,
                alignment(&t.summary),
                results,
                t.read_round_trips,
                t.writes
            );
        }
        for t in &self.tenants {
            tenant_markdown(&mut out, t);
        }
        out
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Standards run ({mode})</title><style>{STYLE}</style></head><body>\
             <h1>Standards run ({mode} mode)</h1><p>Started {}, finished {}. {} tenant(s), {} result(s): {}. Alignment {}.</p>",
            html(&when(self.started_at)),
            html(&when(self.finished_at)),
            self.tenants.len(),
            self.summary.total,
            html(&counts(&self.summary)),
            alignment(&self.summary),
            mode = self.mode.as_str(),
        );
        out.push_str("<p class=\"legend\">");
        for s in State::ALL {
            let _ = write!(
                out,
                "<span class=\"{0}\">{1}</span>",
                s.as_str(),
                s.as_str().replace('_', " ")
            );
        }
        out.push_str("</p>");
        // The grid: one row per tenant, one column per standard instance.
        let columns: BTreeSet<String> = self
            .tenants
            .iter()
            .flat_map(|t| t.results.iter().map(StandardResult::instance))
            .collect();
        out.push_str("<table><tr><th>Tenant</th><th>Alignment</th>");
        for c in &columns {
            let name = c.trim_end_matches('|');
            let _ = write!(out, "<th title=\"{0}\">{0}</th>", html(name));
        }
        out.push_str("</tr>");
        for t in &self.tenants {
            let _ = write!(
                out,
                "<tr><th><a href=\"#{0}\">{0}</a></th><td class=\"c\">{1}</td>",
                html(&t.tenant),
                alignment(&t.summary)
            );
            if let Some(e) = &t.error {
                let _ = write!(
                    out,
                    "<td class=\"error\" colspan=\"{}\">{}</td></tr>",
                    columns.len().max(1),
                    html(e)
                );
                continue;
            }
            for c in &columns {
                match t.results.iter().find(|r| &r.instance() == c) {
                    Some(r) => {
                        let _ = write!(
                            out,
                            "<td class=\"c {0}\" title=\"{1}\">{2}</td>",
                            r.state.as_str(),
                            html(&detail(r)),
                            symbol(r.state)
                        );
                    }
                    None => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
        for t in &self.tenants {
            tenant_html(&mut out, t);
        }
        out.push_str("</body></html>\n");
        out
    }
}

fn symbol(s: State) -> &'static str {
    match s {
        State::Compliant => "&#10003;",
        State::Remediated => "&#10003;+",
        State::Drifted => "&#9888;",
        State::Unconfirmed => "?",
        State::RemediationFailed | State::Error => "&#10007;",
        State::NoData => "&#8230;",
        State::NotApplicable | State::Unsupported => "-",
    }
}

fn tenant_markdown(out: &mut String, t: &TenantReport) {
    let _ = writeln!(out, "\n## {}\n", t.tenant);
    if let Some(e) = &t.error {
        let _ = writeln!(out, "Not run: {}", md_cell(e));
        return;
    }
    for c in &t.conflicts {
        let _ = writeln!(
            out,
            "- Conflict: {} is set differently by templates {} (the last one was used).",
            c.standard.trim_end_matches('|'),
            c.templates.join(", ")
        );
    }
    if let Some(e) = &t.store_error {
        let _ = writeln!(out, "- Not stored: {}", md_cell(e));
    }
    let _ = writeln!(
        out,
        "| Standard | State | Template | Details |\n|---|---|---|---|"
    );
    for r in &t.results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md_cell(r.instance().trim_end_matches('|')),
            r.state.as_str(),
            md_cell(&r.template),
            md_cell(&detail(r))
        );
    }
}

fn tenant_html(out: &mut String, t: &TenantReport) {
    let _ = write!(
        out,
        "<h2 id=\"{0}\">{0}</h2><p>{1}. Alignment {2}. {3} read round trip(s), {4} write(s).</p>",
        html(&t.tenant),
        html(&counts(&t.summary)),
        alignment(&t.summary),
        t.read_round_trips,
        t.writes
    );
    if let Some(e) = &t.error {
        let _ = write!(out, "<p class=\"error\">Not run: {}</p>", html(e));
        return;
    }
    for c in &t.conflicts {
        let _ = write!(
            out,
            "<p>Conflict: {} is set differently by templates {} (the last one was used).</p>",
            html(c.standard.trim_end_matches('|')),
            html(&c.templates.join(", "))
        );
    }
    out.push_str("<table><tr><th>Standard</th><th>State</th><th>Details</th></tr>");
    for r in &t.results {
        let name = r.instance();
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}",
            html(name.trim_end_matches('|')),
            r.state.as_str(),
            r.state.as_str().replace('_', " "),
            html(&detail(r))
        );
        let outcome = r
            .remediation
            .as_ref()
            .map(|x| &x.before)
            .or(r.outcome.as_ref());
        if let Some(Outcome::Drifted {
            current, expected, ..
        }) = outcome
        {
            let _ = write!(
                out,
                "<details><summary>expected / found</summary><pre>{}</pre><pre>{}</pre></details>",
                html(&pretty(expected)),
                html(&pretty(current))
            );
        }
        if !r.planned.is_empty() {
            let steps = serde_json::to_value(&r.planned).unwrap_or(Value::Null);
            let _ = write!(
                out,
                "<details><summary>{} remediation</summary><pre>{}</pre></details>",
                if r.remediation.is_some() {
                    "sent"
                } else {
                    "would send"
                },
                html(&pretty(&steps))
            );
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
}
