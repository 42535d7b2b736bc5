namespace FaceIndex.Search;

/// <summary>One indexed identity returned for a query, ranked by its template score.</summary>
/// <param name="Rank">1 for the nearest identity.</param>
/// <param name="Dataset">The dataset the identity belongs to (an identity is a label within a dataset).</param>
/// <param name="Identity">The label.</param>
/// <param name="Score">The template score (a Euclidean distance).</param>
/// <param name="Faces">Its labelled faces in the gallery.</param>
/// <param name="BestFaceId">Its face nearest the query.</param>
/// <param name="BestFaceDistance">That face's distance.</param>
/// <param name="SamePerson">Whether <paramref name="Score"/> is below the same-person threshold.</param>
public sealed record IdentityHit(int Rank, string Dataset, string Identity, float Score, int Faces, long BestFaceId, float BestFaceDistance, bool SamePerson);
