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
