using FaceIndex.Calibration;
using FaceIndex.Detection;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

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
        library.EnsureModelEmbedded();
        var gallery = IdentityGallery.Load(library.Catalog, library.ModelId, dataset);
        var threshold = library.SameThreshold(dataset);
        var faces = chosen.Select(f => new IdentityQueryFace(f.Index, f.Box, gallery.Rank(library.ToLibrarySpace(f.Embedding!), template, k, threshold.Value, topK))).ToList();
        return new IdentityQueryResult(photoPath, template, topK, threshold, faces);
    }

    /// <summary>Ranks identities for an indexed face (the face itself is left out of its identity's template).</summary>
    public static IdentityQueryResult ForFace(FaceLibrary library, long faceId, IdentityTemplate template, int k = 10, int topK = 3, string? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(library);
        var face = library.Catalog.GetFace(faceId) ?? throw new FaceIndexException($"no face with id {faceId} (removed, or never indexed)");
        var embedding = library.StoredEmbedding(faceId);
        var gallery = IdentityGallery.Load(library.Catalog, library.ModelId, dataset);
        var threshold = library.SameThreshold(dataset);
        return new IdentityQueryResult($"face:{faceId}", template, topK, threshold, [new IdentityQueryFace(face.FaceIndex, face.Box, gallery.Rank(embedding, template, k, threshold.Value, topK, faceId))]);
    }
}
