using FaceIndex.Imaging;
using FaceIndex.Native;

namespace FaceIndex.Tests.Dlib;

/// <summary>Worker contexts on several threads, sharing one predictor, give exactly the single-thread results.</summary>
[Collection(DlibTestGroup.Name)]
public sealed class DlibThreadingTests(DlibFixture dlib)
{
    [Fact]
    public void Four_workers_on_four_threads_match_one_thread_exactly()
    {
        // Given a few committed photos, processed once on this thread
        RgbImage[] images =
        [
            DlibTestData.LoadData("faces", "deepface", "img17.jpg"),
            DlibTestData.LoadData("faces", "deepface", "selfie-many-people.jpg"),
            DlibTestData.LoadData("faces", "face_recognition", "kit_harington", "kit_with_rose.jpg"),
            DlibTestData.LoadData("faces", "face_recognition", "obama", "obama_small.jpg"),
            DlibTestData.LoadData("faces", "face_recognition", "rose_leslie", "img2.jpg"),
        ];
        var expected = images.Select(i => Run(dlib.Worker, i)).ToArray();

        // When four threads, each with its own worker from the shared models, process all of them twice
        const int threads = 4;
        var results = new string[threads][];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            using var worker = dlib.Models.CreateWorker();
            results[t] = [.. Enumerable.Range(0, 2 * images.Length)
                .Select(k => Run(worker, images[(k + t) % images.Length]))];
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        // Then every thread got exactly what the single thread got
        for (var t = 0; t < threads; t++)
        {
            for (var k = 0; k < 2 * images.Length; k++)
            {
                Assert.Equal(expected[(k + t) % images.Length], results[t][k]);
            }
        }
    }

    // Boxes, scores (round-trip precision) and every landmark of every face, as one comparable string.
    private static string Run(DlibWorker worker, RgbImage image) =>
        string.Join("; ", worker.Detector.Detect(image, upsample: 1).Select(f =>
            $"{f.Box} {f.Score:R} [{string.Join(" ", worker.Landmarker.Predict(image, f.Box).Points.Select(p => $"{p.X},{p.Y}"))}]"));
}
