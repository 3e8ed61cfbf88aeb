//! `cargo run -p chat`: the chat service on 127.0.0.1:8080 (or `PORT`), with its presence service.

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("chat on ws://{}/rooms/{{room}}", listener.local_addr()?);
    let chat = chat::Chat::default();
    tokio::spawn(chat::presence(chat.clone()));
    // Nagle off: chat lines are small frames.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, chat::app(chat)).await
}
