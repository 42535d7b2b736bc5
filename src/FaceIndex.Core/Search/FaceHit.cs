using FaceIndex.Detection;

namespace FaceIndex.Search;

/// <summary>One indexed face returned for a query.</summary>
public sealed record FaceHit(
    int Rank,
    long FaceId,
    string Dataset,
    string ImagePath,
    string? Identity,
    FaceBox Box,
    float Distance,
    float Similarity,
    bool SamePerson);
