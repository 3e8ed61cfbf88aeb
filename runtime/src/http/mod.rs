//! Serving an HTTP app in memory, WebSocket routes included (feature `http`). [`serve`] takes what `axum::serve`
//! takes, an `axum::Router` or any tower service hyper can call, and answers each request over an in-memory
//! connection (`tokio::io::duplex`) with hyper's HTTP/1.1 server, upgrades allowed: no socket, no port, and the whole
//! exchange runs on the test's virtual clock, so a handler's 30-second ping or 60-second idle close takes no real time.
//!
//! ```
//! use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
//! use axum::routing::get;
//! use futures_util::SinkExt;
//! use ws_test::{assert_text, ws_test};
//!
//! async fn echo(mut socket: WebSocket) {
//!     while let Some(Ok(Message::Text(text))) = socket.recv().await {
//!         if socket.send(Message::Text(text)).await.is_err() {
//!             break;
//!         }
//!     }
//! }
//!
//! #[ws_test]
//! async fn the_echo_route_echoes() {
//!     let app = axum::Router::new().route("/echo", get(|upgrade: WebSocketUpgrade| async { upgrade.on_upgrade(echo) }));
//!     let server = ws_test::http::serve(app);
//!     let mut socket = server.ws("/echo").await.unwrap();
//!     socket.send("hello".into()).await.unwrap();
//!     assert_text!(socket, "hello");
//! }
//! # the_echo_route_echoes();
//! ```
//!
//! Each connection is a background service of the test (see [`background`](crate::background)): it ends with the
//! body, is no leak, and a panic in a handler it runs fails the test naming the connection's route. What the app
//! spawns itself (axum runs each WebSocket handler in a task of its own) is the app's: the leak and panic guards watch
//! it as any task of the test.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::DuplexStream;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{self, HeaderValue, Request, Response, StatusCode, Uri};

use crate::body::background::spawn_service;
use crate::ws::{DEFAULT_BUFFER, Socket};

/// The errors of boxed bodies and services, as hyper takes them.
type BoxError = Box<dyn StdError + Send + Sync>;

type Connection = Pin<Box<dyn Future<Output = Result<(), hyper::Error>> + Send>>;

/// Serves `app` in memory: what `axum::serve` serves, without the socket. See the [module](self) docs.
///
/// ```
/// let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
/// let server = ws_test::http::serve(app);
/// # drop(server);
/// ```
pub fn serve<A: Servable>(app: A) -> TestServer {
    // Behind a lock, so that the app need not be `Sync` for the server to be shared.
    let app = std::sync::Mutex::new(app);
    TestServer {
        connect: Arc::new(move |io| crate::lock::lock(&app).clone().serve_connection(io)),
        connections: AtomicUsize::new(0),
    }
}

/// What [`serve`] takes: an `axum::Router`, or any `tower::Service<http::Request<hyper::body::Incoming>>` that is
/// `Clone + Send + 'static` and answers with a body hyper can send. Implemented for every such service; the method
/// is ws-test's own.
///
/// ```
/// fn servable(_: impl ws_test::http::Servable) {}
/// servable(axum::Router::new());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be served by `ws_test::http::serve`",
    label = "not a `Clone + Send + 'static` tower service of `http::Request<hyper::body::Incoming>`",
    note = "`serve` takes what `axum::serve` takes: an `axum::Router` (with its state given by `.with_state(..)`), or \
            a `tower::Service<http::Request<hyper::body::Incoming>>` that is `Clone + Send + 'static` and answers with \
            a body hyper can send. Each in-memory connection gets a clone of it: put state that cannot be cloned in \
            an `Arc`."
)]
pub trait Servable: Clone + Send + 'static {
    #[doc(hidden)]
    fn serve_connection(self, io: DuplexStream) -> Connection;
}

impl<S, B> Servable for S
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn serve_connection(self, io: DuplexStream) -> Connection {
        Box::pin(async move {
            hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(io), TowerToHyperService::new(self))
                .with_upgrades()
                .await
        })
    }
}

