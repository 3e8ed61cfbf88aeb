use rstest::rstest;

#[rstest]
#[case(1)]
#[case(30)]
#[ws_test::test]
async fn sleeps_for_each_case(#[case] seconds: u64) {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    assert_eq!(start.elapsed().as_secs(), seconds);
}

fn main() {}
