use std::fmt::Debug;
use std::num::ParseIntError;

// `impl Trait`, `?`, borrows and `!` in and around the body: the body is an ordinary async function.
#[ws_test::test]
async fn returns_an_opaque_error() -> Result<(), impl Debug> {
    let text = String::from("42");
    let borrowed: &str = &text;
    if borrowed.len() == 2 { Ok(()) } else { Err(borrowed.len()) }
}

#[ws_test::test]
async fn question_mark_knows_its_error() -> Result<(), ParseIntError> {
    let number: u8 = "7".parse()?;
    assert_eq!(number, 7);
    Ok(())
}

#[ws_test::test]
async fn returns_early() {
    if tokio::time::Instant::now().elapsed().is_zero() {
        return;
    }
    unreachable!("time does not pass in the paused clock");
}

#[ws_test::test]
#[should_panic(expected = "never returns")]
async fn never_returns() -> ! {
    panic!("never returns")
}

fn main() {
    returns_an_opaque_error().unwrap();
    question_mark_knows_its_error().unwrap();
    returns_early();
}
