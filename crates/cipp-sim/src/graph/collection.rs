//! Collection responses: query options applied, paged with opaque `$skiptoken`s and absolute
//! `@odata.nextLink`s, serialised straight from the store.
//!
//! Paging indexes by offset and only touches the items of the page, so listing 100,000
//! users does not copy the collection for each page.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use super::call::{Ctx, GraphCall};
use super::errors;
use crate::query::{cursor, orderby, Projected, QueryOptions, Select};
use crate::reply::Reply;

/// Page size when `$top` is absent.
pub(crate) const DEFAULT_PAGE: usize = 100;

/// Collections of directory objects: Graph's advanced-query rules (`ConsistencyLevel`) apply.
const DIRECTORY_OBJECTS: [&str; 11] = [
    "users",
    "groups",
    "devices",
    "applications",
    "serviceprincipals",
    "directoryroles",
    "contacts",
    "orgcontacts",
    "administrativeunits",
    "directoryobjects",
    "grouplifecyclepolicies",
];

/// Whether a path starting with `first` is about directory objects.
pub(crate) fn is_directory(first: &str) -> bool {
    DIRECTORY_OBJECTS
        .iter()
        .any(|d| d.eq_ignore_ascii_case(first))
}

/// Graph's `ConsistencyLevel: eventual` rules: `$search` always needs it; `$count=true` and
/// advanced filters need it on directory objects.
pub(crate) fn check_consistency(
    opts: &QueryOptions,
    directory: bool,
    eventual: bool,
) -> Result<(), Reply> {
    if eventual {
        return Ok(());
    }
    if opts.search.is_some() {
        return Err(errors::bad_request(
            "Request_UnsupportedQuery",
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        ));
    }
    if directory && opts.count {
        return Err(errors::bad_request(
            "Request_BadRequest",
            "$count is not currently supported without the request header 'ConsistencyLevel: eventual'.",
        ));
    }
    if directory && opts.filter.as_ref().is_some_and(|f| f.is_advanced()) {
        return Err(errors::bad_request(
            "Request_UnsupportedQuery",
            "Unsupported query: 'ne', 'not', 'endswith' and comparisons with null are advanced queries and need the request header 'ConsistencyLevel: eventual' (and $count=true).",
        ));
    }
    Ok(())
}

/// Characters escaped in a query value of an emitted link.
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

/// An absolute link to `path` (raw, below the version root) with these parameters.
pub(crate) fn link(ctx: &Ctx<'_>, path: &str, params: &[(String, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
        .collect();
    format!("{}/{}?{}", ctx.base(), path, query.join("&"))
}

/// The request's parameters without the paging ones, plus a new `$skiptoken`.
pub(crate) fn next_params(call: &GraphCall, skiptoken: String) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("$skiptoken")
                && !k.eq_ignore_ascii_case("$skip")
                && !k.eq_ignore_ascii_case("$deltatoken")
        })
        .cloned()
        .collect();
    params.push(("$skiptoken".into(), skiptoken));
    params
}

/// A page of a collection or delta response.
#[derive(Debug)]
pub(crate) struct PageBody<'a> {
    pub context: String,
    pub count: Option<usize>,
    pub next_link: Option<String>,
    pub delta_link: Option<String>,
    pub items: Vec<Cow<'a, Value>>,
    pub select: &'a Select,
}

struct Items<'a>(&'a [Cow<'a, Value>], &'a Select);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&Projected {
                item,
                select: self.1,
            })?;
        }
        seq.end()
    }
}

impl Serialize for PageBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("@odata.context", &self.context)?;
        if let Some(c) = self.count {
            map.serialize_entry("@odata.count", &c)?;
        }
        if let Some(n) = &self.next_link {
            map.serialize_entry("@odata.nextLink", n)?;
        }
        map.serialize_entry("value", &Items(&self.items, self.select))?;
        if let Some(d) = &self.delta_link {
            map.serialize_entry("@odata.deltaLink", d)?;
        }
        map.end()
    }
}

impl PageBody<'_> {
    /// A 200 answer with this page.
    pub fn reply(&self) -> Reply {
        match serde_json::to_string(self) {
            Ok(text) => Reply::raw_json(200, text),
            Err(e) => errors::error(500, "InternalServerError", &e.to_string()),
        }
    }
}

/// Decode `$skiptoken` (or use `$skip`) as an offset.
pub(crate) fn offset(opts: &QueryOptions) -> Result<usize, Reply> {
    match &opts.skiptoken {
        Some(t) => cursor::decode(t, 1)
            .and_then(|p| usize::try_from(p[0]).ok())
            .ok_or_else(|| {
                errors::bad_request(
                    "Request_BadRequest",
                    "The $skiptoken is not valid (it must come from an @odata.nextLink).",
                )
            }),
        None => Ok(opts.skip),
    }
}

/// Answer a collection GET.
pub(crate) fn list(
    ctx: &Ctx<'_>,
    items: &[Value],
    label: &str,
    opts: &QueryOptions,
    call: &GraphCall,
) -> Reply {
    let offset = match offset(opts) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let size = opts.top.unwrap_or(DEFAULT_PAGE);
    let end = offset.saturating_add(size);
    let (page, total, more): (Vec<&Value>, Option<usize>, bool) = if !opts.orderby.is_empty() {
        let mut all: Vec<&Value> = items.iter().filter(|x| opts.keeps(x)).collect();
        all.sort_by(|a, b| orderby::order(a, b, &opts.orderby));
        let total = all.len();
        let page = all
            .get(offset.min(total)..end.min(total))
            .unwrap_or_default()
            .to_vec();
        (page, Some(total), end < total)
    } else if opts.narrows() {
        let mut page = Vec::with_capacity(size.min(items.len()));
        let mut matched = 0usize;
        let mut more = false;
        for item in items.iter().filter(|x| opts.keeps(x)) {
            if matched >= end {
                more = true;
                if !opts.count {
                    break;
                }
            } else if matched >= offset {
                page.push(item);
            }
            matched += 1;
        }
        (page, opts.count.then_some(matched), more)
    } else {
        let total = items.len();
        let page = items
            .get(offset.min(total)..end.min(total))
            .unwrap_or_default()
            .iter()
            .collect();
        (page, Some(total), end < total)
    };
    let next_link = more.then(|| {
        link(
            ctx,
            &call.path,
            &next_params(call, cursor::encode(&[end as u64])),
        )
    });
    PageBody {
        context: format!("{}/$metadata#{label}", ctx.base()),
        count: if opts.count { total } else { None },
        next_link,
        delta_link: None,
        items: page.into_iter().map(Cow::Borrowed).collect(),
        select: &opts.select,
    }
    .reply()
}

/// How many items pass `$filter` and `$search`.
pub(crate) fn count(items: &[Value], opts: &QueryOptions) -> usize {
    if opts.narrows() {
        items.iter().filter(|x| opts.keeps(x)).count()
    } else {
        items.len()
    }
}
