namespace FaceIndex.Annoy;

/// <summary>The result of a nearest-neighbour query: item ids, nearest first, and their distances when asked for.</summary>
/// <param name="Ids">Item ids, nearest first.</param>
/// <param name="Distances">The distance of each id as annoy returns it (angular: sqrt(2 - 2 cos); dot: the inner product), or null.</param>
public sealed record NearestNeighbors(IReadOnlyList<int> Ids, IReadOnlyList<float>? Distances);
