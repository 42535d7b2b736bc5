using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Pipeline;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Evaluation;

/// <summary>Where an image's subject embedding came from.</summary>
public enum SubjectSource
{
    /// <summary>A face found at the first upsample.</summary>
    Detected,

    /// <summary>A face found only when retried at a higher upsample.</summary>
    DetectedOnRetry,

    /// <summary>No face was found; the embedding is of the image's central region (used only under the 'center' policy).</summary>
    Center,

    /// <summary>The image could not be decoded or processed.</summary>
    Failed,

    /// <summary>HOG found no face even on retry; the SSD detector did (detector hog+ssd).</summary>
    DetectedBySsd,
}

/// <summary>How evaluation images are turned into one embedding each.</summary>
/// <param name="Upsample">First detector upsample.</param>
/// <param name="RetryUpsample">When no face is found, try once more at this upsample (no retry when not above <paramref name="Upsample"/>).</param>
/// <param name="Subject">Which face of a multi-face image is the subject.</param>
/// <param name="CenterFraction">Side of the central fallback box, as a fraction of the image's shorter side (LFW's faces fill about 0.43).</param>
/// <param name="Workers">Decode/detect threads; 0 means one per core.</param>
/// <param name="EmbedBatch">Chips per forward pass.</param>
/// <param name="Jitter">When above 0, the embedding is the mean over this many jittered copies of the chip (dlib's num_jitters), seeded per image.</param>
/// <param name="Detector">The face detector; with hog+ssd, SSD runs on the images HOG finds no face in at either upsample.</param>
public sealed record SubjectEmbeddingOptions(
    int Upsample = 1,
    int RetryUpsample = 2,
    SubjectPolicy Subject = SubjectPolicy.Center,
    double CenterFraction = 0.43,
    int Workers = 0,
    int EmbedBatch = 32,
    int Jitter = 0,
    DetectorKind Detector = DetectorKind.HogThenSsd);

/// <summary>One image's subject embedding, or why there is none.</summary>
public sealed record SubjectEmbedding(string Path, SubjectSource Source, int FaceCount, FaceBox? Box, float[]? Embedding, string? Error);

/// <summary>
/// Embeds the subject face of each of a set of image files (detect, retry at a higher upsample, and the central
/// region as a last resort), in batches, on every core, with a per-image cache keyed by the file, the model and
/// these settings, so a second evaluation with other metrics or policies costs no network time.
/// </summary>
public sealed class SubjectEmbeddings
{
    private readonly FaceEngine _engine;
    private readonly SubjectEmbeddingOptions _options;
    private readonly string? _cachePath;

    public SubjectEmbeddings(FaceEngine engine, SubjectEmbeddingOptions? options = null, string? cacheDirectory = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _options = options ?? new SubjectEmbeddingOptions();
        if (cacheDirectory is not null)
        {
            Directory.CreateDirectory(cacheDirectory);
            _cachePath = Path.Combine(cacheDirectory, "embeddings.db");
        }
    }

    /// <summary>Cache hits of the last <see cref="Compute"/>.</summary>
    public int CacheHits { get; private set; }

