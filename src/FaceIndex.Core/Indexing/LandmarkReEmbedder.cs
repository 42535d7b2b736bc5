using System.Diagnostics;
using System.Security.Cryptography;
using FaceIndex.Alignment;
using FaceIndex.Catalog;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;
using FaceIndex.Search;

namespace FaceIndex.Indexing;

/// <summary>What a re-embedding pass did.</summary>
/// <param name="Images">Images whose faces lacked the model's embedding.</param>
/// <param name="Faces">Faces embedded and stored.</param>
/// <param name="Skipped">Images left as they are: the file changed since it was indexed, or could not be read or decoded (counted by reason).</param>
internal sealed record ReEmbedCounts(int Images, int Faces, IReadOnlyDictionary<string, int> Skipped);

/// <summary>
/// Adds a model's embeddings to faces a library already holds, from their stored landmarks: each image is read, checked against
/// its stored hash and decoded (the hardened decoder), each face aligned the model's own way from its stored 68 points and
/// embedded; no detector and no landmark predictor runs. Each batch is one transaction, and the work is read from the catalog
/// (faces still without the model's embedding), so a killed run loses nothing and a rerun does only what is missing.
/// </summary>
internal sealed class LandmarkReEmbedder(FaceEngine engine, FaceCatalog catalog, IndexerOptions options, Action<string, long> addTicks)
{
    /// <summary>Re-embeds the faces of <paramref name="dataset"/> (files under <paramref name="root"/>) that lack the engine's model.</summary>
    public ReEmbedCounts Run(string dataset, string root, IProgress<(int Done, int Total, int Faces)>? progress, CancellationToken token)
    {
        var modelId = engine.Embedder.ModelId;
        var images = catalog.ImagesMissingEmbedding(dataset, modelId);
        if (options.Shard is { } shard)
        {
            images = [.. images.Where(i => shard.Contains(i.RelPath))];
        }

        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        if (images.Count == 0)
        {
            return new ReEmbedCounts(0, 0, skipped);
        }

        var model = engine.Options.Model;
        var chipSize = model?.ChipSize ?? 150;
        var padding = model?.ChipPadding ?? 0.25;
        int done = 0, faces = 0;
        var run = StagedRun.Start(
            images,
            options.EffectiveWorkers,
            () => FaceAligners.Create(engine.Alignment),
            (aligner, image) => Chips(aligner, image, root, chipSize, padding),
            item => item.Chips.Count,
            options.EmbedBatch,
            batch =>
            {
                // The batching thread is the only one touching the catalog while the run lasts (the caller waits).
                var chips = batch.SelectMany(b => b.Chips).ToList();
                var started = Stopwatch.GetTimestamp();
                var embeddings = chips.Count > 0 ? engine.Embedder.Embed(chips) : [];
                addTicks("embed", started);
                var rows = new List<(long, float[])>(chips.Count);
                var next = 0;
                foreach (var item in batch)
                {
                    if (item.Skip is { } reason)
                    {
                        skipped[reason] = skipped.GetValueOrDefault(reason) + 1;
                    }

                    foreach (var faceId in item.FaceIds)
                    {
                        rows.Add((faceId, LibraryModels.ToLibrarySpace(model, embeddings[next++])));
                    }
                }

                started = Stopwatch.GetTimestamp();
                faces += catalog.CommitEmbeddings(modelId, rows);
                addTicks("commit", started);
                done += batch.Count;
                progress?.Report((done, images.Count, faces));
            },
            token);
        StagedRun.Wait(run, token);
        return new ReEmbedCounts(images.Count, faces, skipped);
    }

    private Chipped Chips(IFaceAligner aligner, LandmarkImage image, string root, int chipSize, double padding)
    {
        var path = Path.Combine(root, image.RelPath);
        var started = Stopwatch.GetTimestamp();
        byte[] bytes;
        try
        {
            bytes = new FileInfo(path).Length == image.SizeBytes ? File.ReadAllBytes(path) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Chipped.Skipped("unreadable");
        }

        if (bytes.Length != image.SizeBytes || !SHA256.HashData(bytes).AsSpan().SequenceEqual(image.Sha256))
        {
            // Changed since it was indexed: its stored landmarks no longer describe it (a normal run re-indexes it whole).
            return Chipped.Skipped("changed since indexed");
        }

        addTicks("read+hash", started);
        RgbImage decoded;
        try
        {
            started = Stopwatch.GetTimestamp();
            decoded = engine.Decoder.Decode(bytes, path).Image;
            addTicks("decode", started);
        }
        catch (ImageDecodeException ex)
        {
            return Chipped.Skipped(ex.Reason.ToString());
        }

        started = Stopwatch.GetTimestamp();
        var chips = new List<RgbImage>(image.Faces.Count);
        foreach (var face in image.Faces)
        {
            var landmarks = new FaceLandmarks(face.Box, FaceBlobs.DecodeLandmarks(face.Box, face.Landmarks));
            chips.Add(aligner.Align(decoded, landmarks, chipSize, padding));
        }

        addTicks("align (stored landmarks)", started);
        return new Chipped([.. image.Faces.Select(f => f.FaceId)], chips, null);
    }

    private sealed record Chipped(long[] FaceIds, List<RgbImage> Chips, string? Skip)
    {
        public static Chipped Skipped(string reason) => new([], [], reason);
    }
}
