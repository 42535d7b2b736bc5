using FaceIndex.Annoy;

namespace FaceIndex.Annoy.Tests;

/// <summary>Files that are not annoy indexes of the expected shape are refused with a typed error, never read out of bounds.</summary>
public sealed class LoadValidationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("annoy-bad-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void A_truncated_file_is_refused()
    {
        var bytes = File.ReadAllBytes(Golden.IndexFile("angular"));
        var path = Write("truncated.ann", bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Angular));
        Assert.Contains("not a positive multiple of the node size", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_cut_at_a_node_boundary_loses_its_root_copies_and_is_refused()
    {
        var bytes = File.ReadAllBytes(Golden.IndexFile("angular"));
        var path = Write("cut.ann", bytes[..(524 * 1100)]);
        Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Angular));
    }

    [Theory]
    [InlineData(64, AnnoyMetric.Angular)]
    [InlineData(127, AnnoyMetric.Angular)]
    [InlineData(128, AnnoyMetric.Euclidean)]
    [InlineData(128, AnnoyMetric.Dot)]
    [InlineData(32, AnnoyMetric.Euclidean)]
    public void The_wrong_dimension_or_metric_is_refused(int dim, AnnoyMetric metric)
    {
        Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(Golden.IndexFile("angular"), dim, metric));
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        var path = Write("empty.ann", []);
        Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Angular));
    }

    [Fact]
    public void Random_bytes_of_a_valid_length_are_refused()
    {
        var bytes = new byte[524 * 300];
        new Random(7).NextBytes(bytes);
        var path = Write("random.ann", bytes);
        Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Angular));
    }

    [Fact]
    public void A_split_node_pointing_outside_the_file_is_refused()
    {
        var bytes = File.ReadAllBytes(Golden.IndexFile("euclidean"));
        const int S = 528;

        // The last node is a root copy, a split; its children[1] sits at offset 12.
        var last = (bytes.Length / S) - 1;
        Assert.Equal(Golden.Items, BitConverter.ToInt32(bytes, last * S));
        BitConverter.TryWriteBytes(bytes.AsSpan((last * S) + 12), 50_000_000);
        var path = Write("child.ann", bytes);
        var e = Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Euclidean));
        Assert.Contains("children", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_leaf_listing_an_item_outside_the_index_is_refused()
    {
        var bytes = File.ReadAllBytes(Golden.IndexFile("angular"));
        const int S = 524;

        // Node 1000 is the first node of tree 0: a leaf list (post-order numbering starts with a leaf).
        var nd = BitConverter.ToInt32(bytes, 1000 * S);
        Assert.InRange(nd, 2, 130);
        BitConverter.TryWriteBytes(bytes.AsSpan((1000 * S) + 4), -5);
        var path = Write("leaf.ann", bytes);
        var e = Assert.Throws<AnnoyFormatException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Angular));
        Assert.Contains("lists item -5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_annoy_error_naming_it()
    {
        var path = Path.Combine(_dir.FullName, "absent.ann");
        var e = Assert.Throws<AnnoyException>(() => AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Angular));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
