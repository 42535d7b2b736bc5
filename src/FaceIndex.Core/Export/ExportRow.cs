using System.Text.Json.Serialization;

namespace FaceIndex.Export;

/// <summary>One exported face: its ids, labels and box, and its embedding (the Parquet row type, so its properties are settable).</summary>
public sealed class ExportRow
{
    [JsonPropertyName("face_id")]
    public long FaceId { get; set; }

    [JsonPropertyName("dataset")]
    public string Dataset { get; set; } = string.Empty;

    [JsonPropertyName("image_path")]
    public string ImagePath { get; set; } = string.Empty;

    [JsonPropertyName("identity")]
    public string? Identity { get; set; }

    [JsonPropertyName("face_index")]
    public int FaceIndex { get; set; }

    [JsonPropertyName("box_left")]
    public int BoxLeft { get; set; }

    [JsonPropertyName("box_top")]
    public int BoxTop { get; set; }

    [JsonPropertyName("box_right")]
    public int BoxRight { get; set; }

    [JsonPropertyName("box_bottom")]
    public int BoxBottom { get; set; }

    [JsonPropertyName("detector_score")]
    public double DetectorScore { get; set; }

    [JsonPropertyName("is_subject")]
    public bool IsSubject { get; set; }

    [JsonPropertyName("model_id")]
    public string ModelId { get; set; } = string.Empty;

    [JsonPropertyName("embedding")]
    public float[] Embedding { get; set; } = [];
}
