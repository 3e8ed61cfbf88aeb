// A test whose body arrives through `macro_rules!`: nothing the attribute generates may depend on the hygiene of the
// user's tokens.
macro_rules! virtual_hour_test {
    ($name:ident, $($body:tt)*) => {
        #[ws_test::test]
        async fn $name() {
            let start = tokio::time::Instant::now();
            $($body)*
            assert_eq!(start.elapsed(), std::time::Duration::from_secs(3600));
        }
    };
}

virtual_hour_test!(sleeps_an_hour, tokio::time::sleep(std::time::Duration::from_secs(3600)).await;);

macro_rules! whole_test {
    ($($test:tt)*) => { $($test)* };
}

whole_test! {
    #[ws_test::test]
    async fn returns_through_the_macro() -> Result<(), String> {
        let body = 1;
        if body == 1 { Ok(()) } else { Err("no".into()) }
    }
}

fn main() {
    sleeps_an_hour();
    returns_through_the_macro().unwrap();
}