    /// <summary>The default cache folder: $XDG_CACHE_HOME/faceindex or ~/.cache/faceindex.</summary>
    public static string DefaultCacheDirectory =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "faceindex");

    /// <summary>Embeds every distinct path; the result maps each path to its subject embedding.</summary>
    public IReadOnlyDictionary<string, SubjectEmbedding> Compute(IEnumerable<string> paths, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var distinct = paths.Distinct(StringComparer.Ordinal).ToList();
        var results = new ConcurrentDictionary<string, SubjectEmbedding>(StringComparer.Ordinal);
        using var cache = _cachePath is null ? null : new Cache(_cachePath);
        var keys = distinct.ToDictionary(p => p, KeyOf, StringComparer.Ordinal);
        var todo = new List<string>();
        foreach (var path in distinct)
        {
            if (cache?.Get(keys[path], path) is { } hit)
            {
                results[path] = hit;
            }
            else
            {
                todo.Add(path);
            }
        }

        CacheHits = distinct.Count - todo.Count;
        var done = results.Count;
        progress?.Report(done);
        if (todo.Count > 0)
        {
            Run(todo, results, cache, keys, () => progress?.Report(Interlocked.Increment(ref done)), cancellationToken);
        }

        return results;
    }

    private void Run(
        List<string> todo,
        ConcurrentDictionary<string, SubjectEmbedding> results,
        Cache? cache,
        Dictionary<string, string> keys,
        Action onDone,
        CancellationToken token)
    {
        void Flush(List<Analysed> pending)
        {
            List<RgbImage> chips = [.. pending.SelectMany(p => p.Chips)];
            var vectors = chips.Count > 0 ? _engine.Embedder.Embed(chips) : [];
            var next = 0;
            foreach (var (partial, copies) in pending)
            {
                var result = copies.Length == 0 ? partial : partial with { Embedding = Mean(vectors, next, copies.Length) };
                next += copies.Length;
                results[result.Path] = result;
                cache?.Put(keys[result.Path], result);
                onDone();
            }

            cache?.Commit();
        }

        var run = StagedRun.Start(
            todo,
            _options.Workers > 0 ? _options.Workers : Environment.ProcessorCount,
            () => _engine.CreatePipeline(new PipelineOptions(
                Upsample: _options.Upsample,
                Embed: false,
                KeepChips: true,
                Detector: _options.Detector == DetectorKind.Ssd ? DetectorKind.Ssd : DetectorKind.Hog)),
            Analyse,
            item => item.Chips.Length,
            _options.EmbedBatch,
            Flush,
            token);
        StagedRun.Wait(run, token);
    }

    private static float[] Mean(float[][] vectors, int start, int count)
    {
        if (count == 1)
        {
            return vectors[start];
        }

        var mean = new float[vectors[start].Length];
        for (var i = start; i < start + count; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(mean, vectors[i], mean);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(mean, count, mean);
        return mean;
    }

    private RgbImage[] Copies(RgbImage? chip, string path)
    {
        if (chip is null)
        {
            return [];
        }

        if (_options.Jitter <= 0)
        {
            return [chip];
        }

        // Seeded by the path, so a rerun (and the cache) gives the same copies.
        var random = new Random(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(path)), 0));
        return [.. Enumerable.Range(0, _options.Jitter).Select(_ => Alignment.ChipJitter.Jitter(chip, random))];
    }

    private Analysed Analyse(FacePipeline pipeline, string path)
    {
        var (partial, chip) = AnalyseOne(pipeline, path);
        return new Analysed(partial, Copies(chip, path));
    }

    private (SubjectEmbedding, RgbImage?) AnalyseOne(FacePipeline pipeline, string path)
    {
        try
        {
            var image = _engine.Decoder.Decode(path).Image;
            var faces = pipeline.Process(image);
            var source = SubjectSource.Detected;
            // SSD sees every image at 512x512 whatever the upsample: a retry would find the same.
            if (faces.Count == 0 && _options.RetryUpsample > _options.Upsample && _options.Detector != DetectorKind.Ssd)
            {
                faces = pipeline.Process(image, _options.RetryUpsample);
                source = SubjectSource.DetectedOnRetry;
            }

            if (faces.Count == 0 && _options.Detector == DetectorKind.HogThenSsd)
            {
                faces = pipeline.Process(image, _engine.Ssd.Detect(image));
                source = SubjectSource.DetectedBySsd;
            }

            if (faces.Count == 0)
            {
                var side = (int)Math.Round(Math.Min(image.Width, image.Height) * _options.CenterFraction);
                var left = (image.Width - side) / 2;
                var top = (image.Height - side) / 2;
                var center = pipeline.ProcessBox(image, new FaceBox(left, top, left + side - 1, top + side - 1));
                return (new SubjectEmbedding(path, SubjectSource.Center, 0, center.Box, null, null), center.Chip);
            }

            var subject = faces[SubjectSelector.Select(faces, image.Width, image.Height, _options.Subject)];
            return (new SubjectEmbedding(path, source, faces.Count, subject.Box, null, null), subject.Chip);
        }
        catch (FaceIndexException ex)
        {
            return (new SubjectEmbedding(path, SubjectSource.Failed, 0, null, null, ex.Message), null);
        }
    }

    private string KeyOf(string path)
    {
        var info = new FileInfo(path);
        var text = string.Join(
            '|',
            Path.GetFullPath(path),
            info.Exists ? info.Length : -1,
            info.Exists ? info.LastWriteTimeUtc.Ticks : 0,
            _engine.Embedder.ModelId,
            _options.Upsample,
            _options.RetryUpsample,
            _options.Subject,
            _options.CenterFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            _options.Jitter,
            _options.Detector.Name());

        // dlib's chip is the only alignment older caches hold; others are keyed apart without invalidating those.
        if (_engine.Alignment != Alignment.AlignmentKind.DlibChip)
        {
            text += "|align=" + Alignment.FaceAligners.Name(_engine.Alignment);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The per-image cache: one SQLite table keyed by the hash of file + model + settings.</summary>
    /// <summary>An image analysed: its result so far and the chips (the subject's and its jittered copies) to embed.</summary>
    private sealed record Analysed(SubjectEmbedding Partial, RgbImage[] Chips);

    private sealed class Cache : IDisposable
    {
        private readonly SqliteConnection _connection;
        private SqliteTransaction? _transaction;

        public Cache(string path)
        {
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _connection.Open();
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS subject_embeddings (
                  key TEXT PRIMARY KEY, source TEXT NOT NULL, faces INTEGER NOT NULL,
                  l INTEGER, t INTEGER, r INTEGER, b INTEGER, embedding BLOB, error TEXT);
                """;
            cmd.ExecuteNonQuery();
        }

        public SubjectEmbedding? Get(string key, string path)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT source, faces, l, t, r, b, embedding, error FROM subject_embeddings WHERE key = $k";
            cmd.Parameters.AddWithValue("$k", key);
            using var r = cmd.ExecuteReader();
            if (!r.Read())
            {
                return null;
            }

            FaceBox? box = r.IsDBNull(2) ? null : new FaceBox(r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5));
            float[]? embedding = null;
            if (!r.IsDBNull(6))
            {
                var bytes = (byte[])r.GetValue(6);
                embedding = new float[bytes.Length / sizeof(float)];
                Buffer.BlockCopy(bytes, 0, embedding, 0, bytes.Length);
            }

            return new SubjectEmbedding(path, Enum.Parse<SubjectSource>(r.GetString(0)), r.GetInt32(1), box, embedding, r.IsDBNull(7) ? null : r.GetString(7));
        }

        public void Put(string key, SubjectEmbedding value)
        {
            _transaction ??= _connection.BeginTransaction();
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = _transaction;
            cmd.CommandText = "INSERT OR REPLACE INTO subject_embeddings VALUES ($k, $s, $f, $l, $t, $r, $b, $e, $err)";
            cmd.Parameters.AddWithValue("$k", key);
            cmd.Parameters.AddWithValue("$s", value.Source.ToString());
            cmd.Parameters.AddWithValue("$f", value.FaceCount);
            cmd.Parameters.AddWithValue("$l", (object?)value.Box?.Left ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$t", (object?)value.Box?.Top ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$r", (object?)value.Box?.Right ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$b", (object?)value.Box?.Bottom ?? DBNull.Value);
            byte[]? bytes = null;
            if (value.Embedding is { } e)
            {
                bytes = new byte[e.Length * sizeof(float)];
                Buffer.BlockCopy(e, 0, bytes, 0, bytes.Length);
            }

            cmd.Parameters.AddWithValue("$e", (object?)bytes ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$err", (object?)value.Error ?? DBNull.Value);
            cmd.ExecuteNonQuery();
        }

        public void Commit()
        {
            _transaction?.Commit();
            _transaction?.Dispose();
            _transaction = null;
        }

        public void Dispose()
        {
            Commit();
            _connection.Dispose();
        }
    }
}
