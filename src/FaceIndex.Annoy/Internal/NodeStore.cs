using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace FaceIndex.Annoy.Internal;

/// <summary>A contiguous run of fixed-size nodes addressed by pointer: native memory, a growing file mapping, or a read-only mapping.</summary>
internal abstract unsafe class NodeStore : IDisposable
{
    protected NodeStore(int nodeSize) => NodeSize = nodeSize;

    public int NodeSize { get; }

    /// <summary>The first node. Growing may move it, so callers re-read it after <see cref="EnsureCapacity"/>.</summary>
    public byte* Base { get; protected set; }

    public long Capacity { get; protected set; }

    public byte* Node(long index) => Base + (index * NodeSize);

    /// <summary>Makes room for <paramref name="nodes"/> nodes; new room reads as zeros (annoy memsets it too).</summary>
    public abstract void EnsureCapacity(long nodes);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    protected long GrownCapacity(long nodes) => Math.Max(nodes, (long)((Capacity + 1) * 1.3));
}

/// <summary>Nodes in native memory, grown like annoy's _reallocate_nodes.</summary>
internal sealed unsafe class MemoryNodeStore : NodeStore
{
    public MemoryNodeStore(int nodeSize)
        : base(nodeSize)
    {
    }

    ~MemoryNodeStore() => Dispose(false);

    public override void EnsureCapacity(long nodes)
    {
        if (nodes <= Capacity)
        {
            return;
        }

        var newCapacity = GrownCapacity(nodes);
        var oldBytes = Capacity * NodeSize;
        var newBytes = newCapacity * NodeSize;
        var p = (byte*)NativeMemory.Realloc(Base, (nuint)newBytes);
        NativeMemory.Clear(p + oldBytes, (nuint)(newBytes - oldBytes));
        Base = p;
        Capacity = newCapacity;
    }

    protected override void Dispose(bool disposing)
    {
        if (Base != null)
        {
            NativeMemory.Free(Base);
            Base = null;
            Capacity = 0;
        }
    }
}

/// <summary>
/// Nodes in a file mapped read-write that grows by remapping (annoy's on_disk_build), so the nodes need not fit in RAM.
/// </summary>
internal sealed unsafe class FileNodeStore : NodeStore
{
    private readonly FileStream _file;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;

    public FileNodeStore(string path, int nodeSize)
        : base(nodeSize)
    {
        Path = path;
        _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
    }

    public string Path { get; }

    public override void EnsureCapacity(long nodes)
    {
        if (nodes <= Capacity)
        {
            return;
        }

        var newCapacity = GrownCapacity(nodes);
        Unmap();
        _file.SetLength(newCapacity * NodeSize); // the file system zero-fills the new tail
        Capacity = newCapacity;
        Map();
    }

    /// <summary>Unmaps, cuts the file to exactly <paramref name="nodes"/> nodes, flushes and closes it.</summary>
    public void Complete(long nodes)
    {
        Unmap();
        _file.SetLength(nodes * NodeSize);
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        Capacity = 0;
    }

    protected override void Dispose(bool disposing)
    {
        Unmap();
        if (disposing)
        {
            _file.Dispose();
        }
    }

    private void Map()
    {
        _map = MemoryMappedFile.CreateFromFile(_file, null, Capacity * NodeSize, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, Capacity * NodeSize, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        Base = p + _view.PointerOffset;
    }

    private void Unmap()
    {
        if (_view is not null)
        {
            _view.Flush();
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }

        _map?.Dispose();
        _map = null;
        Base = null;
    }
}

/// <summary>A whole index file mapped read-only: zero copy, and the OS shares its pages between processes.</summary>
internal sealed unsafe class ReadOnlyMappedStore : NodeStore
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;

    public ReadOnlyMappedStore(FileStream file, int nodeSize, long nodes)
        : base(nodeSize)
    {
        _map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _map.CreateViewAccessor(0, nodes * nodeSize, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        Base = p + _view.PointerOffset;
        Capacity = nodes;
    }

    public override void EnsureCapacity(long nodes)
    {
        if (nodes > Capacity)
        {
            throw new InvalidOperationException("a loaded index is read-only");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }

        Base = null;
    }
}
