//! Every compile error of the macro, with its message and where it points, reviewed in `tests/ui/*.stderr`, and the
//! shapes of test that must compile and run (`tests/ui/pass/`). Regenerate after an intended change with
//! `TRYBUILD=overwrite cargo test -p ws-test-tests --test ui`, then review the diff of the `.stderr` files.
//!
//! trybuild builds each case as a binary, not with `--test`: there `#[ws_test]` functions are ordinary functions (a
//! pass case's `main` calls them), and rustc's own checks of test functions do not run. `shapes.rs` builds the
//! shape mistakes with `cargo test` to count what a user really sees.

#[test]
fn compile_errors_point_at_the_mistake() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
