using System.Globalization;
using System.Text;

namespace FaceIndex.Evaluation;

/// <summary>A pairs file that cannot be read: the message names the file, the 1-based line and what is wrong there.</summary>
public sealed class PairsFormatException : FaceIndexException
{
    public PairsFormatException()
    {
    }

    public PairsFormatException(string message)
        : base(message)
    {
    }

    public PairsFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public PairsFormatException(string filePath, int lineNumber, string problem)
        : base($"{filePath}:{lineNumber}: {problem}")
    {
        FilePath = filePath;
        LineNumber = lineNumber;
    }

    /// <summary>The pairs file that failed.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line of the problem (the last line + 1 when the file ends too early).</summary>
    public int LineNumber { get; }
}

/// <summary>
/// Readers for verification pairs files: LFW's <c>pairs.txt</c> and a plain CSV <c>a,b,same</c>.
/// Blank lines are skipped in both formats; line numbers in errors count every physical line from 1.
/// </summary>
public static class PairsFile
{
    /// <summary>The number of folds given to files that do not define their own (CSV, and LFW files with a single-count header).</summary>
    public const int DefaultFoldCount = 10;

    /// <summary>
    /// Reads LFW's <c>pairs.txt</c>. Header "S P" (tab or spaces): S sets, each of P matched lines <c>Name n1 n2</c> followed by P mismatched lines
    /// <c>Name1 n1 Name2 n2</c>; set s (0-based, file order) is fold s, so View 2 ("10 300") gives the standard 10 folds.
    /// Header "N" (View 1 files such as pairsDevTest.txt): N matched then N mismatched lines, folded by the CSV rule (<see cref="AssignFolds"/>).
    /// The image path is <c>Name/Name_%04d.jpg</c>, joined to <paramref name="imageRoot"/> when one is given.
    /// </summary>
    /// <exception cref="PairsFormatException">A line does not match what the header announces.</exception>
    public static IReadOnlyList<VerificationPair> ReadLfw(string path, string? imageRoot = null)
    {
        var lines = ReadLines(path);
        var rows = NonBlank(lines).ToList();
        if (rows.Count == 0)
        {
            throw new PairsFormatException(path, 1, "the file is empty; expected a header such as \"10\t300\" (sets, pairs per set) followed by the pairs");
        }

        var (headerLine, header) = rows[0];
        var headerFields = SplitWhitespace(header);
        int sets, perSet;
        bool explicitSets;
        if (headerFields.Length == 2 && TryPositiveInt(headerFields[0], out sets) && TryPositiveInt(headerFields[1], out perSet))
        {
            explicitSets = true;
        }
        else if (headerFields.Length == 1 && TryPositiveInt(headerFields[0], out perSet))
        {
            sets = 1;
            explicitSets = false;
        }
        else
        {
            throw new PairsFormatException(path, headerLine,
                $"header \"{header.Trim()}\" is not \"sets<TAB>pairs-per-set\" (View 2: \"10\t300\") nor a single pair count (View 1: \"1100\")");
        }

        var expected = (long)sets * perSet * 2;
        var available = rows.Count - 1;
        if (available < expected)
        {
            throw new PairsFormatException(path, lines.Length + 1,
                $"the file ends after {available} pair lines but the header on line {headerLine} announces {sets} set(s) of {perSet} matched + {perSet} mismatched = {expected} lines");
        }

        if (available > expected)
        {
            throw new PairsFormatException(path, rows[(int)expected + 1].Line,
                $"extra line: the header on line {headerLine} announces {sets} set(s) of {perSet} matched + {perSet} mismatched = {expected} lines and this is line {expected + 1} of the pairs");
        }

        var pairs = new List<VerificationPair>((int)expected);
        var index = 1;
        for (var set = 0; set < sets; set++)
        {
            for (var half = 0; half < 2; half++)
            {
                var matched = half == 0;
                for (var i = 0; i < perSet; i++, index++)
                {
                    var (lineNumber, text) = rows[index];
                    var f = SplitWhitespace(text);
                    var where = $"in set {set + 1}, line {i + 1} of the {(matched ? "matched" : "mismatched")} block";
                    if (matched)
                    {
                        if (f.Length != 3)
                        {
                            throw new PairsFormatException(path, lineNumber,
                                $"expected a matched pair \"Name<TAB>n1<TAB>n2\" {where}, found {f.Length} field(s): \"{text.Trim()}\"");
                        }

                        var a = ImageNumber(path, lineNumber, f[1]);
                        var b = ImageNumber(path, lineNumber, f[2]);
                        pairs.Add(new VerificationPair(LfwImage(imageRoot, f[0], a), LfwImage(imageRoot, f[0], b), true, explicitSets ? set : 0));
                    }
                    else
                    {
                        if (f.Length != 4)
                        {
                            throw new PairsFormatException(path, lineNumber,
                                $"expected a mismatched pair \"Name1<TAB>n1<TAB>Name2<TAB>n2\" {where}, found {f.Length} field(s): \"{text.Trim()}\"");
                        }

                        var a = ImageNumber(path, lineNumber, f[1]);
                        var b = ImageNumber(path, lineNumber, f[3]);
                        pairs.Add(new VerificationPair(LfwImage(imageRoot, f[0], a), LfwImage(imageRoot, f[2], b), false, explicitSets ? set : 0));
                    }
                }
            }
        }

        return explicitSets ? pairs : AssignFolds(pairs, DefaultFoldCount);
    }

