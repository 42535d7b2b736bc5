using System.CommandLine;

namespace FaceIndex.Cli.Commands;

/// <summary>Every subcommand, in the order the help lists them.</summary>
internal static class CommandSet
{
    public static IEnumerable<Command> All()
    {
        yield return ModelsCommand.Create();
    }
}