/// An app served in memory by [`serve`]: open WebSocket connections to its routes with [`ws`](Self::ws), call its
/// plain routes with [`request`](Self::request) and [`get`](Self::get). Each call opens a connection of its own.
pub struct TestServer {
    connect: Arc<dyn Fn(DuplexStream) -> Connection + Send + Sync>,
    connections: AtomicUsize,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TestServer")
            .field("connections", &self.connections.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Opens a WebSocket connection to a route of the app, through a real HTTP upgrade handshake into its handler
    /// (axum's `WebSocketUpgrade` works unchanged), and returns the client's end, a [`Socket`] for
    /// `assert_text!`, `assert_close!` and the rest. `request` is a path relative to the server (`"/feed?room=1"`),
    /// a full URL, a `Uri`, or an `http::Request<()>` whose headers (a token, `Sec-WebSocket-Protocol`) are sent
    /// along.
    ///
    /// ```
    /// use axum::extract::ws::WebSocketUpgrade;
    /// use ws_test::http::WebSocketRequest;
    /// use ws_test::ws_test;
    ///
    /// #[ws_test]
    /// async fn a_token_reaches_the_handler() {
    ///     let app = axum::Router::new().route(
    ///         "/feed",
    ///         axum::routing::get(|headers: axum::http::HeaderMap, upgrade: WebSocketUpgrade| async move {
    ///             assert_eq!(headers["authorization"], "Bearer abc");
    ///             upgrade.on_upgrade(|_socket| async {})
    ///         }),
    ///     );
    ///     let server = ws_test::http::serve(app);
    ///     let mut request = "/feed".into_request().unwrap();
    ///     request.headers_mut().insert("authorization", "Bearer abc".parse().unwrap());
    ///     server.ws(request).await.unwrap();
    /// }
    /// # a_token_reaches_the_handler();
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotUpgraded`] when the route answers without switching protocols (a 404, a 401), with the status and
    /// the body; [`Error::WebSocket`] for a malformed request or a failed handshake.
    pub async fn ws(&self, request: impl WebSocketRequest) -> Result<Socket, Error> {
        let request = request.into_request().map_err(Error::WebSocket)?;
        let (client_end, server_end) = tokio::io::duplex(DEFAULT_BUFFER);
        self.open(server_end, request.method(), request.uri());
        match tokio_tungstenite::client_async(request, client_end).await {
            Ok((socket, _response)) => Ok(socket),
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status();
                let body = response.into_body().map(Bytes::from).unwrap_or_default();
                Err(Error::NotUpgraded { status, body })
            }
            Err(error) => Err(Error::WebSocket(error)),
        }
    }

    /// Sends `request` to the app and returns its response, the body read whole. The URI may be a path (`"/health"`)
    /// or a full URL; a `Host` header is added when missing.
    ///
    /// ```
    /// use ws_test::ws_test;
    ///
    /// #[ws_test]
    /// async fn posts_are_counted() {
    ///     let app = axum::Router::new().route("/count", axum::routing::post(|body: String| async move { body.len().to_string() }));
    ///     let server = ws_test::http::serve(app);
    ///     let request = axum::http::Request::post("/count").body(String::from("four")).unwrap();
    ///     let response = server.request(request).await.unwrap();
    ///     assert_eq!(response.body().as_ref(), b"4");
    /// }
    /// # posts_are_counted();
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Http`] when the connection fails: the app hung up, or a handler panicked.
    pub async fn request<B>(&self, request: Request<B>) -> Result<Response<Bytes>, Error>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let (mut parts, body) = request.into_parts();
        if !parts.headers.contains_key(http::header::HOST) {
            let host = parts
                .uri
                .authority()
                .map_or("localhost", |authority| authority.as_str());
            let host = HeaderValue::from_str(host).unwrap_or(HeaderValue::from_static("localhost"));
            parts.headers.insert(http::header::HOST, host);
        }
        // The request line names the path; the host is in its header, as a browser sends it.
        if let Some(path) = parts.uri.path_and_query().cloned() {
            parts.uri = Uri::from(path);
        }
        let (client_end, server_end) = tokio::io::duplex(DEFAULT_BUFFER);
        self.open(server_end, &parts.method, &parts.uri);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(client_end))
            .await
            .map_err(Error::Http)?;
        spawn_service(
            "HTTP client connection of ws_test::http::TestServer".to_string(),
            async move {
                let _ = connection.await;
            },
        );
        let response = sender
            .send_request(Request::from_parts(parts, body))
            .await
            .map_err(Error::Http)?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(Error::Http)?.to_bytes();
        Ok(Response::from_parts(parts, body))
    }

    /// `GET path`, the body read whole.
    ///
    /// ```
    /// use ws_test::ws_test;
    ///
    /// #[ws_test]
    /// async fn health() {
    ///     let server = ws_test::http::serve(axum::Router::new().route("/health", axum::routing::get(|| async { "ok" })));
    ///     let response = server.get("/health").await.unwrap();
    ///     assert_eq!(response.status(), 200);
    ///     assert_eq!(response.body().as_ref(), b"ok");
    /// }
    /// # health();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`request`](Self::request); a path that is not a valid URI is an [`Error::InvalidRequest`].
    pub async fn get(&self, path: &str) -> Result<Response<Bytes>, Error> {
        let request = Request::get(path)
            .body(Empty::<Bytes>::new())
            .map_err(|error| Error::InvalidRequest(error.to_string()))?;
        self.request(request).await
    }

    /// Serves one connection's far end as a background service of the test, named after its first request.
    fn open(&self, server_end: DuplexStream, method: &http::Method, uri: &Uri) {
        let number = self.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let connection = (self.connect)(server_end);
        spawn_service(
            format!("HTTP connection {number} ({method} {})", uri.path()),
            async move {
                // A connection that fails is seen by its client side, which reports it.
                let _ = connection.await;
            },
        );
    }
}

/// What [`TestServer::ws`] takes: a path relative to the server (`"/feed?room=1"`), a full URL (`"ws://host/feed"`),
/// a `Uri`, or an `http::Request<()>` with headers of its own.
///
/// ```
/// use ws_test::http::WebSocketRequest;
///
/// let request = "/feed?room=1".into_request().unwrap();
/// assert_eq!(request.uri(), "ws://localhost/feed?room=1");
/// assert!(request.headers().contains_key("sec-websocket-key"));
/// ```
pub trait WebSocketRequest {
    /// The request, made absolute, with the WebSocket handshake's headers.
    ///
    /// # Errors
    ///
    /// A malformed URL.
    fn into_request(self) -> Result<Request<()>, tungstenite::Error>;
}

impl WebSocketRequest for &str {
    fn into_request(self) -> Result<Request<()>, tungstenite::Error> {
        if self.starts_with('/') {
            format!("ws://localhost{self}").into_client_request()
        } else {
            self.into_client_request()
        }
    }
}

impl WebSocketRequest for String {
    fn into_request(self) -> Result<Request<()>, tungstenite::Error> {
        self.as_str().into_request()
    }
}

impl WebSocketRequest for &String {
    fn into_request(self) -> Result<Request<()>, tungstenite::Error> {
        self.as_str().into_request()
    }
}

impl WebSocketRequest for Uri {
    fn into_request(self) -> Result<Request<()>, tungstenite::Error> {
        self.to_string().into_request()
    }
}

impl WebSocketRequest for &Uri {
    fn into_request(self) -> Result<Request<()>, tungstenite::Error> {
        self.to_string().into_request()
    }
}

/// The user's request, made absolute, with the handshake's headers generated and the user's own kept.
impl WebSocketRequest for Request<()> {
    fn into_request(self) -> Result<Request<()>, tungstenite::Error> {
        let (parts, ()) = self.into_parts();
        let mut request = parts.uri.to_string().into_request()?;
        for (name, value) in &parts.headers {
            request.headers_mut().insert(name, value.clone());
        }
        Ok(request)
    }
}

/// Why a request to a [`TestServer`] failed.
///
/// ```
/// let error = ws_test::http::Error::NotUpgraded {
///     status: axum::http::StatusCode::NOT_FOUND,
///     body: bytes::Bytes::from_static(b"no such route"),
/// };
/// assert_eq!(error.to_string(), "expected 101 Switching Protocols, got 404 Not Found: no such route");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The route answered without switching protocols: not a WebSocket route, or it refused the request.
    NotUpgraded {
        /// The status it answered with.
        status: StatusCode,
        /// The body it answered with.
        body: Bytes,
    },
    /// The WebSocket handshake failed, or the request was malformed.
    WebSocket(tungstenite::Error),
    /// The HTTP exchange failed: the app hung up before answering, or a handler panicked.
    Http(hyper::Error),
    /// The request could not be built.
    InvalidRequest(String),
}

/// How much of a body an error shows.
const SHOWN_BODY: usize = 500;

impl fmt::Display for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotUpgraded { status, body } => {
                write!(formatter, "expected 101 Switching Protocols, got {status}")?;
                if body.is_empty() {
                    return write!(formatter, " (empty body)");
                }
                let text = String::from_utf8_lossy(body);
                let shown: String = text.chars().take(SHOWN_BODY).collect();
                let cut = if shown.len() < text.len() { " ..." } else { "" };
                write!(formatter, ": {shown}{cut}")
            }
            Error::WebSocket(error) => write!(formatter, "the WebSocket handshake failed: {error}"),
            Error::Http(error) => write!(formatter, "the HTTP exchange failed: {error}"),
            Error::InvalidRequest(problem) => write!(formatter, "the request is malformed: {problem}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::WebSocket(error) => Some(error),
            Error::Http(error) => Some(error),
            Error::NotUpgraded { .. } | Error::InvalidRequest(_) => None,
        }
    }
}
