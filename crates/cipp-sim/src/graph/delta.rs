//! Delta queries: `GET {collection}/delta` returns every item, paged, and ends with an
//! `@odata.deltaLink`; calling that link returns what was created, changed or deleted since
//! (deleted items as `{"id", "@removed": {"reason": "changed"}}`). `$deltatoken=latest`
//! starts from now without items. The tenant store's change log drives it.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{json, Value};

use super::call::{Ctx, GraphCall};
use super::collection::{link, PageBody};
use super::errors;
use super::store::{Step, TenantStore};
use crate::query::{cursor, QueryOptions};
use crate::reply::Reply;

/// Page size of delta responses unless `Prefer: odata.maxpagesize` asks otherwise.
const DELTA_PAGE: usize = 200;

/// Where a delta round stands: the offset into its results, the change sequence it runs up
/// to, and the sequence it continues from (`None` for a full round).
struct Round {
    offset: usize,
    until: u64,
    since: Option<u64>,
}

fn bad_token(what: &str) -> Reply {
    errors::bad_request(
        "Request_BadRequest",
        &format!(
            "The {what} is not valid (it must come from an @odata.nextLink or @odata.deltaLink)."
        ),
    )
}

fn round(store: &TenantStore, opts: &QueryOptions) -> Result<Round, Reply> {
    if let Some(t) = &opts.skiptoken {
        let p = cursor::decode(t, 3).ok_or_else(|| bad_token("$skiptoken"))?;
        return Ok(Round {
            offset: usize::try_from(p[0]).map_err(|_| bad_token("$skiptoken"))?,
            until: p[1],
            since: p[2].checked_sub(1),
        });
    }
    let since = match &opts.deltatoken {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("latest") => Some(store.seq()),
        Some(t) => Some(cursor::decode(t, 1).ok_or_else(|| bad_token("$deltatoken"))?[0]),
    };
    Ok(Round {
        offset: 0,
        until: store.seq(),
        since,
    })
}

/// Answer `GET {collection}/delta`; `steps` reach the collection, `raw_path` is its path
/// below the version root.
pub(crate) fn delta(
    ctx: &Ctx<'_>,
    store: &TenantStore,
    steps: &[Step],
    raw_path: &str,
    opts: &QueryOptions,
    call: &GraphCall,
) -> Reply {
    let Some(Value::Array(items)) = store.get(steps) else {
        return errors::not_found(raw_path);
    };
    let r = match round(store, opts) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let size = call.max_page_size().unwrap_or(DELTA_PAGE).clamp(1, 999);
    let results: Vec<Cow<'_, Value>> = match r.since {
        None => items
            .iter()
            .skip(r.offset)
            .take(size + 1)
            .map(Cow::Borrowed)
            .collect(),
        Some(since) => {
            let collection = store.collection_path(steps);
            // Latest change per id, in the order of those latest changes.
            let mut latest: Vec<(&str, bool)> = Vec::new();
            let mut slot: HashMap<&str, usize> = HashMap::new();
            for c in store.changes(&collection, since, r.until) {
                if let Some(&i) = slot.get(c.id.as_str()) {
                    latest[i] = ("", false);
                }
                slot.insert(c.id.as_str(), latest.len());
                latest.push((c.id.as_str(), c.removed));
            }
            let index: HashMap<String, usize> = if latest.is_empty() {
                HashMap::new()
            } else {
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| Some((x.get("id")?.as_str()?.to_ascii_lowercase(), i)))
                    .collect()
            };
            latest
                .into_iter()
                .filter(|(id, _)| !id.is_empty())
                .skip(r.offset)
                .take(size + 1)
                .map(|(id, removed)| match index.get(&id.to_ascii_lowercase()) {
                    Some(&i) if !removed => Cow::Borrowed(&items[i]),
                    _ => Cow::Owned(json!({"id": id, "@removed": {"reason": "changed"}})),
                })
                .collect()
        }
    };
    let more = results.len() > size;
    let mut page = results;
    page.truncate(size);
    let keep: Vec<(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("$select"))
        .cloned()
        .collect();
    let delta_path = format!("{raw_path}/delta");
    let with = |name: &str, token: String| {
        let mut params = keep.clone();
        params.push((name.to_string(), token));
        link(ctx, &delta_path, &params)
    };
    let (next_link, delta_link) = if more {
        let since_field = r.since.map_or(0, |s| s + 1);
        let token = cursor::encode(&[(r.offset + size) as u64, r.until, since_field]);
        (Some(with("$skiptoken", token)), None)
    } else {
        (None, Some(with("$deltatoken", cursor::encode(&[r.until]))))
    };
    PageBody {
        context: format!("{}/$metadata#{raw_path}/delta", ctx.base()),
        count: None,
        next_link,
        delta_link,
        items: page,
        select: &opts.select,
    }
    .reply()
}
