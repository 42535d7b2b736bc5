namespace FaceIndex.Search;

/// <summary>Where a rendered result's pictures and links point: data URIs and files for a saved page, URLs by id for the server.</summary>
public interface IResultLinks
{
    /// <summary>The whole query photo, or null when it was not kept (only the face crops are shown then).</summary>
    string? PhotoSrc { get; }

    /// <summary>Where a click on the query photo or a query face goes, or null.</summary>
    string? PhotoHref { get; }

    /// <summary>The thumbnail of a query face (<see cref="FaceCrop.Region"/> of its box), or null.</summary>
    string? QueryFaceSrc(QueryFace face);

    /// <summary>The thumbnail of a hit, or null when its image is not available.</summary>
    string? HitSrc(FaceHit hit);

    /// <summary>The hit's whole image (with its faces), or null.</summary>
    string? HitHref(FaceHit hit);

    /// <summary>A search with the hit as the query ("search from this face"), or null where there is none (a saved page).</summary>
    string? SimilarHref(FaceHit hit);
}
