using System.Globalization;
using System.Text;
using System.Text.Json;
using FaceIndex.Catalog;
using FaceIndex.Search;
using Parquet.Serialization;

namespace FaceIndex.Export;

/// <summary>Options of <see cref="EmbeddingExporter.Export"/>.</summary>
/// <param name="SubjectsOnly">Only the subject face of each image (the one its label is about).</param>
/// <param name="ModelId">Only embeddings of this model (null: all; a dataset indexed with one model has one).</param>
public sealed record ExportOptions(bool SubjectsOnly = false, string? ModelId = null);

/// <summary>
/// Writes a dataset's embeddings with face id, image path, identity, box, detector score, subject flag and model id,
/// for analysis elsewhere (NumPy, pandas, Arrow), and reads such files back. Reads only what the catalog holds now,
/// so a face removed before the export is never in it. Each export is noted in the library's exports log so that a
/// later removal can check the files made before it.
/// </summary>
public static class EmbeddingExporter
{
    /// <summary>The log of exports in a library folder: one JSON object a line (time, dataset, format, files).</summary>
    public const string LogFile = "exports.log";

    private static readonly string[] LabelColumns =
        ["face_id", "dataset", "image_path", "identity", "face_index", "box_left", "box_top", "box_right", "box_bottom", "detector_score", "is_subject", "model_id"];

    /// <summary>Exports <paramref name="dataset"/> to <paramref name="outPath"/> (for npy, also the labels CSV beside it).</summary>
    public static ExportResult Export(FaceCatalog catalog, string dataset, ExportFormat format, string outPath, ExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(outPath);
        options ??= new ExportOptions();
        var rows = catalog.DatasetFaces(dataset, options.ModelId)
            .Where(f => f.Face.Embedding is not null && (!options.SubjectsOnly || f.Face.IsSubject))
            .Select(f => ToRow(f.Face))
            .ToList();
        cancellationToken.ThrowIfCancellationRequested();
        if (rows.Count == 0)
        {
            throw new FaceIndexException($"the dataset '{dataset}' has no embedded faces{(options.SubjectsOnly ? " marked as subject" : "")}{(options.ModelId is null ? "" : $" of model {options.ModelId}")} to export: index it first, or check the name with 'faceindex datasets'");
        }

        var dimension = rows[0].Embedding.Length;
        if (rows.Any(r => r.Embedding.Length != dimension))
        {
            throw new FaceIndexException($"the dataset '{dataset}' mixes embedding lengths (several models): export one model at a time with its model id");
        }

        var full = Path.GetFullPath(outPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var files = new List<string>();
        switch (format)
        {
            case ExportFormat.Npy:
                var labels = LabelsPathFor(full);
                WriteAtomically(full, s => NpyFile.Write(s, [.. rows.Select(r => r.Embedding)], dimension));
                WriteAtomically(labels, s => WriteCsv(s, rows, withEmbedding: false));
                files.Add(full);
                files.Add(labels);
                break;
            case ExportFormat.Parquet:
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["faceindex.dataset"] = dataset,
                    ["faceindex.models"] = string.Join(",", rows.Select(r => r.ModelId).Distinct(StringComparer.Ordinal)),
                    ["faceindex.distance"] = DistanceNote(catalog.Library, rows),
                    ["faceindex.exported_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                };
                WriteAtomically(full, s => ParquetSerializer.SerializeAsync(rows, s, null, metadata, cancellationToken).GetAwaiter().GetResult());
                files.Add(full);
                break;
            case ExportFormat.Csv:
                WriteAtomically(full, s => WriteCsv(s, rows, withEmbedding: true));
                files.Add(full);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }

        var result = new ExportResult(dataset, format, files, rows.Count, dimension, [.. rows.Select(r => r.ModelId).Distinct(StringComparer.Ordinal)], rows.Max(r => r.FaceId));
        NoteExport(catalog.Library, result);
        return result;
    }

    /// <summary>How the exported vectors compare: a cosine model's are stored as unit vectors, others as the network gave them.</summary>
    private static string DistanceNote(string library, List<ExportRow> rows) =>
        rows.Select(r => r.ModelId).Distinct(StringComparer.Ordinal).All(id => string.Equals(LibraryModels.IndexMetric(library, id), IndexMeta.UnitCosineMetric, StringComparison.Ordinal))
            ? "cosine: unit-length embeddings (Euclidean distance on them orders as cosine similarity)"
            : "euclidean on the raw (not normalised) embeddings";

    /// <summary>The labels CSV written beside an npy array: NAME.labels.csv for NAME.npy.</summary>
    public static string LabelsPathFor(string npyPath) => Path.ChangeExtension(npyPath, null) + ".labels.csv";

    /// <summary>Reads an export back into rows (npy: the array and its labels CSV).</summary>
    public static IReadOnlyList<ExportRow> Read(string path, ExportFormat format)
    {
        switch (format)
        {
            case ExportFormat.Npy:
                float[][] vectors;
                using (var stream = File.OpenRead(path))
                {
                    vectors = NpyFile.Read(stream);
                }

                var labels = ReadCsv(LabelsPathFor(path), withEmbedding: false);
                if (labels.Count != vectors.Length)
                {
                    throw new FaceIndexException($"{path} has {vectors.Length} rows but its labels file has {labels.Count}");
                }

                for (var i = 0; i < labels.Count; i++)
                {
                    labels[i].Embedding = vectors[i];
                }

                return labels;
            case ExportFormat.Parquet:
                using (var stream = File.OpenRead(path))
                {
                    return [.. ParquetSerializer.DeserializeAsync<ExportRow>(stream).GetAwaiter().GetResult().Data];
                }

            case ExportFormat.Csv:
                return ReadCsv(path, withEmbedding: true);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }

    /// <summary>The export files noted in a library's log that still exist (what a removal must check).</summary>
    public static IReadOnlyList<string> NotedFiles(string library)
    {
        var log = Path.Combine(library, LogFile);
        if (!File.Exists(log))
        {
            return [];
        }

        var files = new List<string>();
        foreach (var line in File.ReadLines(log))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                files.AddRange(doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).Where(File.Exists));
            }
            catch (JsonException)
            {
                // A line cut by a crash is skipped; the others still count.
            }
        }

        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    private static ExportRow ToRow(StoredFace f) => new()
    {
        FaceId = f.Id,
        Dataset = f.Dataset,
        ImagePath = f.RelPath,
        Identity = f.Identity,
        FaceIndex = f.FaceIndex,
        BoxLeft = f.Box.Left,
        BoxTop = f.Box.Top,
        BoxRight = f.Box.Right,
        BoxBottom = f.Box.Bottom,
        DetectorScore = f.Score,
        IsSubject = f.IsSubject,
        ModelId = f.ModelId ?? string.Empty,
        Embedding = f.Embedding!,
    };

    private static void NoteExport(string library, ExportResult result)
    {
        try
        {
            var line = JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, dataset = result.Dataset, format = result.Format.ToString().ToLowerInvariant(), files = result.Files, faces = result.Faces, maxFaceId = result.MaxFaceId });
            File.AppendAllText(Path.Combine(library, LogFile), line + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only library cannot note it; the export itself is still good.
        }
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        {
            write(stream);
        }

        File.Move(tmp, path, overwrite: true);
    }

