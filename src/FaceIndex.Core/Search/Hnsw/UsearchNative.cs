using System.Runtime.InteropServices;

namespace FaceIndex.Search.Hnsw;

/// <summary>
/// P/Invoke declarations for USearch's C API (c/usearch.h), whose native library ships in the Cloud.Unum.USearch
/// package. The package's own C# wrapper cannot change the search expansion of an index loaded or viewed from a
/// file (the one knob recall is tuned with) and allocates two arrays per search, so FaceIndex calls the C API.
/// </summary>
internal static unsafe partial class UsearchNative
{
    public const string LibraryName = "usearch_c";

    public const int MetricL2Squared = 3;
    public const int ScalarF32 = 1;
    public const int ScalarF16 = 3;

    /// <summary>usearch_init_options_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public int MetricKind;
        public nint Metric;
        public int Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(LibraryName, EntryPoint = "usearch_version")]
    public static partial nint Version();

    [LibraryImport(LibraryName, EntryPoint = "usearch_init")]
    public static partial nint Init(InitOptions* options, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_free")]
    public static partial void Free(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_save", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Save(nint index, string path, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_load", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Load(nint index, string path, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_view", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void View(nint index, string path, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_metadata", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Metadata(string path, InitOptions* options, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_size")]
    public static partial nuint Size(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_connectivity")]
    public static partial nuint Connectivity(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_dimensions")]
    public static partial nuint Dimensions(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_memory_usage")]
    public static partial nuint MemoryUsage(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_hardware_acceleration")]
    public static partial nint HardwareAcceleration(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_reserve")]
    public static partial void Reserve(nint index, nuint capacity, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_expansion_search")]
    public static partial nuint ExpansionSearch(nint index, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_change_expansion_search")]
    public static partial void ChangeExpansionSearch(nint index, nuint expansion, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_change_threads_add")]
    public static partial void ChangeThreadsAdd(nint index, nuint threads, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_change_threads_search")]
    public static partial void ChangeThreadsSearch(nint index, nuint threads, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_add")]
    public static partial void Add(nint index, ulong key, float* vector, int vectorKind, out nint error);

    [LibraryImport(LibraryName, EntryPoint = "usearch_search")]
    public static partial nuint Search(nint index, float* query, int queryKind, nuint count, ulong* keys, float* distances, out nint error);
}
