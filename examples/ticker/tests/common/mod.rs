//! What the ticker suites share: an in-memory connector, a started client, and the server side's helpers.

#![allow(dead_code)] // each suite uses its own subset

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::{SinkExt, StreamExt};
use ticker::client::{Client, Config, Connector, Event};
use ticker::nonce::nonce_manager;
use ticker::protocol::{Request, Tick, Update};
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Error, Message};
use ws_test::assert_next;
use ws_test::ws::Socket;

/// Each connection is an in-memory WebSocket pair; the server's end goes to the test. The first `refusals` attempts
/// fail, as a server that is down would.
pub struct MemoryConnector {
    pub servers: mpsc::UnboundedSender<Socket>,
    pub attempts: mpsc::UnboundedSender<Instant>,
    pub refusals: Arc<AtomicU32>,
}

impl Connector for MemoryConnector {
    type Io = DuplexStream;

    async fn connect(&self) -> Result<WebSocketStream<DuplexStream>, Error> {
        let _ = self.attempts.send(Instant::now());
        if self
            .refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1))
            .is_ok()
        {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "connection refused",
            )));
        }
        let (client, server) = ws_test::ws::pair();
        let _ = self.servers.send(server);
        Ok(client)
    }
}

pub struct Fixture {
    pub client: Client,
    pub events: UnboundedReceiverStream<Event>,
    pub servers: mpsc::UnboundedReceiver<Socket>,
    pub attempts: mpsc::UnboundedReceiver<Instant>,
}

/// A client with its nonce manager running as a background service of the test.
pub fn start(refusals: u32, config: Config) -> Fixture {
    let (servers, server_inbox) = mpsc::unbounded_channel();
    let (attempts, attempt_inbox) = mpsc::unbounded_channel();
    let (manager, nonces) = nonce_manager();
    ws_test::background("nonce-manager", manager.run());
    let connector = MemoryConnector {
        servers,
        attempts,
        refusals: Arc::new(AtomicU32::new(refusals)),
    };
    let (client, events) = Client::start(connector, nonces, config);
    Fixture {
        client,
        events,
        servers: server_inbox,
        attempts: attempt_inbox,
    }
}

impl Fixture {
    pub async fn next_server(&mut self) -> Socket {
        self.servers.recv().await.expect("the client connects")
    }
}

/// The next message the server receives, as a request.
pub async fn next_request(server: &mut Socket) -> Request {
    match assert_next!(*server) {
        Ok(Message::Text(text)) => serde_json::from_str(text.as_str()).expect("the client sends valid JSON"),
        other => panic!("expected a request, got {other:?}"),
    }
}

pub async fn send_update(server: &mut Socket, update: &Update) {
    let text = serde_json::to_string(update).expect("updates serialize");
    server.send(Message::text(text)).await.expect("the client reads");
}

pub fn tick(pair: &str, sequence: u64) -> Tick {
    Tick {
        pair: pair.to_string(),
        price_cents: ticker::server::price_cents(pair, sequence),
        sequence,
    }
}

/// A server end that keeps reading (so pings are answered), forwarding each request to the test.
pub fn answering_server(mut server: Socket) -> mpsc::UnboundedReceiver<Request> {
    let (requests, inbox) = mpsc::unbounded_channel();
    ws_test::background("answering-server", async move {
        while let Some(Ok(message)) = server.next().await {
            if let Message::Text(text) = message {
                let _ = requests.send(serde_json::from_str(text.as_str()).expect("the client sends valid JSON"));
            }
        }
    });
    inbox
}
