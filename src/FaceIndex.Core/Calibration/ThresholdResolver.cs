using System.Globalization;
using FaceIndex.Catalog;
using FaceIndex.Search;

namespace FaceIndex.Calibration;

/// <summary>
/// Decides which same-person threshold a decision uses: the caller's, else the library's latest calibration for the model and dataset,
/// else for the model, else the model's manifest threshold (dlib's 0.6 for dlib's network). Every command that decides "same person" (verify, query, a future serve) asks here.
/// </summary>
public static class ThresholdResolver
{
    /// <summary>dlib's 0.6 as a double (the float constant widened would print as 0.6000000238).</summary>
    public static double DefaultThreshold { get; } = Math.Round((double)FaceDistance.SameThreshold, 6);

    /// <summary>Resolves against an open catalog (null: no library, so a given threshold or the default).</summary>
    public static ResolvedThreshold Resolve(ICatalogReader? catalog, string modelId, string? dataset = null, double? given = null)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        if (given is { } g)
        {
            if (!(g > 0) || !double.IsFinite(g))
            {
                throw new FaceIndexException(FormattableString.Invariant($"threshold {g} is not a positive distance; dlib's default is {FaceDistance.SameThreshold}"));
            }

            return new ResolvedThreshold(g, ThresholdOrigin.Given, FormattableString.Invariant($"{g:0.####}, given"));
        }

        if (catalog?.CurrentCalibration(modelId, dataset) is { } c)
        {
            var origin = c.Dataset is null ? ThresholdOrigin.CalibratedForModel : ThresholdOrigin.CalibratedForDataset;
            var scope = c.Dataset is null ? $"for {c.ModelId}" : $"for {c.ModelId} on dataset {c.Dataset}";
            var when = c.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            return new ResolvedThreshold(c.Threshold, origin, FormattableString.Invariant($"{c.Threshold:0.####}, calibrated {scope} ({c.Chosen} on {c.Source}, {when} UTC, calibration #{c.Id})"), c.Id);
        }

        var why = catalog is null ? "no library" : $"no calibration for {modelId} in this library";

        // A model other than dlib's decides by its own manifest's threshold, never by dlib's 0.6.
        // (A PostgreSQL library has no model folder: its built-in models still carry their manifests.)
        if (LibraryModels.ManifestThreshold((catalog as FaceCatalog)?.Library, modelId) is { } manifest)
        {
            return new ResolvedThreshold(manifest.Value, ThresholdOrigin.Default, $"{manifest.Description} ({why}; 'faceindex calibrate' fits one)");
        }

        return new ResolvedThreshold(DefaultThreshold, ThresholdOrigin.Default, FormattableString.Invariant($"{DefaultThreshold:0.####}, dlib's default ({why}; 'faceindex calibrate' fits one)"));
    }

    /// <summary>
    /// Resolves for a library folder that may not exist: its catalog is opened read-only (so this works beside a running indexer),
    /// and a folder without a catalog, or one this build cannot read, gives the default with the reason.
    /// </summary>
    public static ResolvedThreshold ResolveForLibrary(string? library, string modelId, string? dataset = null, double? given = null)
    {
        if (given is not null || library is null || !File.Exists(Path.Combine(Path.GetFullPath(library), FaceCatalog.FileName)))
        {
            return Resolve(null, modelId, dataset, given);
        }

        try
        {
            using var catalog = FaceCatalog.Open(library, new CatalogOpenOptions(ReadOnly: true, Create: false));
            return Resolve(catalog, modelId, dataset, given);
        }
        catch (CatalogException ex)
        {
            return Resolve(null, modelId, dataset, given) with
            {
                Description = FormattableString.Invariant($"{DefaultThreshold:0.####}, dlib's default (the library's calibrations could not be read: {ex.Message})"),
            };
        }
    }
}
