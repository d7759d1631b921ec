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
    after_long_help = format!(
        "The config file is {}.\n\n\
Exit status: 0 success; 1 `check` found rejected files or was named a path the daemon never \
reads, or a runtime failure; \
2 a usage error; 64 a configuration that cannot be used (the message names the key).",
        crate::config::LOOKUP_ORDER
    )
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
    // Kept in step with `config::DEFAULT_PATHS` by a test below.
    #[arg(long, global = true, env = "BANTIN_CONFIG", value_parser = config_path())]
    pub config: Option<PathBuf>,
    /// The article store (overrides `store` in the config)
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// The address to listen on (overrides `listen` in the config)
    #[arg(long)]
    pub listen: Option<String>,
}

/// `--config`'s value (or `$BANTIN_CONFIG`'s) as a path, any bytes; an empty
/// one is a usage error saying so, and what to write instead, where clap's
/// own would say that no value was given.
fn config_path() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().try_map(|value| {
        if value.is_empty() {
            Err(
                "the path is empty: name a config file, or give neither --config nor \
                 $BANTIN_CONFIG to use ./config.toml, else /etc/bantin/config.toml, else the \
                 built-in defaults",
            )
        } else {
            Ok(PathBuf::from(value))
        }
    })
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
        /// Fail, leaving the folder as it was, when any file of the store is
        /// rejected (the daemon would serve its last good version; a build
        /// has none)
        #[arg(long)]
        fail_on_rejected: bool,
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
        /// stderr, with exit status 64): what the service unit runs before every reload
        #[arg(short, long)]
        quiet: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_PATHS;

    #[test]
    fn an_empty_config_path_is_refused_saying_it_is_empty() {
        let err = Cli::try_parse_from(["bantin", "config", "check", "--config", ""])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("'--config <CONFIG>'") && err.contains("the path is empty"),
            "{err}"
        );
        let cli = Cli::try_parse_from(["bantin", "--config", "b.toml"]).unwrap();
        assert_eq!(cli.serve.config, Some(PathBuf::from("b.toml")));
        // Still completed as a path by the shells.
        let command = <Cli as clap::CommandFactory>::command();
        let config = command.get_arguments().find(|a| a.get_id() == "config");
        assert_eq!(
            config.map(clap::Arg::get_value_hint),
            Some(clap::ValueHint::AnyPath)
        );
    }

    /// Where each of `paths` is first named in `text`, which must name them all.
    fn positions(text: &str, paths: &[&str]) -> Vec<usize> {
        paths
            .iter()
            .map(|p| {
                text.find(p)
                    .unwrap_or_else(|| panic!("{p} is not named in: {text}"))
            })
            .collect()
    }

    #[test]
    fn the_help_gives_the_lookup_order_the_code_follows() {
        let cmd = <Cli as clap::CommandFactory>::command();
        let help = cmd
            .get_after_long_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        let at = positions(&help, &["--config FILE", "$BANTIN_CONFIG"]);
        let files = positions(&help, &DEFAULT_PATHS);
        assert!(at[0] < at[1] && at[1] < files[0], "{help}");
        assert!(files.windows(2).all(|w| w[0] < w[1]), "{help}");
        let option = cmd
            .get_arguments()
            .find(|a| a.get_id() == "config")
            .and_then(|a| a.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        let in_option = positions(&option, &DEFAULT_PATHS);
        assert!(in_option.windows(2).all(|w| w[0] < w[1]), "{option}");
    }
}
