using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FaceIndex.Search.Hnsw;

/// <summary>How an HNSW graph is built: links per node and the breadth of the search that places each node.</summary>
/// <param name="Connectivity">M, the links each node keeps per layer (2M on the bottom layer).</param>
/// <param name="ExpansionAdd">efConstruction, the candidate list kept while a node's links are chosen.</param>
/// <param name="HalfPrecision">Store the vectors as float16 (half the bytes; distances are re-measured exactly by the caller).</param>
public sealed record HnswParameters(int Connectivity = 16, int ExpansionAdd = 128, bool HalfPrecision = true);

/// <summary>The failure of a USearch call, with USearch's own message.</summary>
public sealed class HnswException(string message) : Exception(message);

/// <summary>
/// An HNSW graph index (USearch) over float vectors under squared Euclidean distance, keyed by 64-bit ids. Built in
/// memory, saved to a file, and opened again as a read-only memory-mapped view, so a large index costs page cache,
/// not heap. Add and Search are safe from any number of threads: USearch keeps one scratch context per thread it
/// was sized for and takes a free one per call (with none free it would index out of bounds), so calls beyond that
/// number wait here for a context.
/// </summary>
public sealed unsafe class HnswIndex : IDisposable
{
    private readonly SemaphoreSlim _addContexts;
    private readonly SemaphoreSlim _searchContexts;
    private nint _handle;

    private HnswIndex(nint handle, int dimensions, bool isView, int threads)
    {
        _handle = handle;
        Dimensions = dimensions;
        IsView = isView;
        Threads = threads;
        UsearchNative.ChangeThreadsAdd(handle, (nuint)threads, out var error);
        ThrowIf(error, "reserving build contexts");
        UsearchNative.ChangeThreadsSearch(handle, (nuint)threads, out error);
        ThrowIf(error, "reserving search contexts");
        _addContexts = new SemaphoreSlim(threads, threads);
        _searchContexts = new SemaphoreSlim(threads, threads);
    }

    /// <summary>The USearch library's version, e.g. "2.26.6".</summary>
    public static string LibraryVersion => Marshal.PtrToStringUTF8(UsearchNative.Version()) ?? "unknown";

    public int Dimensions { get; }

    /// <summary>How many Add or Search calls run at once; more wait.</summary>
    public int Threads { get; }

    /// <summary>True when the index is a memory-mapped view of a file (read-only).</summary>
    public bool IsView { get; }

    public long Count => (long)Call(static (h, e) => UsearchNative.Size(h, out e.Value));

    public int Connectivity => (int)Call(static (h, e) => UsearchNative.Connectivity(h, out e.Value));

    /// <summary>Bytes of memory the index holds (a view's file pages are not counted).</summary>
    public long MemoryUsage => (long)Call(static (h, e) => UsearchNative.MemoryUsage(h, out e.Value));

    /// <summary>The SIMD code path USearch chose for this CPU, e.g. "skylake" or "haswell".</summary>
    public string HardwareAcceleration => Marshal.PtrToStringUTF8(Call(static (h, e) => UsearchNative.HardwareAcceleration(h, out e.Value))) ?? "unknown";

