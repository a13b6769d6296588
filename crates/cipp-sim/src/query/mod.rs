//! OData query options (`$select`, `$filter`, `$search`, `$orderby`, `$top`, `$skip`,
//! `$skiptoken`, `$count`, `$deltatoken`) parsed once per request, with Graph's errors.

pub(crate) mod cursor;
pub(crate) mod filter;
pub(crate) mod orderby;
pub(crate) mod search;
pub(crate) mod select;

pub(crate) use filter::Filter;
pub(crate) use orderby::OrderKey;
pub(crate) use search::Search;
pub(crate) use select::{Projected, Select};

/// Largest `$top` Graph accepts on directory collections.
pub(crate) const MAX_PAGE: usize = 999;

/// Query options the simulator understands or deliberately ignores (`$expand`, `$format`).
const KNOWN: [&str; 11] = [
    "$select",
    "$filter",
    "$search",
    "$orderby",
    "$top",
    "$skip",
    "$skiptoken",
    "$deltatoken",
    "$count",
    "$expand",
    "$format",
];

/// A query option Graph would refuse: the error code and message to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError {
    pub code: &'static str,
    pub message: String,
}

impl QueryError {
    fn new(code: &'static str, message: String) -> Self {
        QueryError { code, message }
    }
}

/// The query options of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOptions {
    pub select: Select,
    pub filter: Option<Filter>,
    pub search: Option<Search>,
    pub orderby: Vec<OrderKey>,
    pub top: Option<usize>,
    pub skip: usize,
    pub skiptoken: Option<String>,
    pub deltatoken: Option<String>,
    pub count: bool,
}

impl QueryOptions {
    /// Parse decoded query parameters; parameters without `$` are left to the handlers.
    pub fn parse(params: &[(String, String)]) -> Result<QueryOptions, QueryError> {
        let mut q = QueryOptions::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in params {
            let lname = name.to_ascii_lowercase();
            if !lname.starts_with('$') {
                continue;
            }
            if !KNOWN.contains(&lname.as_str()) {
                return Err(QueryError::new(
                    "BadRequest",
                    format!("Query option '{name}' is not supported."),
                ));
            }
            if seen.contains(&lname) {
                return Err(QueryError::new(
                    "BadRequest",
                    format!("Query option '{name}' was specified more than once, but it must be specified at most once."),
                ));
            }
            seen.push(lname.clone());
            match lname.as_str() {
                "$select" => q.select = Select::parse(value),
                "$filter" => {
                    q.filter = Some(Filter::parse(value).map_err(|e| {
                        QueryError::new("BadRequest", format!("Invalid filter clause: {e}."))
                    })?)
                }
                "$search" => {
                    q.search = Some(Search::parse(value).map_err(|e| {
                        QueryError::new("BadRequest", format!("Syntax error in $search: {e}."))
                    })?)
                }
                "$orderby" => {
                    q.orderby = orderby::parse(value).map_err(|e| {
                        QueryError::new("BadRequest", format!("Invalid $orderby: {e}."))
                    })?
                }
                "$top" => match value.trim().parse::<usize>() {
                    Ok(n) if (1..=MAX_PAGE).contains(&n) => q.top = Some(n),
                    _ => {
                        return Err(QueryError::new(
                            "Request_BadRequest",
                            format!("Invalid page size specified: '{value}'. Must be between 1 and {MAX_PAGE} inclusive."),
                        ))
                    }
                },
                "$skip" => {
                    q.skip = value.trim().parse().map_err(|_| {
                        QueryError::new(
                            "BadRequest",
                            format!("Invalid value '{value}' for $skip."),
                        )
                    })?
                }
                "$skiptoken" => q.skiptoken = Some(value.clone()),
                "$deltatoken" => q.deltatoken = Some(value.clone()),
                "$count" => {
                    q.count = match value.trim().to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(QueryError::new(
                                "BadRequest",
                                format!("Invalid value '{value}' for $count: use true or false."),
                            ))
                        }
                    }
                }
                // $expand and $format are accepted and ignored.
                _ => {}
            }
        }
        Ok(q)
    }

    /// Whether the items must be filtered (by `$filter` or `$search`).
    pub fn narrows(&self) -> bool {
        self.filter.is_some() || self.search.is_some()
    }

    /// Whether `item` passes `$filter` and `$search`.
    pub fn keeps(&self, item: &serde_json::Value) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(item))
            && self.search.as_ref().is_none_or(|s| s.matches(item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &[(&str, &str)]) -> Result<QueryOptions, QueryError> {
        let v: Vec<(String, String)> = q
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        QueryOptions::parse(&v)
    }

    #[test]
    fn options_parse_and_fail_like_graph() {
        let q = p(&[("$top", "5"), ("$COUNT", "true"), ("api-version", "x")]).unwrap();
        assert_eq!(q.top, Some(5));
        assert!(q.count);
        assert_eq!(
            p(&[("$top", "1000")]).unwrap_err().code,
            "Request_BadRequest"
        );
        assert!(p(&[("$top", "0")]).is_err());
        assert!(p(&[("$top", "x")])
            .unwrap_err()
            .message
            .contains("Invalid page size"));
        assert!(p(&[("$count", "maybe")]).is_err());
        assert!(p(&[("$bogus", "1")])
            .unwrap_err()
            .message
            .contains("$bogus"));
        assert!(p(&[("$top", "1"), ("$top", "2")]).is_err());
        assert!(p(&[("$filter", "a eq")])
            .unwrap_err()
            .message
            .contains("Invalid filter clause"));
        assert!(p(&[("$expand", "members")]).is_ok());
    }
}
