using FaceIndex.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FaceIndex.Web;

/// <summary>The HTTP API, with the CLI's JSON: query by photo, similar faces, datasets, info, stored results.</summary>
internal static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapPost("/query", async (HttpRequest request, ServeOptions options, QueryService queries, CancellationToken cancellationToken) =>
        {
            var (photo, query) = await Uploads.ReadAsync(request, options, cancellationToken).ConfigureAwait(false);
            var (stored, _) = await queries.QueryAsync(photo, query, cancellationToken).ConfigureAwait(false);
            return Results.Json(new ApiQueryResponse(stored.Id, $"/r/{stored.Id}", stored.Kept, stored.Result), WebJson.Options);
        })
            .RequireRateLimiting(FaceIndexServer.AnalysisPolicy)
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<ApiQueryResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Query by photo: multipart part 'photo', optional k (1-100), dataset, face (number from the left).");

        api.MapGet("/faces/{id:long}/similar", async (long id, int? k, string? dataset, LibraryPool pool, CancellationToken cancellationToken) =>
        {
            var count = k ?? 10;
            if (count is < 1 or > Uploads.MaxK)
            {
                throw new RequestProblemException(StatusCodes.Status400BadRequest, "BadParameter", $"k {count}: give 1 to {Uploads.MaxK}");
            }

            using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            var face = lease.Library.Catalog.GetFace(id);
            if (face is null)
            {
                return NotFound($"no face with id {id} (removed, or never indexed)");
            }

            var hits = lease.Library.QueryByFaceId(id, count, dataset);
            return Results.Json(new QueryResult($"face:{id}", 0, 0, [new QueryFace(face.FaceIndex, face.Box, face.Score, hits)]), WebJson.Options);
        })
            .Produces<QueryResult>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The faces most similar to an indexed face (itself left out).");

        api.MapGet("/datasets", async (LibraryPool pool, CancellationToken cancellationToken) =>
        {
            using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(lease.Library.Catalog.DatasetSummaries(withRoot: false), WebJson.Options);
        })
            .Produces<IReadOnlyList<Catalog.DatasetSummary>>()
            .WithSummary("The datasets with licence, source, consent basis and counts.");

        api.MapGet("/info", async (LibraryPool pool, CancellationToken cancellationToken) =>
        {
            using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(Info(lease.Library), WebJson.Options);
        })
            .Produces<LibraryInfo>()
            .WithSummary("Faces, the index (kind, parameters, measured recall), faces since its build, removals.");

        api.MapGet("/results/{id}", async (string id, QueryService queries, CancellationToken cancellationToken) =>
        {
            var stored = await queries.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return stored is null ? NotFound($"no stored result {id}") : Results.Json(stored, WebJson.Options);
        })
            .Produces<StoredResult>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A stored result (a permalink's), with hits removed since left out.");
    }

    internal static LibraryInfo Info(FaceLibrary library)
    {
        var catalog = library.Catalog;
        var meta = FaceSearchIndex.ReadMeta(catalog.Library);
        return new LibraryInfo(
            catalog.FaceCount(),
            catalog.CountByStatus().ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            meta,
            meta is null ? catalog.FaceCount() : catalog.CountFacesAfter(meta.MaxFaceId),
            catalog.Removals().Count,
            catalog.Datasets().Count);
    }

    private static IResult NotFound(string message) =>
        Results.Problem(detail: message, statusCode: StatusCodes.Status404NotFound, title: "NotFound");
}
