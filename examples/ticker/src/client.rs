//! The ticker client: one connection task that subscribes, keeps the connection alive with pings, reconnects with
//! back-off and resubscribes, and fans ticks out to subscriber streams. Written as production code: the transport is
//! injected through [`Connector`], nothing else knows about tests.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_stream::wrappers::{ReceiverStream, UnboundedReceiverStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::backoff::Backoff;
use crate::nonce::Nonces;
use crate::protocol::{Request, Tick, Update};

/// Opens a WebSocket connection to the ticker server: over TCP in production, in memory in tests.
pub trait Connector: Send + Sync + 'static {
    /// The byte stream under the WebSocket.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// One connection attempt.
    fn connect(&self) -> impl Future<Output = Result<WebSocketStream<Self::Io>, Error>> + Send;
}

/// Timings and policies of a client.
#[derive(Clone, Debug)]
pub struct Config {
    /// How often to ping the server.
    pub ping_every: Duration,
    /// How long a ping may go unanswered before the connection counts as dead.
    pub pong_timeout: Duration,
    /// Seed of the back-off jitter.
    pub backoff_seed: u64,
    /// Give up after this many failures in a row (`None`: never), ending every subscriber stream.
    pub max_reconnects: Option<u32>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            ping_every: Duration::from_secs(30),
            pong_timeout: Duration::from_secs(10),
            backoff_seed: 0x5EED,
            max_reconnects: None,
        }
    }
}

/// What the client went through, for logs and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A connection is up.
    Connected,
    /// The connection was lost, or could not be made.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The next attempt comes after `delay`.
    Reconnecting {
        /// Failures in a row so far.
        attempt: u32,
        /// The back-off delay.
        delay: Duration,
    },
    /// The server sent something the client could not read; the connection stays up.
    ProtocolError {
        /// What was wrong, with the message.
        error: String,
    },
    /// `max_reconnects` failures in a row: the client stopped.
    GaveUp,
}

enum Command {
    Subscribe { pair: String, ticks: mpsc::Sender<Tick> },
    Unsubscribe { pair: String },
    Shutdown { done: oneshot::Sender<()> },
}

/// A running client.
pub struct Client {
    commands: mpsc::Sender<Command>,
    task: tokio::task::JoinHandle<()>,
}

/// How a session on one connection ended.
enum SessionEnd {
    Shutdown(oneshot::Sender<()>),
    Lost(String),
}

impl Client {
    /// Starts the connection task; returns the client and its stream of [`Event`]s.
    pub fn start<C: Connector>(
        connector: C,
        nonces: Nonces,
        config: Config,
    ) -> (Client, UnboundedReceiverStream<Event>) {
        let (commands, inbox) = mpsc::channel(64);
        let (events, event_stream) = mpsc::unbounded_channel();
        let connection = Connection {
            connector,
            nonces,
            config,
            inbox,
            events,
            subscriptions: HashMap::new(),
        };
        let task = tokio::spawn(connection.run());
        (Client { commands, task }, UnboundedReceiverStream::new(event_stream))
    }

    /// Ticks of `pair`, from now on; the stream ends when the client shuts down or gives up.
    pub async fn subscribe(&self, pair: &str) -> ReceiverStream<Tick> {
        let (ticks, receiver) = mpsc::channel(256);
        let _ = self
            .commands
            .send(Command::Subscribe {
                pair: pair.to_string(),
                ticks,
            })
            .await;
        ReceiverStream::new(receiver)
    }

    /// No more ticks of `pair` for anyone.
    pub async fn unsubscribe(&self, pair: &str) {
        let _ = self
            .commands
            .send(Command::Unsubscribe { pair: pair.to_string() })
            .await;
    }

    /// Closes the connection with a Close frame, ends every subscriber stream and waits for the connection task.
    pub async fn shutdown(self) {
        let (done, finished) = oneshot::channel();
        if self.commands.send(Command::Shutdown { done }).await.is_ok() {
            let _ = finished.await;
        }
        let _ = self.task.await;
    }
}

struct Connection<C> {
    connector: C,
    nonces: Nonces,
    config: Config,
    inbox: mpsc::Receiver<Command>,
    events: mpsc::UnboundedSender<Event>,
    subscriptions: HashMap<String, Vec<mpsc::Sender<Tick>>>,
}

impl<C: Connector> Connection<C> {
    async fn run(mut self) {
        let mut backoff = Backoff::new(self.config.backoff_seed);
        let mut failures = 0u32;
        loop {
            let reason = match self.connector.connect().await {
                Ok(socket) => {
                    backoff.reset();
                    failures = 0;
                    self.emit(Event::Connected);
                    match self.session(socket).await {
                        SessionEnd::Shutdown(done) => {
                            self.subscriptions.clear();
                            let _ = done.send(());
                            return;
                        }
                        SessionEnd::Lost(reason) => reason,
                    }
                }
                Err(error) => format!("could not connect: {error}"),
            };
            self.emit(Event::Disconnected { reason });
            failures += 1;
            if self.config.max_reconnects.is_some_and(|max| failures > max) {
                self.emit(Event::GaveUp);
                self.subscriptions.clear();
                return;
            }
            let delay = backoff.next_delay();
            self.emit(Event::Reconnecting {
                attempt: failures,
                delay,
            });
            if let Some(done) = self.wait_offline(delay).await {
                self.subscriptions.clear();
                let _ = done.send(());
                return;
            }
        }
    }

