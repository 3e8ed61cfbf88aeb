//! The function shapes a test cannot have, built the way users build tests: `cargo test`, where rustc checks test
//! functions itself ("functions used as tests can not have any arguments"). Each mistake must give exactly one error,
//! the macro's, at its token. trybuild builds its cases as binaries, where rustc's own checks do not run, so a
//! duplicate error could hide there; this test builds a real test crate and counts.

use std::path::Path;
use std::process::Command;

/// Each shape, and the start of the one error it must give.
const SHAPES: &[(&str, &str)] = &[
    (
        "async fn takes_a_parameter(value: u8) { let _ = value; }",
        "a #[ws_test] function cannot take parameters",
    ),
    (
        "async fn takes_anything(...) {}",
        "a #[ws_test] function cannot take parameters",
    ),
    ("async fn is_generic<T>() {}", "a #[ws_test] function cannot be generic"),
    (
        "async fn has_a_lifetime<'a>() {}",
        "a #[ws_test] function cannot be generic",
    ),
    (
        "async fn is_constrained() where u8: Copy {}",
        "a #[ws_test] function cannot have a `where` clause",
    ),
    (
        "const async fn is_const() {}",
        "a #[ws_test] function cannot be `const`",
    ),
    (
        "async unsafe fn is_unsafe() {}",
        "a #[ws_test] function cannot be `unsafe`",
    ),
    (
        "fn is_not_async() {}",
        "the `async` keyword is missing from the function declaration",
    ),
];

#[test]
fn each_shape_mistake_gives_one_error_in_a_real_cargo_test_build() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace");
    let project = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shapes");
    std::fs::create_dir_all(project.join("tests")).expect("the project directory can be made");
    let runtime = workspace.join("runtime");
    std::fs::write(
        project.join("Cargo.toml"),
        format!(
            "[package]\nname = \"shapes\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dev-dependencies]\nws-test = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .expect("the manifest can be written");
    // The workspace's lock file: the same versions, and no registry needed.
    std::fs::copy(workspace.join("Cargo.lock"), project.join("Cargo.lock")).expect("the lock file can be copied");
    let mut source = String::from("use ws_test::ws_test;\n");
    for (shape, _) in SHAPES {
        source.push_str(&format!("\n#[ws_test]\n{shape}\n"));
    }
    std::fs::write(project.join("tests").join("shapes.rs"), source).expect("the test can be written");

    let output = Command::new(env!("CARGO"))
        .args([
            "test",
            "--no-run",
            "--offline",
            "--color=never",
            "--message-format=short",
        ])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", project.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo can be run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the shapes must not compile:\n{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains(": error") && line.starts_with("tests/shapes.rs"))
        .collect();
    assert_eq!(
        errors.len(),
        SHAPES.len(),
        "one error per shape:\n{}",
        errors.join("\n")
    );
    for (line, (shape, expected)) in errors.iter().zip(SHAPES) {
        assert!(line.contains(expected), "{shape}: expected {expected:?}, got {line}");
    }
    assert!(
        stderr.contains(&format!(
            "could not compile `shapes` (test \"shapes\") due to {} previous errors",
            SHAPES.len()
        )),
        "{stderr}"
    );
}
