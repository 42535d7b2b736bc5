using System.Collections.Concurrent;
using FaceIndex.Pipeline;
using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>
/// Read-only <see cref="FaceLibrary"/> instances over one library, sharing one <see cref="FaceEngine"/> (the models load
/// once). A FaceLibrary is not thread-safe, so each request rents one; at most <c>capacity</c> exist.
/// </summary>
public sealed class LibraryPool : IDisposable
{
    private readonly string _library;
    private readonly FaceLibraryOptions _options;
    private readonly ConcurrentBag<FaceLibrary> _idle = [];
    private readonly ConcurrentBag<FaceLibrary> _all = [];
    private readonly SemaphoreSlim _slots;

    public LibraryPool(string library, FaceLibraryOptions? options, int capacity)
    {
        _library = Path.GetFullPath(library);
        _options = options ?? new FaceLibraryOptions();
        _slots = new SemaphoreSlim(capacity, capacity);
        Engine = FaceEngine.Load(_options.Engine);

        // Load the network and open the index now, so the first request does not pay for it.
        _ = Engine.Embedder;
        var first = FaceLibrary.Open(_library, _options, Engine);
        _ = first.Index;
        _all.Add(first);
        _idle.Add(first);
    }

    /// <summary>The models, shared by every library of the pool (thread-safe).</summary>
    public FaceEngine Engine { get; }

    /// <summary>The library folder.</summary>
    public string Library => _library;

    /// <summary>Waits for a free library (they are quick to give back: a search is well under a millisecond).</summary>
    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!_idle.TryTake(out var library))
        {
            try
            {
                library = FaceLibrary.Open(_library, _options, Engine);
                _all.Add(library);
            }
            catch
            {
                _slots.Release();
                throw;
            }
        }

        return new Lease(this, library);
    }

    public void Dispose()
    {
        foreach (var library in _all)
        {
            library.Dispose();
        }

        Engine.Dispose();
        _slots.Dispose();
    }

    /// <summary>A rented library; disposing it gives it back.</summary>
    public sealed class Lease(LibraryPool pool, FaceLibrary library) : IDisposable
    {
        private bool _returned;

        public FaceLibrary Library { get; } = library;

        public void Dispose()
        {
            if (_returned)
            {
                return;
            }

            _returned = true;
            pool._idle.Add(Library);
            pool._slots.Release();
        }
    }
}
