//! The service: `GET /rooms/{room}` upgrades to a WebSocket that greets, relays every text message to the room,
//! pings every 30 s and closes after 60 s without a message from the client; `GET /rooms/{room}/history` is a slow
//! handler; [`presence`] is a background service that tells each room how many are online, every minute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::broadcast;

/// How often the server pings each client.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// How long a client may stay silent before the server closes its connection.
pub const IDLE_AFTER: Duration = Duration::from_secs(60);
/// How long the history route takes: it reads from a slow store.
pub const HISTORY_DELAY: Duration = Duration::from_secs(2);
/// How often [`presence`] announces who is online.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(60);

/// The rooms and who is in them, shared by every connection.
#[derive(Clone, Default)]
pub struct Chat {
    rooms: Arc<Mutex<HashMap<String, Room>>>,
}

struct Room {
    relay: broadcast::Sender<String>,
    online: usize,
}

impl Chat {
    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins `room`: its relay, and how many are online with the newcomer.
    fn join(&self, room: &str) -> (broadcast::Sender<String>, broadcast::Receiver<String>, usize) {
        let mut rooms = self.rooms();
        let room = rooms.entry(room.to_string()).or_insert_with(|| Room {
            relay: broadcast::channel(64).0,
            online: 0,
        });
        room.online += 1;
        (room.relay.clone(), room.relay.subscribe(), room.online)
    }

    fn leave(&self, room: &str) {
        let mut rooms = self.rooms();
        if let Some(entry) = rooms.get_mut(room) {
            entry.online -= 1;
            if entry.online == 0 {
                rooms.remove(room);
            }
        }
    }

    /// How many are online, room by room.
    pub fn online(&self) -> Vec<(String, usize)> {
        let mut online: Vec<(String, usize)> = self
            .rooms()
            .iter()
            .map(|(name, room)| (name.clone(), room.online))
            .collect();
        online.sort();
        online
    }
}

/// The service's routes, over `chat`'s state.
pub fn app(chat: Chat) -> Router {
    Router::new()
        .route("/rooms/{room}", get(join))
        .route("/rooms/{room}/history", get(history))
        .route("/health", get(|| async { "ok" }))
        .with_state(chat)
}

async fn join(Path(room): Path<String>, State(chat): State<Chat>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| session(chat, room, socket))
}

async fn history(Path(room): Path<String>) -> String {
    tokio::time::sleep(HISTORY_DELAY).await;
    format!("history of {room}: nothing yet")
}

/// One client's connection: greet, relay both ways, ping, close when idle.
async fn session(chat: Chat, room: String, mut socket: WebSocket) {
    let (relay, mut relayed, online) = chat.join(&room);
    let greeting = format!("welcome to {room}: {online} online");
    if socket.send(Message::Text(greeting.into())).await.is_ok() {
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        let mut idle_until = tokio::time::Instant::now() + IDLE_AFTER;
        loop {
            tokio::select! {
                // Closing comes first: a ping due at the same instant would be wasted on a connection that ends.
                biased;
                () = tokio::time::sleep_until(idle_until) => {
                    let goodbye = CloseFrame { code: close_code::AWAY, reason: "idle".into() };
                    let _ = socket.send(Message::Close(Some(goodbye))).await;
                    break;
                }
                received = socket.recv() => match received {
                    Some(Ok(Message::Text(text))) => {
                        idle_until = tokio::time::Instant::now() + IDLE_AFTER;
                        let _ = relay.send(text.to_string());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
                relayed = relayed.recv() => {
                    let Ok(text) = relayed else { continue };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                _ = ping.tick() => {
                    if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    chat.leave(&room);
}

/// The presence service: every minute, tells each room how many are online. It runs as long as the server.
pub async fn presence(chat: Chat) {
    let mut every_minute = tokio::time::interval_at(tokio::time::Instant::now() + PRESENCE_EVERY, PRESENCE_EVERY);
    loop {
        every_minute.tick().await;
        let rooms = chat.rooms();
        for room in rooms.values() {
            let _ = room.relay.send(format!("presence: {} online", room.online));
        }
    }
}
