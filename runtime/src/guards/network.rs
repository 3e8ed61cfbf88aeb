//! Real connections that escaped the mocks (`network`). Under the paused clock every timeout around a real connection
//! is virtual: it fires before any reply could come, or the test races through retries and back-off in
//! milliseconds. So a TCP connect, a UDP send or connect, or a lookup of a host name outside the allowed hosts is
//! refused before any packet leaves (`setup/network_calls.rs` sees the calls), and the test fails at once, naming
//! where it tried to go. Only the first refusal is reported; later ones are refused as well.

use std::net::IpAddr;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use crate::config::Network;
use crate::guards::TestContext;
use crate::lock::lock;
use crate::observe::network_call::NetworkCall;
use crate::observe::user_code;
use crate::report::{Failure, Kind};

/// What the guard saw of a test's calls.
pub(crate) struct Seen {
    /// What the test's lookups resolved: a connection to one of these went by that name.
    resolved_names: Mutex<Vec<(IpAddr, String)>>,
    /// Where a connection was refused: the stack, to be named once the runtime is gone.
    escaped_from: Mutex<Option<std::backtrace::Backtrace>>,
}

fn seen(test: &TestContext) -> &Seen {
    test.network_calls.get_or_init(|| {
        Box::new(Seen {
            resolved_names: Mutex::new(Vec::new()),
            escaped_from: Mutex::new(None),
        })
    })
}

/// Whether `call` may go on; a refused one fires the test's interrupt with what was tried.
pub(crate) fn judge(test: &TestContext, call: &NetworkCall) -> bool {
    let Some(network) = &test.settings.network else {
        return true;
    };
    let allowed = match call {
        NetworkCall::Reach { address, .. } => network.allows_address(*address, name_of(test, address.ip()).as_deref()),
        NetworkCall::Lookup { name } => network.allows_lookup(name, local_names()),
    };
    if !allowed && !test.running.interrupt.fired() {
        // Captured here, named once the runtime is gone (`name_call_site`): reading the debug info to name a frame
        // takes a quarter of a second on a loaded machine, which on the runtime's thread would block the event loop.
        // The capture waits for std's backtrace lock while another thread prints a backtrace: not the test blocking
        // its event loop.
        let on_runtime_thread = std::thread::current().id() == test.running.thread;
        let entered = on_runtime_thread.then(|| test.running.activity.backtrace_work_entered());
        *lock(&seen(test).escaped_from) = Some(std::backtrace::Backtrace::force_capture());
        if let Some(entered) = entered {
            test.running.activity.backtrace_work_left(entered);
        }
        test.running.interrupt.fire(escaped(test, call, network));
    }
    allowed
}

/// Names where the escaped connection was made, in its failure: the first line of the test's own code on the stack
/// captured when it was refused, if there is one (a lookup on tokio's blocking pool has none).
pub(crate) fn name_call_site(test: &TestContext, failure: &mut Failure) {
    if failure.kind != Kind::Network {
        return;
    }
    let Some(trace) = test
        .network_calls
        .get()
        .and_then(|seen| lock(&seen.escaped_from).take())
    else {
        return;
    };
    if let Some(site) = call_site(&trace) {
        failure.details.insert(0, format!("at {site}"));
    }
}

/// A lookup of the test's threads resolved `name`: a later connection to one of `addresses` went there by that name.
pub(crate) fn name_resolved(test: &TestContext, name: &str, addresses: &[IpAddr]) {
    let mut resolved = lock(&seen(test).resolved_names);
    for address in addresses {
        resolved.retain(|(known, _)| known != address);
        resolved.push((*address, name.to_string()));
    }
}

fn name_of(test: &TestContext, address: IpAddr) -> Option<String> {
    lock(&seen(test).resolved_names)
        .iter()
        .find(|(known, _)| *known == address)
        .map(|(_, name)| name.clone())
}

/// The names this machine resolves by itself, from `/etc/hosts`: looking them up sends nothing.
fn local_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        hosts
            .lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .flat_map(|line| line.split_whitespace().skip(1))
            .map(str::to_string)
            .collect()
    })
}

fn escaped(test: &TestContext, call: &NetworkCall, network: &Network) -> Failure {
    let allowed = network.describe();
    let (tried, refused_with, entry) = match call {
        NetworkCall::Reach { address, transport } => {
            let name = name_of(test, address.ip());
            let tried = match &name {
                Some(name) => format!("reach {address} ({name}) over {transport}"),
                None => format!("reach {address} over {transport}"),
            };
            let entry = match name {
                Some(name) => format!("{name}:{}", address.port()),
                None => address.to_string(),
            };
            (tried, "ECONNREFUSED", entry)
        }
        NetworkCall::Lookup { name } => (format!("look up `{name}`"), "EAI_FAIL", name.clone()),
    };
    let suggested = match network {
        Network::Only(_) => format!("{allowed}, {entry}"),
        _ => entry,
    };
    let details = vec![format!(
        "refused before any packet left: the call returned {refused_with}, and later ones outside the allowed hosts are \
         refused too"
    )];
    Failure {
        kind: Kind::Network,
        summary: format!(
            "tried to {tried}, outside the allowed hosts ({allowed}): a real connection escaped the mocks"
        ),
        details,
        help: format!(
            "the code under test reached for a real host instead of its fake. Give it an in-memory one \
             (ws_test::ws::pair(), ws_test::http::serve(app)) or a local server (ws_test::ws::Server::bind(), on \
             127.0.0.1). If the test means to reach it, allow it: #[ws_test(network = \"{suggested}\")], or \
             network = \"allow\" for no guard; for a whole run, WS_TEST_NETWORK=allow."
        ),
    }
}

/// The first frame of `trace` in the test's own Rust code (`observe/user_code.rs`). A call made on the blocking pool
/// for the test (tokio's `lookup_host`) has none.
fn call_site(trace: &std::backtrace::Backtrace) -> Option<String> {
    trace
        .to_string()
        .lines()
        .filter_map(|line| line.trim().strip_prefix("at "))
        .find(|place| {
            place
                .split(':')
                .next()
                .is_some_and(|file| file.ends_with(".rs") && user_code::is_users(Path::new(file)))
        })
        .map(str::to_string)
}
