//! `airbyte-bench`: the measuring programs behind `bench/run`. Each
//! subcommand prints one JSON line; `report` turns the collected lines into
//! `bench/RESULTS.md`.

mod calls;
mod hosted;
mod page;
mod report;
mod server;
mod streams;
mod usage;

#[cfg(typed_stripe)]
#[allow(
    dead_code,
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
mod stripe_typed {
    include!(concat!(env!("OUT_DIR"), "/stripe_typed.rs"));
}

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::Value;

#[derive(Parser)]
#[command(about = "Benchmark programs for bench/run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a Stripe list page of generated customers (for nginx to serve)
    Page {
        #[arg(long, default_value_t = 100)]
        records: u64,
    },
    /// `customers list limit=100` through one client, N calls
    Calls {
        #[arg(long, value_enum)]
        target: calls::Target,
        /// The Stripe connector definition
        #[arg(long)]
        definition: PathBuf,
        #[arg(long)]
        base_url: String,
        #[arg(long, default_value_t = 2000)]
        calls: u64,
        #[arg(long, default_value_t = 50)]
        warmup: u64,
        #[arg(long, default_value_t = 1)]
        concurrency: u64,
    },
    /// Serve generated customer pages and a large file on 127.0.0.1
    Serve {
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 1 << 30)]
        file_bytes: u64,
    },
    /// Page through every customer of a `serve` process
    Paginate {
        #[arg(long)]
        definition: PathBuf,
        #[arg(long)]
        base_url: String,
        #[arg(long, default_value_t = 1_000_000)]
        expect: u64,
    },
    /// Download the file of a `serve` process
    Download {
        #[arg(long)]
        base_url: String,
        #[arg(long, default_value_t = 1 << 30)]
        expect: u64,
    },
    /// Concurrent hosted executes on a cold token cache
    Hosted {
        #[arg(long, default_value_t = 1000)]
        calls: u64,
    },
    /// Write the markdown report from collected JSON lines
    Report {
        #[arg(long)]
        results: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator this binary was built with, as the results name it.
pub const ALLOCATOR_NAME: &str = if cfg!(feature = "mimalloc") {
    "mimalloc"
} else {
    "system"
};

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse().command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("airbyte-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let line = match command {
        Command::Page { records } => {
            println!("{}", page::list_page(0, records, records));
            return Ok(());
        }
        Command::Calls {
            target,
            definition,
            base_url,
            calls,
            warmup,
            concurrency,
        } => {
            calls::run(calls::CallsArgs {
                target,
                definition: &definition,
                base_url: &base_url,
                calls,
                warmup,
                concurrency,
            })
            .await?
        }
        Command::Serve {
            records,
            file_bytes,
        } => {
            return server::serve(records, file_bytes)
                .await
                .map_err(|e| e.to_string());
        }
        Command::Paginate {
            definition,
            base_url,
            expect,
        } => streams::paginate(&definition, &base_url, expect).await?,
        Command::Download { base_url, expect } => streams::download(&base_url, expect).await?,
        Command::Hosted { calls } => hosted::run(calls).await?,
        Command::Report { results, out } => {
            let text = std::fs::read_to_string(&results)
                .map_err(|e| format!("{}: {e}", results.display()))?;
            let lines = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str)
                .collect::<Result<Vec<Value>, _>>()
                .map_err(|e| format!("{}: {e}", results.display()))?;
            std::fs::write(&out, report::render(&lines))
                .map_err(|e| format!("{}: {e}", out.display()))?;
            return Ok(());
        }
    };
    println!("{line}");
    Ok(())
}
