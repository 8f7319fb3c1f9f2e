//! `airbyte-agent completions <shell>`: shell completion scripts.

use std::io::Write;

use airbyte_agent_sdk::{Error, Result};
use clap::Args;
use clap_complete::Shell;

/// Print a completion script for a shell
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    airbyte-agent completions bash > ~/.local/share/bash-completion/completions/airbyte-agent\n  \
    airbyte-agent completions zsh > \"${fpath[1]}/_airbyte-agent\"\n  \
    airbyte-agent completions fish > ~/.config/fish/completions/airbyte-agent.fish")]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsArgs {
    /// Writes the script for `cmd` (the whole CLI) to stdout.
    pub fn run(&self, cmd: &mut clap::Command) -> Result<()> {
        let name = cmd.get_name().to_string();
        // Generated into memory first: clap_complete panics on write errors,
        // and a closed pipe (`| head`) is not worth a panic.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, cmd, name, &mut script);
        let mut out = std::io::stdout().lock();
        match out.write_all(&script).and_then(|()| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
            _ => Ok(()),
        }
    }
}