    private static void WriteCsv(Stream stream, List<ExportRow> rows, bool withEmbedding)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        var header = LabelColumns.AsEnumerable();
        if (withEmbedding)
        {
            header = header.Concat(Enumerable.Range(0, rows[0].Embedding.Length).Select(i => "e" + i.ToString(CultureInfo.InvariantCulture)));
        }

        w.Write(string.Join(',', header));
        w.Write('\n');
        var line = new StringBuilder();
        foreach (var r in rows)
        {
            line.Clear();
            line.Append(r.FaceId.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Quote(r.Dataset)).Append(',')
                .Append(Quote(r.ImagePath)).Append(',')
                .Append(r.Identity is null ? string.Empty : Quote(r.Identity)).Append(',')
                .Append(CultureInfo.InvariantCulture, $"{r.FaceIndex},{r.BoxLeft},{r.BoxTop},{r.BoxRight},{r.BoxBottom},")
                .Append(r.DetectorScore.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(r.IsSubject ? '1' : '0').Append(',')
                .Append(Quote(r.ModelId));
            if (withEmbedding)
            {
                foreach (var v in r.Embedding)
                {
                    // "R" gives the shortest text that parses back to the same float32.
                    line.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
                }
            }

            w.Write(line);
            w.Write('\n');
        }
    }

    private static List<ExportRow> ReadCsv(string path, bool withEmbedding)
    {
        var rows = new List<ExportRow>();
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = SplitCsv(reader.ReadLine() ?? throw new FaceIndexException($"{path} is empty"));
        if (!header.Take(LabelColumns.Length).SequenceEqual(LabelColumns, StringComparer.Ordinal))
        {
            throw new FaceIndexException($"{path} is not a FaceIndex export (its columns are {string.Join(',', header.Take(LabelColumns.Length))})");
        }

        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var c = SplitCsv(line);
            var row = new ExportRow
            {
                FaceId = long.Parse(c[0], CultureInfo.InvariantCulture),
                Dataset = c[1],
                ImagePath = c[2],
                Identity = c[3].Length == 0 ? null : c[3],
                FaceIndex = int.Parse(c[4], CultureInfo.InvariantCulture),
                BoxLeft = int.Parse(c[5], CultureInfo.InvariantCulture),
                BoxTop = int.Parse(c[6], CultureInfo.InvariantCulture),
                BoxRight = int.Parse(c[7], CultureInfo.InvariantCulture),
                BoxBottom = int.Parse(c[8], CultureInfo.InvariantCulture),
                DetectorScore = double.Parse(c[9], CultureInfo.InvariantCulture),
                IsSubject = c[10] == "1",
                ModelId = c[11],
            };
            if (withEmbedding)
            {
                row.Embedding = [.. c.Skip(LabelColumns.Length).Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
            }

            rows.Add(row);
        }

        return rows;
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
