using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FaceIndex.Removal;

/// <summary>
/// Finds byte strings in files by a polynomial rolling hash (Rabin-Karp, mod 2^64) over a window of each
/// fingerprint's length, at every byte offset (SQLite stores a blob at any alignment), confirming each candidate by
/// SHA-256. One pass per file, a few nanoseconds a byte.
/// </summary>
public static class TraceScanner
{
    private const ulong Base = 0x100000001B3;
    private const int FilterBits = 22;

    /// <summary>The rolling hash of <paramref name="bytes"/>: sum of b[i] x Base^(n-1-i) mod 2^64.</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong h = 0;
        foreach (var b in bytes)
        {
            h = unchecked((h * Base) + b);
        }

        return h;
    }

    /// <summary>Fingerprints of an embedding's stored forms: float32 little-endian (catalog, Annoy, exports) and float16 (HNSW).</summary>
    public static IReadOnlyList<TraceFingerprint> Fingerprints(long removalId, long faceId, ReadOnlySpan<byte> float32Bytes)
    {
        var n = float32Bytes.Length / sizeof(float);
        var half = new byte[n * 2];
        for (var i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(half.AsSpan(i * 2), (Half)BinaryPrimitives.ReadSingleLittleEndian(float32Bytes[(i * 4)..]));
        }

        return
        [
            new TraceFingerprint(removalId, faceId, "float32", float32Bytes.Length, Hash(float32Bytes), Convert.ToHexStringLower(SHA256.HashData(float32Bytes))),
            new TraceFingerprint(removalId, faceId, "float16", half.Length, Hash(half), Convert.ToHexStringLower(SHA256.HashData(half))),
        ];
    }

    /// <summary>How many distinct fingerprints occur in the file (0 when it is missing).</summary>
    public static int Scan(string path, IReadOnlyList<TraceFingerprint> fingerprints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        if (!File.Exists(path) || fingerprints.Count == 0)
        {
            return 0;
        }

        var found = new HashSet<string>(StringComparer.Ordinal);
        var windows = fingerprints.GroupBy(f => f.Length).Select(g => new Window(g.Key, g)).ToList();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var buffer = new byte[1 << 20];
        long offset = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var w in windows)
            {
                w.Feed(buffer.AsSpan(0, read), found);
            }

            offset += read;
        }

        return found.Count;
    }

    /// <summary>One window length: its ring of the last bytes, the running hash, and the fingerprints of that length.</summary>
    private sealed class Window
    {
        private readonly int _length;
        private readonly ulong _outFactor;
        private readonly byte[] _ring;
        private readonly ulong[] _filter = new ulong[(1 << FilterBits) / 64];
        private readonly Dictionary<ulong, List<TraceFingerprint>> _byHash = [];
        private int _pos;
        private long _seen;
        private ulong _hash;

        public Window(int length, IEnumerable<TraceFingerprint> fingerprints)
        {
            _length = length;
            _ring = new byte[length];
            ulong f = 1;
            for (var i = 0; i < length; i++)
            {
                f = unchecked(f * Base);
            }

            _outFactor = f;
            foreach (var fp in fingerprints)
            {
                var slot = fp.Rolling >> (64 - FilterBits);
                _filter[slot >> 6] |= 1UL << (int)(slot & 63);
                if (!_byHash.TryGetValue(fp.Rolling, out var list))
                {
                    _byHash[fp.Rolling] = list = [];
                }

                list.Add(fp);
            }
        }

        public void Feed(ReadOnlySpan<byte> bytes, HashSet<string> found)
        {
            var ring = _ring;
            var pos = _pos;
            var hash = _hash;
            var seen = _seen;
            for (var i = 0; i < bytes.Length; i++)
            {
                var b = bytes[i];
                hash = unchecked((hash * Base) + b - (ring[pos] * _outFactor));
                ring[pos] = b;
                pos = pos + 1 == _length ? 0 : pos + 1;
                seen++;
                var slot = hash >> (64 - FilterBits);
                if (seen >= _length && (_filter[slot >> 6] & (1UL << (int)(slot & 63))) != 0 && _byHash.TryGetValue(hash, out var candidates))
                {
                    // The ring holds the window oldest-first from pos.
                    var window = new byte[_length];
                    ring.AsSpan(pos).CopyTo(window);
                    ring.AsSpan(0, pos).CopyTo(window.AsSpan(_length - pos));
                    var sha = Convert.ToHexStringLower(SHA256.HashData(window));
                    foreach (var c in candidates.Where(c => string.Equals(c.Sha256, sha, StringComparison.Ordinal)))
                    {
                        found.Add(c.Form + ":" + c.FaceId);
                    }
                }
            }

            _pos = pos;
            _hash = hash;
            _seen = seen;
        }
    }
}