    /// Sleeps through a back-off delay while still taking commands; returns a shutdown's reply channel.
    async fn wait_offline(&mut self, delay: Duration) -> Option<oneshot::Sender<()>> {
        let wake = Instant::now() + delay;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(wake) => return None,
                command = self.inbox.recv() => match command {
                    Some(Command::Subscribe { pair, ticks }) => self.subscriptions.entry(pair).or_default().push(ticks),
                    Some(Command::Unsubscribe { pair }) => {
                        self.subscriptions.remove(&pair);
                    }
                    Some(Command::Shutdown { done }) => return Some(done),
                    None => return None,
                },
            }
        }
    }

    async fn session(&mut self, mut socket: WebSocketStream<C::Io>) -> SessionEnd {
        let pairs: Vec<String> = self.subscriptions.keys().cloned().collect();
        for pair in pairs {
            if let Err(error) = self.send(&mut socket, Request::Subscribe { pair, nonce: 0 }).await {
                return SessionEnd::Lost(format!("could not resubscribe: {error}"));
            }
        }
        let mut ping = tokio::time::interval_at(Instant::now() + self.config.ping_every, self.config.ping_every);
        let mut pong_due: Option<Instant> = None;
        loop {
            let pong_timeout = async {
                match pong_due {
                    Some(due) => tokio::time::sleep_until(due).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                message = socket.next() => match message {
                    Some(Ok(Message::Text(text))) => self.receive(text.as_str()).await,
                    Some(Ok(Message::Pong(_))) => pong_due = None,
                    Some(Ok(Message::Close(frame))) => {
                        // tungstenite queued the Close reply; reading on until the end sends it, completing the
                        // closing handshake before the connection is dropped.
                        self.read_to_end(&mut socket).await;
                        let why = frame.map_or_else(|| "no code".to_string(), |frame| format!("{} {}", frame.code, frame.reason));
                        return SessionEnd::Lost(format!("the server closed the connection ({why})"));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return SessionEnd::Lost(format!("the connection failed: {error}")),
                    None => return SessionEnd::Lost("the connection ended".to_string()),
                },
                _ = ping.tick() => {
                    if let Err(error) = socket.send(Message::Ping(Vec::new().into())).await {
                        return SessionEnd::Lost(format!("could not ping: {error}"));
                    }
                    pong_due.get_or_insert(Instant::now() + self.config.pong_timeout);
                }
                () = pong_timeout => {
                    return SessionEnd::Lost(format!("no pong within {:?}", self.config.pong_timeout));
                }
                command = self.inbox.recv() => match command {
                    Some(Command::Subscribe { pair, ticks }) => {
                        let first = !self.subscriptions.contains_key(&pair);
                        self.subscriptions.entry(pair.clone()).or_default().push(ticks);
                        if first {
                            if let Err(error) = self.send(&mut socket, Request::Subscribe { pair, nonce: 0 }).await {
                                return SessionEnd::Lost(format!("could not subscribe: {error}"));
                            }
                        }
                    }
                    Some(Command::Unsubscribe { pair }) => {
                        self.subscriptions.remove(&pair);
                        if let Err(error) = self.send(&mut socket, Request::Unsubscribe { pair, nonce: 0 }).await {
                            return SessionEnd::Lost(format!("could not unsubscribe: {error}"));
                        }
                    }
                    Some(Command::Shutdown { done }) => {
                        self.close(socket).await;
                        return SessionEnd::Shutdown(done);
                    }
                    None => {
                        self.close(socket).await;
                        let (done, _) = oneshot::channel();
                        return SessionEnd::Shutdown(done);
                    }
                },
            }
        }
    }

    /// Sends a Close frame and waits, up to the pong timeout, for the server's reply to complete the handshake.
    async fn close(&self, mut socket: WebSocketStream<C::Io>) {
        let goodbye = CloseFrame {
            code: CloseCode::Normal,
            reason: "client shutdown".into(),
        };
        if socket.close(Some(goodbye)).await.is_ok() {
            self.read_to_end(&mut socket).await;
        }
    }

    /// Reads until the connection ends, at most for the pong timeout: how either side of a closing handshake
    /// completes it.
    async fn read_to_end(&self, socket: &mut WebSocketStream<C::Io>) {
        let _ = tokio::time::timeout(self.config.pong_timeout, async {
            while let Some(Ok(_)) = socket.next().await {}
        })
        .await;
    }

    /// Signs `request` with the nonce in force and sends it.
    async fn send(&self, socket: &mut WebSocketStream<C::Io>, request: Request) -> Result<(), Error> {
        let nonce = self.nonces.current();
        let signed = match request {
            Request::Subscribe { pair, .. } => Request::Subscribe { pair, nonce },
            Request::Unsubscribe { pair, .. } => Request::Unsubscribe { pair, nonce },
        };
        let text = serde_json::to_string(&signed).map_err(|error| Error::Io(std::io::Error::other(error)))?;
        socket.send(Message::text(text)).await
    }

    async fn receive(&mut self, text: &str) {
        match serde_json::from_str::<Update>(text) {
            Ok(Update::Tick(tick)) => {
                if let Some(subscribers) = self.subscriptions.get_mut(&tick.pair) {
                    // A subscriber that dropped its stream is forgotten.
                    let mut open = Vec::with_capacity(subscribers.len());
                    for subscriber in subscribers.drain(..) {
                        if subscriber.send(tick.clone()).await.is_ok() {
                            open.push(subscriber);
                        }
                    }
                    *subscribers = open;
                }
            }
            Ok(Update::Subscribed { .. }) => {}
            Ok(Update::Error { message }) => self.emit(Event::ProtocolError {
                error: format!("the server said: {message}"),
            }),
            Err(error) => self.emit(Event::ProtocolError {
                error: format!("malformed message from the server ({error}): {text:?}"),
            }),
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }
}
