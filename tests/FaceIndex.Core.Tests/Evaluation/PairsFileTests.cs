using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Evaluation;

public class PairsFileTests
{
    [Fact]
    public void Lfw_view2_file_gives_one_fold_per_set_in_file_order()
    {
        var pairs = PairsFile.ReadLfw(TestPaths.DataFile("eval", "pairs_small.txt"));

        Assert.Equal(40, pairs.Count);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(i / 4, pairs[i].Fold);
            Assert.Equal(i % 4 < 2, pairs[i].Same);
        }

        Assert.Equal(new VerificationPair("Person_00a/Person_00a_0001.jpg", "Person_00a/Person_00a_0002.jpg", true, 0), pairs[0]);
        Assert.Equal(new VerificationPair("Person_09b/Person_09b_0002.jpg", "Person_09a/Person_09a_0004.jpg", false, 9), pairs[39]);
    }

    [Fact]
    public void Lfw_view2_sized_file_gives_ten_folds_of_300_plus_300()
    {
        using var dir = new TempDir();
        var text = new System.Text.StringBuilder("10\t300\n");
        for (var set = 0; set < 10; set++)
        {
            for (var i = 0; i < 300; i++)
            {
                text.Append($"P{set}_{i}\t1\t2\n");
            }

            for (var i = 0; i < 300; i++)
            {
                text.Append($"P{set}_{i}\t1\tQ{set}_{i}\t1\n");
            }
        }

        var pairs = PairsFile.ReadLfw(dir.Write("pairs.txt", text.ToString()));

        Assert.Equal(6000, pairs.Count);
        Assert.All(pairs.GroupBy(p => p.Fold), g => Assert.Equal((300, 300), (g.Count(p => p.Same), g.Count(p => !p.Same))));
        Assert.Equal(Enumerable.Range(0, 10), pairs.Select(p => p.Fold).Distinct());
    }

    [Fact]
    public void Lfw_paths_are_joined_to_the_image_root()
    {
        var pairs = PairsFile.ReadLfw(TestPaths.DataFile("eval", "pairs_small.txt"), "/data/lfw");

        Assert.Equal(Path.Combine("/data/lfw", "Person_00a/Person_00a_0001.jpg"), pairs[0].PathA);
    }

    [Fact]
    public void Lfw_single_count_header_is_one_set_folded_round_robin()
    {
        using var dir = new TempDir();
        var file = dir.Write("dev.txt", "2\nA\t1\t2\nB\t1\t2\nA\t1\tB\t1\nB\t2\tA\t2\n");

        var pairs = PairsFile.ReadLfw(file);

        Assert.Equal([true, true, false, false], pairs.Select(p => p.Same));
        Assert.Equal([0, 1, 0, 1], pairs.Select(p => p.Fold));
    }

    [Fact]
    public void Lfw_blank_lines_are_skipped_but_counted_in_line_numbers()
    {
        using var dir = new TempDir();
        var file = dir.Write("p.txt", "1 1\n\nA 1 2\n\nA 1 B x\n");

        var ex = Assert.Throws<PairsFormatException>(() => PairsFile.ReadLfw(file));

        Assert.Equal(5, ex.LineNumber);
        Assert.Equal(file, ex.FilePath);
        Assert.StartsWith($"{file}:5: image number \"x\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ten\t300\n", 1, "header")]
    [InlineData("1\t1\nA\t1\t2\t3\nA\t1\tB\t1\n", 2, "expected a matched pair")]
    [InlineData("1\t1\nA\t1\t2\nA\t1\tB\n", 3, "expected a mismatched pair")]
    [InlineData("1\t1\nA\t0\t2\nA\t1\tB\t1\n", 2, "not a positive integer")]
    [InlineData("1\t2\nA\t1\t2\nA\t1\t3\nA\t1\tB\t1\n", 5, "announces 1 set(s) of 2 matched + 2 mismatched = 4 lines")]
    [InlineData("1\t1\nA\t1\t2\nA\t1\tB\t1\nC\t1\t2\n", 4, "extra line")]
    [InlineData("\n\n", 1, "empty")]
    public void Lfw_malformed_lines_name_the_line_and_the_problem(string content, int line, string problem)
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.txt", content);

        var ex = Assert.Throws<PairsFormatException>(() => PairsFile.ReadLfw(file));

        Assert.Equal(line, ex.LineNumber);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{file}:{line}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var ex = Assert.Throws<FaceIndexException>(() => PairsFile.ReadLfw("/nonexistent/pairs.txt"));
        Assert.Contains("/nonexistent/pairs.txt not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_reads_header_quotes_label_spellings_and_root()
    {
        var pairs = PairsFile.ReadCsv(TestPaths.DataFile("eval", "pairs_small.csv"), "/root");

        Assert.Equal([true, false, true, false, true, false], pairs.Select(p => p.Same));
        Assert.Equal(Path.Combine("/root", "y/with,comma.jpg"), pairs[2].PathA);
        Assert.Equal(Path.Combine("/root", "x/one.jpg"), pairs[0].PathA);
        // Stratified round robin: matched pairs 0, 1, 2 -> folds 0, 1, 2; mismatched pairs likewise.
        Assert.Equal([0, 0, 1, 1, 2, 2], pairs.Select(p => p.Fold));
    }

    [Fact]
    public void Csv_without_header_and_more_than_ten_pairs_wraps_folds()
    {
        using var dir = new TempDir();
        var file = dir.Write("p.csv", string.Concat(Enumerable.Range(0, 12).Select(i => $"a{i}.jpg,b{i}.jpg,{(i < 11 ? 1 : 0)}\n")));

        var pairs = PairsFile.ReadCsv(file);

        Assert.Equal(12, pairs.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0], pairs.Select(p => p.Fold));
    }

    [Theory]
    [InlineData("a,b,same\nx.jpg,y.jpg,maybe\n", 2, "\"maybe\" is not a label")]
    [InlineData("x.jpg,y.jpg,1\nx.jpg,y.jpg\n", 2, "expected 3 comma-separated fields")]
    [InlineData("x.jpg,y.jpg,1\n\n,y.jpg,0\n", 3, "image path a is empty")]
    [InlineData("\"x.jpg,y.jpg,1\n", 1, "quoted field is not closed")]
    [InlineData("a,b,same\n", 2, "no pairs")]
    public void Csv_malformed_lines_name_the_line_and_the_problem(string content, int line, string problem)
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.csv", content);

        var ex = Assert.Throws<PairsFormatException>(() => PairsFile.ReadCsv(file));

        Assert.Equal(line, ex.LineNumber);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
