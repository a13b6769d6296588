//! The HTTP layer: transport, retry policy, pipeline and service error parsing.

pub mod pipeline;
pub mod retry;
pub mod service_error;
pub mod transport;

pub use pipeline::{
    Pipeline, PipelineBuilder, ServiceRequest, ThrottlePriority, DEFAULT_USER_AGENT,
};
pub use retry::{parse_retry_after, RetryPolicy};
pub use service_error::{error_message, get_ci, service_error};
pub use transport::{
    HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError, TransportErrorKind,
    TransportOptions,
};

/// `true` when `link` is on the same scheme, host and port as `base`. Every client that follows
/// a link a service returned (`nextLink`) checks this first: the bearer token goes with it.
///
/// ```
/// use cipp_core::http::same_origin;
/// assert!(same_origin("https://h/a", "https://h:443/b?x=1"));
/// assert!(!same_origin("https://h/a", "https://evil.example/b"));
/// assert!(!same_origin("https://h/a", "http://h/b"));
/// assert!(!same_origin("https://h/a", "not a url"));
/// ```
pub fn same_origin(base: &str, link: &str) -> bool {
    match (url::Url::parse(base), url::Url::parse(link)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}
