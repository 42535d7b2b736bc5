using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceIndex.Web;

/// <summary>The JSON of the API: the CLI's --json settings (camelCase, enums as strings, nulls left out).</summary>
public static class WebJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
