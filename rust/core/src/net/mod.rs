//! Sockets: asynchronous DNS ([`resolve`]), non-blocking TCP ([`tcp`]), listening ([`listener`])
//! and the per-thread readiness check that spares idle connections a `recv()` ([`readiness`]).
//!
//! Nothing here knows about HTTP. Every call returns at once unless the caller asked for a
//! blocking operation; pending work is reported as "pending" and finished by a later call.

pub mod listener;
pub mod readiness;
pub mod resolve;
pub mod tcp;
