//! A small ticker server: confirms subscriptions, sends a tick per subscribed market every `tick_every`, and answers
//! a malformed request with an error message. Used by the binary over TCP; tests script their own server side.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::protocol::{Request, Tick, Update};

/// The price of the `sequence`-th tick of `pair`: deterministic, so a run can be checked.
pub fn price_cents(pair: &str, sequence: u64) -> u64 {
    let base = pair.bytes().map(u64::from).sum::<u64>() * 100;
    base + sequence * 25
}

/// Serves one connection until the client leaves.
pub async fn serve<S>(mut socket: WebSocketStream<S>, tick_every: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut subscribed: BTreeMap<String, u64> = BTreeMap::new();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + tick_every, tick_every);
    loop {
        tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let reply = match serde_json::from_str::<Request>(text.as_str()) {
                        Ok(Request::Subscribe { pair, .. }) => {
                            subscribed.entry(pair.clone()).or_insert(0);
                            Update::Subscribed { pair }
                        }
                        Ok(Request::Unsubscribe { pair, .. }) => {
                            subscribed.remove(&pair);
                            continue;
                        }
                        Err(error) => Update::Error { message: format!("bad request: {error}") },
                    };
                    if send(&mut socket, &reply).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) => {
                    let _ = socket.close(None).await;
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            _ = ticks.tick() => {
                for (pair, sequence) in &mut subscribed {
                    *sequence += 1;
                    let tick = Tick { pair: pair.clone(), price_cents: price_cents(pair, *sequence), sequence: *sequence };
                    if send(&mut socket, &Update::Tick(tick)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

async fn send<S>(socket: &mut WebSocketStream<S>, update: &Update) -> Result<(), tokio_tungstenite::tungstenite::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let text = serde_json::to_string(update).map_err(std::io::Error::other)?;
    socket.send(Message::text(text)).await
}

/// Accepts WebSocket connections on `listener` and serves each.
pub async fn listen(listener: TcpListener, tick_every: Duration) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                serve(socket, tick_every).await;
            }
        });
    }
}
