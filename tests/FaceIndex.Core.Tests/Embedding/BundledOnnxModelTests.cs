using FaceIndex.Embedding.Onnx;
using FaceIndex.Models;
using FaceIndex.Pipeline;
using FaceIndex.Tests;

namespace FaceIndex.Core.Tests.Embedding;

/// <summary>The bundled faceplugin network through a real ONNX Runtime session and the whole pipeline (skipped when set-up has not fetched it).</summary>
public sealed class BundledOnnxModelTests
{
    [SkippableFact]
    public void The_same_person_is_closer_than_another_person_and_batches_change_nothing()
    {
        var file = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(file), $"needs {file} (bash scripts/setup.sh fetches it)");
        var model = ModelRegistry.Open(null).Resolve(BundledModels.FacepluginName);
        using var engine = FaceEngine.Load(new EngineOptions(Model: model));

        float[] Subject(params string[] parts)
        {
            var analysis = engine.Analyze(TestPaths.DataFile(parts), new PipelineOptions(KeepChips: true));
            var face = analysis.Faces[analysis.Subject];
            Assert.Equal(112, face.Chip!.Width);
            Assert.Equal(model.ModelId(), face.ModelId);
            return face.Embedding!;
        }

        var obama = Subject("faces", "face_recognition", "obama", "obama.jpg");
        var obama2 = Subject("faces", "queries", "obama2.jpg");
        var rose = Subject("faces", "face_recognition", "rose_leslie", "img1.jpg");

        Assert.Equal(512, obama.Length);
        var same = Cosine(obama, obama2);
        var other = Cosine(obama, rose);
        Assert.True(same > 0.5 && other < 0.3 && same > other + 0.3, $"cosine same {same:F3}, other {other:F3}");
        Assert.StartsWith("faceplugin/sha256:87aacdfe", model.ModelId(), StringComparison.Ordinal);
    }

    private static double Cosine(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);
}
