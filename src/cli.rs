//! The command line's definition: what `bantin` accepts, shared by the binary
//! (which parses it) and the packaging (man pages and shell completions are
//! generated from it, so they cannot drift from what the binary accepts).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// `bantin [OPTIONS] [COMMAND]`; with no command, it serves.
#[derive(Parser)]
#[command(
    name = "bantin",
    version,
    about = "Serve a store of Vietnamese news articles as RSS, Atom and JSON Feed",
    after_long_help = "The config file is --config FILE, else $BANTIN_CONFIG, else ./config.toml \
when it exists, else the built-in defaults.\n\n\
Exit status: 0 success; 1 `check` found rejected files, or a runtime failure; \
2 a usage error; 64 a configuration that cannot be used (the message names the key)."
)]
pub struct Cli {
    /// The command to run; none means `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s options, also accepted without the word `serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    /// Refuses `serve`'s `--store` and `--listen` written before a subcommand
    /// (`bantin --store X build`): clap accepts them there, as options of
    /// `bantin` alone, but no subcommand reads them, and a sysadmin who wrote
    /// them meant them. A usage error (exit 2) that says where they go.
    pub fn check_placement(&self) -> Result<(), clap::Error> {
        let Some(command) = &self.command else {
            return Ok(());
        };
        let name = command.name();
        let given = [
            ("--store", self.serve.store.is_some()),
            ("--listen", self.serve.listen.is_some()),
        ];
        let Some((flag, _)) = given.iter().find(|(_, given)| *given) else {
            return Ok(());
        };
        let takes_it = matches!(command, Command::Serve(_))
            || (*flag == "--store" && matches!(command, Command::Build { .. }));
        let hint = if takes_it {
            format!("write it after the subcommand: `bantin {name} {flag} …`")
        } else {
            format!("`bantin {name}` does not take it")
        };
        let message = format!(
            "'{flag}' before the subcommand '{name}' is an option of `bantin` alone \
             (which serves), and '{name}' would not use it; {hint}"
        );
        Err(<Cli as clap::CommandFactory>::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message))
    }
}

/// The options of `bantin serve`.
#[derive(clap::Args, Clone, Default)]
pub struct ServeArgs {
    /// The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]
    #[arg(long, global = true, env = "BANTIN_CONFIG")]
    pub config: Option<PathBuf>,
    /// The article store (overrides `store` in the config)
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// The address to listen on (overrides `listen` in the config)
    #[arg(long)]
    pub listen: Option<String>,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the daemon (the default)
    Serve(ServeArgs),
    /// Show how each file parses
    Check {
        /// One JSON object per file and line
        #[arg(long)]
        json: bool,
        /// Files or folders (recursive); one inside the store is read as the
        /// daemon reads it, with ids under the store root
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write every feed, the OPML list and the front page into a folder
    Build {
        /// The folder to write into (not inside the store)
        #[arg(long, required_unless_present = "dry_run")]
        out: Option<PathBuf>,
        /// Render everything and say how many files and bytes a build would
        /// write, writing nothing (to size the disk first)
        #[arg(long, conflicts_with = "out")]
        dry_run: bool,
        /// The article store (overrides `store` in the config)
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Configuration commands
    Config {
        /// What to do with the configuration.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

impl Command {
    /// The subcommand as it is typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Serve(_) => "serve",
            Command::Check { .. } => "check",
            Command::Build { .. } => "build",
            Command::Config { .. } => "config",
        }
    }
}

/// The subcommands of `bantin config`.
#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print it with defaults filled in
    Check {
        /// Print nothing when the configuration is valid (problems still go to
        /// stderr, with exit status 64): what the service unit runs before every start
        #[arg(short, long)]
        quiet: bool,
    },
}
