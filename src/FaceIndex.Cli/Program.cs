using System.CommandLine;
using FaceIndex.Cli.Commands;

namespace FaceIndex.Cli;

/// <summary>The faceindex command: parses, calls the library, renders. Exit codes: 0 success, 1 bad input, 2 usage.</summary>
public static class Program
{
    public const int Success = 0;
    public const int BadInput = 1;
    public const int Usage = 2;

    public static int Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Piped or captured output: no terminal width to fit, so keep table rows on one line.
            Spectre.Console.AnsiConsole.Profile.Width = 240;
        }

        var root = new RootCommand("FaceIndex: index licensed face datasets, query them by photo, evaluate and benchmark face recognition.");
        foreach (var command in CommandSet.All())
        {
            root.Subcommands.Add(command);
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"faceindex: {error.Message}");
            }

            Console.Error.WriteLine("Run 'faceindex --help' (or 'faceindex COMMAND --help') for usage.");
            return Usage;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (FaceIndexException ex)
        {
            Console.Error.WriteLine($"faceindex: error: {ex.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("faceindex: cancelled");
            return 130;
        }
    }
}
