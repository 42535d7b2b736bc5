using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>A query result kept for its permalink: what was found, when, and whether the photo was kept.</summary>
/// <param name="Id">The permalink id (128 random bits).</param>
/// <param name="CreatedAt">When the query ran.</param>
/// <param name="Result">The faces and their hits as found then (hits removed since are dropped when it is shown).</param>
/// <param name="HasPhoto">Whether the query photo was kept.</param>
/// <param name="Kept">What was kept, in words.</param>
/// <param name="RemovedSince">Hits dropped because their faces were removed after the query.</param>
public sealed record StoredResult(string Id, DateTimeOffset CreatedAt, QueryResult Result, bool HasPhoto, string Kept, int RemovedSince = 0);
