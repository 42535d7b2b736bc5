using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>What a photo query asks for.</summary>
/// <param name="K">Hits per query face.</param>
/// <param name="Subject">Which faces of the photo are queried: all (default), the one nearest the centre (LFW-style probes), the largest.</param>
/// <param name="Face">Only face N (numbered from the left, from 0); overrides <paramref name="Subject"/>.</param>
/// <param name="Dataset">Search only this dataset.</param>
public sealed record PhotoQueryOptions(int K = 10, SubjectPolicy Subject = SubjectPolicy.All, int? Face = null, string? Dataset = null);
