//! `$search`: `"property:text"` clauses joined by `AND` / `OR` (AND binds tighter). A clause
//! matches when the property (a string, or an array of strings) contains the text, ignoring
//! case. A clause without a property searches `displayName`, `mail` and `userPrincipalName`.

use serde_json::Value;

use super::filter::get_ci;

/// Properties searched by a clause that names none.
const DEFAULT_PROPERTIES: [&str; 3] = ["displayName", "mail", "userPrincipalName"];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    property: Option<String>,
    /// Lower case.
    text: String,
}

/// A parsed `$search`: any of the groups, each needing all of its terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    groups: Vec<Vec<Term>>,
}

fn term(raw: &str) -> Result<Term, String> {
    let (property, text) = match raw.split_once(':') {
        Some((p, t)) if !p.trim().is_empty() => (Some(p.trim().to_string()), t),
        _ => (None, raw),
    };
    if text.trim().is_empty() {
        return Err(format!("the search clause '{raw}' has no text"));
    }
    Ok(Term {
        property,
        text: text.trim().to_lowercase(),
    })
}

impl Search {
    /// Parse `$search` text.
    pub fn parse(text: &str) -> Result<Search, String> {
        let mut groups = vec![Vec::new()];
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err("the search expression is empty".into());
        }
        let mut expect_term = true;
        while !rest.is_empty() {
            if expect_term {
                let (raw, after) = if let Some(quoted) = rest.strip_prefix('"') {
                    let end = quoted
                        .find('"')
                        .ok_or_else(|| "a quoted search clause is not closed".to_string())?;
                    (&quoted[..end], &quoted[end + 1..])
                } else {
                    rest.split_at(rest.find(char::is_whitespace).unwrap_or(rest.len()))
                };
                let t = term(raw)?;
                if let Some(g) = groups.last_mut() {
                    g.push(t);
                }
                rest = after.trim_start();
                expect_term = false;
            } else {
                let (word, after) =
                    rest.split_at(rest.find(char::is_whitespace).unwrap_or(rest.len()));
                match word {
                    "OR" => groups.push(Vec::new()),
                    "AND" => {}
                    other => {
                        return Err(format!(
                            "expected AND or OR between search clauses, found '{other}'"
                        ))
                    }
                }
                rest = after.trim_start();
                expect_term = true;
            }
        }
        if expect_term {
            return Err("the search expression ends with an operator".into());
        }
        Ok(Search { groups })
    }

    /// Whether `item` matches.
    pub fn matches(&self, item: &Value) -> bool {
        self.groups
            .iter()
            .any(|g| g.iter().all(|t| term_matches(t, item)))
    }
}

fn contains(v: Option<&Value>, text: &str) -> bool {
    match v {
        Some(Value::String(s)) => s.to_lowercase().contains(text),
        Some(Value::Array(a)) => a.iter().any(|x| contains(Some(x), text)),
        _ => false,
    }
}

fn term_matches(t: &Term, item: &Value) -> bool {
    match &t.property {
        Some(p) => contains(get_ci(item, p), &t.text),
        None => DEFAULT_PROPERTIES
            .iter()
            .any(|p| contains(get_ci(item, p), &t.text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clauses_and_operators() {
        let u = json!({"displayName": "Adele Vance", "mail": "adele@contoso.com", "proxyAddresses": ["SMTP:AV@x.com"]});
        let m = |s: &str| Search::parse(s).unwrap().matches(&u);
        assert!(m("\"displayName:dele\""));
        assert!(!m("\"displayName:bob\""));
        assert!(m("\"displayName:bob\" OR \"mail:contoso\""));
        assert!(!m("\"displayName:adele\" AND \"mail:fabrikam\""));
        assert!(m("\"vance\""));
        assert!(m("\"proxyAddresses:av@x\""));
        assert!(Search::parse("").is_err());
        assert!(Search::parse("\"a:b\" XOR \"c:d\"").is_err());
        assert!(Search::parse("\"a:b").is_err());
        assert!(Search::parse("\"a:b\" OR").is_err());
        assert!(Search::parse("\"displayName:\"").is_err());
    }
}
