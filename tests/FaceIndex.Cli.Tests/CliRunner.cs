using System.Diagnostics;

using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>The result of one faceindex process.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the built faceindex CLI as a child process, as a user would.</summary>
internal static class CliRunner
{
    /// <summary>faceindex.dll beside the tests (copied by the project reference).</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "faceindex.dll");

    public static CliResult Run(params string[] args) => Run(TimeSpan.FromMinutes(5), args);

    public static CliResult Run(TimeSpan timeout, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"faceindex {string.Join(' ', args)} ran over {timeout}");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts faceindex with redirected output; the caller waits or kills.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["FACEINDEX_LIBRARY"] = string.Empty;
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }
}

/// <summary>Builds small datasets from the committed test photos.</summary>
internal static class Datasets
{
    /// <summary>Copies the committed face_recognition sample (identity folders + dataset.json) into <paramref name="dir"/>.</summary>
    public static string CopySample(string dir)
    {
        CopyTree(TestPaths.DataFile("faces", "face_recognition"), dir);
        return dir;
    }

    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
