using FaceIndex.Datasets;
using FaceIndex.Tests.Catalog;

namespace FaceIndex.Tests.Datasets;

/// <summary>Datasets on shared storage are often trees of symbolic links; the scan follows them, cycle-safe.</summary>
public sealed class SymlinkScanTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Symlinked_files_and_identity_folders_are_found()
    {
        var store = _temp.Sub("store");
        File.WriteAllBytes(Path.Combine(store, "a.jpg"), [1]);
        Directory.CreateDirectory(Path.Combine(store, "bob"));
        File.WriteAllBytes(Path.Combine(store, "bob", "b1.jpg"), [2]);
        var root = _temp.Sub("dataset");
        Directory.CreateDirectory(Path.Combine(root, "alice"));
        File.CreateSymbolicLink(Path.Combine(root, "alice", "alice_1.jpg"), Path.Combine(store, "a.jpg"));
        Directory.CreateSymbolicLink(Path.Combine(root, "bob"), "../store/bob"); // relative target

        var scan = DatasetScanner.Scan(root);

        Assert.Equal(DatasetLayout.IdentityFolders, scan.Layout);
        Assert.Equal(["alice/alice_1.jpg", "bob/b1.jpg"], scan.Images.Select(i => i.RelPath));
        Assert.Equal(["alice", "bob"], scan.Images.Select(i => i.Identity));
    }

    [Fact]
    public void A_link_cycle_ends_and_a_folder_reached_twice_is_listed_once()
    {
        var root = _temp.Sub("cyclic");
        Directory.CreateDirectory(Path.Combine(root, "carol"));
        File.WriteAllBytes(Path.Combine(root, "carol", "c1.png"), [3]);
        Directory.CreateSymbolicLink(Path.Combine(root, "carol", "loop"), root); // carol/loop -> the dataset itself
        Directory.CreateSymbolicLink(Path.Combine(root, "zz_again"), Path.Combine(root, "carol"));

        var scan = DatasetScanner.Scan(root, DatasetLayout.IdentityFolders);

        Assert.Equal(["carol/c1.png"], scan.Images.Select(i => i.RelPath));
        Assert.Equal(2, scan.SkippedByExtension["(folder already listed through another link)"]);
    }

    [Fact]
    public void A_broken_link_is_counted_not_indexed()
    {
        var root = _temp.Sub("broken");
        File.WriteAllBytes(Path.Combine(root, "ok.jpg"), [4]);
        File.CreateSymbolicLink(Path.Combine(root, "gone.jpg"), Path.Combine(root, "nowhere.jpg"));

        var scan = DatasetScanner.Scan(root);

        Assert.Equal(["ok.jpg"], scan.Images.Select(i => i.RelPath));
        Assert.Equal(1, scan.SkippedByExtension["(broken symbolic link)"]);
    }
}
