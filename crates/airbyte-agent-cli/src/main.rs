//! `airbyte-agent`: run Airbyte connectors from the shell.
//!
//! A thin front end over `airbyte-agent-sdk`: parse flags, call the library,
//! print JSON on stdout, print errors on stderr and exit with a code per error
//! kind (table in [`exit`] and at the end of `--help`).
//!
//! Adding a command group is two lines here (a variant of [`Command`] and its
//! arm in [`Command::run`]) plus its module under `commands/`.

mod commands;
mod context;
mod exit;
mod global;
mod json_arg;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use serde_json::Value;

use crate::commands::*;
use crate::context::Context;
use crate::global::GlobalArgs;
use crate::output::JsonStyle;

/// Run Airbyte connectors from the shell: execute operations, manage
/// connectors, workflows and automations, and ask questions across a workspace.
#[derive(Debug, Parser)]
#[command(
    name = "airbyte-agent",
    version,
    propagate_version = true,
    after_help = exit::EXIT_CODES_HELP,
    after_long_help = exit::EXIT_CODES_HELP
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(subcommand)]
    Connectors(connectors::ConnectorsCommand),
    Exec(exec::ExecArgs),
    Check(check::CheckArgs),
    Ask(ask::AskArgs),
    #[command(subcommand)]
    Workflows(workflows::WorkflowsCommand),
    #[command(subcommand)]
    Automations(automations::AutomationsCommand),
    #[command(subcommand)]
    Oauth(oauth::OauthCommand),
    Catalog(catalog::CatalogArgs),
    Completions(completions::CompletionsArgs),
    #[command(subcommand)]
    Local(local::LocalCommand),
    Definitions(definitions::DefinitionsArgs),
    Tools(tools::ToolsArgs),
    Mcp(mcp::McpArgs),
    Codegen(codegen::CodegenArgs),
    Demo(demo::DemoArgs),
    Sandbox(sandbox::SandboxArgs),
    Serve(server::ServeArgs),
    #[command(subcommand)]
    Admin(server::AdminCommand),
    #[command(subcommand)]
    Runs(server::RunsCommand),
}

/// What a command leaves for `main` to do.
enum Outcome {
    /// Print this JSON on stdout and exit 0.
    Json(Value),
    /// The command wrote its own output; exit with this code.
    Exit(u8),
}

impl From<Option<Value>> for Outcome {
    fn from(value: Option<Value>) -> Self {
        value.map_or(Outcome::Exit(exit::SUCCESS), Outcome::Json)
    }
}

/// Runs a command that writes its own output to stdout and returns its exit code.
fn self_printing(
    run: impl FnOnce(&mut dyn std::io::Write) -> airbyte_agent_sdk::Result<i32>,
) -> airbyte_agent_sdk::Result<Outcome> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let code = run(&mut lock)?;
    Ok(Outcome::Exit(
        u8::try_from(code).unwrap_or(exit::UNEXPECTED),
    ))
}

impl Command {
    /// Runs the command.
    async fn run(self, ctx: &Context) -> airbyte_agent_sdk::Result<Outcome> {
        let printed = match self {
            Command::Connectors(c) => c.run(ctx).await,
            Command::Exec(c) => c.run(ctx).await,
            Command::Check(c) => c.run(ctx).await,
            Command::Ask(c) => c.run(ctx).await,
            Command::Workflows(c) => c.run(ctx).await,
            Command::Automations(c) => c.run(ctx).await,
            Command::Oauth(c) => c.run(ctx).await,
            Command::Catalog(c) => c.run(),
            Command::Completions(c) => c.run(&mut Cli::command()).map(|()| None),
            Command::Local(c) => c.run().await,
            Command::Mcp(c) => c.run(ctx).await,
            Command::Demo(c) => c.run().await,
            Command::Sandbox(c) => c.run().await,
            Command::Definitions(c) => return self_printing(|out| definitions::run(c, out)),
            Command::Tools(c) => return self_printing(|out| tools::run(c, out)),
            Command::Codegen(c) => return self_printing(|out| codegen::run(c, out)),
            Command::Serve(c) => c.run().await,
            Command::Admin(c) => c.run().await,
            Command::Runs(c) => c.run().await,
        };
        printed.map(Outcome::from)
    }
}

// Many small short-lived allocations (JSON trees per call) from several
// threads at once: at 32 calls in flight glibc malloc took ~40% of the
// samples (arena locks, consolidation), and the same calls cost half the
// CPU on mimalloc (bench/FINDINGS.md, item 4).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` arrive here too, as "errors" for stdout.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    init_logging();
    let style = JsonStyle::detect(cli.global.pretty, cli.global.compact);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(exit::UNEXPECTED);
        }
    };
    let ctx = Context::new(cli.global);
    match runtime.block_on(cli.command.run(&ctx)) {
        Ok(Outcome::Json(value)) => match output::print_json(style, &value) {
            Ok(()) => ExitCode::from(exit::SUCCESS),
            // The reader went away (e.g. `| head`): nothing left to tell.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(exit::SUCCESS),
            Err(e) => {
                eprintln!("error: could not write the output: {e}");
                ExitCode::from(exit::exit_code(airbyte_agent_sdk::ErrorKind::Io))
            }
        },
        Ok(Outcome::Exit(code)) => ExitCode::from(code),
        Err(err) => {
            output::print_error(&err);
            ExitCode::from(exit::exit_code(err.kind()))
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings only).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(true)
        .try_init();
}
