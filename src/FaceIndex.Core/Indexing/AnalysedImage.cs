using System.Diagnostics;
using System.Security.Cryptography;
using FaceIndex.Imaging;
using FaceIndex.Pipeline;

namespace FaceIndex.Indexing;

/// <summary>
/// One dataset image read, hashed, decoded and run through detect + landmarks + align (not yet embedded): the
/// step the single-machine and the distributed indexer share. A failure is a value (reason and message), so the
/// run goes on; only a dataset folder that disappeared stops it.
/// </summary>
internal sealed record AnalysedImage(byte[] Sha256, long Size, int Width, int Height, IReadOnlyList<FaceRecord> Faces, string? ErrorReason, string? Error)
{
    /// <summary>
    /// Analyses <paramref name="relPath"/> under <paramref name="root"/>; null when <paramref name="skip"/> says the
    /// file (by hash and size) needs no work. <paramref name="rerunAdvice"/> ends the message when the folder is gone.
    /// </summary>
    public static AnalysedImage? Run(
        FaceEngine engine,
        FacePipeline pipeline,
        string root,
        string relPath,
        string rerunAdvice,
        Func<byte[], long, bool>? skip,
        Action<string, long> addTicks)
    {
        var path = Path.Combine(root, relPath);
        byte[] bytes;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var length = new FileInfo(path).Length;
            if (length > engine.Decoder.Options.MaxBytes)
            {
                return Failed(SHA256.HashData(ReadOnlySpan<byte>.Empty), length, nameof(ImageDecodeReason.TooLarge), $"{path} is {length:N0} bytes, over the {engine.Decoder.Options.MaxBytes:N0}-byte limit");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!Directory.Exists(root))
            {
                throw new FaceIndexException($"the dataset folder {root} disappeared during the run: mount or restore it, then {rerunAdvice}", ex);
            }

            return Failed(SHA256.HashData(ReadOnlySpan<byte>.Empty), 0, nameof(ImageDecodeReason.NotFound), $"{path} could not be read: {ex.Message}");
        }

        var sha = SHA256.HashData(bytes);
        addTicks("read+hash", started);
        if (skip is not null && skip(sha, bytes.Length))
        {
            return null;
        }

        try
        {
            started = Stopwatch.GetTimestamp();
            var decoded = engine.Decoder.Decode(bytes, path);
            addTicks("decode", started);
            started = Stopwatch.GetTimestamp();
            var faces = pipeline.Process(decoded.Image);
            addTicks("detect+landmarks+align", started);
            return new AnalysedImage(sha, bytes.Length, decoded.Image.Width, decoded.Image.Height, faces, null, null);
        }
        catch (ImageDecodeException ex)
        {
            return Failed(sha, bytes.Length, ex.Reason.ToString(), ex.Message);
        }
        catch (FaceIndexException ex)
        {
            return Failed(sha, bytes.Length, "Pipeline", $"{path}: {ex.Message}");
        }
    }

    private static AnalysedImage Failed(byte[] sha, long size, string reason, string message) => new(sha, size, 0, 0, [], reason, message);
}
