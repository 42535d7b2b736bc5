using FaceIndex.Calibration;
using FaceIndex.Detection;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>One face of a query photo with the identities ranked for it.</summary>
/// <param name="FaceIndex">The face's number in the photo (from the left, from 0).</param>
/// <param name="Box">Where it is.</param>
/// <param name="Hits">Identities, nearest first.</param>
public sealed record IdentityQueryFace(int FaceIndex, FaceBox Box, IReadOnlyList<IdentityHit> Hits)
{
    /// <summary>True when the nearest identity is beyond the threshold: the face is of nobody indexed.</summary>
    public bool NoIndexedIdentity => Hits.Count == 0 || !Hits[0].SamePerson;
}

/// <summary>A query that ranks identities: the template rule, the threshold and its origin, and the faces.</summary>
public sealed record IdentityQueryResult(string Photo, IdentityTemplate Template, int TopK, ResolvedThreshold Threshold, IReadOnlyList<IdentityQueryFace> Faces);

/// <summary>Queries that rank a library's labelled identities (<c>faceindex query --by identity</c>).</summary>
public static class IdentityQuery
{
    /// <summary>Ranks identities for every face of <paramref name="photoPath"/> (or only face <paramref name="faceIndex"/>).</summary>
    public static IdentityQueryResult ForPhoto(
        FaceLibrary library, string photoPath, IdentityTemplate template, int k = 10, int topK = 3, string? dataset = null, int upsample = 1, int? faceIndex = null)
    {
        ArgumentNullException.ThrowIfNull(library);
        var analysis = library.Engine.Analyze(photoPath, new PipelineOptions(Upsample: upsample, DetectMaxSide: new FaceLibraryOptions().DetectMaxSide));
        if (analysis.Faces.Count == 0)
        {
            throw new FaceIndexException($"no face found in {photoPath} (detector upsample {upsample}): use a photo where the face is at least ~40 pixels wide and roughly frontal");
        }

        var chosen = faceIndex is { } wanted
            ? (wanted >= 0 && wanted < analysis.Faces.Count ? [analysis.Faces[wanted]] : throw new FaceIndexException($"{photoPath} has {analysis.Faces.Count} face(s); face {wanted} is not one of them"))
            : analysis.Faces;
        var gallery = IdentityGallery.Load(library.Catalog, library.ModelId, dataset);
        var threshold = library.SameThreshold(dataset);
        var faces = chosen.Select(f => new IdentityQueryFace(f.Index, f.Box, gallery.Rank(f.Embedding!, template, k, threshold.Value, topK))).ToList();
        return new IdentityQueryResult(photoPath, template, topK, threshold, faces);
    }

    /// <summary>Ranks identities for an indexed face (the face itself is left out of its identity's template).</summary>
    public static IdentityQueryResult ForFace(FaceLibrary library, long faceId, IdentityTemplate template, int k = 10, int topK = 3, string? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(library);
        var face = library.Catalog.GetFace(faceId) ?? throw new FaceIndexException($"no face with id {faceId} (removed, or never indexed)");
        var embedding = face.Embedding ?? throw new FaceIndexException($"face {faceId} has no embedding: re-index its dataset");
        var gallery = IdentityGallery.Load(library.Catalog, library.ModelId, dataset);
        var threshold = library.SameThreshold(dataset);
        return new IdentityQueryResult($"face:{faceId}", template, topK, threshold, [new IdentityQueryFace(face.FaceIndex, face.Box, gallery.Rank(embedding, template, k, threshold.Value, topK, faceId))]);
    }
}
