//! OData query options: `$select`, `$filter`, `$top`, `$expand`, `$orderby`, `$search`, `$count`.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in a query value. OData's own punctuation (`$ , ' ( ) / :`) stays
/// readable; anything that would end or split a parameter is escaped; spaces become `%20`.
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'=')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'[')
    .add(b']');

/// Percent-encode one query value.
pub fn encode_value(v: &str) -> String {
    utf8_percent_encode(v, QUERY_VALUE).to_string()
}

/// Quote a string literal for `$filter` (`'` doubled, as OData requires).
///
/// ```
/// assert_eq!(cipp_graph::quote("O'Brien"), "'O''Brien'");
/// ```
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Query options as plain optional values, for front ends that receive them as arguments
/// (the CLI, the Python and Node bindings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    /// `$select`.
    pub select: Vec<String>,
    /// `$filter`.
    pub filter: Option<String>,
    /// `$top`.
    pub top: Option<u32>,
    /// `$orderby`.
    pub orderby: Option<String>,
    /// `$search`.
    pub search: Option<String>,
    /// `$expand`.
    pub expand: Vec<String>,
    /// `$count=true`.
    pub count: bool,
}

impl From<QueryOptions> for Query {
    fn from(o: QueryOptions) -> Query {
        let mut q = Query::new();
        q.select(o.select).expand(o.expand).count(o.count);
        if let Some(f) = o.filter {
            q.filter(f);
        }
        if let Some(t) = o.top {
            q.top(t);
        }
        if let Some(x) = o.orderby {
            q.orderby(x);
        }
        if let Some(s) = o.search {
            q.search(s);
        }
        q
    }
}

/// A set of query options. Empty options are left out of the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    select: Vec<String>,
    expand: Vec<String>,
    filter: Option<String>,
    orderby: Vec<String>,
    search: Option<String>,
    top: Option<u32>,
    count: bool,
    extra: Vec<(String, String)>,
}

impl Query {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// `$select` these properties.
    pub fn select<I, S>(&mut self, fields: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select.extend(fields.into_iter().map(Into::into));
        self
    }

    /// `$expand` these navigation properties.
    pub fn expand<I, S>(&mut self, fields: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expand.extend(fields.into_iter().map(Into::into));
        self
    }

    /// `$filter` expression (use [`quote`] for string literals).
    pub fn filter(&mut self, expr: impl Into<String>) -> &mut Self {
        self.filter = Some(expr.into());
        self
    }

    /// `$orderby` clause, e.g. `displayName desc`.
    pub fn orderby(&mut self, clause: impl Into<String>) -> &mut Self {
        self.orderby.push(clause.into());
        self
    }

    /// `$search` expression, e.g. `"displayName:adele"` (quotes included).
    pub fn search(&mut self, expr: impl Into<String>) -> &mut Self {
        self.search = Some(expr.into());
        self
    }

    /// `$top`: page size.
    pub fn top(&mut self, n: u32) -> &mut Self {
        self.top = Some(n);
        self
    }

    /// `$count=true`.
    pub fn count(&mut self, yes: bool) -> &mut Self {
        self.count = yes;
        self
    }

    /// Any other parameter, e.g. `$skip` or `$deltatoken`.
    pub fn param(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// `true` when Graph requires `ConsistencyLevel: eventual` for these options
    /// (`$count` and `$search` on directory objects).
    pub fn needs_eventual_consistency(&self) -> bool {
        self.count || self.search.is_some()
    }

    /// `true` when no option is set.
    pub fn is_empty(&self) -> bool {
        *self == Query::default()
    }

    /// `path` with these options appended (after `?`, or `&` when `path` has a query already).
    pub fn append_to(&self, path: &str) -> String {
        let qs = self.to_query_string();
        match (qs.is_empty(), path.contains('?')) {
            (true, _) => path.to_string(),
            (false, true) => format!("{path}&{qs}"),
            (false, false) => format!("{path}?{qs}"),
        }
    }

    /// The encoded query string, without the leading `?`.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", encode_value(v)));
        if !self.select.is_empty() {
            push("$select", &self.select.join(","));
        }
        if !self.expand.is_empty() {
            push("$expand", &self.expand.join(","));
        }
        if let Some(f) = &self.filter {
            push("$filter", f);
        }
        if !self.orderby.is_empty() {
            push("$orderby", &self.orderby.join(","));
        }
        if let Some(s) = &self.search {
            push("$search", s);
        }
        if let Some(t) = self.top {
            push("$top", &t.to_string());
        }
        if self.count {
            push("$count", "true");
        }
        for (k, v) in &self.extra {
            push(k, v);
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_an_encoded_query() {
        let mut q = Query::new();
        q.select(["id", "userPrincipalName"])
            .filter(format!(
                "startswith(displayName,{}) and accountEnabled eq true",
                quote("A&B")
            ))
            .top(999)
            .count(true);
        assert_eq!(
            q.to_query_string(),
            "$select=id,userPrincipalName&$filter=startswith(displayName,'A%26B')%20and%20accountEnabled%20eq%20true&$top=999&$count=true"
        );
        assert!(q.needs_eventual_consistency());
        assert!(Query::new().is_empty());
    }
}
