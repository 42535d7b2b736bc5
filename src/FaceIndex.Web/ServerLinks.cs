using System.Globalization;
using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>The server's picture and link addresses: everything by id, never by a path from the request.</summary>
/// <param name="ResultId">The stored result whose query crops are shown, or null (a search from an indexed face).</param>
/// <param name="PhotoSrc">The whole query photo, or null.</param>
/// <param name="QueryFaceId">For a search from an indexed face: that face, whose crop is the query's.</param>
internal sealed record ServerLinks(string? ResultId, string? PhotoSrc, long? QueryFaceId = null) : IResultLinks
{
    public string? PhotoHref => QueryFaceId is { } id ? Face(id) : ResultId is null ? null : $"/r/{ResultId}";

    public string? QueryFaceSrc(QueryFace face) =>
        QueryFaceId is { } id ? FaceImage(id) : ResultId is null ? null : string.Create(CultureInfo.InvariantCulture, $"/results/{ResultId}/faces/{face.FaceIndex}");

    public string? HitSrc(FaceHit hit) => FaceImage(hit.FaceId);

    public string? HitHref(FaceHit hit) => Face(hit.FaceId);

    public string? SimilarHref(FaceHit hit) => string.Create(CultureInfo.InvariantCulture, $"/faces/{hit.FaceId}/similar");

    public static string Face(long id) => string.Create(CultureInfo.InvariantCulture, $"/faces/{id}");

    public static string FaceImage(long id) => string.Create(CultureInfo.InvariantCulture, $"/img/faces/{id}");

    public static string Image(long id) => string.Create(CultureInfo.InvariantCulture, $"/img/images/{id}");
}
