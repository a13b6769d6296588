//! The request log and its counters, for tests and benchmarks. Memory is bounded: the newest
//! [`MAX_RECORDS`] records are kept, every request is counted.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Records kept at most.
pub(crate) const MAX_RECORDS: usize = 200_000;

/// One request the simulator answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Order of arrival (1-based, never reused, even after a clear).
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Full path (`/graph/v1.0/users`); for a `$batch` item `/graph/{version}/{item path}`.
    pub path: String,
    /// Query string, without the `?`.
    pub query: String,
    /// Status answered.
    pub status: u16,
    /// `login`, `openid`, `devicecode`, `graph`, `batch`, `batch_item` or `other`.
    pub kind: String,
    /// GUID of the tenant the request was about, when known (the token's tenant for Graph,
    /// the resolved path tenant for login).
    pub tenant: Option<String>,
    /// Audience of the bearer token.
    pub token_aud: Option<String>,
    /// Tenant (`tid`) of the bearer token.
    pub token_tid: Option<String>,
    /// Number of items of a `$batch`.
    pub batch_size: Option<usize>,
}

/// Counters since start or the last clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    /// HTTP requests of every kind except `batch_item` (a `$batch` POST is one).
    pub http_requests: u64,
    /// Token endpoint requests (`login`).
    pub token_requests: u64,
    /// Graph requests other than `$batch`.
    pub graph_requests: u64,
    /// `$batch` requests.
    pub batch_requests: u64,
    /// Items inside `$batch` requests.
    pub batch_items: u64,
    /// HTTP answers (batch items excluded) by status code.
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Log {
    records: VecDeque<RequestRecord>,
    stats: SimStats,
    seq: u64,
}

impl Log {
    pub fn push(&mut self, mut r: RequestRecord) {
        self.seq += 1;
        r.seq = self.seq;
        let s = &mut self.stats;
        if r.kind == "batch_item" {
            s.batch_items += 1;
        } else {
            s.http_requests += 1;
            match r.kind.as_str() {
                "login" => s.token_requests += 1,
                "graph" => s.graph_requests += 1,
                "batch" => s.batch_requests += 1,
                _ => {}
            }
            *s.by_status.entry(r.status.to_string()).or_default() += 1;
        }
        if self.records.len() >= MAX_RECORDS {
            self.records.pop_front();
        }
        self.records.push_back(r);
    }

    pub fn records(&self) -> impl Iterator<Item = &RequestRecord> {
        self.records.iter()
    }

    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    /// Forget the records and reset the counters (sequence numbers keep growing).
    pub fn clear(&mut self) {
        self.records.clear();
        self.stats = SimStats::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: &str, status: u16) -> RequestRecord {
        RequestRecord {
            seq: 0,
            method: "GET".into(),
            path: "/graph/v1.0/users".into(),
            query: String::new(),
            status,
            kind: kind.into(),
            tenant: None,
            token_aud: None,
            token_tid: None,
            batch_size: None,
        }
    }

    #[test]
    fn counters_and_bound() {
        let mut log = Log::default();
        log.push(rec("login", 200));
        log.push(rec("batch", 200));
        log.push(rec("batch_item", 429));
        log.push(rec("graph", 404));
        let s = log.stats().clone();
        assert_eq!(
            (
                s.http_requests,
                s.token_requests,
                s.batch_requests,
                s.batch_items,
                s.graph_requests
            ),
            (3, 1, 1, 1, 1)
        );
        assert_eq!(s.by_status.get("200"), Some(&2));
        assert_eq!(
            s.by_status.get("429"),
            None,
            "batch items are not HTTP answers"
        );
        for _ in 0..MAX_RECORDS {
            log.push(rec("graph", 200));
        }
        assert_eq!(log.records().count(), MAX_RECORDS);
        assert_eq!(log.stats().http_requests, 3 + MAX_RECORDS as u64);
        let last = log.records().last().unwrap().seq;
        log.clear();
        log.push(rec("graph", 200));
        assert_eq!(log.records().next().unwrap().seq, last + 1);
    }
}
