//! `chatlabs-support-server`: the complete support server (REST, websockets, console). Every flag
//! also reads an environment variable; `--help` lists them.

use std::process::ExitCode;

use chatlabs_support_server::{Options, init_tracing, run};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    init_tracing(options.log_format);
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::FAILURE
        }
    }
}
