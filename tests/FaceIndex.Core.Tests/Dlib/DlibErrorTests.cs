using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using FaceIndex.Native;
using DlibApi = FaceIndex.Native.Dlib;

namespace FaceIndex.Tests.Dlib;

/// <summary>Bad inputs fail with errors a user can act on, and no native error crosses the boundary unreported.</summary>
[Collection(DlibTestGroup.Name)]
public sealed class DlibErrorTests(DlibFixture dlib)
{
    [Fact]
    public void A_missing_predictor_file_names_the_path_and_what_to_do()
    {
        var path = Path.Combine(Path.GetTempPath(), "faceindex-no-such-dir", "shape_predictor_68_face_landmarks.dat");

        var e = Assert.Throws<FaceIndexException>(() => DlibModels.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("setup.sh", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_predictor_is_rejected_by_the_native_loader()
    {
        var path = TestPaths.DataFile("weights-golden", "golden.json");

        var e = Assert.Throws<FaceIndexException>(() => ShapePredictor.Deserialize(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("bad file format", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_predictor_file_is_rejected()
    {
        var path = Path.Combine(Path.GetTempPath(), $"faceindex-truncated-{Environment.ProcessId}.dat");
        try
        {
            using (var source = File.OpenRead(dlib.Models.Predictor.Path))
            using (var target = File.Create(path))
            {
                var head = new byte[1 << 20];
                source.ReadExactly(head);
                target.Write(head);
            }

            var e = Assert.Throws<FaceIndexException>(() => ShapePredictor.Deserialize(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Null_images_are_rejected_by_every_stage()
    {
        var box = new FaceBox(0, 0, 99, 99);
        var shape = new FaceLandmarks(box, DlibTestData.Golden[3].Landmarks);

        Assert.Throws<ArgumentNullException>(() => dlib.Worker.Detector.Detect(null!));
        Assert.Throws<ArgumentNullException>(() => dlib.Worker.Landmarker.Predict(null!, box));
        Assert.Throws<ArgumentNullException>(() => dlib.Worker.Aligner.Align(null!, shape));
        Assert.Throws<ArgumentNullException>(() => dlib.Worker.Aligner.Align(DlibTestData.Gray(10, 10, 0), null!));
    }

    [Fact]
    public void Empty_or_short_pixel_buffers_are_rejected_before_reaching_dlib()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbPixels([], 0, 10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbPixels(new byte[30], 10, 1, 29));
        Assert.Throws<ArgumentException>(() => new RgbPixels(new byte[299], 10, 10, 30));
    }

    [Fact]
    public void Bad_arguments_that_reach_the_native_side_return_an_error_code_and_a_message()
    {
        // Called below the managed checks, as a buggy caller of the C ABI would.
        DlibNative.EnsureLoaded();
        using var detector = DlibApi.GetFrontalFaceDetector();
        var handle = typeof(FrontalFaceDetector).GetField("handle", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(detector) as FrontalFaceDetectorHandle;

        int rc, count;
        unsafe
        {
            rc = DlibNative.DetectorDetect(handle!, null, 10, 10, 30, 0, 0, null, 0, out count);
        }

        Assert.Equal(DlibNative.ErrorArgument, rc);
        Assert.Equal(0, count);
        Assert.Contains("image pointer is null", DlibNative.LastErrorMessage(), StringComparison.Ordinal);
        var e = Assert.Throws<FaceIndexException>(() => DlibNative.Check(rc, "detecting"));
        Assert.Contains("invalid argument", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chips_need_68_or_5_landmarks_and_a_sane_size()
    {
        var image = DlibTestData.Gray(100, 100, 90);
        var box = new FaceBox(10, 10, 89, 89);
        var three = new FaceLandmarks(box, [new(20, 30), new(70, 30), new(50, 70)]);
        var golden = new FaceLandmarks(box, DlibTestData.Golden[3].Landmarks);

        Assert.Throws<ArgumentException>(() => dlib.Worker.Aligner.Align(image, three));
        Assert.Throws<ArgumentOutOfRangeException>(() => dlib.Worker.Aligner.Align(image, golden, size: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => dlib.Worker.Aligner.Align(image, golden, padding: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => dlib.Worker.Detector.Detect(image, upsample: -1));
    }

    [Fact]
    public void A_disposed_detector_refuses_to_run()
    {
        var detector = DlibApi.GetFrontalFaceDetector();
        detector.Dispose();

        Assert.Throws<ObjectDisposedException>(() => detector.Detect(DlibTestData.Gray(50, 50, 0)));
    }
}
