using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FaceIndex.Datasets;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// What a worker checks before claiming: that its folder shows the same dataset as the first worker's. The file
/// count and the sizes and SHA-256s of a sample of files chosen by their relative paths alone (the 16 whose path hash
/// is smallest), so every machine samples the same files wherever the dataset is mounted.
/// </summary>
public sealed record DatasetFingerprint(int Count, string SampleHash)
{
    /// <summary>How many files are sampled.</summary>
    public const int SampleSize = 16;

    /// <summary>The stored form: "COUNT:HASH".</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture, $"{Count}:{SampleHash}");

    /// <summary>Fingerprints the scanned dataset at <paramref name="root"/>.</summary>
    public static DatasetFingerprint Compute(string root, IReadOnlyList<DatasetImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var sample = images
            .Select(i => (i.RelPath, Key: Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(i.RelPath)))))
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Take(SampleSize)
            .Select(x => x.RelPath)
            .OrderBy(p => p, StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var rel in sample)
        {
            var path = Path.Combine(root, rel);
            string line;
            try
            {
                using var stream = File.OpenRead(path);
                line = string.Create(CultureInfo.InvariantCulture, $"{rel}\t{stream.Length}\t{Convert.ToHexString(SHA256.HashData(stream))}\n");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                line = $"{rel}\tunreadable\n";
            }

            hash.AppendData(Encoding.UTF8.GetBytes(line));
        }

        return new DatasetFingerprint(images.Count, Convert.ToHexString(hash.GetHashAndReset())[..32]);
    }

    /// <summary>Says how this fingerprint differs from a stored one.</summary>
    public string Describe(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        var storedCount = colon > 0 ? stored[..colon] : "?";
        return string.Equals(storedCount, Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            ? $"the same {Count:N0} files, but {SampleSize} sampled files differ in size or content"
            : $"this folder has {Count:N0} images, the registered dataset {storedCount}";
    }
}
