using FaceIndex.Detection;

namespace FaceIndex.Audit;

/// <summary>A face a finding is about: where it is and under which label.</summary>
public sealed record AuditFace(long FaceId, string Dataset, string ImagePath, string? Identity, FaceBox Box);
