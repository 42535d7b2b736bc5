using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>What /api/info and /info show: faces, image statuses, the index (kind, parameters, measured recall), the delta, removals.</summary>
public sealed record LibraryInfo(long Faces, IReadOnlyDictionary<string, long> Statuses, IndexMeta? Index, long FacesSinceBuild, int Removals, int Datasets);