    /// <summary>ef at search time: the candidate list kept while searching; larger is slower and finds more.</summary>
    public int ExpansionSearch
    {
        get => (int)Call(static (h, e) => UsearchNative.ExpansionSearch(h, out e.Value));
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            UsearchNative.ChangeExpansionSearch(Handle, (nuint)value, out var error);
            ThrowIf(error, "setting the search expansion");
        }
    }

    /// <summary>A new, empty index in memory, for <paramref name="threads"/> concurrent calls (0: one per core).</summary>
    public static HnswIndex Create(int dimensions, HnswParameters parameters, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Connectivity, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.ExpansionAdd);
        var options = new UsearchNative.InitOptions
        {
            MetricKind = UsearchNative.MetricL2Squared,
            Quantization = parameters.HalfPrecision ? UsearchNative.ScalarF16 : UsearchNative.ScalarF32,
            Dimensions = (nuint)dimensions,
            Connectivity = (nuint)parameters.Connectivity,
            ExpansionAdd = (nuint)parameters.ExpansionAdd,
            ExpansionSearch = 64,
        };
        var handle = UsearchNative.Init(&options, out var error);
        if (error != 0 || handle == 0)
        {
            if (handle != 0)
            {
                UsearchNative.Free(handle, out _);
            }

            throw new HnswException($"USearch could not create an index: {Message(error)}");
        }

        try
        {
            return new HnswIndex(handle, dimensions, isView: false, ThreadsOrCores(threads));
        }
        catch
        {
            UsearchNative.Free(handle, out _);
            throw;
        }
    }

    /// <summary>Opens a saved index as a read-only memory-mapped view (<paramref name="view"/>) or loads it into memory.</summary>
    public static HnswIndex Open(string path, bool view = true, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no HNSW index at {path}", path);
        }

        var options = default(UsearchNative.InitOptions);
        UsearchNative.Metadata(path, &options, out var error);
        if (error != 0)
        {
            throw new HnswException($"{path} is not a readable USearch index: {Message(error)}");
        }

        var handle = UsearchNative.Init(&options, out error);
        if (error != 0 || handle == 0)
        {
            if (handle != 0)
            {
                UsearchNative.Free(handle, out _);
            }

            throw new HnswException($"USearch could not prepare an index for {path}: {Message(error)}");
        }

        HnswIndex index;
        try
        {
            index = new HnswIndex(handle, (int)options.Dimensions, view, ThreadsOrCores(threads));
        }
        catch
        {
            UsearchNative.Free(handle, out _);
            throw;
        }

        if (view)
        {
            UsearchNative.View(handle, path, out error);
        }
        else
        {
            UsearchNative.Load(handle, path, out error);
        }

        if (error != 0)
        {
            index.Dispose();
            throw new HnswException($"{path} could not be {(view ? "mapped" : "loaded")}: {Message(error)}");
        }

        return index;
    }

    /// <summary>Makes room for <paramref name="capacity"/> vectors in all.</summary>
    public void Reserve(long capacity)
    {
        UsearchNative.Reserve(Handle, (nuint)capacity, out var error);
        ThrowIf(error, $"reserving room for {capacity:N0} vectors");
    }

    /// <summary>Adds <paramref name="vector"/> under <paramref name="key"/>; safe from as many threads as the index was created for.</summary>
    public void Add(ulong key, ReadOnlySpan<float> vector)
    {
        CheckDimensions(vector.Length);
        if (IsView)
        {
            throw new InvalidOperationException("a memory-mapped HNSW view is read-only; build a new index instead");
        }

        _addContexts.Wait();
        try
        {
            fixed (float* v = vector)
            {
                UsearchNative.Add(Handle, key, v, UsearchNative.ScalarF32, out var error);
                ThrowIf(error, $"adding vector {key}");
            }
        }
        finally
        {
            _addContexts.Release();
        }
    }

    /// <summary>
    /// The (approximately) nearest vectors to <paramref name="query"/>: keys and squared Euclidean distances, nearest
    /// first, as many as fit in <paramref name="keys"/>; returns how many were found.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, Span<ulong> keys, Span<float> squaredDistances)
    {
        CheckDimensions(query.Length);
        if (squaredDistances.Length < keys.Length)
        {
            throw new ArgumentException("needs a distance slot for every key slot", nameof(squaredDistances));
        }

        _searchContexts.Wait();
        try
        {
            fixed (float* q = query)
            fixed (ulong* k = keys)
            fixed (float* d = squaredDistances)
            {
                var found = UsearchNative.Search(Handle, q, UsearchNative.ScalarF32, (nuint)keys.Length, k, d, out var error);
                ThrowIf(error, "searching");
                return (int)found;
            }
        }
        finally
        {
            _searchContexts.Release();
        }
    }

    /// <summary>Writes the index to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        UsearchNative.Save(Handle, path, out var error);
        ThrowIf(error, $"saving to {path}");
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            UsearchNative.Free(handle, out _);
            _addContexts.Dispose();
            _searchContexts.Dispose();
        }
    }

    private static int ThreadsOrCores(int threads) => threads > 0 ? threads : Environment.ProcessorCount;

    private nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(HnswIndex));

    private static string Message(nint error) => error == 0 ? "no detail given" : Marshal.PtrToStringUTF8(error) ?? "no detail given";

    private T Call<T>(Func<nint, StrongBox<nint>, T> call)
    {
        var error = new StrongBox<nint>();
        var result = call(Handle, error);
        ThrowIf(error.Value, "reading a property");
        return result;
    }

    private static void ThrowIf(nint error, string doing)
    {
        if (error != 0)
        {
            throw new HnswException($"USearch failed {doing}: {Message(error)}");
        }
    }

    private void CheckDimensions(int length)
    {
        if (length != Dimensions)
        {
            throw new ArgumentException($"the index holds {Dimensions}-dimensional vectors, this one has {length}");
        }
    }
}
