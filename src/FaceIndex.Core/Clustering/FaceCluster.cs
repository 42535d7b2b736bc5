using FaceIndex.Audit;

namespace FaceIndex.Clustering;

/// <summary>One cluster: its id (dense, largest first; -1 for the unclustered) and its faces.</summary>
public sealed record FaceCluster(int Id, IReadOnlyList<AuditFace> Faces);
