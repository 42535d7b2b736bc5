using System.CommandLine;

namespace FaceIndex.Cli.Commands;

/// <summary>Every subcommand, in the order the help lists them.</summary>
internal static class CommandSet
{
    public static IEnumerable<Command> All()
    {
        yield return IndexCommand.Create();
        yield return QueryCommand.Create();
        yield return ServeCommand.Create();
        yield return FacesCommand.Create();
        yield return VerifyCommand.Create();
        yield return LibraryCommands.Datasets();
        yield return LibraryCommands.Info();
        yield return LibraryCommands.Remove();
        yield return MergeCommand.Create();
        yield return ExportCommand.Create();
        yield return AuditCommand.Create();
        yield return ClusterCommand.Create();
        yield return PgCommands.Status();
        yield return EvalCommand.Create();
        yield return CalibrateCommand.Create();
        yield return BenchCommand.Create();
        yield return BenchCommand.CreateQuery();
        yield return ModelsCommand.Create();
    }
}
