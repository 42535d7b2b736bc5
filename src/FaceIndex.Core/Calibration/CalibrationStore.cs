using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FaceIndex.Catalog;

namespace FaceIndex.Calibration;

/// <summary>Picks the calibrated point a library should use and stores the calibration in the catalog.</summary>
public static class CalibrationStore
{
    /// <summary>
    /// The point to put in force: <paramref name="use"/> names one ("accuracy", or a FAR such as "1e-3"); without it, the first FAR target
    /// with enough impostor pairs, else the accuracy-maximising point.
    /// </summary>
    /// <exception cref="FaceIndexException"><paramref name="use"/> names no calibrated point.</exception>
    public static CalibratedPoint Choose(CalibrationResult result, string? use)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (use is null)
        {
            return result.Points.FirstOrDefault(p => p.Kind == OperatingPointKind.Far && p.EnoughImpostors)
                ?? result.Points.First(p => p.Kind == OperatingPointKind.Accuracy);
        }

        if (use.Equals("accuracy", StringComparison.OrdinalIgnoreCase))
        {
            return result.Points.First(p => p.Kind == OperatingPointKind.Accuracy);
        }

        var text = use.StartsWith("far", StringComparison.OrdinalIgnoreCase) ? use[3..].Trim(' ', ':', '=') : use;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var far)
            && result.Points.FirstOrDefault(p => p.TargetFar is { } f && Math.Abs(f - far) <= far * 1e-9) is { } point)
        {
            return point;
        }

        throw new FaceIndexException(
            $"'{use}' is not a calibrated point; use 'accuracy' or one of the FAR targets: {string.Join(", ", result.Points.Where(p => p.TargetFar.HasValue).Select(p => p.TargetFar!.Value.ToString("G", CultureInfo.InvariantCulture)))}");
    }

    /// <summary>Stores <paramref name="result"/> with <paramref name="chosen"/> in force for the model (and dataset); returns the row id.</summary>
    public static long Save(IFaceCatalog catalog, string modelId, string? dataset, string source, CalibrationResult result, CalibratedPoint chosen)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(chosen);
        return catalog.AddCalibration(modelId, dataset, chosen.Threshold, chosen.Name, source, ToJson(result));
    }

    /// <summary>The result as JSON (NaN and Infinity written as strings).</summary>
    public static string ToJson(CalibrationResult result) => JsonSerializer.Serialize(result, CalibrationJsonContext.Default.CalibrationResult);

    /// <summary>Reads a result written by <see cref="ToJson"/>.</summary>
    public static CalibrationResult FromJson(string json) =>
        JsonSerializer.Deserialize(json, CalibrationJsonContext.Default.CalibrationResult) ?? throw new FaceIndexException("the stored calibration is empty");
}

/// <summary>Source-generated JSON metadata for calibrations.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(CalibrationResult))]
internal sealed partial class CalibrationJsonContext : JsonSerializerContext;