    /// <summary>
    /// Reads a CSV of pairs <c>a,b,same</c>: <c>same</c> is 1/0, true/false or yes/no (any case); fields may be double-quoted (<c>""</c> escapes a quote);
    /// the first non-blank line is a header when its third field is not one of those values; lines starting with <c>#</c> are comments.
    /// Paths are joined to <paramref name="imageRoot"/> when one is given. Folds follow <see cref="AssignFolds"/>.
    /// </summary>
    /// <exception cref="PairsFormatException">A line is not three fields, a path is empty, or <c>same</c> is not a recognised value.</exception>
    public static IReadOnlyList<VerificationPair> ReadCsv(string path, string? imageRoot = null)
    {
        var lines = ReadLines(path);
        var pairs = new List<VerificationPair>();
        var first = true;
        foreach (var (lineNumber, text) in NonBlank(lines))
        {
            if (text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var f = SplitCsv(path, lineNumber, text);
            if (f.Count != 3)
            {
                throw new PairsFormatException(path, lineNumber, $"expected 3 comma-separated fields \"a,b,same\", found {f.Count}: \"{text.Trim()}\"");
            }

            var isFirst = first;
            first = false;
            if (!TryParseSame(f[2], out var same))
            {
                if (isFirst)
                {
                    continue; // a header such as "a,b,same"
                }

                throw new PairsFormatException(path, lineNumber, $"third field \"{f[2]}\" is not a label; use 1/0, true/false or yes/no");
            }

            for (var k = 0; k < 2; k++)
            {
                if (f[k].Length == 0)
                {
                    throw new PairsFormatException(path, lineNumber, $"image path {(k == 0 ? "a" : "b")} is empty");
                }
            }

            pairs.Add(new VerificationPair(Join(imageRoot, f[0]), Join(imageRoot, f[1]), same, 0));
        }

        if (pairs.Count == 0)
        {
            throw new PairsFormatException(path, lines.Length + 1, "the file holds no pairs; expected lines \"a,b,same\"");
        }

        return AssignFolds(pairs, DefaultFoldCount);
    }

    /// <summary>
    /// Stratified round-robin folds, deterministic and seedless: the k-th matched pair in file order (k from 0) goes to fold k mod
    /// <paramref name="foldCount"/>, and so does the k-th mismatched pair. Every fold gets matched and mismatched pairs in the file's proportion (±1).
    /// </summary>
    public static IReadOnlyList<VerificationPair> AssignFolds(IReadOnlyList<VerificationPair> pairs, int foldCount)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(foldCount, 1);
        int matched = 0, mismatched = 0;
        var result = new VerificationPair[pairs.Count];
        for (var i = 0; i < pairs.Count; i++)
        {
            var k = pairs[i].Same ? matched++ : mismatched++;
            result[i] = pairs[i] with { Fold = k % foldCount };
        }

        return result;
    }

    private static string[] ReadLines(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FaceIndexException($"pairs file {path} not found; give the path of LFW's pairs.txt or of a CSV \"a,b,same\"");
        }

        return File.ReadAllLines(path);
    }

    private static IEnumerable<(int Line, string Text)> NonBlank(string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (!string.IsNullOrWhiteSpace(lines[i]))
            {
                yield return (i + 1, lines[i]);
            }
        }
    }

    private static string[] SplitWhitespace(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryPositiveInt(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static int ImageNumber(string path, int line, string field) =>
        TryPositiveInt(field, out var n)
            ? n
            : throw new PairsFormatException(path, line, $"image number \"{field}\" is not a positive integer (LFW numbers images from 1)");

    private static string LfwImage(string? root, string name, int number) =>
        Join(root, $"{name}/{name}_{number.ToString("D4", CultureInfo.InvariantCulture)}.jpg");

    private static string Join(string? root, string relative) => root is null ? relative : Path.Combine(root, relative);

    private static bool TryParseSame(string field, out bool same)
    {
        switch (field.Trim().ToUpperInvariant())
        {
            case "1" or "TRUE" or "YES":
                same = true;
                return true;
            case "0" or "FALSE" or "NO":
                same = false;
                return true;
            default:
                same = false;
                return false;
        }
    }

    private static List<string> SplitCsv(string path, int line, string text)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new PairsFormatException(path, line, "a quoted field is not closed; end it with a double quote");
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(text[i++]);
                }

                while (i < text.Length && text[i] is ' ' or '\t')
                {
                    i++;
                }

                if (i < text.Length && text[i] != ',')
                {
                    throw new PairsFormatException(path, line, $"unexpected text after a quoted field at column {i + 1}");
                }

                fields.Add(sb.ToString());
            }
            else
            {
                var start = i;
                while (i < text.Length && text[i] != ',')
                {
                    i++;
                }

                fields.Add(text[start..i].Trim());
            }

            if (i >= text.Length)
            {
                return fields;
            }

            i++; // the comma
        }
    }
}
