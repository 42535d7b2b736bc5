using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FaceIndex.Indexing;

/// <summary>
/// The <see cref="Index"/>-th of <see cref="Count"/> deterministic parts of a dataset (1-based, as "I/N"), for
/// indexing one dataset as N independent jobs (a Slurm array) whose libraries are merged afterwards.
/// </summary>
/// <remarks>
/// An image belongs to the part picked by the SHA-256 of its relative path, so every machine, .NET version and
/// ordering of the scan agrees on the split (string.GetHashCode is randomised per process), and adding images
/// to a dataset never moves the others to another part.
/// </remarks>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>Parses "I/N" with 1 &lt;= I &lt;= N.</summary>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index >= 1 && index <= count)
        {
            return new ShardSpec(index, count);
        }

        throw new FaceIndexException(
            $"--shard {text} is not of the form I/N with 1 <= I <= N (e.g. 3/8 for the third of eight parts; in a Slurm array use --array=1-N and --shard $SLURM_ARRAY_TASK_ID/N)");
    }

    /// <summary>The part (0-based) that <paramref name="relPath"/> falls in, out of <paramref name="count"/>.</summary>
    public static int PartOf(string relPath, int count)
    {
        ArgumentNullException.ThrowIfNull(relPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(relPath), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count);
    }

    /// <summary>True when this part holds <paramref name="relPath"/>.</summary>
    public bool Contains(string relPath) => PartOf(relPath, Count) == Index - 1;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
