//! The example bot of the workspace (`cargo run --example bot`): support-bot's `host_bot`
//! example, which support-bot's own tests also start as a process (and kill).

#[path = "../crates/support-bot/examples/host_bot.rs"]
mod host_bot;

fn main() -> anyhow::Result<()> {
    host_bot::main()
}
