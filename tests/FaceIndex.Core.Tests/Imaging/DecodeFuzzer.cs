using System.Buffers.Binary;
using System.Diagnostics;
using FaceIndex.Imaging;

namespace FaceIndex.Core.Tests.Imaging;

/// <summary>What one fuzz case did.</summary>
internal enum FuzzOutcome
{
    Decoded,
    Refused,
    WrongException,
    Hang,
    InvalidImage,
}

/// <summary>The result of one mutated input.</summary>
internal sealed record FuzzCase(int Index, string Seed, string Mutation, FuzzOutcome Outcome, string Detail, long AllocatedBytes, byte[]? Input)
{
    /// <summary>Managed bytes one case may allocate (cumulatively) before it counts as a finding.</summary>
    public const long AllocationBudget = 256L << 20;

    public bool IsGood => Outcome is (FuzzOutcome.Decoded or FuzzOutcome.Refused) && AllocatedBytes < AllocationBudget;
}

/// <summary>
/// Seeded mutations of valid images (bit flips, byte overwrites, truncation, slice duplication, length-field
/// corruption) fed to <see cref="ImageDecoder"/>: every case must decode to a valid RgbImage or throw ImageDecodeException.
/// </summary>
internal sealed class DecodeFuzzer(ImageDecoder decoder, TimeSpan hangAfter)
{
    private static readonly uint[] Extremes = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    public static IReadOnlyList<(string Name, byte[] Data)> LoadSeeds(IEnumerable<string> paths) =>
        [.. paths.Select(p => (Path.GetFileName(p), File.ReadAllBytes(p)))];

    public static (byte[] Data, string Mutation) Mutate(byte[] seed, Random rng)
    {
        var data = (byte[])seed.Clone();
        var kind = rng.Next(6);
        switch (kind)
        {
            case 0:
                {
                    var flips = rng.Next(1, 9);
                    for (var i = 0; i < flips; i++)
                    {
                        data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                    }

                    return (data, $"flip {flips} bits");
                }

            case 1:
                {
                    var n = rng.Next(1, 17);
                    for (var i = 0; i < n; i++)
                    {
                        data[rng.Next(data.Length)] = (byte)(rng.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => rng.Next(256) });
                    }

                    return (data, $"overwrite {n} bytes");
                }

            case 2:
                {
                    var keep = rng.Next(1, data.Length);
                    return (data[..keep], $"truncate to {keep}");
                }

            case 3:
                {
                    var start = rng.Next(data.Length);
                    var length = Math.Min(rng.Next(1, 512), data.Length - start);
                    var at = rng.Next(data.Length);
                    byte[] result = [.. data[..at], .. data.AsSpan(start, length), .. data[at..]];
                    return (result, $"duplicate [{start}+{length}] at {at}");
                }

            case 4:
                {
                    // Length fields: PNG chunk lengths and JPEG segment lengths where found, else a header field.
                    var fields = LengthFields(data);
                    var value = rng.Next(2) == 0 ? Extremes[rng.Next(Extremes.Length)] : (uint)rng.Next();
                    if (fields.Count > 0)
                    {
                        var (pos, size) = fields[rng.Next(fields.Count)];
                        Write(data, pos, size, value, bigEndian: true);
                        return (data, $"length field at {pos} = {value:X}");
                    }

                    return CorruptHeaderField(data, rng, value);
                }

            default:
                {
                    var value = Extremes[rng.Next(Extremes.Length)];
                    return CorruptHeaderField(data, rng, value);
                }
        }
    }

    public FuzzCase Run(int index, string seedName, byte[] input, string mutation)
    {
        long allocated = 0;
        var task = Task.Run(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var decoded = decoder.Decode(input, seedName);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                var image = decoded.Image;
                return image.Width > 0 && image.Height > 0 && image.Pixels.Length == image.Width * image.Height * 3
                    && (long)image.Width * image.Height <= decoder.Options.MaxPixels
                    ? (FuzzOutcome.Decoded, $"{decoded.Format} {image.Width}x{image.Height}")
                    : (FuzzOutcome.InvalidImage, $"{image.Width}x{image.Height}, {image.Pixels.Length} bytes");
            }
            catch (ImageDecodeException e)
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                var inner = e.InnerException is null ? string.Empty : $" <- {e.InnerException.GetType().Name}";
                return (FuzzOutcome.Refused, $"{e.Reason}{inner}");
            }
