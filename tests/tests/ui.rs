//! Every compile error of the macro, with its message and where it points, reviewed in `tests/ui/*.stderr`.
//! Regenerate after an intended change with `TRYBUILD=overwrite cargo test -p ws-test-tests --test ui`, then review
//! the diff of the `.stderr` files.

#[test]
fn compile_errors_point_at_the_mistake() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
