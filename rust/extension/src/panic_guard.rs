//! Panic safety at the Godot boundary: [`guard`] runs a method body under `catch_unwind`.
//!
//! gdext already catches a panic in a `#[func]`, but the caller then gets the type's default
//! (`OK` for an `Error`, and a varcall aborts the calling GDScript function), and a panic in an
//! extension virtual (`put_packet`, `get_data`, the multiplayer peer's callbacks) hands the
//! engine `OK` too (gdext-notes.md §9). Neither is acceptable in a game, so every method that
//! runs protocol code, touches peer data or converts script values goes through [`guard`]:
//!
//! * the panic is reported with exactly one `push_error`, naming the method and the panic's
//!   location (gdext's own panic report is silenced for guarded calls, see [`init`]);
//! * the object is put in a defined closed state by [`PanicClose::close_after_panic`]
//!   (the same state `close()` leaves, so the script's usual "closed" handling applies);
//! * the method returns its fallback: `ERR_BUG` for an `Error`, an empty or neutral value
//!   otherwise.
//!
//! Plain field accessors (no indexing, no conversion that can fail) are not wrapped: they
//! cannot panic. `RustWebSocketClient` has no guard of its own: it only turns the state of its
//! `RustWebSocketPeer` (whose methods are guarded) into signals, so a panic in the peer closes
//! it and the client reports `connection_closed` / `connection_error` as for any drop.
//!
//! ## Testing
//! A panic can be injected into any guarded method, but only in a process started with
//! `RUSTNET_TEST_INJECT_PANIC=1` (read once, when the extension loads): a script then sets
//! `Engine.set_meta("rustnet_inject_panic", "RustWebSocketPeer.poll")` and the next call of that
//! method panics inside the guard (the meta is removed, so it happens once). Without the
//! variable the cost is one relaxed atomic load per guarded call (plus a thread-local counter
//! and the landing pad of `catch_unwind`, which costs nothing until a panic).

use godot::classes::Engine;
use godot::global::godot_error;
use godot::prelude::*;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once at load from `RUSTNET_TEST_INJECT_PANIC`.
static INJECTION_ENABLED: AtomicBool = AtomicBool::new(false);

/// The `Engine` meta a test sets to the `"Class.method"` that should panic once.
const INJECT_META: &str = "rustnet_inject_panic";

thread_local! {
    /// How many guards are running on this thread (nested: a class calling another's method).
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Where the last panic under a guard happened, for the one error the guard reports.
    static PANIC_LOCATION: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Reads the test switch and wraps the panic hook; called once when the extension loads.
///
/// gdext's hook prints every panic with `godot_error!`; under a guard that would be a second
/// error for the same panic, so the wrapper only records the location there and leaves the
/// report to [`guard`]. Panics outside a guard still reach gdext's hook unchanged.
pub(crate) fn init() {
    let on = std::env::var("RUSTNET_TEST_INJECT_PANIC").is_ok_and(|v| v == "1");
    INJECTION_ENABLED.store(on, Ordering::Relaxed);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if GUARD_DEPTH.with(|d| d.get()) > 0 {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            PANIC_LOCATION.with(|p| *p.borrow_mut() = at);
        } else {
            previous(info);
        }
    }));
}

/// Runs `f` with this thread marked as guarded.
fn guarded<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    GUARD_DEPTH.with(|d| d.set(d.get() + 1));
    let r = catch_unwind(AssertUnwindSafe(f));
    GUARD_DEPTH.with(|d| d.set(d.get() - 1));
    r
}

fn panic_location() -> String {
    PANIC_LOCATION.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// How an object reaches its closed state after one of its methods panicked.
pub(crate) trait PanicClose {
    /// Drops connections and buffers, leaving what `close()` leaves. Must not assume the
    /// object's invariants hold (it may be called mid-update); a panic here is caught too.
    fn close_after_panic(&mut self);
}

fn inject_if_armed(what: &str) {
    if !INJECTION_ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let mut engine = Engine::singleton();
    let key = StringName::from(INJECT_META);
    if !engine.has_meta(&key) {
        return;
    }
    let armed = engine.get_meta(&key).to_string();
    if armed == what {
        engine.remove_meta(&key);
        panic!("injected test panic");
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic"
    }
}

/// Runs `body` on `this`; on a panic, closes `this`, reports once and returns `fallback()`.
/// `what` is `"Class.method"`.
pub(crate) fn guard<S: PanicClose, T>(
    this: &mut S,
    what: &str,
    fallback: impl FnOnce() -> T,
    body: impl FnOnce(&mut S) -> T,
) -> T {
    let result = guarded(|| {
        inject_if_armed(what);
        body(&mut *this)
    });
    match result {
        Ok(v) => v,
        Err(payload) => {
            let at = panic_location();
            let closed = guarded(|| this.close_after_panic()).is_ok();
            godot_error!(
                "{what}: internal error ({} at {at}); {}. Please report this bug.",
                panic_message(payload.as_ref()),
                if closed {
                    "the object was closed"
                } else {
                    "closing the object failed too"
                }
            );
            fallback()
        }
    }
}

/// [`guard`] for `&self` methods with no state to close (pure conversions).
pub(crate) fn guard_pure<T>(
    what: &str,
    fallback: impl FnOnce() -> T,
    body: impl FnOnce() -> T,
) -> T {
    match guarded(|| {
        inject_if_armed(what);
        body()
    }) {
        Ok(v) => v,
        Err(payload) => {
            godot_error!(
                "{what}: internal error ({} at {}). Please report this bug.",
                panic_message(payload.as_ref()),
                panic_location()
            );
            fallback()
        }
    }
}
