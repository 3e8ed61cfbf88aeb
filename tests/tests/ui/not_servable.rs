// An app that is not `Clone` cannot be served: each in-memory connection gets a clone of it.
struct App;

impl tower_service::Service<axum::http::Request<hyper::body::Incoming>> for App {
    type Response = axum::http::Response<String>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: axum::http::Request<hyper::body::Incoming>) -> Self::Future {
        std::future::ready(Ok(axum::http::Response::new(String::new())))
    }
}

fn main() {
    let _server = ws_test::http::serve(App);
}

fn not_a_service() {
    let _server = ws_test::http::serve(String::from("an app?"));
}
