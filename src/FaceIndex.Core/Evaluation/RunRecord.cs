using System.Reflection;
using System.Runtime.InteropServices;

namespace FaceIndex.Evaluation;

/// <summary>
/// What a reader needs to repeat an evaluation: software and machine, settings, when it ran and how long each step took.
/// <see cref="Extra"/> is the extension point for what only the caller knows (model checksums, native library versions, dataset hashes).
/// </summary>
public sealed record RunRecord
{
    /// <summary>FaceIndex's informational version (the assembly's, e.g. "0.1.0+commit").</summary>
    public required string FaceIndexVersion { get; init; }

    /// <summary>The .NET runtime (RuntimeInformation.FrameworkDescription).</summary>
    public required string DotnetVersion { get; init; }

    /// <summary>The operating system (RuntimeInformation.OSDescription) and architecture.</summary>
    public required string Os { get; init; }

    /// <summary>The CPU's "model name" from /proc/cpuinfo, or the architecture where that file is absent.</summary>
    public required string CpuModel { get; init; }

    /// <summary>Logical processors available to the process (Environment.ProcessorCount).</summary>
    public required int CoreCount { get; init; }

    /// <summary>The settings of the run, as name and printed value.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When the run started (UTC).</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When the run finished (UTC).</summary>
    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>Wall time of named steps, in seconds.</summary>
    public IReadOnlyDictionary<string, double> TimingsSeconds { get; init; } = new SortedDictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Caller-supplied facts, e.g. "model sha256" or "dlib version".</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Captures this machine and runtime, with the given settings and times.</summary>
    public static RunRecord Capture(
        IReadOnlyDictionary<string, string> settings,
        DateTimeOffset startedUtc,
        DateTimeOffset finishedUtc,
        IReadOnlyDictionary<string, double>? timingsSeconds = null,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new RunRecord
        {
            FaceIndexVersion = typeof(RunRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(RunRecord).Assembly.GetName().Version?.ToString() ?? "unknown",
            DotnetVersion = RuntimeInformation.FrameworkDescription,
            Os = $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
            CpuModel = ReadCpuModel(),
            CoreCount = Environment.ProcessorCount,
            Settings = new SortedDictionary<string, string>(settings.ToDictionary(), StringComparer.Ordinal),
            StartedUtc = startedUtc.ToUniversalTime(),
            FinishedUtc = finishedUtc.ToUniversalTime(),
            TimingsSeconds = new SortedDictionary<string, double>((timingsSeconds ?? new Dictionary<string, double>()).ToDictionary(), StringComparer.Ordinal),
            Extra = new SortedDictionary<string, string>((extra ?? new Dictionary<string, string>()).ToDictionary(), StringComparer.Ordinal),
        };
    }

    /// <summary>The first "model name" line of /proc/cpuinfo, else the process architecture.</summary>
    public static string ReadCpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        try
        {
            if (File.Exists(cpuinfo))
            {
                foreach (var line in File.ReadLines(cpuinfo))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0 && line[..colon].Trim() == "model name")
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // Unreadable cpuinfo (a sandbox): fall through to the architecture.
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
