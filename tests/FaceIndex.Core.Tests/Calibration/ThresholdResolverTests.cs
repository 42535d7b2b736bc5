using FaceIndex.Calibration;
using FaceIndex.Catalog;
using FaceIndex.Evaluation;
using FaceIndex.Tests.Evaluation;

namespace FaceIndex.Tests.Calibration;

/// <summary>Stored calibrations and the order the resolver prefers them in: given, dataset, model, default.</summary>
public class ThresholdResolverTests
{
    private const string Model = "model-a";

    [Fact]
    public void The_resolver_prefers_given_then_dataset_then_model_then_the_default()
    {
        using var tmp = new TempDir();
        var lib = Path.Combine(tmp.Path, "lib");
        using var catalog = FaceCatalog.Open(lib);
        var none = ThresholdResolver.Resolve(catalog, Model);
        Assert.Equal((0.6, ThresholdOrigin.Default), (none.Value, none.Origin));
        Assert.Contains("dlib's default", none.Description, StringComparison.Ordinal);

        var pairs = new[] { 0.3, 0.4 }.Select(d => new ScoredPair(d, true, 0)).Concat(new[] { 0.5, 0.9 }.Select(d => new ScoredPair(d, false, 0))).ToList();
        var result = ThresholdCalibration.Calibrate(pairs, new CalibrationOptions(Bootstrap: 10));
        var chosen = CalibrationStore.Choose(result, "accuracy");
        Assert.Equal(0.45, chosen.Threshold, 12);
        var first = CalibrationStore.Save(catalog, Model, null, "pairs file p.csv", result, chosen);
        catalog.AddCalibration(Model, null, 0.55, "accuracy", "pairs file q.csv", CalibrationStore.ToJson(result));
        catalog.AddCalibration(Model, "lfw", 0.5, "far 0.001", "dataset lfw", CalibrationStore.ToJson(result));
        catalog.AddCalibration("model-b", null, 0.7, "accuracy", "dataset x", CalibrationStore.ToJson(result));

        var model = ThresholdResolver.Resolve(catalog, Model);
        Assert.Equal((0.55, ThresholdOrigin.CalibratedForModel), (model.Value, model.Origin));
        Assert.Contains("pairs file q.csv", model.Description, StringComparison.Ordinal);
        var dataset = ThresholdResolver.Resolve(catalog, Model, "lfw");
        Assert.Equal((0.5, ThresholdOrigin.CalibratedForDataset), (dataset.Value, dataset.Origin));
        Assert.Equal(0.55, ThresholdResolver.Resolve(catalog, Model, "other").Value);
        Assert.Equal((0.4, ThresholdOrigin.Given), (ThresholdResolver.Resolve(catalog, Model, "lfw", 0.4).Value, ThresholdResolver.Resolve(catalog, Model, "lfw", 0.4).Origin));

        // info lists the one in force per scope; the stored JSON reads back to the same result.
        var current = catalog.CurrentCalibrations();
        Assert.Equal(3, current.Count);
        Assert.DoesNotContain(current, c => c.Id == first);
        Assert.Equal(result.Points, CalibrationStore.FromJson(current[0].DetailsJson).Points.Select((p, i) => p with { CiLow = result.Points[i].CiLow, CiHigh = result.Points[i].CiHigh }));
    }

    [Fact]
    public void A_library_folder_without_a_catalog_resolves_to_the_default_and_says_why()
    {
        using var tmp = new TempDir();
        var r = ThresholdResolver.ResolveForLibrary(Path.Combine(tmp.Path, "none"), Model);
        Assert.Equal((0.6, ThresholdOrigin.Default), (r.Value, r.Origin));
        Assert.Contains("no library", r.Description, StringComparison.Ordinal);
    }
}
