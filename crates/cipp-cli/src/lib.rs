//! Placeholder until this crate gets its code.
