//! The JSON a webhook receives: CIPP's standardized envelope, a Teams adaptive card or
//! legacy message card, Slack Block Kit, or a Discord message. Chat formats stay inside each
//! service's limits (what does not fit is counted in an "and N more" line).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::digest::Digest;
use crate::time;

/// A webhook's payload shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WebhookFormat {
    /// CIPP's standardized schema: `{schemaVersion, source, title, generatedAt, alertCount,
    /// payload}`.
    Json,
    /// A Teams (Workflows) message with an adaptive card.
    Teams,
    /// A Teams incoming-webhook legacy MessageCard.
    TeamsMessageCard,
    /// Slack Block Kit.
    Slack,
    /// Discord `content` plus embeds.
    Discord,
}

impl WebhookFormat {
    /// Guess from the URL as CIPP does (`webhook.office.com` / `logic.azure.com` -> Teams,
    /// `discord.com` -> Discord, `slack.com` -> Slack, else JSON).
    pub fn from_url(url: &str) -> WebhookFormat {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        if host.ends_with("webhook.office.com") || host.ends_with("logic.azure.com") {
            WebhookFormat::Teams
        } else if host.ends_with("discord.com") || host.ends_with("discordapp.com") {
            WebhookFormat::Discord
        } else if host.ends_with("slack.com") {
            WebhookFormat::Slack
        } else {
            WebhookFormat::Json
        }
    }

    /// The body for `digest`.
    pub fn render(self, digest: &Digest) -> Value {
        match self {
            WebhookFormat::Json => standard(digest),
            WebhookFormat::Teams => teams(digest),
            WebhookFormat::TeamsMessageCard => message_card(digest),
            WebhookFormat::Slack => slack(digest),
            WebhookFormat::Discord => discord(digest),
        }
    }
}

fn standard(d: &Digest) -> Value {
    let tenants: Vec<&str> = d.by_tenant().keys().copied().collect();
    json!({
        "schemaVersion": "1.0",
        "source": "cipp-rs",
        "invoking": "alerts",
        "title": d.title,
        "generatedAt": time::format(d.generated_at),
        "alertCount": d.findings.len(),
        "tenants": tenants,
        "payload": d.findings.iter().map(|f| json!({
            "rule": f.rule,
            "tenant": f.tenant,
            "title": f.title,
            "contentHash": f.hash,
            "data": f.data,
        })).collect::<Vec<_>>(),
    })
}

/// Lines per tenant, `limit` characters in all at most (each line costing `overhead` more,
/// for the JSON around it); `(tenant, lines, left out)`.
fn lines(
    d: &Digest,
    bullet: &str,
    limit: usize,
    overhead: usize,
) -> Vec<(String, Vec<String>, usize)> {
    let mut used = 0;
    d.by_tenant()
        .into_iter()
        .map(|(tenant, fs)| {
            let mut out = Vec::new();
            let mut dropped = 0;
            for f in fs {
                let line = format!("{bullet}{}: {}", f.rule, f.title);
                if used + line.len() + overhead > limit {
                    dropped += 1;
                } else {
                    used += line.len() + overhead;
                    out.push(line);
                }
            }
            (tenant.to_string(), out, dropped)
        })
        .collect()
}

fn more(n: usize) -> String {
    format!("... and {n} more")
}

fn teams(d: &Digest) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": true, "text": d.title}),
        json!({"type": "TextBlock", "isSubtle": true, "spacing": "None", "text": format!("Generated {}", time::format(d.generated_at))}),
    ];
    // Teams rejects cards over ~28 KB.
    for (tenant, ls, dropped) in lines(d, "", 20_000, 40) {
        body.push(
            json!({"type": "TextBlock", "weight": "Bolder", "separator": true, "text": tenant}),
        );
        let mut facts: Vec<Value> = ls
            .iter()
            .map(|l| {
                let (rule, title) = l.split_once(": ").unwrap_or((l, ""));
                json!({"title": rule, "value": title})
            })
            .collect();
        if dropped > 0 {
            facts.push(json!({"title": "", "value": more(dropped)}));
        }
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
        }]
    })
}

fn message_card(d: &Digest) -> Value {
    let sections: Vec<Value> = lines(d, "", 20_000, 40)
        .into_iter()
        .map(|(tenant, ls, dropped)| {
            let mut facts: Vec<Value> = ls
                .iter()
                .map(|l| {
                    let (rule, title) = l.split_once(": ").unwrap_or((l, ""));
                    json!({"name": rule, "value": title})
                })
                .collect();
            if dropped > 0 {
                facts.push(json!({"name": "", "value": more(dropped)}));
            }
            json!({"activityTitle": tenant, "facts": facts})
        })
        .collect();
    json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": d.title,
        "themeColor": "D83B01",
        "title": d.title,
        "sections": sections,
    })
}

fn slack(d: &Digest) -> Value {
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": "New Alert from CIPP"}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*\n{}", d.title, time::format(d.generated_at))}}),
    ];
    // Slack: at most 50 blocks, 3000 characters per section text.
    let tenants = lines(d, "• ", 40_000, 1);
    let room = 48usize.saturating_sub(blocks.len());
    let extra = tenants.len().saturating_sub(room);
    for (tenant, ls, dropped) in tenants.into_iter().take(room) {
        let mut text = format!("*{tenant}*");
        let mut left = dropped;
        for l in ls {
            if text.len() + l.len() + 1 > 2_900 {
                left += 1;
            } else {
                text.push('\n');
                text.push_str(&l);
            }
        }
        if left > 0 {
            text.push('\n');
            text.push_str(&more(left));
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
    }
    if extra > 0 {
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("... and {extra} more tenants")}]}));
    }
    json!({"text": d.title, "blocks": blocks})
}

fn discord(d: &Digest) -> Value {
    // Discord: content <= 2000 characters, <= 10 embeds, description <= 4096, 6000 in all.
    let tenants = lines(d, "- ", 5_000, 1);
    let extra = tenants.len().saturating_sub(10);
    let embeds: Vec<Value> = tenants
        .into_iter()
        .take(10)
        .map(|(tenant, ls, dropped)| {
            let mut text = ls.join("\n");
            if dropped > 0 {
                text.push('\n');
                text.push_str(&more(dropped));
            }
            json!({"title": tenant.chars().take(256).collect::<String>(), "description": text.chars().take(4_000).collect::<String>(), "color": 14_162_689})
        })
        .collect();
    let mut content = format!("**{}**", d.title);
    if extra > 0 {
        content.push_str(&format!(" ({extra} more tenants not shown)"));
    }
    json!({"content": content.chars().take(2_000).collect::<String>(), "embeds": embeds})
}
