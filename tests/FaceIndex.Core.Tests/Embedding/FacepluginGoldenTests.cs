using System.Text.Json;
using FaceIndex.Alignment;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Imaging;
using FaceIndex.Models;
using FaceIndex.Tests;

namespace FaceIndex.Core.Tests.Embedding;

/// <summary>
/// The bundled faceplugin network against its own package's reference implementation: golden outputs made once with the
/// package's recipe in its own runtime (opencv.js for the 3-point warp, onnxruntime-web 1.14.0 for the network; see
/// tests/data/faceplugin-golden/make-golden.js) on two committed photos, with dlib's landmarks.
/// </summary>
public sealed class FacepluginGoldenTests
{
    private static readonly JsonElement Golden = JsonDocument.Parse(File.ReadAllText(TestPaths.DataFile("faceplugin-golden", "golden.json"))).RootElement;

    [SkippableFact]
    public void The_onnx_runtime_path_gives_the_reference_runtimes_embedding_for_the_same_chip()
    {
        var file = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(file), $"needs {file} (bash scripts/setup.sh fetches it)");
        Assert.Equal(ModelFiles.FacepluginFeature.Sha256, Golden.GetProperty("model").GetProperty("sha256").GetString());

        // The package feeds R, G, B and (p - 127) / 128; the shipped manifest differs only in its channel order.
        using var embedder = OnnxFaceEmbedder.Load(BundledModels.Faceplugin with { ChannelOrder = ChannelOrder.Rgb });
        foreach (var face in Golden.GetProperty("faces").EnumerateArray())
        {
            var chip = new RgbImage(112, 112, Convert.FromBase64String(face.GetProperty("chipRgbBase64").GetString()!));
            var expected = face.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var actual = embedder.Embed([chip])[0];

            Assert.Equal(expected.Length, actual.Length);
            var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            var scale = expected.Max(Math.Abs);

            // Two ONNX Runtime builds (native CPU and wasm) sum in different orders: 5e-7 seen, 2e-5 of the largest output allowed.
            Assert.True(maxDiff < 2e-5 * scale, $"{face.GetProperty("source")}: max difference {maxDiff:G3} (largest output {scale:G3})");
        }
    }

    [Fact]
    public void The_three_point_warp_matches_opencvs_warpAffine()
    {
        var decoder = new ImageDecoder();
        var template = FivePoints.ArcFace112;
        foreach (var face in Golden.GetProperty("faces").EnumerateArray())
        {
            var image = decoder.Decode(TestPaths.DataFile(face.GetProperty("source").GetString()!.Split('/'))).Image;

            // The package's own points (eye centres from 4 eyelid points each, nose tip 30) onto the first three of the template.
            var points = face.GetProperty("fivePoints").EnumerateArray()
                .Select(p => (X: p[0].GetDouble(), Y: p[1].GetDouble())).Take(3).ToArray();
            var toChip = AffineMatrix.FromThreePoints(points, template.Take(3).ToArray());

            var expectedTransform = face.GetProperty("transform").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[] actualTransform = [toChip.M11, toChip.M12, toChip.M13, toChip.M21, toChip.M22, toChip.M23];
            for (var i = 0; i < 6; i++)
            {
                // OpenCV solves it from float32 points: agreement to float precision of the coordinates.
                Assert.True(Math.Abs(expectedTransform[i] - actualTransform[i]) < 1e-3 * Math.Max(1, Math.Abs(expectedTransform[i])), $"transform[{i}]: {actualTransform[i]} vs OpenCV {expectedTransform[i]}");
            }

            var expected = Convert.FromBase64String(face.GetProperty("chipRgbBase64").GetString()!);
            var chip = AffineWarp.Warp(image, toChip, 112);
            var diffs = expected.Zip(chip.Pixels, (e, a) => Math.Abs(e - a)).ToArray();
            var mean = diffs.Average();

            // OpenCV's bilinear weights are fixed-point (1/32 px) and rounded: 0.06 levels on average seen; a shifted or mis-centred warp gives tens.
            Assert.True(mean < 0.25, $"{face.GetProperty("source")}: mean difference {mean:F3} levels");
            Assert.True(diffs.Count(d => d > 4) < diffs.Length / 200, $"{face.GetProperty("source")}: {diffs.Count(d => d > 4)} channel values differ by more than 4 levels");
        }
    }
}
