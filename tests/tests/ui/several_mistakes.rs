use ws_test::ws_test;

// Every mistake is reported at once, not one per compile.
#[ws_test(flavor = "turbo", timeout = "soon", worker_threads = 0, verbose = true)]
fn several(port: u16) {
    let _ = port;
}

fn main() {}
