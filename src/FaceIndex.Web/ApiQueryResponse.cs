using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>What POST /api/query answers: the permalink and what was kept, and the result as the CLI's <c>query --json</c> prints it.</summary>
public sealed record ApiQueryResponse(string Id, string Permalink, string Kept, QueryResult Result);
