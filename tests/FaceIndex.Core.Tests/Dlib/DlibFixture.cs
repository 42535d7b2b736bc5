using FaceIndex.Models;
using FaceIndex.Native;

namespace FaceIndex.Tests.Dlib;

/// <summary>dlib's models loaded once for every dlib test (the predictor takes about a second and ~100 MB).</summary>
public sealed class DlibFixture : IDisposable
{
    public DlibFixture()
    {
        // Required, not skipped: CI runs scripts/setup.sh, which installs the model and builds the shim.
        Models = DlibModels.Load(ModelFiles.Require(ModelFiles.ShapePredictor68));
        Worker = Models.CreateWorker();
    }

    public DlibModels Models { get; }

    /// <summary>A worker for tests that run on the xunit thread (tests in one collection run one at a time).</summary>
    public DlibWorker Worker { get; }

    public void Dispose()
    {
        Worker.Dispose();
        Models.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DlibTestGroup : ICollectionFixture<DlibFixture>
{
    public const string Name = "dlib";
}
