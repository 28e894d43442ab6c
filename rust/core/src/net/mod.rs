//! Sockets: asynchronous DNS ([`resolve`]), non-blocking TCP ([`tcp`]) and listening ([`listener`]).
//!
//! Nothing here knows about HTTP. Every call returns at once unless the caller asked for a
//! blocking operation; pending work is reported as "pending" and finished by a later call.

pub mod listener;
pub mod resolve;
pub mod tcp;
