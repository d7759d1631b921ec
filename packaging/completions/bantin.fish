# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_bantin_global_optspecs
    string join \n config= store= listen= h/help V/version
end

function __fish_bantin_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_bantin_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_bantin_using_subcommand
    set -l cmd (__fish_bantin_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c bantin -n "__fish_bantin_needs_command" -l config -d 'The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]' -r -F
complete -c bantin -n "__fish_bantin_needs_command" -l store -d 'The article store (overrides `store` in the config)' -r -F
complete -c bantin -n "__fish_bantin_needs_command" -l listen -d 'The address to listen on (overrides `listen` in the config)' -r
complete -c bantin -n "__fish_bantin_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bantin -n "__fish_bantin_needs_command" -s V -l version -d 'Print version'
complete -c bantin -n "__fish_bantin_needs_command" -f -a "serve" -d 'Run the daemon (the default)'
complete -c bantin -n "__fish_bantin_needs_command" -f -a "check" -d 'Show how each file parses'
complete -c bantin -n "__fish_bantin_needs_command" -f -a "build" -d 'Write every feed, the OPML list and the front page into a folder'
complete -c bantin -n "__fish_bantin_needs_command" -f -a "config" -d 'Configuration commands'
complete -c bantin -n "__fish_bantin_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bantin -n "__fish_bantin_using_subcommand serve" -l config -d 'The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand serve" -l store -d 'The article store (overrides `store` in the config)' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand serve" -l listen -d 'The address to listen on (overrides `listen` in the config)' -r
complete -c bantin -n "__fish_bantin_using_subcommand serve" -s h -l help -d 'Print help'
complete -c bantin -n "__fish_bantin_using_subcommand check" -l config -d 'The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand check" -l json -d 'One JSON object per file and line'
complete -c bantin -n "__fish_bantin_using_subcommand check" -s h -l help -d 'Print help'
complete -c bantin -n "__fish_bantin_using_subcommand build" -l out -d 'The folder to write into (not inside the store)' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand build" -l store -d 'The article store (overrides `store` in the config)' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand build" -l config -d 'The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand build" -l dry-run -d 'Render everything and say how many files and bytes a build would write, writing nothing (to size the disk first)'
complete -c bantin -n "__fish_bantin_using_subcommand build" -l fail-on-rejected -d 'Fail, leaving the folder as it was, when any file of the store is rejected (the daemon would serve its last good version; a build has none)'
complete -c bantin -n "__fish_bantin_using_subcommand build" -s h -l help -d 'Print help'
complete -c bantin -n "__fish_bantin_using_subcommand config; and not __fish_seen_subcommand_from check help" -l config -d 'The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand config; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c bantin -n "__fish_bantin_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Validate the configuration and print it with defaults filled in'
complete -c bantin -n "__fish_bantin_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bantin -n "__fish_bantin_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'The configuration file [default: ./config.toml, else /etc/bantin/config.toml, if present]' -r -F
complete -c bantin -n "__fish_bantin_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print nothing when the configuration is valid (problems still go to stderr, with exit status 64): what the service unit runs before every reload'
complete -c bantin -n "__fish_bantin_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c bantin -n "__fish_bantin_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the configuration and print it with defaults filled in'
complete -c bantin -n "__fish_bantin_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bantin -n "__fish_bantin_using_subcommand help; and not __fish_seen_subcommand_from serve check build config help" -f -a "serve" -d 'Run the daemon (the default)'
complete -c bantin -n "__fish_bantin_using_subcommand help; and not __fish_seen_subcommand_from serve check build config help" -f -a "check" -d 'Show how each file parses'
complete -c bantin -n "__fish_bantin_using_subcommand help; and not __fish_seen_subcommand_from serve check build config help" -f -a "build" -d 'Write every feed, the OPML list and the front page into a folder'
complete -c bantin -n "__fish_bantin_using_subcommand help; and not __fish_seen_subcommand_from serve check build config help" -f -a "config" -d 'Configuration commands'
complete -c bantin -n "__fish_bantin_using_subcommand help; and not __fish_seen_subcommand_from serve check build config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bantin -n "__fish_bantin_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the configuration and print it with defaults filled in'
