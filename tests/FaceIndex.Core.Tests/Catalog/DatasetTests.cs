using FaceIndex.Catalog;
using FaceIndex.Datasets;

namespace FaceIndex.Tests.Catalog;

public sealed class DatasetTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_dataset_without_a_licence_is_refused_with_how_to_state_one()
    {
        var root = _temp.Sub("nolicence");

        var ex = Assert.Throws<FaceIndexException>(() => DatasetInfo.Resolve(root));

        Assert.Contains("states no licence", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--licence", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--licence unknown", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(root, "dataset.json"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dataset_the_library_holds_keeps_its_licence_and_provenance_when_indexed_again_without_them()
    {
        var root = _temp.Sub("again");
        Assert.Null(CatalogFactory.RegisteredDataset(_temp.Library, "again"));
        using (var catalog = FaceCatalog.Open(_temp.Library))
        {
            catalog.RegisterDataset(new DatasetInfo("again", "CC-BY-4.0", SourceUrl: "consented collection, 2026", ConsentBasis: "signed forms", Layout: DatasetLayout.Flat), root);
        }

        var options = new DatasetOptions(Registered: name => CatalogFactory.RegisteredDataset(_temp.Library, name));
        var resumed = DatasetInfo.Resolve(root, options);
        var relicensed = DatasetInfo.Resolve(root, options with { Licence = "CC0-1.0" });

        Assert.Equal("CC-BY-4.0", resumed.Licence);
        Assert.Equal("consented collection, 2026", resumed.SourceUrl);
        Assert.Equal("signed forms", resumed.ConsentBasis);
        Assert.Equal("CC0-1.0", relicensed.Licence);

        // Another dataset in the same library still has to state its terms.
        var ex = Assert.Throws<FaceIndexException>(() => DatasetInfo.Resolve(_temp.Sub("other"), options));
        Assert.Contains("states no licence", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_is_accepted_and_recorded_as_the_licence()
    {
        var info = DatasetInfo.Resolve(_temp.Sub("mine"), new DatasetOptions(Licence: "unknown"));

        Assert.Equal("unknown", info.Licence);
        Assert.Equal("mine", info.Name);
        Assert.Equal(DatasetLayout.Auto, info.Layout);
    }

    [Fact]
    public void Dataset_json_is_read_and_options_override_it()
    {
        var root = _temp.Sub("lfw");
        File.WriteAllText(Path.Combine(root, "dataset.json"), """
            {
              // comments and trailing commas are fine
              "name": "lfw",
              "license": "no licence stated; copyright remains with the photographers",
              "source_url": "the authors' page",
              "citation": "Huang et al., Labeled Faces in the Wild, UMass TR 07-49, 2007",
              "consent_basis": "none stated",
              "layout": "identity-folders",
              "extra_field": 1,
            }
            """);

        var fromFile = DatasetInfo.Resolve(root);
        var overridden = DatasetInfo.Resolve(root, new DatasetOptions(Name: "lfw-test", Layout: DatasetLayout.Flat));

        Assert.Equal("lfw", fromFile.Name);
        Assert.Equal("no licence stated; copyright remains with the photographers", fromFile.Licence);
        Assert.Equal("none stated", fromFile.ConsentBasis);
        Assert.Equal(DatasetLayout.IdentityFolders, fromFile.Layout);
        Assert.Equal("lfw-test", overridden.Name);
        Assert.Equal(DatasetLayout.Flat, overridden.Layout);
        Assert.Equal(fromFile.Licence, overridden.Licence);
    }

    [Fact]
    public void Broken_dataset_json_names_the_file_and_line()
    {
        var root = _temp.Sub("broken");
        File.WriteAllText(Path.Combine(root, "dataset.json"), "{\n  \"licence\": \"x\",\n  \"name\": \n}");

        var ex = Assert.Throws<FaceIndexException>(() => DatasetInfo.Resolve(root));

        Assert.Contains(Path.Combine(root, "dataset.json"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Identity_folders_are_detected_sorted_and_hidden_and_other_files_skipped()
    {
        var root = _temp.Sub("lfw");
        Touch(root, "Zoe_Ball/Zoe_Ball_0001.jpg", "Aaron_Eckhart/Aaron_Eckhart_0001.JPG", "Aaron_Eckhart/Aaron_Eckhart_0002.png",
            "Aaron_Eckhart/.hidden.jpg", ".thumbnails/x.jpg", "Aaron_Eckhart/notes.txt", "Zoe_Ball/README", "dataset.json");

        var scan = DatasetScanner.Scan(root);

        Assert.Equal(DatasetLayout.IdentityFolders, scan.Layout);
        Assert.Equal(
            ["Aaron_Eckhart/Aaron_Eckhart_0001.JPG", "Aaron_Eckhart/Aaron_Eckhart_0002.png", "Zoe_Ball/Zoe_Ball_0001.jpg"],
            scan.Images.Select(i => i.RelPath));
        Assert.Equal(["Aaron_Eckhart", "Aaron_Eckhart", "Zoe_Ball"], scan.Images.Select(i => i.Identity));
        Assert.Equal(1, scan.SkippedByExtension[".txt"]);
        Assert.Equal(1, scan.SkippedByExtension[""]);
        Assert.Equal(2, scan.SkippedByExtension.Values.Sum());
    }

    [Fact]
    public void Images_at_the_root_make_a_flat_dataset_and_the_layout_can_be_forced()
    {
        var root = _temp.Sub("flat");
        Touch(root, "b.webp", "a.jpeg", "sub/c.tiff", "sub/d.gif", "e.bmp", "f.tif", "g.heic");

        var auto = DatasetScanner.Scan(root);
        var forced = DatasetScanner.Scan(root, DatasetLayout.IdentityFolders);

        Assert.Equal(DatasetLayout.Flat, auto.Layout);
        Assert.Equal(["a.jpeg", "b.webp", "e.bmp", "f.tif", "sub/c.tiff", "sub/d.gif"], auto.Images.Select(i => i.RelPath));
        Assert.All(auto.Images, i => Assert.Null(i.Identity));
        Assert.Equal(1, auto.SkippedByExtension[".heic"]);
        Assert.Equal(["sub/c.tiff", "sub/d.gif"], forced.Images.Select(i => i.RelPath));
        Assert.Equal(["sub", "sub"], forced.Images.Select(i => i.Identity));
    }

    [Fact]
    public void A_csv_manifest_gives_identities_and_reports_missing_files()
    {
        var root = _temp.Sub("celeb");
        Touch(root, "img/000002.jpg", "img/000001.jpg", "img/000003.jpg");
        File.WriteAllText(Path.Combine(root, "manifest.csv"),
            "path,identity\nimg/000002.jpg,2880\n\"img/000001.jpg\",\"2,880\"\nimg/000003.jpg,\nimg/000009.jpg,7\nimg/readme.txt,1\n");

        var scan = DatasetScanner.Scan(root);

        Assert.Equal(DatasetLayout.Csv, scan.Layout);
        Assert.Equal(["img/000001.jpg", "img/000002.jpg", "img/000003.jpg"], scan.Images.Select(i => i.RelPath));
        Assert.Equal(["2,880", "2880", null], scan.Images.Select(i => i.Identity));
        Assert.Equal(["img/000009.jpg"], scan.MissingFromManifest);
        Assert.Equal(1, scan.SkippedByExtension[".txt"]);
    }

    [Fact]
    public void A_manifest_path_leaving_the_dataset_is_refused()
    {
        var root = _temp.Sub("evil");
        File.WriteAllText(Path.Combine(root, "list.csv"), "../secret.jpg,x\n");

        var ex = Assert.Throws<FaceIndexException>(() => DatasetScanner.Scan(root, DatasetLayout.Csv, "list.csv"));

        Assert.Contains("line 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("relative", ex.Message, StringComparison.Ordinal);
    }

    private static void Touch(string root, params string[] relPaths)
    {
        foreach (var rel in relPaths)
        {
            var path = Path.Combine(root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, rel);
        }
    }
}
