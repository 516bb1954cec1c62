using System.Globalization;

namespace Cdp.Cli;

/// <summary>
/// The parsed command line: the command, its positional arguments and its options. Options are
/// <c>--name value</c>, <c>--name=value</c> or a bare <c>--flag</c>; <c>--</c> ends the options.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    private Arguments(string command) => Command = command;

    public string Command { get; }

    public List<string> Positionals { get; } = [];

    /// <summary>Parses <paramref name="args"/> against the options the command knows.</summary>
    /// <param name="flags">Options that take no value.</param>
    /// <param name="valued">Options that take a value.</param>
    /// <exception cref="UsageException">An unknown option, or a value missing.</exception>
    public static Arguments Parse(IReadOnlyList<string> args, string command, ISet<string> flags, ISet<string> valued)
    {
        var parsed = new Arguments(command);
        var optionsEnded = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (optionsEnded || !arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                if (arg == "--" && !optionsEnded)
                {
                    optionsEnded = true;
                    continue;
                }

                parsed.Positionals.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            if (flags.Contains(name))
            {
                if (equals >= 0)
                {
                    throw new UsageException($"--{name} takes no value.");
                }

                parsed._options[name] = null;
            }
            else if (valued.Contains(name))
            {
                if (equals >= 0)
                {
                    parsed._options[name] = arg[(equals + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    parsed._options[name] = args[++i];
                }
                else
                {
                    throw new UsageException($"--{name} needs a value.");
                }
            }
            else
            {
                throw new UsageException($"'{command}' has no option --{name}; see 'cdp {command} --help'.");
            }
        }

        return parsed;
    }

    public bool Has(string name) => _options.ContainsKey(name);

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public int GetInt(string name, int defaultValue, int min, int max)
    {
        if (Get(name) is not { } text)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'.");
    }

    /// <summary>The single positional argument the command takes.</summary>
    public string Single(string what)
    {
        return Positionals.Count switch
        {
            1 => Positionals[0],
            0 => throw new UsageException($"'{Command}' needs {what}; see 'cdp {Command} --help'."),
            _ => throw new UsageException($"'{Command}' takes one {what}, but got {Positionals.Count} arguments."),
        };
    }
}
