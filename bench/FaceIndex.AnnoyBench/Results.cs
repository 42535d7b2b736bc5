namespace FaceIndex.AnnoyBench;

/// <summary>Where and how a run was measured.</summary>
internal sealed record Machine(string Cpu, int Cores, string Os, string Runtime, bool Avx2, bool Avx512);

/// <summary>The inputs of a run.</summary>
internal sealed record Settings(string Data, string Metric, int N, int Dim, int Trees, int Seed, int Queries, int Repeats);

/// <summary>One build: its thread count, wall and CPU seconds, and the sha256 of the saved file.</summary>
internal sealed record BuildResult(int Threads, double Seconds, double CpuSeconds, string Sha256);

/// <summary>
/// One searchK, single-threaded: queries per second by wall clock and by process CPU time (median of the repeats;
/// CPU time is the fairer figure on a shared machine) and recall@10 against the exact index.
/// </summary>
internal sealed record SearchResult(int SearchK, double QueriesPerSecond, double CpuQueriesPerSecond, double Recall);

/// <summary>Everything one implementation measured.</summary>
internal sealed record BenchReport(
    string Implementation,
    Machine? Machine,
    Settings? Settings,
    IReadOnlyList<BuildResult> Builds,
    long IndexBytes,
    double PeakRssMb,
    IReadOnlyList<SearchResult> Search,
    double? CallOverheadMicroseconds = null);
