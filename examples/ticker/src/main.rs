//! Runs the client against a real server on 127.0.0.1: subscribes, prints three ticks, shuts down.

use std::time::Duration;

use futures_util::StreamExt;
use ticker::client::{Client, Config};
use ticker::nonce::nonce_manager;
use ticker::server;
use ticker::tcp::TcpConnector;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(server::listen(listener, Duration::from_millis(200)));
    let (manager, nonces) = nonce_manager();
    let refresher = tokio::spawn(manager.run());
    let (client, _events) = Client::start(TcpConnector { address }, nonces, Config::default());
    let mut ticks = client.subscribe("btc-usd").await;
    for _ in 0..3 {
        match ticks.next().await {
            Some(tick) => println!("{} #{}: {} cents", tick.pair, tick.sequence, tick.price_cents),
            None => break,
        }
    }
    client.shutdown().await;
    refresher.abort();
    server.abort();
    Ok(())
}
