//! The request log and counters, for tests and benchmarks.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Records kept at most.
const MAX_RECORDS: usize = 200_000;

/// One request the simulator answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Order of arrival.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Full path (`/graph/v1.0/users`).
    pub path: String,
    /// Query string.
    pub query: String,
    /// Status answered.
    pub status: u16,
    /// `login`, `openid`, `devicecode`, `graph`, `batch` or `batch_item`.
    pub kind: String,
    /// The tenant GUID the request was about, when known.
    pub tenant: Option<String>,
    /// Audience of the bearer token.
    pub token_aud: Option<String>,
    /// Tenant of the bearer token.
    pub token_tid: Option<String>,
    /// Items in a `$batch`.
    pub batch_size: Option<usize>,
}

/// Counters since start or the last clear.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    /// HTTP requests (batch items not counted; a batch is one).
    pub http_requests: u64,
    /// Token endpoint requests.
    pub token_requests: u64,
    /// Graph requests other than `$batch`.
    pub graph_requests: u64,
    /// `$batch` requests.
    pub batch_requests: u64,
    /// Items inside `$batch` requests.
    pub batch_items: u64,
    /// Answers by status code.
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Log {
    pub records: VecDeque<RequestRecord>,
    pub stats: SimStats,
    pub seq: u64,
}

impl Log {
    pub fn push(&mut self, mut r: RequestRecord) {
        self.seq += 1;
        r.seq = self.seq;
        let s = &mut self.stats;
        match r.kind.as_str() {
            "batch_item" => s.batch_items += 1,
            kind => {
                s.http_requests += 1;
                match kind {
                    "login" => s.token_requests += 1,
                    "graph" => s.graph_requests += 1,
                    "batch" => s.batch_requests += 1,
                    _ => {}
                }
                *s.by_status.entry(r.status.to_string()).or_default() += 1;
            }
        }
        if self.records.len() >= MAX_RECORDS {
            self.records.pop_front();
        }
        self.records.push_back(r);
    }

    pub fn clear(&mut self) {
        self.records.clear();
        self.stats = SimStats::default();
    }
}