#pragma warning disable CA1031 // The fuzzer's job is to catch and record exactly the exceptions that should not escape.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return (FuzzOutcome.WrongException, e.ToString());
            }
        });

        if (!task.Wait(hangAfter))
        {
            return new FuzzCase(index, seedName, mutation, FuzzOutcome.Hang, $"no result after {hangAfter.TotalSeconds} s", 0, input);
        }

        // Inputs are kept only for findings: a long run must not hold every case in memory.
        var (outcome, detail) = task.Result;
        var result = new FuzzCase(index, seedName, mutation, outcome, detail, allocated, null);
        return result.IsGood ? result : result with { Input = input };
    }

    /// <summary>
    /// The mutated inputs, <paramref name="casesPerSeed"/> for each seed, deterministic from <paramref name="seed"/>
    /// (decoding does not touch the random sequence, so case n can be regenerated alone).
    /// </summary>
    public static IEnumerable<(int Index, string Seed, byte[] Data, string Mutation)> Generate(
        IReadOnlyList<(string Name, byte[] Data)> seeds, int casesPerSeed, int seed)
    {
        var rng = new Random(seed);
        var index = 0;
        foreach (var (name, data) in seeds)
        {
            for (var i = 0; i < casesPerSeed; i++)
            {
                var (mutated, mutation) = Mutate(data, rng);

                // Sometimes stack a second mutation, to reach states one change cannot.
                if (rng.Next(4) == 0)
                {
                    var (twice, second) = Mutate(mutated, rng);
                    (mutated, mutation) = (twice, $"{mutation}; {second}");
                }

                yield return (index++, name, mutated, mutation);
            }
        }
    }

    /// <summary>Decodes every generated case; <paramref name="every500"/> sees the results so far.</summary>
    public List<FuzzCase> RunAll(IReadOnlyList<(string Name, byte[] Data)> seeds, int casesPerSeed, int seed, Action<List<FuzzCase>>? every500 = null)
    {
        var results = new List<FuzzCase>();
        foreach (var (index, name, data, mutation) in Generate(seeds, casesPerSeed, seed))
        {
            results.Add(Run(index, name, data, mutation));
            if (results.Count % 500 == 0)
            {
                every500?.Invoke(results);
            }
        }

        return results;
    }

    public static string Summary(IEnumerable<FuzzCase> cases, Stopwatch elapsed)
    {
        var list = cases.ToList();
        var lines = new List<string>
        {
            $"{list.Count} cases in {elapsed.Elapsed.TotalSeconds:F1} s; max managed allocation in one case {list.Max(c => c.AllocatedBytes) / (1 << 20)} MiB; process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB",
        };
        lines.AddRange(list.GroupBy(c => c.Outcome == FuzzOutcome.Refused ? $"Refused {c.Detail}" : c.Outcome.ToString())
            .OrderByDescending(g => g.Count())
            .Select(g => $"  {g.Count(),5}  {g.Key}"));

        // Which decoders threw types other than ImageSharp's own (the ones the wrapper exists for).
        string[] expected = ["", "InvalidImageContentException", "ImageFormatException", "NotSupportedException"];
        var unexpected = list.Where(c => c.Outcome == FuzzOutcome.Refused && c.Detail.Contains(" <- ", StringComparison.Ordinal))
            .Select(c => (c.Seed, Type: c.Detail[(c.Detail.IndexOf(" <- ", StringComparison.Ordinal) + 4)..]))
            .Where(c => !expected.Contains(c.Type))
            .GroupBy(c => $"{c.Type} from {Path.GetExtension(c.Seed)}")
            .OrderByDescending(g => g.Count())
            .Select(g => $"  {g.Count(),5}  {g.Key}");
        lines.Add("other exception types, by seed format:");
        lines.AddRange(unexpected);
        return string.Join(Environment.NewLine, lines);
    }

    private static (byte[] Data, string Mutation) CorruptHeaderField(byte[] data, Random rng, uint value)
    {
        var size = rng.Next(2) == 0 ? 2 : 4;
        var span = Math.Min(data.Length, 128) - size;
        if (span <= 0)
        {
            return (data, "unchanged (too short)");
        }

        var pos = rng.Next(span);
        var bigEndian = rng.Next(2) == 0;
        Write(data, pos, size, value, bigEndian);
        return (data, $"header field at {pos} ({size} bytes, {(bigEndian ? "BE" : "LE")}) = {value:X}");
    }

    private static void Write(byte[] data, int pos, int size, uint value, bool bigEndian)
    {
        var span = data.AsSpan(pos, size);
        if (size == 2)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value);
            }
        }
        else if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        }
    }

    private static List<(int Pos, int Size)> LengthFields(byte[] d)
    {
        var fields = new List<(int, int)>();
        if (d.Length > 8 && d[0] == 0x89 && d[1] == (byte)'P')
        {
            for (long pos = 8; pos + 12 <= d.Length;)
            {
                fields.Add(((int)pos, 4));
                pos += 12L + BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan((int)pos));
            }
        }
        else if (d.Length > 4 && d[0] == 0xFF && d[1] == 0xD8)
        {
            for (var pos = 2; pos + 4 <= d.Length && d[pos] == 0xFF && d[pos + 1] != 0xDA;)
            {
                fields.Add((pos + 2, 2));
                pos += 2 + BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 2));
            }
        }

        return fields;
    }
}
